import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { headline } from '../explore/verdict.js';
import { explain } from '../explore/artefacts.js';
import type { RunSpec } from '../explore/spec.js';
import type { RunOutcome } from '../explore/runner.js';

const ensemble = 'ensemble invariants VIOLATED (1):\n  [sequential names unique and increasing] t=2536: /workers/w-0000000000 (zxid 0x5) does not follow sequence 0000000000 under /workers';

test('headline: a first line that only announces its details takes the first detail with it', () => {
  const h = headline(ensemble);
  assert.is(h.text, 'ensemble invariants VIOLATED (1): [sequential names unique and increasing] t=2536: /workers/w-0000000000 (zxid 0x5) does not follow sequence 0000000000 under /workers');
  assert.is(h.more, false);
});

test('headline: a complete first line stays alone; more says what was left out; long lines are cut with an ellipsis', () => {
  assert.equal(headline('NOT ordered-sequentially consistent (7 operations)\nlongest legal order found has 2 operation(s):'), { text: 'NOT ordered-sequentially consistent (7 operations)', more: true });
  assert.equal(headline('every operation finished'), { text: 'every operation finished', more: false });
  const long = headline('x'.repeat(300), 200);
  assert.is(long.text.length, 200);
  assert.ok(long.text.endsWith('…'));
  assert.is(long.more, true);
});

test('explanation.txt gives every other violated property in full, not only its first line', () => {
  const spec = { seed: 1, config: { servers: 1, bugs: [] }, schedule: [], workload: { name: 'naming', clients: [[]] } } as unknown as RunSpec;
  const osc = { property: 'osc', ok: false, explanation: 'NOT ordered-sequentially consistent\nlongest legal order found has 2 operation(s):' };
  const outcome = { traceHash: '0', events: 1, simulatedMs: 1, verdicts: [osc, { property: 'ensemble', ok: false, explanation: ensemble }] } as unknown as RunOutcome;
  const text = explain(spec, outcome, osc);
  assert.match(text, /FAIL ensemble: ensemble invariants VIOLATED \(1\): \[sequential names unique and increasing\]/);
  assert.match(text, /also violated, ensemble:\nensemble invariants VIOLATED \(1\):\n {2}\[sequential names/);
  assert.not.match(text, /also violated, osc/);
  // the verdict of a shrunk run is an equal copy, not the outcome's own object
  assert.not.match(explain(spec, outcome, { ...osc }), /also violated, osc/);
});

test.run();
