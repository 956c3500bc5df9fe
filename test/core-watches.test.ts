/**
 * Server-side watch tests (core/watches.ts) per zookeeper-semantics.md §5.1–§5.5 and checklist §12 items 13–15:
 * registration rules, the (operation × watch kind) trigger table, one frame per cnxn, one-shot removal, event order
 * within a txn, persistent/recursive watches, SetWatches catch-up.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code } from '../core/errors.js';
import { CreateMode, EventType as E } from '../core/protocol.js';
import type { WatchEventMsg } from '../core/protocol.js';
import { WatchManager } from '../core/watches.js';
import { Db, S1, S2, bytes } from './core-harness.js';

const C1 = 11, C2 = 22;
type Ev = [number, string];
const evs = (m: ReadonlyMap<number, WatchEventMsg[]>, cnxn: number): Ev[] => (m.get(cnxn) ?? []).map((e) => {
  assert.is(e.state, 3, 'events carry SyncConnected');
  return [e.type, e.path];
});

type Kind = 'data' | 'exist' | 'child';
/** Register a watch the way the client's read would (and check the read's outcome). */
function watch(db: Db, kind: Kind, path: string, cnxn = C1): void {
  if (kind === 'child') assert.is(db.read({ op: 'getChildren', path, watch: true }, cnxn).err, 0);
  else if (kind === 'data') assert.is(db.read({ op: 'getData', path, watch: true }, cnxn).err, 0);
  else assert.is(db.read({ op: 'exists', path, watch: true }, cnxn).err, Code.NONODE);
}

// ---------------------------------------------------------------------------------------------------------------
// §5.1 registration

test('exists registers also on a missing node; getData/getChildren only on success; exists with NUL never', () => {
  const db = new Db();
  db.read({ op: 'exists', path: '/x', watch: true });
  assert.ok(db.watches.has('data', '/x', 1));
  db.read({ op: 'getData', path: '/y', watch: true });
  db.read({ op: 'getChildren', path: '/y', watch: true });
  db.read({ op: 'exists', path: '/y\u0000', watch: true });
  assert.equal(db.watches.count(), { data: 1, child: 0 });
  db.read({ op: 'getData', path: '/x', watch: false });
  db.read({ op: 'exists', path: '/', watch: false });
  assert.equal(db.watches.count(), { data: 1, child: 0 });
  // one entry per (path, cnxn, table) however often registered
  db.read({ op: 'exists', path: '/x', watch: true });
  db.read({ op: 'exists', path: '/x', watch: true });
  assert.equal(db.watches.count(), { data: 1, child: 0 });
  db.read({ op: 'exists', path: '/x', watch: true }, 2);
  assert.equal(db.watches.count(), { data: 2, child: 0 });
});

test('exists-watch on a missing node fires NodeCreated on create (§12.13)', () => {
  const db = new Db();
  assert.is(db.read({ op: 'exists', path: '/x', watch: true }, C1).err, Code.NONODE);
  const w = db.write({ op: 'create', path: '/x', data: null, mode: 0 });
  assert.equal(evs(w.events, C1), [[E.NodeCreated, '/x']]);
  assert.equal(db.watches.count(), { data: 0, child: 0 });
});

// ---------------------------------------------------------------------------------------------------------------
// §5.2 trigger table: operation × watch kind

