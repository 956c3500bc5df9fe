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

test.run();
