/**
 * The narrator (scenarios/narrate.ts) says only what the events show, in words: every learner event has a sentence
 * (ack-timeout was printed as its raw JSON record), an event it has no sentence for is still told as "key value"
 * pairs, a commit that did not wait for its ACKs does not claim a quorum acked it, one vote sent to every peer is one
 * line, and two results of the same call at once are told apart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Narrator, makeChalk } from '../scenarios/narrate.js';
import { runScenario } from '../scenarios/api.js';
import bugZoo from '../scenarios/bug-zoo.js';
import minorityPartition from '../scenarios/minority-partition.js';
import type { TraceEvent } from '../sim/trace.js';
import type { HistoryEvent } from '../check/history.js';

const plain = (verbose = false): Narrator => new Narrator({ chalk: makeChalk(false), verbose });
const RAW = /\{"|":/;

test("the leader's ack-timeout of a learner is told in words", () => {
  const lines = plain().narrate([{ t: 11215, kind: 'learner', node: 's5', event: 'ack-timeout', sid: 2, zxid: 0x100000004 }], []);
  assert.equal(lines.length, 1);
  assert.not.match(lines[0]!, RAW);
  assert.match(lines[0]!, /drops s2: no ACK for 0x100000004 within syncLimit ticks/);
});

test('no event is ever printed as raw JSON: unknown kinds and unknown learner events read as key-value pairs', () => {
  const odd: TraceEvent[] = [
    { t: 1, kind: 'learner', node: 's1', event: 'something-new', sid: 3, zxid: 0x200000001, detail: { a: 1, b: 'x' } },
    { t: 2, kind: 'mystery', node: 's2', sessionId: 0x100000000000, list: [1, 2], nested: { deep: { deeper: 1 } } },
    { t: 3, kind: 'storage-error', node: 's3', file: 'log.1', error: 'ENOSPC' },
    { t: 4, kind: 'epoch', node: 's1', something: 'else' },
    { t: 5, kind: 'link-latency', a: 's1', b: 's2', latency: { min: 50, max: 100 } },
  ];
  for (const verbose of [false, true]) {
    const lines = plain(verbose).narrate(odd, []);
    for (const l of lines) assert.not.match(l, RAW, l);
    assert.ok(lines.some((l) => /learner something-new: sid s3, zxid 0x200000001, detail \(a 1, b x\)/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /storage-error: file log\.1, error ENOSPC/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /slow link s1 ↔ s2: 50–100 ms/.test(l)), lines.join('\n'));
    if (verbose) assert.ok(lines.some((l) => /mystery: sessionId 0x100000000000, list 1,2, nested \(deep /.test(l)), lines.join('\n'));
  }
});

test("a learner's reload after a TRUNC is told as the state after the cut, not as a read before it", () => {
  // it read "reads its disk: last logged zxid 0x100000007, 7 txns" and then "TRUNCATES its log to 0x100000007 (drops
  // 2 txns...)", as if the log had ended at 0x100000007 before the truncation
  const lines = plain().narrate(
    [
      { t: 16440, kind: 'recover', node: 's3', zxid: 0x100000007, txns: 7, snapshot: 0, acceptedEpoch: 2, currentEpoch: 1, reason: 'trunc' },
      { t: 16440, kind: 'learner', node: 's3', event: 'trunc', zxid: '0x100000007', dropped: 2, lastZxid: '0x100000007' },
      { t: 20000, kind: 'recover', node: 's1', zxid: 0x100000009, txns: 9, snapshot: null, acceptedEpoch: 1, currentEpoch: 1 },
    ],
    [],
  );
  assert.is(lines.length, 3, lines.join('\n'));
  assert.match(lines[0]!, /s3 +reloads its disk once truncated to the leader's TRUNC: last logged zxid 0x100000007, 7 txns/);
  assert.not.match(lines[0]!, /reads its disk/);
  assert.match(lines[1]!, /TRUNCATES its log to 0x100000007 \(drops 2 txns/);
  assert.match(lines[2]!, /s1 +reads its disk: last logged zxid 0x100000009, 9 txns, snapshot none/);
});

test("a multiRead's results are told read by read, and a container manager's delete names its node and check", () => {
  // ttl-from-ctime's shrunk story read "multiRead → ok results object,object,object" and "PROPOSES 0x9 (epoch 0,
  // #9) delete": the failure's own delete with no node named
  const n = plain();
  const lines = n.narrate(
    [{ t: 3000, kind: 'propose', node: 's1', zxid: 9, type: 'delete', session: 0, epoch: 0, path: '/inv/p0/n1', checked: 3000 }],
    [
      { kind: 'invoke', id: 1, process: 'c1', time: 7688, op: 'multiRead', args: { ops: [{ op: 'getData', path: '/a' }, { op: 'getChildren', path: '/b' }, { op: 'getData', path: '/c' }] } },
      {
        kind: 'ok',
        id: 1,
        process: 'c1',
        time: 7696,
        zxid: 9,
        result: { results: [{ op: 'getData', data: 'x', stat: { version: 2, czxid: 5 } }, { op: 'getChildren', children: ['n1', 'n2'] }, { op: 'error', err: -101 }] },
      },
    ],
  );
  const text = lines.join('\n');
  assert.not.match(text, /object/);
  assert.match(text, /PROPOSES 0x9 \(epoch 0, #9\) delete \/inv\/p0\/n1 \(the container manager's check at 3000 ms\)/);
  assert.match(text, /multiRead → ok getData data="x" version=2 czxid=0x5; getChildren children=\["n1","n2"\]; error NONODE zxid 0x9/);
});

test('minority-partition: no narration line is a raw trace record', async () => {
  const lines: string[] = [];
  const r = await runScenario(minorityPartition, { narrate: (l) => lines.push(l), color: false });
  assert.is(r.status, 'passed', r.message);
  for (const l of lines) assert.not.match(l, RAW, l);
  assert.ok(lines.some((l) => /drops s\d: no ACK for 0x[0-9a-f]+ within syncLimit ticks/.test(l)), 'the old leader drops its unreachable learners');
});

test('a commit names the ACKs it got; one that did not wait for a quorum says so', () => {
  const ok = plain().narrate([
    { t: 1, kind: 'propose', node: 's3', zxid: 0x100000001, type: 'create', session: 1, epoch: 1 },
    { t: 2, kind: 'ack', node: 's3', zxid: 0x100000001, from: 3 },
    { t: 3, kind: 'ack', node: 's3', zxid: 0x100000001, from: 1 },
    { t: 3, kind: 'commit', node: 's3', zxid: 0x100000001, epoch: 1, acks: [1, 3] },
  ], []);
  assert.match(ok.at(-1)!, /COMMITS 0x100000001 \(acked by s1,s3: a quorum\)/);
  // commit-before-quorum: the commit record lists every voter, but no ACK came
  const early = plain().narrate([
    { t: 1, kind: 'propose', node: 's3', zxid: 0x100000004, type: 'setData', session: 1, epoch: 1 },
    { t: 1, kind: 'commit', node: 's3', zxid: 0x100000004, epoch: 1, acks: [1, 2, 3] },
  ], []);
  assert.match(early.at(-1)!, /COMMITS 0x100000004 without waiting for a quorum of ACKs \(no ACK had arrived\)/);
  assert.not.match(early.at(-1)!, /a quorum\)/);
  const one = plain().narrate([
    { t: 1, kind: 'propose', node: 's3', zxid: 5, type: 'setData', session: 1, epoch: 0 },
    { t: 1, kind: 'ack', node: 's3', zxid: 5, from: 3 },
    { t: 1, kind: 'commit', node: 's3', zxid: 5, epoch: 0, acks: [1, 2, 3] },
  ], []);
  assert.match(one.at(-1)!, /without waiting for a quorum of ACKs \(acked by s3 only\)/);
});

test('bug-zoo: the isolated leader\'s commit is not narrated as acked by a quorum', async () => {
  const lines: string[] = [];
  const r = await runScenario(bugZoo, { narrate: (l) => lines.push(l), color: false });
  assert.is(r.status, 'passed', r.message);
  const step2 = lines.slice(lines.findIndex((l) => l.startsWith('Step 2')), lines.findIndex((l) => l.startsWith('Step 3')));
  const commits = step2.filter((l) => / COMMITS /.test(l));
  assert.ok(commits.length >= 1, step2.join('\n'));
  for (const l of commits) {
    assert.match(l, /without waiting for a quorum of ACKs/);
    assert.not.match(l, /acked by s1/);
  }
});

test('one vote sent to every peer is one line, even with connection records in between', () => {
  const vote = (to: number): TraceEvent => ({ t: 0, kind: 'vote', node: 's1', dir: 'send', to, state: 'LOOKING', leader: 1, zxid: 0, electionEpoch: 1, peerEpoch: 0, sid: 1 });
  const lines = plain().narrate([
    vote(1), vote(2),
    { t: 0, kind: 'connect', node: 's1', to: 's3', conn: 2 },
    vote(3),
    { t: 0, kind: 'vote', node: 's1', dir: 'recv', from: 1, state: 'LOOKING', leader: 1, zxid: 0, electionEpoch: 1, peerEpoch: 0, sid: 1 },
    { t: 0, kind: 'state', node: 's2', role: 'LOOKING', epoch: 0, reason: 'start' },
    vote(2),
  ], []);
  const votes = lines.filter((l) => /votes for/.test(l));
  assert.is(votes.length, 2, lines.join('\n'));
  assert.match(votes[0]!, /→ s1,s2,s3$/);
  assert.match(votes[1]!, /→ s2$/, 'a narrated event in between ends the burst');
});

test('two results of the same call at once are told apart by when each was called', () => {
  const h: HistoryEvent[] = [
    { kind: 'invoke', id: 1, process: 'c3', time: 14045, op: 'sync', args: { path: '/x' } },
    { kind: 'invoke', id: 2, process: 'c3', time: 19441, op: 'sync', args: { path: '/x' } },
    { kind: 'ok', id: 1, process: 'c3', time: 20257, result: {}, zxid: 4 },
    { kind: 'ok', id: 2, process: 'c3', time: 20257, result: {}, zxid: 4 },
    { kind: 'invoke', id: 3, process: 'c3', time: 20300, op: 'getData', args: { path: '/x' } },
    { kind: 'ok', id: 3, process: 'c3', time: 20305, result: { data: 'v3', stat: null } },
  ];
  const lines = plain().narrate([], h);
  const results = lines.filter((l) => /→ ok/.test(l));
  assert.match(results[0]!, /sync \/x \(called at 14045 ms\) → ok zxid 0x4$/);
  assert.match(results[1]!, /sync \/x → ok zxid 0x4$/);
  assert.match(results[2]!, /getData \/x → ok data="v3"/);
  for (const l of lines) assert.not.match(l, /\{\}/, 'an empty result is not printed as {}');
});

test.run();