interface Case { name: string; setup: (db: Db) => void; kind: Kind; at: string; op: (db: Db) => void; want: Ev[] }
const cases: Case[] = [
  // create N
  { name: 'create N / exist watch on N', setup: () => {}, kind: 'exist', at: '/n', op: (db) => db.create('/n'), want: [[E.NodeCreated, '/n']] },
  { name: 'create N / child watch on parent', setup: (db) => db.create('/p'), kind: 'child', at: '/p', op: (db) => db.create('/p/n'), want: [[E.NodeChildrenChanged, '/p']] },
  { name: 'create N / data watch on parent', setup: (db) => db.create('/p'), kind: 'data', at: '/p', op: (db) => db.create('/p/n'), want: [] },
  { name: 'create N / child watch on root', setup: () => {}, kind: 'child', at: '/', op: (db) => db.create('/n'), want: [[E.NodeChildrenChanged, '/']] },
  { name: 'create N / child watch on grandparent', setup: (db) => { db.create('/p'); db.create('/p/q'); }, kind: 'child', at: '/p', op: (db) => db.create('/p/q/n'), want: [] },
  { name: 'failed create / exist watch', setup: (db) => db.create('/n'), kind: 'data', at: '/n', op: (db) => db.create('/n'), want: [] },
  // delete N
  { name: 'delete N / data watch on N', setup: (db) => db.create('/n'), kind: 'data', at: '/n', op: (db) => db.del('/n'), want: [[E.NodeDeleted, '/n']] },
  { name: 'delete N / child watch on N', setup: (db) => db.create('/n'), kind: 'child', at: '/n', op: (db) => db.del('/n'), want: [[E.NodeDeleted, '/n']] },
  { name: 'delete N / child watch on parent', setup: (db) => { db.create('/p'); db.create('/p/n'); }, kind: 'child', at: '/p', op: (db) => db.del('/p/n'), want: [[E.NodeChildrenChanged, '/p']] },
  { name: 'delete N / data watch on parent', setup: (db) => { db.create('/p'); db.create('/p/n'); }, kind: 'data', at: '/p', op: (db) => db.del('/p/n'), want: [] },
  { name: 'failed delete / data watch', setup: (db) => { db.create('/n'); db.create('/n/c'); }, kind: 'data', at: '/n', op: (db) => db.del('/n'), want: [] },
  // setData N
  { name: 'setData N / data watch on N', setup: (db) => db.create('/n'), kind: 'data', at: '/n', op: (db) => db.set('/n', bytes('x')), want: [[E.NodeDataChanged, '/n']] },
  { name: 'setData N / child watch on N', setup: (db) => db.create('/n'), kind: 'child', at: '/n', op: (db) => db.set('/n', bytes('x')), want: [] },
  { name: 'setData N / child watch on parent', setup: (db) => { db.create('/p'); db.create('/p/n'); }, kind: 'child', at: '/p', op: (db) => db.set('/p/n', null), want: [] },
  { name: 'setData with BADVERSION / data watch', setup: (db) => db.create('/n'), kind: 'data', at: '/n', op: (db) => db.set('/n', null, 9), want: [] },
  // multi check, session ops
  { name: 'multi check / data watch', setup: (db) => db.create('/n'), kind: 'data', at: '/n', op: (db) => db.multi([{ op: 'check', path: '/n', version: 0 }]), want: [] },
  { name: 'failed multi / data watch', setup: (db) => db.create('/n'), kind: 'data', at: '/n', op: (db) => db.multi([{ op: 'setData', path: '/n', data: null, version: -1 }, { op: 'check', path: '/n', version: 0 }]), want: [] },
  { name: 'createSession / child watch on root', setup: () => {}, kind: 'child', at: '/', op: (db) => db.write({ op: 'createSession', timeoutMs: 5 }, 99), want: [] },
  { name: 'closeSession / data watch on ephemeral', setup: (db) => db.create('/e', null, CreateMode.EPHEMERAL, S2), kind: 'data', at: '/e', op: (db) => db.write({ op: 'closeSession' }, S2), want: [[E.NodeDeleted, '/e']] },
  { name: 'closeSession / child watch on parent of ephemeral', setup: (db) => { db.create('/p'); db.create('/p/e', null, CreateMode.EPHEMERAL, S2); }, kind: 'child', at: '/p', op: (db) => db.write({ op: 'closeSession' }, S2), want: [[E.NodeChildrenChanged, '/p']] },
];

for (const c of cases) {
  test(`trigger table: ${c.name}`, () => {
    const db = new Db();
    c.setup(db);
    watch(db, c.kind, c.at);
    const before = db.watches.count();
    const z = db.zxid;
    const out: Ev[] = [];
    const orig = db.write.bind(db);
    db.write = (...args) => { const w = orig(...args); out.push(...evs(w.events, C1)); return w; };
    c.op(db);
    assert.ok(db.zxid > z);
    assert.equal(out, c.want);
    const after = db.watches.count();
    const total = (x: { data: number; child: number }) => x.data + x.child;
    assert.is(total(after), total(before) - (c.want.length > 0 ? 1 : 0), 'a fired one-shot watch is removed, others stay');
  });
}

