import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder } from '../check/history.js';
import { checkOsc } from '../check/osc.js';

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

test.run();
