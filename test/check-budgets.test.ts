/**
 * The searches' bounds on memory, so that a long history ends with a verdict instead of V8's out-of-memory abort:
 * - `zksim check` passes a heap check to checkOperations (`giveUp`, asked between search slices): kv/c50-bad with
 *   --all-partitions filled a 4 GB heap in about 140 s;
 * - explore's checks pass deterministic memory budgets (maxCacheWords, maxVisitedWords: the same verdict on every
 *   machine): a one-hour run with 20 clients (acl workload) filled 8 GB and ran past 600 s; it now ends in about 100 s
 *   with linearizable and osc 'not checked' at their budgets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseHistory } from '../check/codecs.js';
import { pairOperations } from '../check/history.js';
import { checkOperations, formatResult } from '../check/linearizability.js';
import { checkOsc, formatOsc, type SessionClose } from '../check/osc.js';
import type { HistoryEvent } from '../check/history.js';
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

test('maxCacheWords: the configurations\' bits over every partition bound the linearizability search, deterministically', () => {
  if (missing) assert.unreachable(missing);
  const file = join(SHARED_HISTORIES, 'kv', 'c50-ok.txt'); // 175,959 configurations: many search slices
  const ops = pairOperations(parseHistory(readFileSync(file, 'utf8'), file));
  const free = checkOperations(model, ops);
  assert.is(free.verdict, 'linearizable');
  assert.is(free.unknownReason, undefined);
  const tight = checkOperations(model, ops, { maxCacheWords: 1000 });
  assert.is(tight.verdict, 'unknown');
  assert.match(tight.unknownReason!, /^the search reached its memory budget/);
  assert.match(formatResult(tight), /memory budget/);
  // the same bound, the same place to stop
  assert.is(checkOperations(model, ops, { maxCacheWords: 1000 }).explored, tight.explored);
  // a budget above what the search takes changes nothing
  assert.equal(checkOperations(model, ops, { maxCacheWords: 100 * 1024 * 1024 }), free);
});

test('maxVisitedWords: the session positions of the visited configurations bound an OSC search', () => {
  type Fixture = { history: HistoryEvent[]; sessionCloses: Record<string, SessionClose> };
  const f = JSON.parse(readFileSync(new URL('../../test/fixtures/osc16-naming-50038.json', import.meta.url), 'utf8')) as Fixture;
  const opts = { sessionCloses: new Map(Object.entries(f.sessionCloses)), maxExplored: 100_000 };
  const free = checkOsc(f.history, opts);
  assert.is(free.verdict, 'ok', formatOsc(free));
  assert.ok(free.explored > 100, `explored ${free.explored}`);
  const tight = checkOsc(f.history, { ...opts, maxVisitedWords: 50 * free.sessions });
  assert.is(tight.verdict, 'unknown');
  assert.is(tight.memoryBudget, true);
  assert.match(formatOsc(tight), /memory budget/);
  assert.equal(checkOsc(f.history, { ...opts, maxVisitedWords: 100 * 1024 * 1024 }), free);
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
