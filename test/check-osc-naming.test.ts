/** Regression tests for OSC false positives found by `zksim explore` in the naming workload. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkOsc, formatOsc } from '../check/osc.js';
import { pairOperations, type HistoryEvent, type Operation, type Process } from '../check/history.js';
import { resolveSequentialNames, sequentialNameResolver } from '../check/models/znode.js';

import { hist, type Spec } from './check-helpers.js';

const ES = 'EPHEMERAL_SEQUENTIAL';
const kids = (...c: string[]): { ok: unknown } => ({ ok: { children: c } });
/** Inserts a session state event (time must be distinct from the rows'). */
function withSession(h: HistoryEvent[], process: Process, time: number, state: 'expired' | 'closed'): HistoryEvent[] {
  const out = [...h, { kind: 'session', process, time, state } as HistoryEvent];
  return out.sort((a, b) => a.time - b.time);
}

// seed 175 (shrunk): the client is paused while its EPHEMERAL_SEQUENTIAL create is in flight; the create takes
// effect, another session sees the node, then the session expires and the node goes away. The synthetic
// closeSession must come after the session's unknown create in its program order, not at its last completed op.
const expiredAfterUnknownCreate: Spec[] = [
  ['C1', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' } }],
  ['C1', 'getChildren', { path: '/w' }, 2, 3, kids()],
  ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 10, 12, 'unknown'],
  ['C2', 'getChildren', { path: '/w' }, 13, 14, kids('e-0000000000')],
  ['C2', 'getChildren', { path: '/w' }, 21, 22, kids()],
];

test('seed 175: an unknown create of an expired session may take effect before the expiry', () => {
  const r = checkOsc(withSession(hist(...expiredAfterUnknownCreate), 'C1', 20, 'expired'));
  assert.is(r.verdict, 'ok', formatOsc(r));
  const r2 = checkOsc(withSession(hist(...expiredAfterUnknownCreate), 'C1', 20, 'expired'), { noShortcut: true });
  assert.is(r2.verdict, 'ok', formatOsc(r2));
});

test('seed 175 (negative): nothing of a session takes effect after its end', () => {
  // after a sync that follows the expiry, the session's node appears: forbidden
  const late: Spec[] = [
    ['C1', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' } }],
    ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 10, 12, 'unknown'],
    ['C2', 'getChildren', { path: '/w' }, 13, 14, kids()],
    ['C2', 'sync', { path: '/w' }, 21, 22, { ok: {} }],
    ['C2', 'getChildren', { path: '/w' }, 23, 24, kids('e-0000000000')],
  ];
  const r = checkOsc(withSession(hist(...late), 'C1', 20, 'expired'), { noShortcut: true });
  assert.is(r.verdict, 'violation', formatOsc(r));
  // and an ephemeral seen after the expiry by a session that saw it gone is forbidden too
  const back: Spec[] = [...expiredAfterUnknownCreate, ['C2', 'getChildren', { path: '/w' }, 23, 24, kids('e-0000000000')]];
  // (C2 already saw it gone at 22: monotonic reads)
  assert.is(checkOsc(withSession(hist(...back), 'C1', 20, 'expired')).verdict, 'violation');
});

// seed 105: a session's early unknown create (its parent did not exist yet) and a later one; another session sees
// one name that no completed create produced. It must go to the later create: the early one precedes, in its
// session's order, a completed create with a smaller sequence number.
const twoUnknownCreates: Spec[] = [
  ['C0', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' } }],
  ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 2, 3, 'unknown'],
  ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 4, 5, { ok: { path: '/w/e-0000000000' } }],
  ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 6, 7, 'unknown'],
  ['C2', 'getChildren', { path: '/w' }, 8, 9, kids('e-0000000000', 'e-0000000001')],
];

test('seed 105: a recovered sequential name goes to an unknown create that can have that number', () => {
  for (const noShortcut of [false, true]) {
    const r = checkOsc(hist(...twoUnknownCreates), { noShortcut });
    assert.is(r.verdict, 'ok', formatOsc(r));
  }
});

