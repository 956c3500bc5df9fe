/**
 * explore's two small checks (explore/light-checks.ts) on hand-made histories: unique-versions, including histories
 * with multis (one transaction, one zxid, several znodes), and watch-at-most-once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryEvent } from '../check/history.js';
import { checkUniqueVersions, checkWatchAtMostOnce } from '../explore/light-checks.js';

/** A tiny history builder: each call adds one completed operation (invoke at t, completion at t+1). */
function history() {
  const events: HistoryEvent[] = [];
  let id = 0;
  let t = 0;
  const b = {
    ok(process: string, op: string, args: unknown, result: unknown) {
      const i = ++id;
      events.push({ kind: 'invoke', id: i, process, time: ++t, op, args });
      events.push({ kind: 'ok', id: i, process, time: ++t, result });
      return b;
    },
    info(process: string, op: string, args: unknown) {
      const i = ++id;
      events.push({ kind: 'invoke', id: i, process, time: ++t, op, args });
      events.push({ kind: 'info', id: i, process, time: ++t });
      return b;
    },
    event(process: string, type: 'NodeDataChanged' | 'NodeDeleted' | 'NodeChildrenChanged', path: string) {
      events.push({ kind: 'event', process, time: ++t, type, path });
      return b;
    },
    events,
  };
  return b;
}

const stat = (version: number, mzxid: number) => ({ version, mzxid });

test('unique-versions: agreeing setData and getData results pass', () => {
  const h = history()
    .ok('c1', 'setData', { path: '/r', data: 'a', version: -1 }, { stat: stat(1, 10) })
    .ok('c2', 'getData', { path: '/r' }, { data: 'a', stat: stat(1, 10) });
  const v = checkUniqueVersions(h.events);
  assert.is(v.ok, true, v.explanation);
  assert.match(v.explanation, /2 observations of 1/);
});

test('unique-versions: one version with two data values fails (a lost write)', () => {
  const h = history()
    .ok('c1', 'setData', { path: '/r', data: 'a', version: -1 }, { stat: stat(1, 10) })
    .ok('c2', 'getData', { path: '/r' }, { data: 'b', stat: stat(1, 11) });
  const v = checkUniqueVersions(h.events);
  assert.is(v.ok, false);
  assert.match(v.explanation, /\/r version 1 holds "a".*and "b"/);
});

test('unique-versions: one zxid writing two znodes outside a multi fails', () => {
  const h = history()
    .ok('c1', 'setData', { path: '/a', data: 'x', version: -1 }, { stat: stat(1, 10) })
    .ok('c2', 'setData', { path: '/b', data: 'y', version: -1 }, { stat: stat(1, 10) });
  const v = checkUniqueVersions(h.events);
  assert.is(v.ok, false);
  assert.match(v.explanation, /two transactions with one zxid/);
});

test('unique-versions: a multi is checked — its setData results count, its shared zxid does not fail', () => {
  const multi = { ops: [{ op: 'check', path: '/lock/n', version: -1 }, { op: 'setData', path: '/a', data: 'x', version: -1 }, { op: 'setData', path: '/b', data: 'y', version: -1 }] };
  const h = history()
    .ok('c1', 'multi', multi, { results: [{ op: 'check' }, { op: 'setData', stat: stat(1, 20) }, { op: 'setData', stat: stat(1, 20) }] })
    .ok('c2', 'getData', { path: '/a' }, { data: 'x', stat: stat(1, 20) })
    .ok('c2', 'getData', { path: '/b' }, { data: 'y', stat: stat(1, 20) });
  const v = checkUniqueVersions(h.events);
  assert.is(v.ok, true, v.explanation);
  assert.match(v.explanation, /4 observations of 2/);
});

test('unique-versions: a write a multi acknowledged and a read that disagrees fail', () => {
  const multi = { ops: [{ op: 'setData', path: '/a', data: 'x', version: -1 }] };
  const h = history()
    .ok('c1', 'multi', multi, { results: [{ op: 'setData', stat: stat(3, 20) }] })
    .ok('c2', 'getData', { path: '/a' }, { data: 'other', stat: stat(3, 21) });
  const v = checkUniqueVersions(h.events);
  assert.is(v.ok, false);
  assert.match(v.explanation, /\/a version 3 holds "x"/);
});

test('unique-versions: a znode a multi may have deleted leaves the check (it can restart at version 0)', () => {
  const h = history()
    .ok('c1', 'getData', { path: '/a' }, { data: 'old', stat: stat(0, 5) })
    .info('c1', 'multi', { ops: [{ op: 'delete', path: '/a', version: -1 }, { op: 'create', path: '/a', data: 'new' }] })
    .ok('c2', 'getData', { path: '/a' }, { data: 'new', stat: stat(0, 30) })
    .ok('c2', 'getData', { path: '/r' }, { data: 'r', stat: stat(2, 7) });
  const v = checkUniqueVersions(h.events);
  assert.is(v.ok, true, v.explanation);
  assert.match(v.explanation, /1 observations of 1/);
});

