/**
 * OSC's look-ahead lists (check/osc.ts, AheadList): a cursor skips the placed operations of a node's creators and
 * removers, of a session's closes and of a value's writers, and backtracking moves it back. These inventory runs
 * (6 clients: nodes created and deleted over and over, ephemerals, unknown outcomes) hold; with the cursor left where
 * it was on backtracking, OSC failed each of them (the look-ahead took an operation still to come as placed).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { specOf } from '../explore/engine.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';
import { runSpec } from '../explore/runner.js';

test('inventory, 6 clients, seeds 43, 79 and 113: osc holds', async () => {
  for (const seed of [43, 79, 113]) {
    const r = await runSpec(specOf({ config: { ...DEFAULT_CONFIG, clients: 6 }, workload: 'inventory' }, seed));
    const osc = r.verdicts.find((v) => v.property === 'osc')!;
    assert.is(osc.ok, true, `seed ${seed}: ${osc.explanation}`);
  }
});

test.run();
