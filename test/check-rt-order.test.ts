/**
 * Real-time order from the history's order (check/history.ts): within one millisecond, an operation that completed
 * before another was invoked (its completion listed first) precedes it; operations with times only (synthetic
 * session ends) stay concurrent with everything of their millisecond. Each case below passed before (equal times
 * were all concurrent) and fails now, beside its symmetric case (truly concurrent) that still passes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkOsc, checkOscOperations, formatOsc, syncsOverlappingLeaderChange } from '../check/osc.js';
import { checkHistory, formatResult } from '../check/linearizability.js';
import { registerModel } from '../check/models/register.js';
import { znodeModel } from '../check/models/znode.js';
import { comparePoints, pairOperations, precedes, type HistoryEvent, type Operation, type Process } from '../check/history.js';
import { parseHistory, toPorcupine } from '../check/codecs.js';

/** Events in the order given: ['i', id, process, time, op, args] invokes, ['ok', id, process, time, result?, zxid?] completions. */
type Row = ['i', number, Process, number, string, unknown] | ['ok', number, Process, number, unknown?, number?];
function events(...rows: Row[]): HistoryEvent[] {
  return rows.map((r): HistoryEvent => {
    if (r[0] === 'i') return { kind: 'invoke', id: r[1], process: r[2], time: r[3], op: r[4], args: r[5] };
    const e: HistoryEvent = { kind: 'ok', id: r[1], process: r[2], time: r[3] };
    if (r[4] !== undefined) e.result = r[4];
    if (r[5] !== undefined) e.zxid = r[5];
    return e;
  });
}

const setX = (v: string): unknown => ({ path: '/x', data: v, version: -1 });
const getX = { path: '/x' };
const init: Row[] = [
  ['i', 0, 'C0', 0, 'create', { path: '/x', data: '0' }],
  ['ok', 0, 'C0', 1, { path: '/x' }],
];

// C1's setData completes at t=10; C2's sync is invoked at t=10 after it (same millisecond), C2 then reads the old value.
const staleAfterSync = (syncFirst: boolean): HistoryEvent[] =>
  events(
    ...init,
    ['i', 1, 'C1', 5, 'setData', setX('1')],
    ...((syncFirst
      ? [
          ['i', 2, 'C2', 10, 'sync', { path: '/x' }],
          ['ok', 1, 'C1', 10, {}],
        ]
      : [
          ['ok', 1, 'C1', 10, {}],
          ['i', 2, 'C2', 10, 'sync', { path: '/x' }],
        ]) as Row[]),
    ['ok', 2, 'C2', 12, {}],
    ['i', 3, 'C2', 13, 'getData', getX],
    ['ok', 3, 'C2', 14, { data: '0' }],
  );

test('OSC: a write reply, then in the same ms a sync of another session, then a stale read: violation', () => {
  const r = checkOsc(staleAfterSync(false));
  assert.is(r.verdict, 'violation', formatOsc(r));
  // the same through the search alone (no linearizability shortcut)
  assert.is(checkOsc(staleAfterSync(false), { noShortcut: true }).verdict, 'violation');
});

test('OSC: the sync invoked in the same ms but before the write replied is concurrent with it: the stale read passes', () => {
  const r = checkOsc(staleAfterSync(true));
  assert.is(r.verdict, 'ok', formatOsc(r));
  assert.is(checkOsc(staleAfterSync(true), { noShortcut: true }).verdict, 'ok');
});

// C1 writes 1, replied at t=10; C2 writes 2, invoked at t=10 (after or before the reply); C3 sees 2, then 1.
const updates = (secondAfterReply: boolean): HistoryEvent[] =>
  events(
    ...init,
    ['i', 1, 'C1', 5, 'setData', setX('1')],
    ...((secondAfterReply
      ? [
          ['ok', 1, 'C1', 10, {}],
          ['i', 2, 'C2', 10, 'setData', setX('2')],
        ]
      : [
          ['i', 2, 'C2', 10, 'setData', setX('2')],
          ['ok', 1, 'C1', 10, {}],
        ]) as Row[]),
    ['ok', 2, 'C2', 12, {}],
    ['i', 3, 'C3', 13, 'getData', getX],
    ['ok', 3, 'C3', 14, { data: '2' }],
    ['i', 4, 'C3', 15, 'getData', getX],
    ['ok', 4, 'C3', 16, { data: '1' }],
  );

test('OSC: update → update in the same ms keeps real-time order', () => {
  assert.is(checkOsc(updates(true), { noShortcut: true }).verdict, 'violation');
  assert.is(checkOsc(updates(true)).verdict, 'violation');
  assert.is(checkOsc(updates(false), { noShortcut: true }).verdict, 'ok');
  assert.is(checkOsc(updates(false)).verdict, 'ok');
});

// Register: write 1 replied at t=10, write 2 invoked at t=10, a read at t=13 returns 1.
const registers = (secondAfterReply: boolean): HistoryEvent[] =>
  events(
    ['i', 0, 1, 0, 'write', 1],
    ...((secondAfterReply
      ? [
          ['ok', 0, 1, 10],
          ['i', 1, 2, 10, 'write', 2],
        ]
      : [
          ['i', 1, 2, 10, 'write', 2],
          ['ok', 0, 1, 10],
        ]) as Row[]),
    ['ok', 1, 2, 12],
    ['i', 2, 3, 13, 'read', null],
    ['ok', 2, 3, 14, 1],
  );

