/**
 * Every history in ../shared/histories/ (Jepsen etcd register runs and Porcupine's kv runs) against the verdicts
 * Porcupine's own tests assert (expected.json).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHistory } from '../check/codecs.js';
import { pairOperations } from '../check/history.js';
import { checkOperations } from '../check/linearizability.js';
import { kvModel } from '../check/models/kv.js';
import { registerModel } from '../check/models/register.js';
import type { Model } from '../check/models/model.js';
import { SHARED_HISTORIES, sharedHistoriesProblem } from './shared-histories.js';

const root = SHARED_HISTORIES;
interface Expected {
  file: string;
  model: string;
  expected: 'linearizable' | 'not-linearizable';
  ops: number;
}
const missing = sharedHistoriesProblem();
const files = missing ? [] : (JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as { files: Expected[] }).files;

test('expected.json lists 83 Jepsen and 6 kv histories', () => {
  if (missing) assert.unreachable(missing);
  assert.is(files.filter((f) => f.file.startsWith('jepsen/')).length, 83);
  assert.is(files.filter((f) => f.file.startsWith('kv/')).length, 6);
});

for (const f of files) {
  test(`${f.file}: ${f.expected}`, () => {
    const events = parseHistory(readFileSync(join(root, f.file), 'utf8'), f.file);
    assert.is(pairOperations(events, { keepNotApplied: true }).length, f.ops, 'operation count (invocations)');
    const ops = pairOperations(events);
    const model = (f.file.startsWith('kv/') ? kvModel : registerModel) as unknown as Model<unknown, unknown>;
    const r = checkOperations(model, ops);
    assert.is(r.verdict, f.expected);
    if (r.verdict === 'not-linearizable') assert.ok(r.failures.length > 0 && r.failures[0]!.stuck, 'a counterexample');
  });
}

test.run();
