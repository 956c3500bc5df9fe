import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkEnsemble, formatEnsemble, type EnsembleTraceEvent } from '../check/ensemble.js';
import { HistoryRecorder } from '../check/history.js';

const E1 = 2 ** 32;
const z = (epoch: number, n: number): number => epoch * E1 + n;

function healthy(): EnsembleTraceEvent[] {
  const t: EnsembleTraceEvent[] = [];
  t.push({ t: 1, node: 's1', kind: 'state', role: 'LOOKING', epoch: 0 });
  t.push({ t: 5, node: 's2', kind: 'leader', epoch: 1, historyZxid: 0 });
  t.push({ t: 5, node: 's2', kind: 'state', role: 'LEADING', epoch: 1, phase: 'broadcast' });
  for (let i = 1; i <= 3; i++) {
    t.push({ t: 10 + i, node: 's2', kind: 'commit', zxid: z(1, i) });
    for (const n of ['s1', 's2', 's3']) {
      t.push({ t: 10 + i, node: n, kind: 'apply', zxid: z(1, i), type: 'create', session: 7, digest: `d${i}`, created: i === 1 ? [{ path: '/e', ephemeralOwner: 7 }] : [] });
    }
  }
  for (const n of ['s1', 's2', 's3']) {
    t.push({ t: 20, node: n, kind: 'apply', zxid: z(1, 4), type: 'closeSession', session: 7, digest: 'd4', deleted: ['/e'] });
    t.push({ t: 20, node: n, kind: 'session', id: 7, event: 'closed', zxid: z(1, 4) });
  }
  t.push({ t: 30, node: 's2', kind: 'crash' });
  t.push({ t: 40, node: 's1', kind: 'leader', epoch: 2, historyZxid: z(1, 4) });
  return t;
}