// ---------------------------------------------------------------------------------------------------------------
// §5.3 one frame per cnxn

test('delete with data, exist-style and child watches on one cnxn → exactly one NodeDeleted frame', () => {
  const db = new Db();
  db.create('/p');
  db.create('/p/n');
  db.read({ op: 'exists', path: '/p/n', watch: true }, C1);
  db.read({ op: 'getData', path: '/p/n', watch: true }, C1);
  db.read({ op: 'getChildren', path: '/p/n', watch: true }, C1);
  db.read({ op: 'getChildren', path: '/p', watch: true }, C1);
  db.read({ op: 'getChildren', path: '/p/n', watch: true }, C2);
  const w = db.write({ op: 'delete', path: '/p/n', version: -1 });
  assert.equal(evs(w.events, C1), [[E.NodeDeleted, '/p/n'], [E.NodeChildrenChanged, '/p']]);
  assert.equal(evs(w.events, C2), [[E.NodeDeleted, '/p/n']]);
  // the suppressed child watch was consumed too: re-create and add a child → nothing for C1 at /p/n
  assert.equal(db.watches.count(), { data: 0, child: 0 });
  db.create('/p/n');
  const w2 = db.write({ op: 'create', path: '/p/n/c', data: null, mode: 0 });
  assert.equal(w2.events.size, 0);
});

test('one-shot: two setData → one NodeDataChanged; re-registering re-arms', () => {
  const db = new Db();
  db.create('/n');
  watch(db, 'data', '/n');
  const a = db.write({ op: 'setData', path: '/n', data: null, version: -1 });
  const b = db.write({ op: 'setData', path: '/n', data: null, version: -1 });
  assert.equal(evs(a.events, C1), [[E.NodeDataChanged, '/n']]);
  assert.equal(evs(b.events, C1), []);
  watch(db, 'data', '/n');
  assert.equal(evs(db.write({ op: 'setData', path: '/n', data: null, version: -1 }).events, C1), [[E.NodeDataChanged, '/n']]);
});

test('two cnxns each receive their own event', () => {
  const db = new Db();
  db.create('/n');
  watch(db, 'data', '/n', C1);
  watch(db, 'data', '/n', C2);
  const w = db.write({ op: 'setData', path: '/n', data: null, version: -1 });
  assert.equal([...w.events.keys()], [C1, C2]);
  assert.equal(evs(w.events, C2), [[E.NodeDataChanged, '/n']]);
});

// ---------------------------------------------------------------------------------------------------------------
// §5.4 order within a txn

test('multi: events in sub-op order, data-table before child-table within a sub-op', () => {
  const db = new Db();
  db.create('/x');
  db.read({ op: 'exists', path: '/m', watch: true }, C1);
  db.read({ op: 'getChildren', path: '/', watch: true }, C1);
  db.read({ op: 'getData', path: '/x', watch: true }, C1);
  db.read({ op: 'exists', path: '/m2', watch: true }, C1);
  const w = db.write({ op: 'multi', ops: [
    { op: 'create', path: '/m', data: null, mode: 0 },
    { op: 'setData', path: '/x', data: null, version: -1 },
    { op: 'create', path: '/m2', data: null, mode: 0 },
  ] });
  assert.equal(evs(w.events, C1), [[E.NodeCreated, '/m'], [E.NodeChildrenChanged, '/'], [E.NodeDataChanged, '/x'], [E.NodeCreated, '/m2']]);
});

test('closeSession deletes fire NodeDeleted for other sessions\' watchers', () => {
  const db = new Db();
  db.create('/e1', null, CreateMode.EPHEMERAL, S2);
  db.create('/e2', null, CreateMode.EPHEMERAL, S2);
  watch(db, 'data', '/e1', C1);
  watch(db, 'data', '/e2', C1);
  watch(db, 'child', '/', C1);
  const w = db.write({ op: 'closeSession' }, S2);
  assert.equal(evs(w.events, C1), [[E.NodeDeleted, '/e1'], [E.NodeChildrenChanged, '/'], [E.NodeDeleted, '/e2']]);
});