test('linearizability: update → update in the same ms keeps real-time order; concurrent ones may swap', () => {
  const bad = checkHistory(registerModel, registers(true));
  assert.is(bad.verdict, 'not-linearizable', formatResult(bad));
  assert.is(checkHistory(registerModel, registers(false)).verdict, 'linearizable');
  // the znode model too (setData / getData)
  assert.is(checkHistory(znodeModel, updates(true)).verdict, 'not-linearizable');
});

test('linearizability: a read invoked in the same ms after a write replied must see it', () => {
  const h = (readAfter: boolean): HistoryEvent[] =>
    events(
      ['i', 0, 1, 0, 'write', 1],
      ...((readAfter
        ? [
            ['ok', 0, 1, 10],
            ['i', 1, 2, 10, 'read', null],
          ]
        : [
            ['i', 1, 2, 10, 'read', null],
            ['ok', 0, 1, 10],
          ]) as Row[]),
      ['ok', 1, 2, 10, null],
    );
  assert.is(checkHistory(registerModel, h(true)).verdict, 'not-linearizable');
  assert.is(checkHistory(registerModel, h(false)).verdict, 'linearizable');
});

test('precedes / comparePoints: positions within a millisecond; operations with times only are concurrent on ties', () => {
  const ops = pairOperations(
    events(
      ['i', 0, 1, 0, 'write', 1],
      ['ok', 0, 1, 10],
      ['i', 1, 2, 10, 'write', 2],
      ['ok', 1, 2, 10],
      ['i', 2, 3, 10, 'read', null],
      ['ok', 2, 3, 11, 2],
    ),
  );
  const [a, b, c] = ops as [Operation, Operation, Operation];
  assert.is(precedes(a, b), true);
  assert.is(precedes(b, a), false);
  assert.is(precedes(b, c), true);
  assert.is(precedes(a, c), true);
  // a synthetic operation (no positions) from 10 to 10: concurrent with all three at t=10, before t=11's return
  const s: Operation = { id: -1, process: 4, op: 'closeSession', args: null, call: 10, ret: 10, status: 'ok', index: 0, retIndex: -1 };
  assert.is(precedes(a, s), false);
  assert.is(precedes(s, b), false);
  assert.is(precedes(s, s), false);
  assert.is(precedes(s, { ...s, call: 11, ret: 12 }), true);
  assert.ok(comparePoints(s, false, a, true) < 0); // its call is before every event of its millisecond
  assert.ok(comparePoints(s, true, c, false) > 0); // its return after every one
  // an operation built by hand without retIndex is ordered by time alone
  const h1: Operation = { id: 9, process: 5, op: 'write', args: 1, call: 0, ret: 10, status: 'ok', index: 0 };
  const h2: Operation = { id: 10, process: 6, op: 'write', args: 2, call: 10, ret: 11, status: 'ok', index: 1 };
  assert.is(precedes(h1, h2), false);
});

test('OSC: a synthetic session end stays concurrent with the operations of its millisecond', () => {
  // C1 writes /e ephemeral, its session expires; C2 reads /e in the ms the client learned of the expiry: it may have
  // read before the close. The end's times come from the history's session event (times only).
  const h: HistoryEvent[] = [
    { kind: 'session', process: 'C1', time: 0, state: 'connected', sessionId: 1 },
    { kind: 'invoke', id: 0, process: 'C1', time: 1, op: 'create', args: { path: '/e', data: 'x', mode: 'EPHEMERAL' } },
    { kind: 'ok', id: 0, process: 'C1', time: 2, result: { path: '/e' } },
    { kind: 'session', process: 'C1', time: 10, state: 'expired', sessionId: 1 },
    { kind: 'invoke', id: 1, process: 'C2', time: 10, op: 'getData', args: { path: '/e' } },
    { kind: 'ok', id: 1, process: 'C2', time: 11, result: { data: 'x' } },
  ];
  assert.is(checkOsc(h).verdict, 'ok');
  assert.is(checkOsc(h, { noShortcut: true }).verdict, 'ok');
});

test('ZOOKEEPER-1675 leniency counts a newer-epoch reply that came earlier in the same ms as the sync', () => {
  const E1 = 0x1_0000_0000;
  const E2 = 0x2_0000_0000;
  // C1's write, committed by the new leader (epoch 2), replied at t=10; C2's sync invoked right after in the same ms
  // and answered (same ms) by the deposed leader from epoch 1; C2's read then misses the write.
  const h = events(
    ['i', 0, 'C0', 0, 'create', { path: '/x', data: '0' }],
    ['ok', 0, 'C0', 1, { path: '/x' }, E1 + 1],
    ['i', 1, 'C1', 5, 'setData', setX('1')],
    ['ok', 1, 'C1', 10, {}, E2 + 1],
    ['i', 2, 'C2', 10, 'sync', { path: '/x' }],
    ['ok', 2, 'C2', 10, {}, E1 + 1],
    ['i', 3, 'C2', 11, 'getData', getX],
    ['ok', 3, 'C2', 12, { data: '0' }, E1 + 1],
  );
  const ops = pairOperations(h);
  assert.is(syncsOverlappingLeaderChange(ops).size, 1);
  assert.is(checkOsc(h).verdict, 'ok');
  assert.is(checkOsc(h, { strictSync: true }).verdict, 'violation');
});