test('a healthy trace passes', () => {
  const r = checkEnsemble(healthy());
  assert.ok(r.ok, formatEnsemble(r));
  assert.is(r.seen.leaders, 2);
});
test('the summary counts the servers that applied, not the clients, and says standalone', () => {
  const t = healthy();
  t.push({ t: 2, node: 'c1', kind: 'connect', to: 's1' }, { t: 3, node: 'c2', kind: 'timer', tag: 'ping' });
  const r = checkEnsemble(t);
  assert.is(r.seen.nodes, 3);
  assert.is(r.seen.standalone, false);
  assert.is(formatEnsemble(r), 'ensemble invariants hold (2 epochs led, 3 commits, 12 applies on 3 servers)');
  const solo: EnsembleTraceEvent[] = [
    { t: 0, node: 's1', kind: 'state', role: 'STANDALONE', epoch: 0 },
    { t: 1, node: 'c1', kind: 'connect', to: 's1' },
    { t: 5, node: 's1', kind: 'commit', zxid: 1 },
    { t: 5, node: 's1', kind: 'apply', zxid: 1, type: 'createSession', session: 7, digest: 'd1' },
  ];
  const s = checkEnsemble(solo);
  assert.ok(s.ok, formatEnsemble(s));
  assert.is(formatEnsemble(s), 'ensemble invariants hold (standalone, 1 commit, 1 apply on 1 server)');
});
test('two leaders in one epoch', () => {
  const t = healthy();
  t.push({ t: 41, node: 's3', kind: 'leader', epoch: 2, historyZxid: z(1, 4) });
  const r = checkEnsemble(t);
  assert.not.ok(r.ok);
  assert.match(r.violations[0]!.invariant, /Z1/);
});
test('different txns at one zxid, and diverging digests', () => {
  const t = healthy();
  t.push({ t: 50, node: 's3', kind: 'recover' });
  t.push({ t: 51, node: 's3', kind: 'apply', zxid: z(1, 2), type: 'setData', session: 9, digest: 'other' });
  const r = checkEnsemble(t);
  const inv = r.violations.map((v) => v.invariant).join(';');
  assert.match(inv, /Z3\/Z4/);
  assert.match(inv, /Z15/);
});
test('zxids go backwards on a node', () => {
  const t = healthy();
  t.push({ t: 52, node: 's1', kind: 'apply', zxid: z(1, 2), type: 'create', session: 7, digest: 'd2' });
  assert.match(checkEnsemble(t).violations[0]!.invariant, /Z12/);
});
test('a committed write missing from a later leader', () => {
  const t = healthy();
  t.push({ t: 60, node: 's3', kind: 'leader', epoch: 3, historyZxid: z(1, 2) });
  const r = checkEnsemble(t);
  assert.match(r.violations.map((v) => v.invariant).join(';'), /Z11/);
});
test('an acknowledged client write missing from a later leader (history)', () => {
  const h = new HistoryRecorder();
  const id = h.invoke(1, 'setData', { path: '/x', data: 'v', version: -1 }, 70);
  h.ok(id, {}, 71, z(2, 5));
  const t = healthy();
  t.push({ t: 80, node: 's3', kind: 'leader', epoch: 3, historyZxid: z(2, 4) });
  const r = checkEnsemble(t, h.events);
  assert.match(formatEnsemble(r), /acknowledged setData/);
});
test('ephemeral survives its session close', () => {
  const t = healthy().map((e) => (e.kind === 'apply' && e.type === 'closeSession' && e.node === 's3' ? { ...e, deleted: [] } : e));
  const r = checkEnsemble(t);
  assert.match(r.violations.map((v) => v.invariant).join(';'), /S1/);
});
test('sequential names must increase under a parent', () => {
  const h = new HistoryRecorder();
  const a = h.invoke(1, 'create', { path: '/q/n-', mode: 'PERSISTENT_SEQUENTIAL' }, 1);
  h.ok(a, { path: '/q/n-0000000003' }, 2, z(1, 10));
  const b = h.invoke(2, 'create', { path: '/q/n-', mode: 'PERSISTENT_SEQUENTIAL' }, 3);
  h.ok(b, { path: '/q/n-0000000003' }, 4, z(1, 11));
  const r = checkEnsemble([], h.events);
  assert.match(formatEnsemble(r), /sequential/);
});
test('nested data form and hex zxids are read', () => {
  const r = checkEnsemble([
    { t: 1, node: 's1', kind: 'apply', data: { zxid: '0x100000002', digest: 'a' } },
    { t: 2, node: 's1', kind: 'apply', data: { zxid: '0x100000001', digest: 'b' } },
  ]);
  assert.match(r.violations[0]!.invariant, /Z12/);
});

