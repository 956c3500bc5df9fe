import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkOsc, formatOsc } from '../check/osc.js';
import { checkHistory } from '../check/linearizability.js';
import { znodeModel } from '../check/models/znode.js';
import { generateStaleReadHistory } from '../check/gen.js';
import type { HistoryEvent } from '../check/history.js';

import { hist, type Outcome, type Spec } from './check-helpers.js';

const setX = (v: string): unknown => ({ path: '/x', data: v, version: -1 });
const getX = { path: '/x' };
const data = (d: string): Outcome => ({ ok: { data: d } });
const init: Spec[] = [['C0', 'create', { path: '/x', data: '0' }, -10, -9, { ok: { path: '/x' } }], ['C0', 'create', { path: '/y', data: '0' }, -8, -7, { ok: { path: '/y' } }]];

const H: Record<string, HistoryEvent[]> = {
  H1: hist(...init, ['C1', 'setData', setX('1'), 0, 1, { ok: {} }], ['C2', 'getData', getX, 2, 3, data('0')]),
  H2: hist(...init, ['C1', 'setData', setX('1'), 0, 1, { ok: {} }], ['C1', 'getData', getX, 2, 3, data('0')]),
  H3: hist(...init, ['C1', 'setData', setX('1'), -1, 10, { ok: {} }], ['C2', 'getData', getX, 0, 1, data('1')], ['C2', 'getData', getX, 2, 3, data('0')]),
  H4: hist(
    ...init,
    ['C1', 'setData', setX('1'), 0, 1, { ok: {} }],
    ['C2', 'setData', setX('2'), 2, 3, { ok: {} }],
    ['C3', 'getData', getX, 4, 5, data('2')],
    ['C3', 'getData', getX, 6, 7, data('1')],
  ),
  H5: hist(
    ...init,
    ['C1', 'setData', setX('1'), 0, 10, { ok: {} }],
    ['C2', 'setData', { path: '/y', data: '1', version: -1 }, 0.5, 10.5, { ok: {} }],
    ['C3', 'getData', getX, 1, 2, data('1')],
    ['C3', 'getData', { path: '/y' }, 3, 4, data('0')],
    ['C4', 'getData', { path: '/y' }, 1.5, 2.5, data('1')],
    ['C4', 'getData', getX, 3.5, 4.5, data('0')],
  ),
  H6: hist(...init, ['C1', 'setData', setX('1'), 0, 1, { ok: {} }], ['C2', 'sync', { path: '/x' }, 2, 3, { ok: {} }], ['C2', 'getData', getX, 4, 5, data('0')]),
  H7: hist(...init, ['C2', 'delete', { path: '/x', version: -1 }, 0, 1, { ok: {} }], ['C1', 'create', { path: '/x', data: '' }, 2, 3, { fail: 'NODEEXISTS' }]),
  H8a: hist(...init, ['C1', 'setData', setX('1'), 0, 1, 'unknown'], ['C2', 'getData', getX, 2, 3, data('1')], ['C3', 'getData', getX, 4, 5, data('1')]),
  H8b: hist(...init, ['C1', 'setData', setX('1'), 0, 1, 'unknown'], ['C2', 'getData', getX, 2, 3, data('0')], ['C2', 'getData', getX, 4, 5, data('0')]),
};

const expected: Record<string, 'ok' | 'violation'> = { H1: 'ok', H2: 'violation', H3: 'violation', H4: 'violation', H5: 'violation', H6: 'violation', H7: 'violation', H8a: 'ok', H8b: 'ok' };

for (const [name, h] of Object.entries(H)) {
  test(`OSC ${name}: ${expected[name]}`, () => {
    const r = checkOsc(h);
    assert.is(r.verdict, expected[name], formatOsc(r));
  });
}

test('H1 is allowed by OSC but not linearizable', () => {
  assert.is(checkHistory(znodeModel, H.H1!).verdict, 'not-linearizable');
});
test('sync across a leader change (ZOOKEEPER-1675): a deposed leader answering from its old epoch is tolerated by default, not when strict', () => {
  const E1 = 0x1_0000_0000;
  const E2 = 0x2_0000_0000;
  const base: Spec[] = [['C0', 'create', { path: '/x', data: '0' }, -10, -9, { ok: { path: '/x' }, zxid: E1 + 1 }]];
  // C1's write committed by the new leader (epoch 2); C2's sync then answered by the old leader (epoch 1) and stale
  const deposed = hist(...base, ['C1', 'setData', setX('1'), 0, 1, { ok: {}, zxid: E2 + 1 }], ['C2', 'sync', { path: '/x' }, 2, 3, { ok: {}, zxid: E1 + 1 }], ['C2', 'getData', getX, 4, 5, { ok: { data: '0' }, zxid: E1 + 1 }]);
  assert.is(checkOsc(deposed).verdict, 'ok');
  assert.is(checkOsc(deposed, { strictSync: true }).verdict, 'violation');
  // the same stale sync within one epoch (no leader change): a violation by default
  const sameEpoch = hist(...base, ['C1', 'setData', setX('1'), 0, 1, { ok: {}, zxid: E1 + 2 }], ['C2', 'sync', { path: '/x' }, 2, 3, { ok: {}, zxid: E1 + 1 }], ['C2', 'getData', getX, 4, 5, { ok: { data: '0' }, zxid: E1 + 1 }]);
  assert.is(checkOsc(sameEpoch).verdict, 'violation');
});