test('seed 105 (negative): a name seen before any unknown create that could make it was invoked', () => {
  const early: Spec[] = [...twoUnknownCreates.slice(0, 3), ['C2', 'getChildren', { path: '/w' }, 5.5, 5.8, kids('e-0000000000', 'e-0000000001')], twoUnknownCreates[3]!];
  assert.is(checkOsc(hist(...early), { noShortcut: true }).verdict, 'violation');
});

// seed 298: a session's setData gets CONNECTIONLOSS (a leader change); the session reconnects and reads the old value
// from a server that has not applied the write; the next leader then commits it and another session reads it.
// The unknown write took effect after a later read of its own session: allowed (it is not ordered by the leader
// before that read), but not after a later completed update or sync of the session, nor out of order with the
// session's other unknown updates.
const x0: Spec = ['C0', 'create', { path: '/x', data: '0' }, 0, 1, { ok: { path: '/x' } }];
const setX = (v: string): unknown => ({ path: '/x', data: v, version: -1 });
const getX = { path: '/x' };
const data = (d: string): { ok: unknown } => ({ ok: { data: d } });

test('seed 298: an unknown write may take effect after a later read of its own session', () => {
  const h = hist(x0, ['C2', 'setData', setX('a'), 2, 3, 'unknown'], ['C2', 'getData', getX, 4, 5, data('0')], ['C1', 'getData', getX, 6, 7, data('a')]);
  for (const noShortcut of [false, true]) {
    const r = checkOsc(h, { noShortcut });
    assert.is(r.verdict, 'ok', formatOsc(r));
  }
});

test('seed 298 (negative): not after a later completed update or sync of its session, nor before its invocation', () => {
  const afterWrite = hist(x0, ['C2', 'setData', setX('a'), 2, 3, 'unknown'], ['C2', 'setData', setX('b'), 4, 5, { ok: {} }], ['C1', 'getData', getX, 6, 7, data('b')], ['C1', 'getData', getX, 8, 9, data('a')]);
  assert.is(checkOsc(afterWrite).verdict, 'violation', 'the unknown write precedes the completed one');
  const afterSync = hist(x0, ['C2', 'setData', setX('a'), 2, 3, 'unknown'], ['C2', 'sync', { path: '/x' }, 4, 5, { ok: {} }], ['C2', 'getData', getX, 6, 7, data('0')], ['C1', 'getData', getX, 8, 9, data('a')]);
  assert.is(checkOsc(afterSync).verdict, 'violation', 'a sync of the session orders the unknown write before its later reads');
  const twoUnknown = hist(x0, ['C2', 'setData', setX('a'), 2, 3, 'unknown'], ['C2', 'setData', setX('b'), 4, 5, 'unknown'], ['C1', 'getData', getX, 6, 7, data('b')], ['C1', 'getData', getX, 8, 9, data('a')]);
  assert.is(checkOsc(twoUnknown).verdict, 'violation', "a session's unknown writes keep their order");
  const fromFuture = hist(x0, ['C1', 'setData', setX('b'), 2, 3, { ok: {} }], ['C2', 'setData', setX('a'), 4, 5, 'unknown'], ['C3', 'getData', getX, 6, 7, data('a')], ['C3', 'getData', getX, 8, 9, data('0')]);
  assert.is(checkOsc(fromFuture).verdict, 'violation', 'monotonic reads still hold');
  const beforeInvoke = hist(x0, ['C2', 'getData', getX, 2, 3, data('0')], ['C2', 'setData', setX('a'), 4, 5, 'unknown'], ['C2', 'getData', getX, 6, 7, data('0')], ['C1', 'setData', setX('b'), 0.5, 1, { ok: {} }], ['C1', 'getData', getX, 8, 9, data('a')], ['C1', 'getData', getX, 10, 11, data('b')]);
  assert.is(checkOsc(beforeInvoke).verdict, 'violation', 'the unknown write cannot take effect before a write that returned before its invocation');
});