test('S1 from the history: an ephemeral seen after its session closed, or missing while it lives', () => {
  const mk = (seenExists: boolean, readZxid: number): ReturnType<typeof checkEnsemble> => {
    const h = new HistoryRecorder();
    h.session('A', 'connected', 0, { sessionId: 7 });
    h.session('B', 'connected', 0, { sessionId: 8 });
    const c = h.invoke('A', 'create', { path: '/lock/e', data: '', mode: 'EPHEMERAL' }, 1);
    h.ok(c, { path: '/lock/e' }, 2, z(1, 2));
    const r = h.invoke('B', 'exists', { path: '/lock/e' }, 30);
    h.ok(r, { stat: seenExists ? { version: 0 } : null }, 31, readZxid);
    return checkEnsemble(healthy(), h.events);
  };
  // healthy(): session 7 closes at zxid z(1, 4)
  assert.ok(mk(false, z(1, 5)).ok, 'gone after the close: fine');
  assert.ok(mk(true, z(1, 3)).ok, 'there before the close: fine');
  assert.match(formatEnsemble(mk(true, z(1, 5))), /after the session's close/);
  assert.match(formatEnsemble(mk(false, z(1, 3))), /missing/);
});

test('S1 from listings: only a listing of the ephemeral\'s own parent counts, and the report names the read', () => {
  // session 7 (A) makes /lock/e and, under the root, /e; healthy() closes session 7 at zxid z(1, 4)
  const mk = (listed: string, children: string[], readZxid: number): ReturnType<typeof checkEnsemble> => {
    const h = new HistoryRecorder();
    h.session('A', 'connected', 0, { sessionId: 7 });
    h.session('B', 'connected', 0, { sessionId: 8 });
    const c1 = h.invoke('A', 'create', { path: '/lock/e', data: '', mode: 'EPHEMERAL' }, 1);
    h.ok(c1, { path: '/lock/e' }, 2, z(1, 2));
    const c2 = h.invoke('A', 'create', { path: '/e', data: '', mode: 'EPHEMERAL' }, 3);
    h.ok(c2, { path: '/e' }, 4, z(1, 3));
    const r = h.invoke('B', 'getChildren', { path: listed }, 30);
    h.ok(r, { children }, 31, readZxid);
    return checkEnsemble(healthy(), h.events);
  };
  assert.match(formatEnsemble(mk('/lock', ['e'], z(1, 5))), /getChildren #\d+ saw ephemeral \/lock\/e of session 7/);
  assert.match(formatEnsemble(mk('/', ['e', 'lock'], z(1, 5))), /getChildren #\d+ saw ephemeral \/e of session 7/);
  assert.not.match(formatEnsemble(mk('/', ['e', 'lock'], z(1, 5))), /\/lock\/e/, 'a listing of / says nothing of /lock/e');
  assert.ok(mk('/other', ['e'], z(1, 5)).ok, 'a child named e of another parent is another node');
  assert.ok(mk('/lock', [], z(1, 5)).ok, 'gone from the listing after the close: fine');
  assert.match(formatEnsemble(mk('/lock', [], z(1, 3))), /getChildren #\d+ found ephemeral \/lock\/e of live session 7 missing/);
  assert.ok(mk('/lock', ['e'], z(1, 3)).ok, 'listed before the close: fine');
});

test('S1 from listings: a listing invoked before the create is checked too (operations are in invocation order)', () => {
  const h = new HistoryRecorder();
  h.session('A', 'connected', 0, { sessionId: 7 });
  h.session('B', 'connected', 0, { sessionId: 8 });
  const r = h.invoke('B', 'getChildren', { path: '/lock' }, 1); // invoked first, answered last
  const c = h.invoke('A', 'create', { path: '/lock/e', data: '', mode: 'EPHEMERAL' }, 2);
  h.ok(c, { path: '/lock/e' }, 3, z(1, 2));
  h.ok(r, { children: ['e'] }, 40, z(1, 5)); // healthy(): session 7 closes at zxid z(1, 4)
  assert.match(formatEnsemble(checkEnsemble(healthy(), h.events)), /getChildren #\d+ saw ephemeral \/lock\/e of session 7/);
});

test('S1: a proposed close that became committed silently (recovered by a new leader) does not make its ephemeral "missing"', () => {
  const h = new HistoryRecorder();
  h.session('A', 'connected', 0, { sessionId: 9 });
  h.session('B', 'connected', 0, { sessionId: 8 });
  const c = h.invoke('A', 'create', { path: '/w/e', data: '', mode: 'EPHEMERAL' }, 1);
  h.ok(c, { path: '/w/e' }, 2, z(1, 2));
  const r = h.invoke('B', 'exists', { path: '/w/e' }, 30);
  h.ok(r, { stat: null }, 31, z(2, 1));
  const withPropose = [...healthy(), { t: 20, node: 's1', kind: 'propose', zxid: z(1, 3), type: 'closeSession', session: 9, epoch: 1 }];
  assert.ok(checkEnsemble(withPropose, h.events).ok, 'the close may have been committed by the next leader');
  assert.match(formatEnsemble(checkEnsemble(healthy(), h.events)), /missing/, 'without any close of session 9 it is missing');
});

test.run();
