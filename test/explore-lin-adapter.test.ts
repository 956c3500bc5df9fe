/**
 * explore's linearizability adapter (explore/checks.ts): writes whose data no read returned share one placeholder
 * value, and unknown writes that then step alike are tried in one order only (the znode model's stepKey). Standalone
 * with 16 clients, seed 16 was 'not checked' (the search gave up after 1,000,000 configurations; so were 94, 142,
 * 162 and 190 of seeds 1..200) and is decided now. A counterexample still shows the data the clients wrote.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { specOf } from '../explore/engine.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';
import { runSpec } from '../explore/runner.js';

const lin = async (config: Partial<typeof DEFAULT_CONFIG>, seed: number) => {
  const o = await runSpec(specOf({ config: { ...DEFAULT_CONFIG, ...config, skipChecks: ['osc', 'watches', 'ensemble'] }, workload: 'registers' }, seed));
  return o.verdicts.find((v) => v.property === 'linearizable')!;
};

test('16 clients on a single server: seed 16 is decided (it was not checked)', async () => {
  const v = await lin({ servers: 1, clients: 16 }, 16);
  assert.is(v.ok, true, v.explanation);
  assert.match(v.explanation, /reads and writes/);
});

test('a counterexample (commit-before-quorum, seed 4) shows the data the clients wrote, not the placeholder', async () => {
  const v = await lin({ bugs: ['commit-before-quorum'], faults: ['crash', 'isolate-leader', 'partition', 'pause-server', 'power-loss'] }, 4);
  assert.is(v.ok, false);
  assert.match(v.explanation, /NOT linearizable/);
  assert.match(v.explanation, /setData \{"path":"\/r\d","data":"[^\\]/);
  assert.not.match(v.explanation, /no read returned/);
});

test.run();
