import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder, zkError } from '../check/history.js';
import { checkWatches, formatWatches } from '../check/watches.js';

/** A: getData /a with watch (zxid 5); B: setData /a (zxid 6); then A gets the event and a later reply. */
function base(withEvent: boolean, extra?: (r: HistoryRecorder) => void): HistoryRecorder {
  const r = new HistoryRecorder();
  r.session('A', 'connected', 0, { server: 's1' });
  const g = r.invoke('A', 'getData', { path: '/a', watch: true }, 1);
  r.ok(g, { data: 'x', stat: { version: 0 } }, 2, 5);
  const s = r.invoke('B', 'setData', { path: '/a', data: 'y', version: -1 }, 3);
  r.ok(s, { stat: { version: 1 } }, 4, 6);
  if (withEvent) r.event('A', 'NodeDataChanged', '/a', 5);
  extra?.(r);
  const g2 = r.invoke('A', 'getData', { path: '/a' }, 6);
  r.ok(g2, { data: 'y' }, 7, 6);
  return r;
}

test('a watch fires once, before the reply that reflects the change', () => {
  const r = checkWatches(base(true).events);
  assert.ok(r.ok, formatWatches(r));
  assert.is(r.seen.registrations, 1);
});
test('missing event before a reply that reflects the change: violation (complete, W2)', () => {
  const r = checkWatches(base(false).events);
  assert.not.ok(r.ok);
  assert.is(r.violations[0]!.check, 'complete (W2)');
});
test('W2 leaves out watches on nodes whose ACL may deny READ (the server drops those events), not others', () => {
  // B creates /r readable by alice only (or, as the control, by anyone); A (no digest id) sets an exists watch on it
  // (exists needs no permission); B's setData fires it, but a 3.8.0 server does not deliver it to A
  const mk = (acl: unknown, via: 'create' | 'setACL' | 'multi') => {
    const h = new HistoryRecorder();
    h.session('A', 'connected', 0, { server: 's1' });
    const c =
      via === 'multi'
        ? h.invoke('B', 'multi', { ops: [{ op: 'create', path: '/r', data: 'x', acl }] }, 1)
        : h.invoke('B', 'create', via === 'create' ? { path: '/r', data: 'x', acl } : { path: '/r', data: 'x' }, 1);
    h.ok(c, via === 'multi' ? { results: [{ path: '/r' }] } : { path: '/r' }, 2, 5);
    if (via === 'setACL') h.ok(h.invoke('B', 'setACL', { path: '/r', acl, version: -1 }, 2.5), { stat: { aversion: 1 } }, 2.6, 6);
    h.ok(h.invoke('A', 'exists', { path: '/r', watch: true }, 3), { stat: { version: 0 } }, 4, 6);
    h.ok(h.invoke('B', 'setData', { path: '/r', data: 'y', version: -1 }, 5), { stat: { version: 1 } }, 6, 7);
    h.ok(h.invoke('A', 'exists', { path: '/r' }, 7), { stat: { version: 1 } }, 8, 7);
    return checkWatches(h.events);
  };
  const aliceOnly = [{ perms: 31, scheme: 'digest', id: 'alice:x' }];
  const worldRead = [{ perms: 1, scheme: 'world', id: 'anyone' }, ...aliceOnly];
  for (const via of ['create', 'setACL', 'multi'] as const) {
    const r = mk(aliceOnly, via);
    assert.ok(r.ok, `${via}: ${formatWatches(r)}`);
    const open = mk(worldRead, via);
    assert.not.ok(open.ok, via);
    assert.is(open.violations[0]!.check, 'complete (W2)');
  }
});
test('second event without re-registration: violation (one-shot, W1)', () => {
  const r = checkWatches(base(true, (h) => h.event('A', 'NodeDataChanged', '/a', 5.5)).events);
  assert.not.ok(r.ok);
  assert.match(formatWatches(r), /one-shot/);
});
test('event after expiry: violation', () => {
  const h = new HistoryRecorder();
  const g = h.invoke('A', 'exists', { path: '/b', watch: true }, 1);
  h.fail(g, zkError('NONODE'), 2, 3);
  h.session('A', 'disconnected', 3);
  h.session('A', 'expired', 10);
  h.event('A', 'NodeCreated', '/b', 11);
  const r = checkWatches(h.events);
  assert.not.ok(r.ok);
  assert.is(r.violations[0]!.check, 'nothing after expiry');
});
test('exists watch on a missing node fires NodeCreated; NodeDataChanged would be wrong', () => {
  const mk = (type: 'NodeCreated' | 'NodeDataChanged') => {
    const h = new HistoryRecorder();
    const g = h.invoke('A', 'exists', { path: '/b', watch: true }, 1);
    h.ok(g, { stat: null }, 2, 3);
    const c = h.invoke('B', 'create', { path: '/b', data: '' }, 3);
    h.ok(c, { path: '/b' }, 4, 4);
    h.event('A', type, '/b', 5);
    return checkWatches(h.events);
  };
  assert.ok(mk('NodeCreated').ok);
  assert.not.ok(mk('NodeDataChanged').ok);
});
test('missed change while disconnected is delivered after reconnect (catch-up), before queued replies', () => {
  const h = new HistoryRecorder();
  const g = h.invoke('A', 'getData', { path: '/a', watch: true }, 1);
  h.ok(g, { data: 'x' }, 2, 5);
  h.session('A', 'disconnected', 3);
  const s = h.invoke('B', 'setData', { path: '/a', data: 'y', version: -1 }, 4);
  h.ok(s, {}, 5, 6);
  h.session('A', 'connected', 8);
  h.event('A', 'NodeDataChanged', '/a', 9);
  const g2 = h.invoke('A', 'getData', { path: '/a' }, 10);
  h.ok(g2, { data: 'y' }, 11, 6);
  assert.ok(checkWatches(h.events).ok);
  // without the catch-up event: violation
  const bad = h.events.filter((e) => e.kind !== 'event');
  assert.not.ok(checkWatches(bad).ok);
});
test('child watch and persistent recursive watch', () => {
  const h = new HistoryRecorder();
  const g = h.invoke('A', 'getChildren', { path: '/p', watch: true }, 1);
  h.ok(g, { children: [] }, 2, 5);
  const w = h.invoke('A', 'addWatch', { path: '/r', mode: 'PERSISTENT_RECURSIVE' }, 3);
  h.ok(w, {}, 4);
  const c = h.invoke('B', 'create', { path: '/p/c', data: '' }, 5);
  h.ok(c, { path: '/p/c' }, 6, 6);
  h.event('A', 'NodeChildrenChanged', '/p', 7);
  h.event('A', 'NodeCreated', '/r/x/y', 8);
  h.event('A', 'NodeDataChanged', '/r/x/y', 9);
  assert.ok(checkWatches(h.events).ok, formatWatches(checkWatches(h.events)));
  h.event('A', 'NodeChildrenChanged', '/p', 10);
  assert.not.ok(checkWatches(h.events).ok);
});
test('events out of zxid order: violation (W3)', () => {
  const h = new HistoryRecorder();
  for (const [i, p] of ['/a', '/b'].entries()) {
    const g = h.invoke('A', 'getData', { path: p, watch: true }, i);
    h.ok(g, { data: '' }, i + 0.5, 2);
  }
  const s1 = h.invoke('B', 'setData', { path: '/a', data: '1', version: -1 }, 3);
  h.ok(s1, {}, 4, 3);
  const s2 = h.invoke('B', 'setData', { path: '/b', data: '1', version: -1 }, 5);
  h.ok(s2, {}, 6, 4);
  h.event('A', 'NodeDataChanged', '/b', 7);
  h.event('A', 'NodeDataChanged', '/a', 8);
  const r = checkWatches(h.events);
  assert.not.ok(r.ok);
  assert.is(r.violations[0]!.check, 'ordered (W3)');
});