// seed 308: an unknown create of a session that then expired, and a later unknown create of another session; a name
// above one created after the expiry can only come from the later create.
test('seed 308: a recovered name never goes to a create of a session that ended before a smaller name was created', () => {
  const rows: Spec[] = [
    ['C0', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' } }],
    ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 2, 3, 'unknown'],
    ['C2', 'create', { path: '/w/e-', data: 'c2', mode: ES }, 6, 7, { ok: { path: '/w/e-0000000000' } }],
    ['C2', 'delete', { path: '/w/e-0000000000', version: -1 }, 8, 9, { ok: {} }],
    ['C3', 'create', { path: '/w/e-', data: 'c3', mode: ES }, 10, 11, 'unknown'],
    ['C4', 'getChildren', { path: '/w' }, 12, 13, kids('e-0000000001')],
  ];
  for (const noShortcut of [false, true]) {
    const r = checkOsc(withSession(hist(...rows), 'C1', 5, 'expired'), { noShortcut });
    assert.is(r.verdict, 'ok', formatOsc(r));
  }
  // without the later create the name is unexplained
  const r = checkOsc(withSession(hist(...rows.filter((x) => x[0] !== 'C3')), 'C1', 5, 'expired'), { noShortcut: true });
  assert.is(r.verdict, 'violation', formatOsc(r));
});

// seed 467: two sessions' unknown creates could have made a name seen later; the earlier one's session expired
// (its ephemeral is gone) but the name is still there after a sync: it was the other session's create.
test('seed 467: each possible creator of a recovered name is tried', () => {
  const rows: Spec[] = [
    ['C0', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' } }],
    ['C2', 'create', { path: '/w/e-', data: 'c2', mode: ES }, 2, 3, 'unknown'],
    ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 4, 5, 'unknown'],
    ['C3', 'sync', { path: '/' }, 7, 8, { ok: {} }],
    ['C3', 'getChildren', { path: '/w' }, 9, 10, kids('e-0000000000')],
  ];
  const r = checkOsc(withSession(hist(...rows), 'C2', 6, 'expired'));
  assert.is(r.verdict, 'ok', formatOsc(r));
  // both sessions expired: no creator left
  const both = withSession(withSession(hist(...rows), 'C2', 6, 'expired'), 'C1', 6.5, 'expired');
  assert.is(checkOsc(both).verdict, 'violation');
});

// 8-client naming seeds 22 and 42: with zxids, a name listed by a read at or after a session's close cannot be that
// session's ephemeral, so its unknown creates are no candidates for it (with many sessions, trying them first used up
// the assignments the checker tries, and it reported a violation).
test('with zxids, a name listed after a session closed is not given to that session\'s unknown ephemeral create', () => {
  const rows: Spec[] = [
    ['C0', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' }, zxid: 1 }],
    ['C2', 'create', { path: '/w/e-', data: 'c2', mode: ES }, 2, 3, 'unknown'],
    ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 4, 5, 'unknown'],
    ['C2', 'closeSession', null, 6, 7, { ok: {}, zxid: 4 }],
    ['C3', 'getChildren', { path: '/w' }, 9, 10, { ok: { children: ['e-0000000000'] }, zxid: 4 }],
  ];
  const counts: number[] = [];
  const ops = resolveSequentialNames(pairOperations(hist(...rows)), [], counts);
  const named = ops.filter((o) => (o.result as { path?: string } | undefined)?.path === '/w/e-0000000000');
  assert.equal(named.map((o) => o.process), ['C1']);
  assert.equal(counts, [], 'one candidate: no choice to try');
  assert.is(checkOsc(hist(...rows)).verdict, 'ok');
  // read before the close (zxid 3): both remain candidates
  const early = rows.map((r): Spec => (r[1] === 'getChildren' ? [r[0], r[1], r[2], r[3], r[4], { ok: { children: ['e-0000000000'] }, zxid: 3 }] : r));
  const counts2: number[] = [];
  resolveSequentialNames(pairOperations(hist(...early)), [], counts2);
  assert.equal(counts2, [2]);
});

