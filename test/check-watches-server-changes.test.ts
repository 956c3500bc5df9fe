/**
 * W3 (events on a session follow the zxid order of their causes) on watches of ephemeral and container nodes and of
 * their parents: the servers delete such nodes with no operation in the history (a session's close deletes its
 * ephemerals, the container manager empty containers). Given those deletes (explore passes them from the trace:
 * committedCloses, serverDeletes), the checker judges such events; what stays ambiguous stays unjudged.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder, type ServerDelete, type WatchEventType } from '../check/history.js';
import { checkWatches, formatWatches } from '../check/watches.js';
import { Cluster } from '../sim/cluster.js';
import { CreateMode, EventType } from '../core/protocol.js';
import { committedCloses, loadCheckers, runAllChecks, serverDeletes } from '../explore/checks.js';

type Order = 'close first' | 'write first';
interface EphemeralOpts {
  /** E's create of /e: acknowledged with zxid 2 (default), or of unknown outcome. */
  createUnknown?: boolean;
  /** E's session id in W's history (E's session events carry it). */
  sessionId?: number;
  /** Whether the client E saw its session end ('closed'). */
  closedByClient?: boolean;
}

/**
 * E (session 7) creates the ephemeral /e (zxid 2); B creates /x (1). W reads /e and /x with watches (zxid 3); E's
 * session closes at zxid 4 (deleting /e: the history has no delete), B sets /x (5). W gets NodeDeleted /e and
 * NodeDataChanged /x in `order`, then a reply with zxid 5.
 */
function ephemeral(order: Order, o: EphemeralOpts = {}): HistoryRecorder {
  const h = new HistoryRecorder();
  h.session('E', 'connected', 0, { server: 's1', sessionId: o.sessionId ?? 7 });
  h.session('W', 'connected', 0, { server: 's1', sessionId: 8 });
  h.session('B', 'connected', 0, { server: 's1', sessionId: 9 });
  h.ok(h.invoke('B', 'create', { path: '/x', data: '', mode: 'PERSISTENT' }, 1), { path: '/x' }, 2, 1);
  const c = h.invoke('E', 'create', { path: '/e', data: '', mode: 'EPHEMERAL' }, 3);
  if (!o.createUnknown) h.ok(c, { path: '/e' }, 4, 2);
  h.ok(h.invoke('W', 'getData', { path: '/e', watch: true }, 5), { data: '' }, 6, 3);
  h.ok(h.invoke('W', 'getData', { path: '/x', watch: true }, 7), { data: '' }, 8, 3);
  if (o.closedByClient) h.session('E', 'closed', 9, { sessionId: o.sessionId ?? 7 });
  h.ok(h.invoke('B', 'setData', { path: '/x', data: '1', version: -1 }, 10), {}, 11, 5);
  const events: Array<[WatchEventType, string]> = [['NodeDeleted', '/e'], ['NodeDataChanged', '/x']];
  if (order === 'write first') events.reverse();
  for (const [i, [type, path]] of events.entries()) h.event('W', type, path, 12 + i);
  h.ok(h.invoke('W', 'getData', { path: '/x' }, 14), { data: '1' }, 15, 5);
  return h;
}
const closes = new Map([['7', { zxid: 4, t: 9 }]]);

test('an event on an ephemeral node after one for a later change: VIOLATED (W3) with the close from the trace', () => {
  const h = ephemeral('write first').events;
  const r = checkWatches(h, undefined, { sessionCloses: closes });
  assert.not.ok(r.ok, 'the close at zxid 4 deleted /e before the write at 5');
  assert.is(r.violations.length, 1);
  assert.is(r.violations[0]!.check, 'ordered (W3)');
  assert.match(r.violations[0]!.message, /NodeDeleted on \/e \(change 0x4\) after an event for a change at or after 0x5/);
  // without the close (a history alone, as before): the blind spot, no verdict on /e
  const alone = checkWatches(h);
  assert.ok(alone.ok, formatWatches(alone));
  assert.is(alone.seen.ordered, 1, 'only the event on /x is judged');
});