/**
 * An exist watch across a reconnect: A's exists /b (NONODE, zxid 3), A disconnects and reconnects; `away` runs while
 * A is away, `back` after A's first reply after the reconnect (zxid `z`); then A's last reply (zxid `last`).
 */
function existAcrossReconnect(z: number, away: (h: HistoryRecorder) => void, back: (h: HistoryRecorder) => void, last: number): HistoryRecorder {
  const h = new HistoryRecorder();
  const g = h.invoke('A', 'exists', { path: '/b', watch: true }, 1);
  h.fail(g, zkError('NONODE'), 2, 3);
  h.session('A', 'disconnected', 3);
  away(h);
  h.session('A', 'connected', 20);
  const r1 = h.invoke('A', 'getData', { path: '/other' }, 21);
  h.fail(r1, zkError('NONODE'), 22, z);
  back(h);
  const r2 = h.invoke('A', 'getData', { path: '/other' }, 40);
  h.fail(r2, zkError('NONODE'), 41, last);
  return h;
}
const op = (h: HistoryRecorder, o: string, args: Record<string, unknown>, t: number, zxid: number | null): void => {
  const i = h.invoke('B', o, args, t);
  if (zxid !== null) h.ok(i, o === 'create' ? { path: args.path } : {}, t + 1, zxid);
};
test('exist watch across a reconnect: a create after the reconnect must fire (SetWatches re-armed it)', () => {
  const h = existAcrossReconnect(3, () => {}, (x) => op(x, 'create', { path: '/b', data: '', mode: 'PERSISTENT' }, 30, 5), 5);
  const r = checkWatches(h.events);
  assert.not.ok(r.ok);
  assert.is(r.violations[0]!.check, 'complete (W2)');
  h.events.splice(h.events.length - 2, 0, { kind: 'event', process: 'A', time: 35, type: 'NodeCreated', path: '/b' });
  assert.ok(checkWatches(h.events).ok, formatWatches(checkWatches(h.events)));
});
test('exist watch across a reconnect: created and deleted while away is exempt, a create after the reconnect is not', () => {
  const away = (x: HistoryRecorder): void => {
    op(x, 'create', { path: '/b', data: '', mode: 'PERSISTENT' }, 5, 4);
    op(x, 'delete', { path: '/b', version: -1 }, 7, 5);
  };
  assert.ok(checkWatches(existAcrossReconnect(5, away, () => {}, 5).events).ok, 'created and deleted while away');
  const h = existAcrossReconnect(5, away, (x) => op(x, 'create', { path: '/b', data: '', mode: 'PERSISTENT' }, 30, 7), 7);
  assert.not.ok(checkWatches(h.events).ok, 'created again after the reconnect, no event');
  // deleted only after the first reply that followed the reconnect: the catch-up had to report the node
  assert.not.ok(checkWatches(existAcrossReconnect(4, (x) => op(x, 'create', { path: '/b', data: '', mode: 'PERSISTENT' }, 5, 4), (x) => op(x, 'delete', { path: '/b', version: -1 }, 30, 5), 5).events).ok);
});
test('exist watch across a reconnect: still exempt when a delete the history cannot place may have removed the node', () => {
  // an ephemeral node (its owner's session may end), or a delete of unknown outcome
  assert.ok(checkWatches(existAcrossReconnect(3, () => {}, (x) => op(x, 'create', { path: '/b', data: '', mode: 'EPHEMERAL' }, 30, 5), 5).events).ok);
  const unknownDelete = (x: HistoryRecorder): void => {
    op(x, 'create', { path: '/b', data: '', mode: 'PERSISTENT' }, 30, 5);
    op(x, 'delete', { path: '/b', version: -1 }, 32, null);
  };
  assert.ok(checkWatches(existAcrossReconnect(3, () => {}, unknownDelete, 5).events).ok);
});