test('unique-versions: container nodes stay in the check when the trace lists every node the servers deleted', () => {
  // /c was created a CONTAINER; two different values at version 1 mean a lost write, unless the node was deleted and
  // created again in between: by a client (a delete in the history) or by the servers (their trace)
  const h = () =>
    history()
      .ok('c1', 'create', { path: '/c', data: 'x', mode: 'CONTAINER' }, { path: '/c' })
      .ok('c1', 'setData', { path: '/c', data: 'a', version: -1 }, { stat: stat(1, 2) })
      .ok('c2', 'getData', { path: '/c' }, { data: 'b', stat: stat(1, 7) });
  assert.is(checkUniqueVersions(h().events).ok, null, 'without the servers\' deletes, container nodes are left out (nothing left to check)');
  const v = checkUniqueVersions(h().events, undefined, new Set());
  assert.is(v.ok, false, 'the servers deleted nothing: version 1 of /c cannot hold both');
  assert.match(v.explanation, /\/c version 1/);
  assert.is(checkUniqueVersions(h().events, undefined, new Set(['/c'])).ok, null, 'the servers deleted /c: it may have been created again');
  // ephemerals stay out either way (their session's close deletes them, with no delete in the history)
  const eph = history()
    .ok('c1', 'create', { path: '/e', data: 'x', mode: 'EPHEMERAL' }, { path: '/e' })
    .ok('c1', 'setData', { path: '/e', data: 'a', version: -1 }, { stat: stat(1, 2) })
    .ok('c2', 'getData', { path: '/e' }, { data: 'b', stat: stat(1, 7) });
  assert.is(checkUniqueVersions(eph.events, undefined, new Set()).ok, null);
});

test('unique-versions: with czxid in the Stat, a znode deleted and created again stays in the check, one life at a time', () => {
  const st = (version: number, mzxid: number, czxid: number) => ({ version, mzxid, czxid });
  const lives = () =>
    history()
      .ok('c1', 'setData', { path: '/a', data: 'x', version: -1 }, { stat: st(1, 11, 10) })
      .ok('c1', 'delete', { path: '/a', version: -1 }, {})
      .ok('c2', 'create', { path: '/a', data: 'new' }, { path: '/a' })
      .ok('c2', 'setData', { path: '/a', data: 'y', version: -1 }, { stat: st(1, 21, 20) });
  const v = checkUniqueVersions(lives().events);
  assert.is(v.ok, true, 'version 1 of two lives may hold different data');
  assert.match(v.explanation, /2 observations of 2/);
  // within one life, two values at one version are a lost write, though the znode was deleted later
  const lost = lives().ok('c3', 'getData', { path: '/a' }, { data: 'z', stat: st(1, 22, 20) });
  const w = checkUniqueVersions(lost.events);
  assert.is(w.ok, false);
  assert.match(w.explanation, /\/a version 1 \(created at zxid 0x14\) holds "y".*and "z"/);
  // an ephemeral (its session's close deletes it without a delete in the history) is checked the same way
  const eph = history()
    .ok('c1', 'create', { path: '/e', data: 'x', mode: 'EPHEMERAL' }, { path: '/e' })
    .ok('c1', 'setData', { path: '/e', data: 'a', version: -1 }, { stat: st(1, 31, 30) })
    .ok('c2', 'getData', { path: '/e' }, { data: 'b', stat: st(1, 32, 30) });
  assert.is(checkUniqueVersions(eph.events).ok, false);
  // and a deleted znode's zxid still names one transaction
  const zx = lives().ok('c3', 'getData', { path: '/b' }, { data: 'q', stat: st(0, 21, 21) });
  assert.match(checkUniqueVersions(zx.events).explanation, /two transactions with one zxid/);
});

test('unique-versions: nothing versioned observed is not checked, not passed', () => {
  const h = history().ok('c1', 'create', { path: '/a', data: 'x' }, { path: '/a' });
  assert.is(checkUniqueVersions(h.events).ok, null);
});

test('watch-at-most-once: a notification per registration passes, a second one without a new watch fails', () => {
  const good = history()
    .ok('c1', 'getData', { path: '/a', watch: true }, { data: 'x', stat: stat(0, 1) })
    .event('c1', 'NodeDataChanged', '/a')
    .ok('c1', 'getData', { path: '/a', watch: true }, { data: 'y', stat: stat(1, 2) })
    .event('c1', 'NodeDataChanged', '/a');
  assert.is(checkWatchAtMostOnce(good.events).ok, true);
  const twice = history()
    .ok('c1', 'getData', { path: '/a', watch: true }, { data: 'x', stat: stat(0, 1) })
    .event('c1', 'NodeDataChanged', '/a')
    .event('c1', 'NodeDataChanged', '/a');
  const v = checkWatchAtMostOnce(twice.events);
  assert.is(v.ok, false);
  assert.match(v.explanation, /fired twice/);
});

test('watch-at-most-once: a recursive watch never delivers NodeChildrenChanged, so a second one after a one-shot child watch fired is caught', () => {
  // (the builder appends to one list: each case starts a history of its own)
  const recursiveThenChildWatch = () =>
    history()
      .ok('c1', 'addWatch', { path: '/a', mode: 'PERSISTENT_RECURSIVE' }, null)
      .ok('c1', 'getChildren', { path: '/a/b', watch: true }, { children: [] })
      .event('c1', 'NodeChildrenChanged', '/a/b');
  assert.is(checkWatchAtMostOnce(recursiveThenChildWatch().events).ok, true);
  const v = checkWatchAtMostOnce(recursiveThenChildWatch().event('c1', 'NodeChildrenChanged', '/a/b').events);
  assert.is(v.ok, false);
  assert.match(v.explanation, /NodeChildrenChanged for \/a\/b/);
  // a plain persistent watch of the node does deliver them, unconsumed
  const plain = history().ok('c1', 'addWatch', { path: '/a/b', mode: 'PERSISTENT' }, null).event('c1', 'NodeChildrenChanged', '/a/b').event('c1', 'NodeChildrenChanged', '/a/b');
  assert.is(checkWatchAtMostOnce(plain.events).ok, true);
  // and a recursive watch delivers data events of descendants, unconsumed
  const data = history().ok('c1', 'addWatch', { path: '/a', mode: 'PERSISTENT_RECURSIVE' }, null).event('c1', 'NodeDataChanged', '/a/b').event('c1', 'NodeDataChanged', '/a/b');
  assert.is(checkWatchAtMostOnce(data.events).ok, true);
});

test.run();