test('H6 passes with strictSync off (ZOOKEEPER-1675 tolerated)', () => {
  assert.is(checkOsc(H.H6!, { strictSync: false }).verdict, 'ok');
});
test('H8 both outcomes are linearizable too', () => {
  assert.is(checkHistory(znodeModel, H.H8a!).verdict, 'linearizable');
  assert.is(checkHistory(znodeModel, H.H8b!).verdict, 'linearizable');
});
test('a violation names the longest order and the blocked sessions', () => {
  const r = checkOsc(H.H2!);
  const text = formatOsc(r);
  assert.match(text, /NOT ordered-sequentially consistent/);
  assert.match(text, /getData/);
});

test('zxids: a read sees exactly the prefix of its zxid', () => {
  const base: Spec[] = [['C0', 'create', { path: '/x', data: '0' }, -10, -9, { ok: { path: '/x' }, zxid: 1 }]];
  const good = hist(...base, ['C1', 'setData', setX('1'), 0, 1, { ok: {}, zxid: 2 }], ['C2', 'getData', getX, 2, 3, { ok: { data: '0' }, zxid: 1 }]);
  assert.is(checkOsc(good).verdict, 'ok');
  assert.ok(checkOsc(good).usedZxids);
  const bad = hist(...base, ['C1', 'setData', setX('1'), 0, 1, { ok: {}, zxid: 2 }], ['C2', 'getData', getX, 2, 3, { ok: { data: '0' }, zxid: 2 }]);
  assert.is(checkOsc(bad).verdict, 'violation');
  // zxid order against real time: the write that returned first has the larger zxid
  const rt = hist(...base, ['C1', 'setData', setX('1'), 0, 1, { ok: {}, zxid: 3 }], ['C2', 'setData', setX('2'), 2, 3, { ok: {}, zxid: 2 }]);
  assert.is(checkOsc(rt).verdict, 'violation');
});

test('zxids: 20 000 operations of 20 sessions check in well under seconds', () => {
  const rows: Spec[] = [['C0', 'create', { path: '/x', data: '0' }, -10, -9, { ok: { path: '/x' }, zxid: 1 }]];
  let zxid = 1;
  let value = '0';
  let t = 0;
  // Writers and readers interleaved; each read sees the latest applied prefix (slightly stale).
  for (let i = 0; i < 20000; i++) {
    const s = `C${(i % 20) + 1}`;
    if (i % 4 === 0) {
      zxid++;
      value = String(i);
      rows.push([s, 'setData', setX(value), t, t + 1, { ok: {}, zxid }]);
    } else rows.push([s, 'getData', getX, t, t + 1, { ok: { data: value }, zxid }]);
    t += 2;
  }
  const r = checkOsc(hist(...rows));
  assert.is(r.verdict, 'ok');
  assert.ok(r.usedZxids);
  assert.ok(r.explored < 40000, `explored ${r.explored}: the zxid-guided search must stay linear`);
});

test('no zxids: 20 000 concurrent operations with stale reads pass; a forbidden stale read fails', () => {
  const h = generateStaleReadHistory({ ops: 20000, sessions: 20, keys: 5, seed: 11, maxLatency: 20 });
  const r = checkOsc(h, { timeoutMs: 120_000 });
  assert.is(r.verdict, 'ok', formatOsc(r));
  assert.not.ok(r.linearizable, 'the generator produces stale reads (not linearizable)');
  // make one late read of a session return the initial value of a key its session wrote before: forbidden (G2)
  const ops = new Map<number, { process: unknown; key: string; op: string }>();
  for (const e of h) if (e.kind === 'invoke') ops.set(e.id, { process: e.process, key: (e.args as { key: string }).key, op: e.op });
  const wrote = new Set<string>();
  let target = -1;
  for (const e of h) {
    if (e.kind !== 'ok') continue;
    const o = ops.get(e.id)!;
    if (o.op === 'put') wrote.add(`${String(o.process)}/${o.key}`);
    else if (e.id > 10000 && wrote.has(`${String(o.process)}/${o.key}`)) {
      target = e.id;
      break;
    }
  }
  const bad = h.map((e) => (e.kind === 'ok' && e.id === target ? { ...e, result: '' } : e));
  assert.is(checkOsc(bad, { timeoutMs: 120_000 }).verdict, 'violation');
});

test('with zxids the same kind of history checks along the zxid order', () => {
  const h = generateStaleReadHistory({ ops: 20000, sessions: 20, keys: 5, seed: 12, maxLatency: 20, zxids: true });
  const r = checkOsc(h);
  assert.is(r.verdict, 'ok');
  assert.ok(r.usedZxids);
});

test.run();