test('a node deleted while away with a data and a child watch on it: the catch-up sends NodeDeleted once per table', () => {
  // (explore, a container-bucket recipe, 200 s, seed 62: W1 said the second NodeDeleted had no armed watch)
  const mk = (frames: number, live: boolean) => {
    const h = new HistoryRecorder();
    h.ok(h.invoke('A', 'getChildren', { path: '/p', watch: true }, 1), { children: [] }, 2, 5);
    h.ok(h.invoke('A', 'exists', { path: '/p', watch: true }, 3), { stat: { version: 0 } }, 4, 5);
    if (!live) h.session('A', 'disconnected', 5);
    h.ok(h.invoke('B', 'delete', { path: '/p', version: -1 }, 6), {}, 7, 6);
    if (!live) h.session('A', 'connected', 8);
    for (let i = 0; i < frames; i++) h.event('A', 'NodeDeleted', '/p', 9 + i);
    h.ok(h.invoke('A', 'exists', { path: '/p' }, 12), { stat: null }, 13, 6);
    return checkWatches(h.events);
  };
  assert.ok(mk(2, false).ok, formatWatches(mk(2, false)));
  assert.ok(mk(1, true).ok, 'a live delete: one frame for both watches');
  assert.not.ok(mk(2, true).ok, 'a live delete sends no second frame');
  assert.not.ok(mk(3, false).ok, 'no third frame');
});

test.run();
