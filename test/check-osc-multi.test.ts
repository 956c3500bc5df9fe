/**
 * Sequential creates inside a multi whose outcome is unknown: like plain ones, their names are recovered from later
 * reads (resolveSequentialNames). The lock workload's fenced write is such a multi (check the lock node, create
 * /resource/w-); explore seed 1 of `--workload lock` had one end in CONNECTIONLOSS, committed, and the final listing
 * of /resource showed its node: before multis were resolved, OSC called that a violation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkOsc, formatOsc } from '../check/osc.js';
import { resolveSequentialNames } from '../check/models/znode.js';
import { pairOperations, type HistoryEvent, type Process } from '../check/history.js';
import { hist, type Spec } from './check-helpers.js';

const PS = 'PERSISTENT_SEQUENTIAL';
const z = (n: number, zxids: boolean): { zxid?: number } => (zxids ? { zxid: n } : {});
const fenced = (lock: string): { ops: unknown[] } => ({ ops: [{ op: 'check', path: lock, version: -1 }, { op: 'create', path: '/r/w-', data: lock, mode: PS }] });

/** C1 holds /l (a plain node here); its fenced writes: w-0 ok, w-1 unknown; C2 then lists /r. */
function history(zxids: boolean, listed: string[]): HistoryEvent[] {
  const rows: Spec[] = [
    ['C1', 'create', { path: '/r', data: '' }, 0, 1, { ok: { path: '/r' }, ...z(1, zxids) }],
    ['C1', 'create', { path: '/l', data: '' }, 2, 3, { ok: { path: '/l' }, ...z(2, zxids) }],
    ['C1', 'multi', fenced('/l'), 10, 11, { ok: { results: [{ op: 'check' }, { op: 'create', path: '/r/w-0000000000' }] }, ...z(3, zxids) }],
    ['C1', 'multi', fenced('/l'), 20, 40, 'unknown'],
    ['C2', 'sync', { path: '/' }, 50, 51, { ok: {}, ...z(4, zxids) }],
    ['C2', 'getChildren', { path: '/r' }, 52, 53, { ok: { children: listed }, ...z(4, zxids) }],
  ];
  const sessions: HistoryEvent[] = (['C1', 'C2'] as Process[]).map((p, i) => ({ kind: 'session', process: p, time: -1, state: 'connected', sessionId: 100 + i }) as HistoryEvent);
  return [...sessions, ...hist(...rows)];
}

test('the name of an unknown multi\'s sequential create is recovered from a later listing', () => {
  const ops = pairOperations(history(false, ['w-0000000000', 'w-0000000001']));
  const resolved = resolveSequentialNames(ops);
  const multi = resolved.filter((o) => o.op === 'multi' && o.status === 'unknown');
  assert.equal(multi.length, 1);
  assert.equal(multi[0]!.result, { results: [{}, { path: '/r/w-0000000001' }] });
});

test('OSC: the unknown multi took effect (search mode and zxid mode)', () => {
  for (const zxids of [false, true]) {
    const r = checkOsc(history(zxids, ['w-0000000000', 'w-0000000001']));
    assert.is(r.verdict, 'ok', formatOsc(r));
  }
});

test('OSC: the unknown multi did not take effect', () => {
  for (const zxids of [false, true]) assert.is(checkOsc(history(zxids, ['w-0000000000'])).verdict, 'ok');
});

test('(negative) a name no create could have made is still a violation', () => {
  // w-0000000000 is known; an unknown multi cannot make w-0000000000 again, nor can a name appear from nowhere.
  for (const zxids of [false, true]) {
    assert.is(checkOsc(history(zxids, ['w-0000000000', 'w-0000000001', 'w-0000000002'])).verdict, 'violation');
    assert.is(checkOsc(history(zxids, [])).verdict, 'violation');
  }
});

test('a known multi name is not handed to an unknown create of the same prefix', () => {
  const rows: Spec[] = [
    ['C1', 'create', { path: '/r', data: '' }, 0, 1, { ok: { path: '/r' } }],
    ['C1', 'create', { path: '/l', data: '' }, 2, 3, { ok: { path: '/l' } }],
    ['C2', 'create', { path: '/r/w-', data: 'x', mode: PS }, 5, 30, 'unknown'],
    ['C1', 'multi', fenced('/l'), 10, 11, { ok: { results: [{ op: 'check' }, { op: 'create', path: '/r/w-0000000000' }] } }],
    ['C1', 'getChildren', { path: '/r' }, 52, 53, { ok: { children: ['w-0000000000'] } }],
  ];
  const ops = pairOperations(hist(...rows));
  const plain = resolveSequentialNames(ops).find((o) => o.op === 'create' && o.status === 'unknown')!;
  assert.equal(plain.result, undefined);
});

test.run();
