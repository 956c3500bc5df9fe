import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder } from '../check/history.js';
import { checkOsc, formatOsc } from '../check/osc.js';

/**
 * ZooKeeper 3.8: a leader answers the reattach of a session it is closing with Expired before the closeSession commits;
 * if it is deposed, the next leader commits the close later. Another session may see the ephemeral meanwhile, even
 * after its own later write. With the commit time of the close from the trace, that history is legal.
 */
function history(): HistoryRecorder {
  const h = new HistoryRecorder();
  h.session('A', 'connected', 0, { sessionId: 7 });
  h.session('B', 'connected', 0, { sessionId: 8 });
  const c = h.invoke('A', 'create', { path: '/e', data: '', mode: 'EPHEMERAL' }, 1);
  h.ok(c, { path: '/e' }, 2);
  h.session('A', 'expired', 10, { sessionId: 7 });
  const w = h.invoke('B', 'create', { path: '/x', data: '', mode: 'PERSISTENT' }, 12);
  h.ok(w, { path: '/x' }, 13);
  const r = h.invoke('B', 'exists', { path: '/e', watch: false }, 14);
  h.ok(r, { stat: { version: 0 } }, 15);
  return h;
}

test('the end of an expired session is the commit of its close when the trace tells it', () => {
  assert.is(checkOsc(history().events).verdict, 'violation', 'without the trace: the close precedes B\'s later write');
  const closes = new Map([['7', { zxid: 9, t: 20 }]]);
  assert.is(checkOsc(history().events, { sessionCloses: closes }).verdict, 'ok', 'the close committed at t=20, after B\'s read');
  const early = new Map([['7', { zxid: 9, t: 11 }]]);
  assert.is(checkOsc(history().events, { sessionCloses: early }).verdict, 'violation', 'a close committed before B\'s write must be seen');
});

/**
 * The end from the trace carries the zxid of the close, so the history stays in zxid order. The close committed
 * (t=10, zxid 2) long before the client saw Expired (t=30); B's create with zxid 3 returned in between. The end's
 * interval must start by the commit (explore naming seeds 114, 469, ...: the end started when the client saw
 * Expired, so B's create "returned before it" and had to precede it, against the zxid order).
 */
function quietExpiry(): HistoryRecorder {
  const h = new HistoryRecorder();
  h.session('A', 'connected', 0, { sessionId: 7 });
  h.session('B', 'connected', 0, { sessionId: 8 });
  const p = h.invoke('B', 'create', { path: '/w', data: '', mode: 'PERSISTENT' }, 1);
  h.ok(p, { path: '/w' }, 2, 1);
  const q = h.invoke('B', 'create', { path: '/w/q', data: '', mode: 'PERSISTENT' }, 12);
  h.ok(q, { path: '/w/q' }, 14, 3);
  const r = h.invoke('B', 'getChildren', { path: '/w', watch: false }, 15);
  h.ok(r, { children: ['q'] }, 16, 3);
  h.session('A', 'expired', 30, { sessionId: 7 });
  return h;
}

test('the end from the trace is placed by its zxid, its interval starting by the commit of the close', () => {
  const r = checkOsc(quietExpiry().events, { sessionCloses: new Map([['7', { zxid: 2, t: 10 }]]) });
  assert.is(r.verdict, 'ok', formatOsc(r));
  assert.is(r.usedZxids, true, 'the whole history is checked in zxid order');
});

/** A's ephemeral, then its close (zxid 2, committed at t=10); B reads /e at a given zxid. */
function ephemeralRead(readZxid: number): HistoryRecorder {
  const h = new HistoryRecorder();
  h.session('A', 'connected', 0, { sessionId: 7 });
  h.session('B', 'connected', 0, { sessionId: 8 });
  const c = h.invoke('A', 'create', { path: '/e', data: '', mode: 'EPHEMERAL' }, 1);
  h.ok(c, { path: '/e' }, 2, 1);
  const r = h.invoke('B', 'exists', { path: '/e', watch: false }, 12);
  h.ok(r, { stat: { version: 0 } }, 13, readZxid);
  h.session('A', 'expired', 30, { sessionId: 7 });
  return h;
}

test('a read whose zxid includes the close must not see the session\'s ephemeral (zxid mode)', () => {
  const closes = new Map([['7', { zxid: 2, t: 10 }]]);
  const stale = checkOsc(ephemeralRead(1).events, { sessionCloses: closes });
  assert.is(stale.verdict, 'ok', 'a read at zxid 1 predates the close');
  const r = checkOsc(ephemeralRead(2).events, { sessionCloses: closes });
  assert.is(r.verdict, 'violation', 'a read at zxid 2 reflects the close: /e is gone');
  assert.is(r.usedZxids, true);
});

test.run();