test('the same events in zxid order: correct, and both judged', () => {
  const r = checkWatches(ephemeral('close first').events, undefined, { sessionCloses: closes });
  assert.ok(r.ok, formatWatches(r));
  assert.is(r.seen.ordered, 2);
  assert.is(r.seen.unordered, 0);
});

test('what stays ambiguous stays unjudged: a create of unknown outcome, a close not given, a session with no id', () => {
  // the create's outcome is unknown: whether the close deleted /e (at 4) is not known, so no certain cause
  const unknown = checkWatches(ephemeral('write first', { createUnknown: true }).events, undefined, { sessionCloses: closes });
  assert.ok(unknown.ok, formatWatches(unknown));
  assert.is(unknown.seen.ordered, 1);
  // E saw its session close, and the closes given do not name it: the servers closed it at some zxid not given
  const unnamed = checkWatches(ephemeral('write first', { sessionId: 70, closedByClient: true }).events, undefined, { sessionCloses: closes });
  assert.ok(unnamed.ok, formatWatches(unnamed));
  assert.is(unnamed.seen.ordered, 1);
  // a session the client did not see end and no close names: it did not close (no change to /e, so nothing fired
  // the watch: W3 has no cause for the event and leaves it unjudged)
  const open = checkWatches(ephemeral('write first', { sessionId: 70 }).events, undefined, { sessionCloses: closes });
  assert.ok(open.ok, formatWatches(open));
});

test('a later delete of the history bounds the cause even without the close: the event cannot come after it', () => {
  // E's close (4) is not given, but B deletes /e at 6 (in the history): the watch on /e fired by 6 at the latest. W
  // sees NodeDataChanged /x (5) after NodeDeleted /e: correct either way; the other order is not, if /e's event
  // follows an event for a change after 6.
  const h = new HistoryRecorder();
  h.ok(h.invoke('E', 'create', { path: '/e', data: '', mode: 'EPHEMERAL' }, 1), { path: '/e' }, 2, 2);
  h.ok(h.invoke('W', 'getData', { path: '/e', watch: true }, 3), { data: '' }, 4, 3);
  h.ok(h.invoke('W', 'exists', { path: '/y', watch: true }, 5), { stat: null }, 6, 3);
  h.ok(h.invoke('B', 'delete', { path: '/e', version: -1 }, 7), {}, 8, 6);
  h.ok(h.invoke('B', 'create', { path: '/y', data: '', mode: 'PERSISTENT' }, 9), { path: '/y' }, 10, 7);
  h.event('W', 'NodeCreated', '/y', 11);
  h.event('W', 'NodeDeleted', '/e', 12);
  const r = checkWatches(h.events);
  assert.not.ok(r.ok, 'the delete of /e (6, or an earlier close) came before the create of /y (7)');
  assert.is(r.violations[0]!.check, 'ordered (W3)');
  assert.match(r.violations[0]!.message, /a change at or before 0x6/);
});

/**
 * The container /c (zxid 1, by A); W watches it (exists, zxid 2) and /x (getData, 2); the container manager deletes
 * /c at zxid 4; B sets /x at 5; W gets both events in `order`.
 */
function container(order: Order): HistoryRecorder {
  const h = new HistoryRecorder();
  h.ok(h.invoke('A', 'create', { path: '/x', data: '', mode: 'PERSISTENT' }, 0), { path: '/x' }, 0.5, 0);
  h.ok(h.invoke('A', 'create', { path: '/c', data: '', mode: 'CONTAINER' }, 1), { path: '/c' }, 2, 1);
  h.ok(h.invoke('W', 'exists', { path: '/c', watch: true }, 3), { stat: { version: 0 } }, 4, 2);
  h.ok(h.invoke('W', 'getData', { path: '/x', watch: true }, 5), { data: '' }, 6, 2);
  h.ok(h.invoke('B', 'setData', { path: '/x', data: '1', version: -1 }, 20), {}, 21, 5);
  const events: Array<[WatchEventType, string]> = [['NodeDeleted', '/c'], ['NodeDataChanged', '/x']];
  if (order === 'write first') events.reverse();
  for (const [i, [type, path]] of events.entries()) h.event('W', type, path, 22 + i);
  return h;
}
const applied: ServerDelete[] = [{ path: '/c', zxid: 4, proposed: 10, applied: 11 }];

