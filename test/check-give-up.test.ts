/**
 * A linearizability search that would outgrow the heap ends with a verdict: checkOperations asks `giveUp` between
 * search slices, and `zksim check` passes a heap check. kv/c50-bad with --all-partitions filled a 4 GB heap in about
 * 140 s and V8 aborted the process with its out-of-memory stack trace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseHistory } from '../check/codecs.js';
import { pairOperations } from '../check/history.js';
import { checkOperations, formatResult } from '../check/linearizability.js';
import { kvModel } from '../check/models/kv.js';
import type { Model } from '../check/models/model.js';
import { SHARED_HISTORIES, sharedHistoriesProblem } from './shared-histories.js';

const missing = sharedHistoriesProblem();
const HARD = join(SHARED_HISTORIES, 'kv', 'c50-bad.txt');
const model = kvModel as unknown as Model<unknown, unknown>;

test('giveUp: a reason stops every partition still searched; the text and result say why', () => {
  if (missing) assert.unreachable(missing);
  const ops = pairOperations(parseHistory(readFileSync(HARD, 'utf8'), HARD));
  let asked = 0;
  const r = checkOperations(model, ops, { allPartitions: true, giveUp: () => (++asked >= 3 ? 'enough searched' : undefined) });
  assert.is(asked, 3, 'asked between slices until it gave a reason');
  assert.is(r.unknownReason, 'enough searched');
  assert.ok(r.verdict === 'unknown' || r.verdict === 'not-linearizable', r.verdict);
  assert.match(formatResult(r), /enough searched/);
});

test('zksim check: a search that fills most of the heap ends with exit 1 and says so, not with a crash', () => {
  if (missing) assert.unreachable(missing);
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', 'dist/bin/zksim.js', 'check', HARD, '--all-partitions'], { encoding: 'utf8', timeout: 120_000 });
  assert.not.match(r.stderr, /heap out of memory/);
  assert.is(r.status, 1, `status ${r.status}, signal ${r.signal}`);
  assert.match(r.stdout, /^NOT linearizable/);
  assert.match(r.stdout.trimEnd().split('\n').pop()!, /^the other partitions' search stopped before a verdict: the search filled \d+ MB of the heap's \d+ MB/);
});

test.run();