test('OSC shortcut: an unknown write followed in the same ms by another invocation of its session is not the last one', () => {
  // C1: setData 1 unknown, then (same ms, pipelined) getData that reads 0 and completes; C2 later reads 1 then 0.
  // Only the search may judge it; the verdict must not depend on whether the shortcut ran.
  const h: HistoryEvent[] = [
    ...events(...init),
    { kind: 'invoke', id: 1, process: 'C1', time: 5, op: 'setData', args: setX('1') },
    { kind: 'invoke', id: 2, process: 'C1', time: 5, op: 'setData', args: setX('2') },
    { kind: 'ok', id: 2, process: 'C1', time: 7, result: {} },
    { kind: 'invoke', id: 3, process: 'C2', time: 8, op: 'getData', args: getX },
    { kind: 'ok', id: 3, process: 'C2', time: 9, result: { data: '2' } },
    { kind: 'invoke', id: 4, process: 'C2', time: 10, op: 'getData', args: getX },
    { kind: 'ok', id: 4, process: 'C2', time: 11, result: { data: '1' } },
  ];
  // (the unknown setData 1 must take effect before the session's next completed update, setData 2: reading 2 then 1
  // is a violation; linearizability alone would let it take effect last)
  assert.is(checkOsc(h, { noShortcut: true }).verdict, 'violation');
  assert.is(checkOsc(h).verdict, 'violation');
  assert.is(checkOscOperations(pairOperations(h)).verdict, 'violation');
});

test('Porcupine Operation list: equal timestamps stay concurrent; the export keeps the order within a millisecond', () => {
  const ops = (t2: number) => JSON.stringify([
    { ClientId: 0, Input: { op: 'write', args: 1 }, Call: 0, Output: { status: 'ok' }, Return: 10 },
    { ClientId: 1, Input: { op: 'write', args: 2 }, Call: t2, Output: { status: 'ok' }, Return: 12 },
    { ClientId: 2, Input: { op: 'read', args: null }, Call: 13, Output: { status: 'ok', result: 1 }, Return: 14 },
  ]);
  // Return of the first = Call of the second: concurrent in Porcupine, so the read of 1 is linearizable
  assert.is(checkHistory(registerModel, parseHistory(ops(10), 'p.json', 'porcupine')).verdict, 'linearizable');
  assert.is(checkHistory(registerModel, parseHistory(ops(11), 'p.json', 'porcupine')).verdict, 'not-linearizable');
  // export of a history whose same-ms order matters: positions as Call/Return, the verdict survives the round trip
  const back = parseHistory(JSON.stringify(toPorcupine(registers(true))), 'p.json', 'porcupine');
  assert.is(checkHistory(registerModel, back).verdict, 'not-linearizable');
  const back2 = parseHistory(JSON.stringify(toPorcupine(registers(false))), 'p.json', 'porcupine');
  assert.is(checkHistory(registerModel, back2).verdict, 'linearizable');
});

test('Jepsen EDN: list order is the real-time order (Knossos), also when :time ties or decreases', () => {
  const edn = (t: [number, number, number, number, number, number]): string =>
    [
      `{:process 0, :type :invoke, :f :write, :value 1, :time ${t[0]}}`,
      `{:process 0, :type :ok, :f :write, :value 1, :time ${t[1]}}`,
      `{:process 1, :type :invoke, :f :write, :value 2, :time ${t[2]}}`,
      `{:process 1, :type :ok, :f :write, :value 2, :time ${t[3]}}`,
      `{:process 2, :type :invoke, :f :read, :value nil, :time ${t[4]}}`,
      `{:process 2, :type :ok, :f :read, :value 1, :time ${t[5]}}`,
    ].join('\n');
  // the first write completes before the second is invoked (list order): the read of 1 is not linearizable, whether
  // the :time of those two events tie, increase, or (out of order) decrease
  for (const t of [[0, 10, 10, 12, 13, 14], [0, 10, 11, 12, 13, 14], [0, 10, 9, 12, 13, 14]] as Array<[number, number, number, number, number, number]>) {
    const h = parseHistory(edn(t), 'h.edn', 'edn');
    assert.is(checkHistory(registerModel, h).verdict, 'not-linearizable', JSON.stringify(t));
  }
  // a decreasing :time gives way to line numbers
  assert.equal(parseHistory(edn([0, 10, 9, 12, 13, 14]), 'h.edn', 'edn').map((e) => e.time), [1, 2, 3, 4, 5, 6]);
  assert.equal(parseHistory(edn([0, 10, 10, 12, 13, 14]), 'h.edn', 'edn').map((e) => e.time), [0, 10, 10, 12, 13, 14]);
});

test.run();