// ---------------------------------------------------------------------------------------------------------------
// persistent and recursive (addWatch)

test('persistent watch: all four types at the path, never consumed, survives delete + re-create (§12.15)', () => {
  const db = new Db();
  db.create('/p');
  db.watches.register('persistent', '/p', C1);
  const seen: Ev[] = [];
  const run = (f: () => { events: ReadonlyMap<number, WatchEventMsg[]> }) => seen.push(...evs(f().events, C1));
  run(() => db.write({ op: 'create', path: '/p/c', data: null, mode: 0 }));
  run(() => db.write({ op: 'create', path: '/p/c/d', data: null, mode: 0 }));
  run(() => db.write({ op: 'setData', path: '/p', data: null, version: -1 }));
  run(() => db.write({ op: 'setData', path: '/p', data: null, version: -1 }));
  run(() => db.write({ op: 'multi', ops: [{ op: 'delete', path: '/p/c/d', version: -1 }, { op: 'delete', path: '/p/c', version: -1 }, { op: 'delete', path: '/p', version: -1 }] }));
  run(() => db.write({ op: 'create', path: '/p', data: null, mode: 0 }));
  assert.equal(seen, [
    [E.NodeChildrenChanged, '/p'], [E.NodeDataChanged, '/p'], [E.NodeDataChanged, '/p'],
    [E.NodeChildrenChanged, '/p'], [E.NodeDeleted, '/p'], [E.NodeCreated, '/p']]);
  assert.is(db.watches.modeOf('data', '/p', C1), 'persistent');
  assert.is(db.watches.modeOf('child', '/p', C1), 'persistent');
});

test('recursive watch: the §5.2 example, never NodeChildrenChanged', () => {
  const db = new Db();
  db.create('/r');
  db.watches.register('persistentRecursive', '/r', C1);
  const seen: Ev[] = [];
  const run = (req: Parameters<Db['write']>[0]) => seen.push(...evs(db.write(req).events, C1));
  run({ op: 'create', path: '/r/a', data: null, mode: 0 });
  run({ op: 'setData', path: '/r/a', data: null, version: -1 });
  run({ op: 'create', path: '/r/a/b', data: null, mode: 0 });
  run({ op: 'delete', path: '/r/a/b', version: -1 });
  run({ op: 'setData', path: '/r', data: null, version: -1 });
  run({ op: 'create', path: '/rx', data: null, mode: 0 }); // not a descendant
  assert.equal(seen, [[E.NodeCreated, '/r/a'], [E.NodeDataChanged, '/r/a'], [E.NodeCreated, '/r/a/b'], [E.NodeDeleted, '/r/a/b'], [E.NodeDataChanged, '/r']]);
  assert.is(db.watches.modeOf('child', '/r', C1), 'persistentRecursive', 'in both tables, as 3.8.0 DataTree.addWatch');
});