// One resolver serves every assignment a check tries (checkOscOperations): a call must not see the choices of another.
test('sequentialNameResolver: each assignment on its own, as a fresh resolveSequentialNames gives it', () => {
  const rows: Spec[] = [
    ['C0', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' }, zxid: 1 }],
    ['C1', 'create', { path: '/w/e-', data: 'c1', mode: ES }, 2, 3, 'unknown'],
    ['C2', 'create', { path: '/w/e-', data: 'c2', mode: ES }, 2, 3, 'unknown'],
    ['C4', 'create', { path: '/w/e-', data: 'c4', mode: ES }, 2, 3, 'unknown'],
    ['C3', 'getChildren', { path: '/w' }, 9, 10, { ok: { children: ['e-0000000000', 'e-0000000001'] }, zxid: 4 }],
  ];
  const ops = pairOperations(hist(...rows));
  const owners = (resolved: readonly Operation[]): string[] =>
    ['/w/e-0000000000', '/w/e-0000000001'].map((name) => String(resolved.find((o) => (o.result as { path?: string } | undefined)?.path === name)?.process));
  const resolve = sequentialNameResolver(ops);
  for (const pick of [[], [1], [2, 1], [0, 1], [1, 0], []]) {
    const counts: number[] = [];
    const fresh: number[] = [];
    assert.equal(owners(resolve(pick, counts)), owners(resolveSequentialNames(ops, pick, fresh)), `pick ${pick}`);
    assert.equal(counts, fresh, `pick ${pick}: the same choice points`);
  }
  assert.equal(owners(resolve([])), ['C1', 'C2'], 'the defaults: the earliest invoked candidate for each name');
  assert.equal(owners(resolve([2, 1])), ['C4', 'C2'], 'the third candidate for the first name, the second left for the next');
  const counts: number[] = [];
  resolve([1], counts);
  assert.equal(counts, [3, 2], 'the second name chooses among the two the first left');
});

// seed 610: a paused client receives its create's reply after the server already expired the session; meanwhile
// another session's write completed. The expiry is only known to follow the create's invocation, not its reply.
test("seed 610: a session's end may precede the reply of its last operation", () => {
  const rows: Spec[] = [
    ['C0', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' } }],
    ['C1', 'create', { path: '/w/e1', data: 'c1', mode: 'EPHEMERAL' }, 2, 20, { ok: { path: '/w/e1' } }],
    ['C3', 'getChildren', { path: '/w' }, 4, 5, kids('e1')],
    ['C2', 'create', { path: '/w/e2', data: 'c2' }, 12, 13, { ok: { path: '/w/e2' } }],
    ['C3', 'getChildren', { path: '/w' }, 14, 15, kids()],
  ];
  const r = checkOsc(withSession(hist(...rows), 'C1', 21, 'expired'));
  assert.is(r.verdict, 'ok', formatOsc(r));
  // but not before its invocation: the ephemeral cannot be gone before it was created and then be seen
  const early: Spec[] = [rows[0]!, ['C3', 'sync', { path: '/' }, 3, 3.5, { ok: {} }], ['C3', 'getChildren', { path: '/w' }, 4, 5, kids()], ['C1', 'create', { path: '/w/e1', data: 'c1', mode: 'EPHEMERAL' }, 6, 20, { ok: { path: '/w/e1' } }], ['C3', 'sync', { path: '/' }, 22, 23, { ok: {} }], ['C3', 'getChildren', { path: '/w' }, 24, 25, kids('e1')]];
  assert.is(checkOsc(withSession(hist(...early), 'C1', 21, 'expired')).verdict, 'violation');
});

// seed 304: a paused session whose only operation is an unknown create; the server expires it long before the
// client hears of it, while others go on writing.
test('seed 304: the end of a session without completed operations may come right after its first invocation', () => {
  const rows: Spec[] = [
    ['C0', 'create', { path: '/w', data: '' }, 0, 1, { ok: { path: '/w' } }],
    ['C2', 'create', { path: '/w/e-', data: 'c2', mode: ES }, 2, 3, 'unknown'],
    ['C3', 'getChildren', { path: '/w' }, 4, 5, kids('e-0000000000')],
    ['C3', 'getChildren', { path: '/w' }, 6, 7, kids()],
    ['C1', 'create', { path: '/w/x', data: '' }, 8, 9, { ok: { path: '/w/x' } }],
  ];
  const r = checkOsc(withSession(hist(...rows), 'C2', 20, 'expired'));
  assert.is(r.verdict, 'ok', formatOsc(r));
  // the node cannot come back after C3 saw it gone
  const back: Spec[] = [...rows, ['C3', 'getChildren', { path: '/w' }, 10, 11, kids('e-0000000000', 'x')]];
  assert.is(checkOsc(withSession(hist(...back), 'C2', 20, 'expired')).verdict, 'violation');
});

test.run();