test('a container the servers deleted: its event out of order is VIOLATED with their deletes, in order correct', () => {
  const bad = checkWatches(container('write first').events, undefined, { serverDeletes: applied });
  assert.not.ok(bad.ok);
  assert.is(bad.violations[0]!.check, 'ordered (W3)');
  const good = checkWatches(container('close first').events, undefined, { serverDeletes: applied });
  assert.ok(good.ok, formatWatches(good));
  assert.is(good.seen.ordered, 2);
  // a delete no server applied (its outcome is unknown), or no list of the servers' deletes: not judged
  assert.ok(checkWatches(container('write first').events, undefined, { serverDeletes: [{ path: '/c', zxid: 4, proposed: 10 }] }).ok);
  assert.ok(checkWatches(container('write first').events).ok);
});

test('a change of unknown outcome may be the cause: no W3 verdict that needs it to come later', () => {
  // W watches /a and /b (zxid 2); B sets /a with an unknown outcome (invoked after the reply with zxid 2: it may have
  // taken effect at 3), then C sets /b (4) and /a (5). NodeDataChanged /a, then /b: correct if B's write was at 3.
  // (W3 took C's write of /a as the cause and said VIOLATED until it knew changes of unknown outcome.)
  const h = new HistoryRecorder();
  for (const p of ['/a', '/b']) h.ok(h.invoke('W', 'getData', { path: p, watch: true }, 1), { data: '' }, 2, 2);
  h.invoke('B', 'setData', { path: '/a', data: '?', version: -1 }, 3);
  h.ok(h.invoke('C', 'setData', { path: '/b', data: '1', version: -1 }, 4), {}, 5, 4);
  h.ok(h.invoke('C', 'setData', { path: '/a', data: '2', version: -1 }, 6), {}, 7, 5);
  h.event('W', 'NodeDataChanged', '/a', 8);
  h.event('W', 'NodeDataChanged', '/b', 9);
  const r = checkWatches(h.events);
  assert.ok(r.ok, formatWatches(r));
  assert.is(r.seen.ordered, 2, 'both judged: /a at 3..5, /b at 4');
  // an unknown write invoked after the reply with zxid 5 cannot have caused an event for an earlier change
  const later = new HistoryRecorder();
  for (const p of ['/a', '/b']) later.ok(later.invoke('W', 'getData', { path: p, watch: true }, 1), { data: '' }, 2, 2);
  later.ok(later.invoke('C', 'setData', { path: '/b', data: '1', version: -1 }, 4), {}, 5, 4);
  later.ok(later.invoke('C', 'setData', { path: '/a', data: '2', version: -1 }, 6), {}, 7, 5);
  later.invoke('B', 'setData', { path: '/a', data: '?', version: -1 }, 7.5);
  later.event('W', 'NodeDataChanged', '/a', 8);
  later.event('W', 'NodeDataChanged', '/b', 9);
  const r2 = checkWatches(later.events);
  assert.not.ok(r2.ok, 'NodeDataChanged /b (4) after /a (5)');
  assert.is(r2.violations[0]!.check, 'ordered (W3)');
});

/**
 * A server that holds back the watch events of a closeSession txn and sends them after those of the next txn (not a
 * zoo bug: patched here). W3 now catches it: a NodeDeleted of an ephemeral node arrives after an event for a later
 * change. Before, the event on the ephemeral was not judged, and nothing else notices (the close is no change of
 * the history, so W2 expects nothing of it).
 */