test('recursive watch in both tables (3.8.0, conformance persistent-watches/*): over a PERSISTENT one it silences NodeChildrenChanged; removeWatches CHILDREN finds it; without its data half it still reports deletes below', () => {
  const db = new Db();
  db.create('/pr');
  db.watches.register('persistent', '/pr', C1);
  db.watches.register('persistentRecursive', '/pr', C1);
  // the child-table half is recursive now: a child create is NodeCreated only (3.8.0: no NodeChildrenChanged)
  assert.equal(evs(db.write({ op: 'create', path: '/pr/k', data: null, mode: 0 }).events, C1), [[E.NodeCreated, '/pr/k']]);
  assert.equal(evs(db.write({ op: 'delete', path: '/pr/k', version: -1 }).events, C1), [[E.NodeDeleted, '/pr/k']]);
  db.create('/rr');
  db.create('/rr/a');
  db.watches.register('persistentRecursive', '/rr', C2);
  assert.is(db.watches.removeWatches('/rr', 1, C2, false), Code.OK, 'checkWatches CHILDREN');
  assert.is(db.watches.removeWatches('/rr', 2, C2), Code.OK, 'removeAllWatches DATA drops the data half');
  assert.equal(evs(db.write({ op: 'create', path: '/rr/b', data: null, mode: 0 }).events, C2), []);
  assert.equal(evs(db.write({ op: 'setData', path: '/rr/a', data: null, version: -1 }).events, C2), []);
  assert.equal(evs(db.write({ op: 'delete', path: '/rr/a', version: -1 }).events, C2), [[E.NodeDeleted, '/rr/a']], 'the child half fires NodeDeleted');
  assert.is(db.watches.removeWatches('/rr', 1, C2), Code.OK, 'removeAllWatches CHILDREN drops the child half');
  assert.equal(evs(db.write({ op: 'delete', path: '/rr/b', version: -1 }).events, C2), []);
  assert.is(db.watches.removeWatches('/rr', 3, C2), Code.NOWATCHER);
});

test('recursive + standard on one cnxn: one event per trigger; recursive on / sees everything', () => {
  const db = new Db();
  db.create('/a');
  db.watches.register('persistentRecursive', '/', C1);
  watch(db, 'data', '/a', C1);
  const w = db.write({ op: 'setData', path: '/a', data: null, version: -1 });
  assert.equal(evs(w.events, C1), [[E.NodeDataChanged, '/a']]);
  const w2 = db.write({ op: 'create', path: '/a/b', data: null, mode: 0 });
  assert.equal(evs(w2.events, C1), [[E.NodeCreated, '/a/b']]);
});

test('3.8 mode overwrite: a standard watch after a persistent one on the same path makes it one-shot', () => {
  const db = new Db();
  db.create('/p');
  db.watches.register('persistent', '/p', C1);
  watch(db, 'data', '/p', C1);
  assert.is(db.watches.modeOf('data', '/p', C1), 'standard');
  assert.is(db.watches.modeOf('child', '/p', C1), 'persistent');
  assert.equal(evs(db.write({ op: 'setData', path: '/p', data: null, version: -1 }).events, C1), [[E.NodeDataChanged, '/p']]);
  assert.equal(evs(db.write({ op: 'setData', path: '/p', data: null, version: -1 }).events, C1), []);
});

test('READ filter (3.8.0 NIOServerCnxn.process(event, znodeAcl)): events on a node the cnxn may not read are dropped, the one-shot watch consumed; NodeChildrenChanged is judged by the parent\'s ACL', () => {
  const db = new Db();
  const noRead = [{ perms: 30, scheme: 'world', id: 'anyone' }];
  db.write({ op: 'create', path: '/s', data: null, mode: 0, acl: noRead });
  db.create('/o');
  // C1 may read nothing but world-readable nodes; C2 is a superuser
  db.watches.canRead = (cnxn, acl) => cnxn === C2 || acl.some((a) => (a.perms & 1) !== 0);
  watch(db, 'data', '/o', C1);
  db.read({ op: 'exists', path: '/s', watch: true }, C1); // exists needs no permission
  db.read({ op: 'exists', path: '/s', watch: true }, C2);
  db.watches.register('persistent', '/s', C1);
  db.watches.register('persistentRecursive', '/', C1);
  const w = db.write({ op: 'setData', path: '/s', data: null, version: -1 });
  assert.equal(evs(w.events, C1), [], 'no NodeDataChanged on /s for C1');
  assert.equal(evs(w.events, C2), [[E.NodeDataChanged, '/s']]);
  const k = db.write({ op: 'create', path: '/s/k', data: null, mode: 0 });
  assert.equal(evs(k.events, C1), [[E.NodeCreated, '/s/k']], 'the child is world-readable; its parent (NodeChildrenChanged) is not');
  assert.equal(evs(db.write({ op: 'delete', path: '/s/k', version: -1 }).events, C1), [[E.NodeDeleted, '/s/k']]);
  assert.equal(evs(db.write({ op: 'delete', path: '/s', version: -1 }).events, C1), [], 'no NodeDeleted on /s either (neither table)');
  assert.equal(evs(db.write({ op: 'setData', path: '/o', data: null, version: -1 }).events, C1), [[E.NodeDataChanged, '/o']]);
  // the filtered one-shot exists watch was consumed: a world-readable /s later fires only the persistent watch
  db.create('/s');
  assert.equal(evs(db.write({ op: 'setData', path: '/s', data: null, version: -1 }).events, C1), [[E.NodeDataChanged, '/s']]);
  assert.not.ok(db.watches.modeOf('data', '/s', C1) === 'standard');
});

test('removeCnxn drops every watch of that cnxn only; removeWatches answers NOWATCHER', () => {
  const db = new Db();
  db.create('/a');
  watch(db, 'data', '/a', C1);
  watch(db, 'child', '/a', C1);
  watch(db, 'data', '/a', C2);
  db.watches.register('persistentRecursive', '/', C1);
  db.watches.removeCnxn(C1);
  assert.equal(db.watches.count(), { data: 1, child: 0 });
  const w = db.write({ op: 'create', path: '/a/b', data: null, mode: 0 });
  assert.equal(w.events.size, 0);
  assert.is(db.watches.removeWatches('/a', 1, C2), Code.NOWATCHER);
  assert.is(db.watches.removeWatches('/a', 2, C2, false), Code.OK);
  assert.ok(db.watches.has('data', '/a', C2));
  assert.is(db.watches.removeWatches('/a', 3, C2), Code.OK);
  assert.equal(db.watches.count(), { data: 0, child: 0 });
});

// ---------------------------------------------------------------------------------------------------------------
// §5.5 SetWatches

test('setWatches: catch-up per the §5.5 table, grouped data → exist → child; the rest re-registered', () => {
  const db = new Db();
  db.create('/same');
  db.create('/changed');
  db.create('/kids');
  db.create('/quiet');
  db.create('/created');
  const rel = db.zxid;
  db.set('/changed', bytes('x'));
  db.create('/kids/k');
  db.create('/recreated');
  const wm = new WatchManager();
  const ev = wm.setWatches(rel,
    ['/gone', '/changed', '/same'],
    ['/created', '/never'],
    ['/kids', '/gone2', '/quiet'],
    C1, db.tree, ['/pp'], ['/rr']);
  assert.equal(ev.map((e) => [e.type, e.path, e.state]), [
    [E.NodeDeleted, '/gone', 3], [E.NodeDataChanged, '/changed', 3],
    [E.NodeCreated, '/created', 3],
    [E.NodeChildrenChanged, '/kids', 3], [E.NodeDeleted, '/gone2', 3]]);
  assert.ok(wm.has('data', '/same', C1));
  assert.ok(wm.has('data', '/never', C1));
  assert.ok(wm.has('child', '/quiet', C1));
  assert.not.ok(wm.has('data', '/changed', C1));
  assert.not.ok(wm.has('data', '/created', C1));
  assert.not.ok(wm.has('child', '/kids', C1));
  assert.is(wm.modeOf('data', '/pp', C1), 'persistent');
  assert.is(wm.modeOf('child', '/pp', C1), 'persistent');
  assert.is(wm.modeOf('data', '/rr', C1), 'persistentRecursive');
  assert.is(wm.modeOf('child', '/rr', C1), 'persistentRecursive');
  assert.equal(wm.count(), { data: 4, child: 3 });
});

test('setWatches blind spots: deleted+re-created → NodeDataChanged; created+deleted → silently re-registered', () => {
  const db = new Db();
  db.create('/d');
  const rel = db.zxid;
  db.del('/d');
  db.create('/d');
  db.create('/c');
  db.del('/c');
  const wm = new WatchManager();
  const ev = wm.setWatches(rel, ['/d'], ['/c'], [], C1, db.tree);
  assert.equal(ev.map((e) => [e.type, e.path]), [[E.NodeDataChanged, '/d']]);
  assert.ok(wm.has('data', '/c', C1));
});

test.run();