async function heldBackCloseEvents(broken: boolean) {
  await loadCheckers();
  const cl = new Cluster({ seed: 3, servers: 1, recordTrace: true });
  assert.ok(await cl.until(() => cl.leader() !== null, 60_000));
  const s1 = cl.server('s1')!;
  if (broken) {
    const srv = s1 as unknown as { applySessionTxn(t: unknown): void; sendWatchEvents(e: ReadonlyMap<number, unknown[]>): void };
    const applySessionTxn = srv.applySessionTxn.bind(srv);
    const send = srv.sendWatchEvents.bind(srv);
    let held: Array<ReadonlyMap<number, unknown[]>> | null = null;
    srv.sendWatchEvents = (e) => {
      if (held) held.push(new Map(e));
      else send(e);
    };
    srv.applySessionTxn = (t) => {
      held = (t as { type?: string }).type === 'closeSession' ? [] : null;
      applySessionTxn(t);
      const later = held ?? [];
      held = null;
      if (later.length) {
        srv.sendWatchEvents = (e) => {
          send(e);
          for (const x of later) send(x);
          srv.sendWatchEvents = send;
        };
      }
    };
  }
  const e = cl.client('E');
  const w = cl.client('W');
  const b = cl.client('B');
  assert.ok(await cl.until(() => e.state === 'CONNECTED' && w.state === 'CONNECTED' && b.state === 'CONNECTED'));
  await cl.run(b.create('/x', 'v0'));
  await cl.run(e.create('/e', 'lease', CreateMode.EPHEMERAL));
  const fired: string[] = [];
  await cl.run(w.getData('/e', (ev) => fired.push(`${ev.type}:${ev.path}`)));
  await cl.run(w.getData('/x', (ev) => fired.push(`${ev.type}:${ev.path}`)));
  await cl.run(e.close()); // the close deletes /e: NodeDeleted for W
  await cl.run(b.setData('/x', 'v1', -1)); // NodeDataChanged for W
  await cl.runFor(50);
  await cl.run(w.getData('/x'));
  const deleted = `${EventType.NodeDeleted}:/e`;
  const changed = `${EventType.NodeDataChanged}:/x`;
  assert.equal(fired, broken ? [changed, deleted] : [deleted, changed]);
  const trace = cl.world.trace;
  const opts = { sessionCloses: committedCloses(trace), serverDeletes: serverDeletes(trace).deletes };
  return { history: cl.history.events, trace, opts };
}

test('a server that sends a close\'s watch events late: W3 catches it with the trace (it did not before)', async () => {
  const bad = await heldBackCloseEvents(true);
  const r = checkWatches(bad.history, undefined, bad.opts);
  assert.not.ok(r.ok, formatWatches(r));
  assert.equal(r.violations.map((v) => v.check), ['ordered (W3)']);
  assert.match(r.violations[0]!.message, /^NodeDeleted on \/e \(change 0x[0-9a-f]+\) after/);
  assert.ok(checkWatches(bad.history).ok, 'a history alone leaves the event on /e unjudged');
  // explore's adapter passes the trace's closes
  const v = runAllChecks({ history: bad.history, trace: bad.trace, servers: 1, workload: 'test' }).find((x) => x.property === 'watches')!;
  assert.is(v.ok, false, v.explanation);
  assert.match(v.explanation, /ordered \(W3\)/);
  // the correct server
  const good = await heldBackCloseEvents(false);
  const ok = checkWatches(good.history, undefined, good.opts);
  assert.ok(ok.ok, formatWatches(ok));
  assert.is(ok.seen.ordered, 2);
  const gv = runAllChecks({ history: good.history, trace: good.trace, servers: 1, workload: 'test' }).find((x) => x.property === 'watches')!;
  assert.is(gv.ok, true, gv.explanation);
  assert.match(gv.explanation, /order \(W3\) judged for 2 of 2 events of one-shot watches/);
});

test.run();
