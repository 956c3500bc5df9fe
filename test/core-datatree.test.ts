/**
 * Transcript tests for the ZooKeeper database (core/txn.ts prepare + core/datatree.ts apply and reads), following
 * zookeeper-semantics.md §1–§4 and checklist §12 items 1–12.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataTree } from '../core/datatree.js';
import { Code } from '../core/errors.js';
import { OPEN_ACL_UNSAFE } from '../core/acl.js';
import { CreateMode } from '../core/protocol.js';
import type { Stat } from '../core/protocol.js';
import { exceedsFrameLimit, prepare, replyFrameBytes, requestFrameBytes } from '../core/txn.js';
import type { Txn, TxnBytes } from '../core/txn.js';
import { MAX_FRAME_BYTES } from '../core/protocol.js';
import { Db, S1, S2, bytes } from './core-harness.js';

const zeroStat = (over: Partial<Stat> = {}): Stat => ({
  czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0,
  numChildren: 0, pzxid: 0, ...over,
});

// ---------------------------------------------------------------------------------------------------------------
// §1.4 fresh tree and special paths

test('fresh tree: /, /zookeeper, quota, config with the Stats of §1.4', () => {
  const t = new DataTree();
  assert.equal(t.statOf('/'), zeroStat({ cversion: -1, numChildren: 1 }));
  assert.equal(t.statOf('/zookeeper'), zeroStat({ cversion: -2, numChildren: 2 }));
  assert.equal(t.statOf('/zookeeper/quota'), zeroStat());
  assert.equal(t.statOf('/zookeeper/config'), zeroStat({ aversion: -1 }));
  assert.equal(t.getChildren('/').body, { op: 'getChildren', children: ['zookeeper'], stat: t.statOf('/')! });
  assert.equal((t.getChildren('/zookeeper').body as { children: string[] }).children, ['config', 'quota']);
  const d = t.getData('/zookeeper/config').body as { data: Uint8Array };
  assert.equal(d.data, new Uint8Array(0));
  assert.is(t.lastZxid, 0);
  assert.equal(t.paths(), ['/', '/zookeeper', '/zookeeper/config', '/zookeeper/quota']);
  assert.equal(t.getAllChildrenNumber('/'), { err: 0, count: 3 });
});

test('special paths: delete → BADARGUMENTS; config is READ-only → NOAUTH; /zookeeper/foo allowed', () => {
  const db = new Db();
  for (const p of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
    assert.is(db.del(p).err, Code.BADARGUMENTS, p);
  }
  assert.is(db.set('/zookeeper/config', bytes('x')).err, Code.NOAUTH);
  assert.is(db.create('/zookeeper/config/x').err, Code.NOAUTH);
  assert.is(db.del('/zookeeper/config/x').err, Code.NOAUTH); // parent ACL (DELETE) before the node lookup
  assert.is(db.create('/zookeeper').err, Code.NODEEXISTS);
  const foo = db.create('/zookeeper/foo');
  assert.is(foo.err, Code.OK);
  const z = db.zxid;
  assert.is(db.stat('/zookeeper').pzxid, z);
  assert.is(db.stat('/zookeeper').cversion, -1); // -2 + one creation
  const s = db.set('/zookeeper', bytes('v'));
  assert.is(s.err, Code.OK);
  assert.is(db.stat('/zookeeper').version, 1);
  assert.is(db.stat('/zookeeper').mzxid, db.zxid);
  // reads of config are allowed
  assert.is(db.tree.getData('/zookeeper/config').err, Code.OK);
});

test('setConfigNode: replica-local config write with version -1', () => {
  const t = new DataTree();
  const d0 = t.digest();
  t.setConfigNode(bytes('server.1=a:1:2:participant\nversion=0'), 12345);
  const s = t.statOf('/zookeeper/config')!;
  assert.is(s.version, -1);
  assert.is(s.mtime, 12345);
  assert.is(s.mzxid, 0);
  assert.is(t.digest(), d0, 'config is excluded from the digest');
});

// ---------------------------------------------------------------------------------------------------------------
// §1.2 server-side bad paths, per operation

test('§1.2 table: server results for bad paths per operation', () => {
  const db = new Db();
  db.create('/b');
  db.create('/b/a');
  const rows: Array<[string, number, number, number, number, number, number]> = [
    // path            create  delete  setData getData exists getChildren
    ['', -8, -8, -8, 0, 0, 0],
    ['a', -8, -8, -8, -101, -101, -101],
    ['/b/a/', -8, -101, -8, -101, -101, -101],
    ['/b//a', -101, -101, -8, -101, -101, -101],
    ['/b/./a', -101, -101, -8, -101, -101, -101],
    ['/b/missing/', -101, -101, -8, -101, -101, -101],
    ['/b/a/..', -8, -101, -8, -101, -101, -101],
    ['/b/a\u0000b', -8, -8, -8, -101, -8, -101],
    ['/b/a\u0001', -8, -101, -8, -101, -101, -101],
    ['/b/😀', -8, -101, -8, -101, -101, -101],
  ];
  for (const [p, create, del, set, getData, exists, getChildren] of rows) {
    const before = db.tree.digest();
    const z = db.zxid;
    assert.is(db.create(p).err, create, `create ${JSON.stringify(p)}`);
    assert.is(db.del(p).err, del, `delete ${JSON.stringify(p)}`);
    assert.is(db.set(p, null).err, set, `setData ${JSON.stringify(p)}`);
    assert.is(db.zxid, z + 3, 'each failed write consumed a zxid');
    assert.is(db.tree.digest(), before, 'nothing changed');
    assert.is(db.tree.getData(p).err, getData, `getData ${JSON.stringify(p)}`);
    assert.is(db.tree.exists(p).err, exists, `exists ${JSON.stringify(p)}`);
    assert.is(db.tree.getChildren(p).err, getChildren, `getChildren ${JSON.stringify(p)}`);
  }
  // "" is an alias of the root for reads
  assert.equal(db.tree.getData(''), db.tree.getData('/'));
  assert.equal(db.tree.getChildren(''), db.tree.getChildren('/'));
  // check inside a multi validates like setData
  assert.equal(db.multi([{ op: 'check', path: '/b/', version: -1 }]).body,
    { op: 'multi', results: [{ op: 'error', err: Code.BADARGUMENTS }] });
});

// ---------------------------------------------------------------------------------------------------------------
// §3.0 zxids

test('every write consumes exactly one zxid, failed ones become error txns; reads consume none', () => {
  const db = new Db();
  const t0 = db.tree.lastZxid;
  const w1 = db.write({ op: 'create', path: '/a', data: null, mode: 0 });
  assert.is(w1.txn.type, 'create');
  assert.is(w1.txn.zxid, t0 + 1);
  const fails: Array<[Parameters<Db['write']>[0], number]> = [
    [{ op: 'create', path: '/a', data: null, mode: 0 }, Code.NODEEXISTS],
    [{ op: 'setData', path: '/a', data: null, version: 7 }, Code.BADVERSION],
    [{ op: 'delete', path: '/nope', version: -1 }, Code.NONODE],
    [{ op: 'create', path: '/t', data: null, mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 100 }, Code.UNIMPLEMENTED],
  ];
  for (const [req, err] of fails) {
    const before = db.tree.digest();
    const z = db.zxid;
    const w = db.write(req);
    assert.equal(w.txn, { zxid: z + 1, time: db.time, sessionId: S1, cxid: 0, type: 'error', err });
    assert.equal(w.r, { err, triggers: [] });
    assert.is(db.tree.digest(), before);
    assert.is(db.tree.lastZxid, z + 1);
  }
  const z = db.tree.lastZxid;
  db.read({ op: 'getData', path: '/a', watch: false });
  db.read({ op: 'exists', path: '/a', watch: true });
  db.read({ op: 'getChildren', path: '/', watch: true });
  assert.is(db.tree.lastZxid, z);
  // txns carry their data's bytes, written out (JSON) as base64; a txn read back applies as the original did
  const copy = db.tree.clone();
  const w = db.write({ op: 'create', path: '/j', data: bytes('hé'), mode: 0 });
  assert.equal((w.txn as { data: TxnBytes }).data.bytes, bytes('hé'));
  const back = JSON.parse(JSON.stringify(w.txn)) as Txn;
  assert.equal(back, { ...w.txn, data: 'aMOp' });
  copy.apply(back);
  assert.equal(copy.snapshot(), db.tree.snapshot());
  assert.is(copy.digest(), db.tree.digest());
});

test('createSession / closeSession are txns; closeSession removes all ephemerals with one zxid', () => {
  const db = new Db([]);
  const c = db.write({ op: 'createSession', timeoutMs: 6000 }, S1);
  assert.equal(c.txn, { zxid: 1, time: db.time, sessionId: S1, cxid: 0, type: 'createSession', timeoutMs: 6000 });
  assert.ok(db.tree.hasSession(S1));
  db.write({ op: 'createSession', timeoutMs: 8000 }, S2);
  assert.equal(db.tree.sessions(), [[S1, 6000], [S2, 8000]]);
  db.create('/p');
  db.create('/p/e2', null, CreateMode.EPHEMERAL, S1);
  db.create('/p/e1', null, CreateMode.EPHEMERAL, S1);
  db.create('/e3', null, CreateMode.EPHEMERAL_SEQUENTIAL, S1);
  db.create('/other', null, CreateMode.EPHEMERAL, S2);
  assert.equal(db.tree.ephemeralsOf(S1), ['/e30000000001', '/p/e1', '/p/e2']);
  assert.equal(db.tree.getEphemerals(S1, '/p/e'), ['/p/e1', '/p/e2']);
  assert.equal(db.tree.getEphemerals(S1, '/'), ['/e30000000001', '/p/e1', '/p/e2']);
  assert.equal(db.tree.getEphemerals(S2, ''), ['/other']);
  assert.is(db.stat('/p/e1').ephemeralOwner, S1);
  const w = db.write({ op: 'closeSession' }, S1);
  assert.equal(w.txn, { zxid: db.zxid, time: db.time, sessionId: S1, cxid: 0, type: 'closeSession', paths: ['/e30000000001', '/p/e1', '/p/e2'] });
  assert.equal(w.r.body, { op: 'closeSession' });
  assert.is(db.tree.exists('/p/e1').err, Code.NONODE);
  assert.is(db.tree.exists('/p/e2').err, Code.NONODE);
  assert.is(db.tree.exists('/other').err, Code.OK);
  assert.is(db.stat('/p').pzxid, db.zxid);
  assert.is(db.stat('/p').cversion, 4); // 2 creates + 2 deletes
  assert.is(db.stat('/').pzxid, db.zxid);
  assert.not.ok(db.tree.hasSession(S1));
  assert.equal(db.tree.ephemeralsOf(S1), []);
  // an ephemeral create after the session is gone: SESSIONEXPIRED (checkGlobalSession)
  assert.is(db.create('/late', null, CreateMode.EPHEMERAL, S1).err, Code.SESSIONEXPIRED);
  // closing again is harmless
  assert.is(db.write({ op: 'closeSession' }, S1).r.err, Code.OK);
});

test('closeSession lists pending ephemerals (prepared against the proposed tree) and deletes leftovers', () => {
  const db = new Db();
  db.create('/e', null, CreateMode.EPHEMERAL, S1);
  // a txn listing nothing still removes the session's ephemerals (killSession's local set)
  const r = db.tree.apply({ zxid: ++db.zxid, time: 5, sessionId: S1, cxid: 0, type: 'closeSession', paths: [] });
  assert.equal(r.triggers.map((t) => t.path), ['/e', '/']);
  assert.is(db.tree.exists('/e').err, Code.NONODE);
});

// ---------------------------------------------------------------------------------------------------------------
// §2 Stat rules

test('create: Stat of the new node and of the parent (§2.2)', () => {
  const db = new Db();
  db.create('/p', bytes('abc'));
  const zp = db.zxid;
  const tp = db.time;
  assert.equal(db.stat('/p'), { czxid: zp, mzxid: zp, ctime: tp, mtime: tp, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 3, numChildren: 0, pzxid: zp });
  const r = db.create('/p/c', bytes('xy'), CreateMode.EPHEMERAL, S2);
  const z = db.zxid;
  assert.equal(r.body, { op: 'create', path: '/p/c', stat: { czxid: z, mzxid: z, ctime: db.time, mtime: db.time, version: 0, cversion: 0, aversion: 0, ephemeralOwner: S2, dataLength: 2, numChildren: 0, pzxid: z } });
  const p = db.stat('/p');
  assert.equal(p, { czxid: zp, mzxid: zp, ctime: tp, mtime: tp, version: 0, cversion: 1, aversion: 0, ephemeralOwner: 0, dataLength: 3, numChildren: 1, pzxid: z });
});

test('delete: parent cversion counts creations + deletions, pzxid = delete zxid, mzxid/version unchanged', () => {
  const db = new Db();
  db.create('/p');
  const zp = db.zxid;
  db.create('/p/a');
  db.create('/p/b');
  assert.is(db.del('/p/a').err, Code.OK);
  const zd = db.zxid;
  const p = db.stat('/p');
  assert.is(p.cversion, 3);
  assert.is(p.numChildren, 1);
  assert.is(p.pzxid, zd);
  assert.is(p.mzxid, zp);
  assert.is(p.version, 0);
  assert.equal(db.tree.getChildren('/p').body, { op: 'getChildren', children: ['b'], stat: p });
});

test('container: create and delete one child → cversion 2, pzxid = delete zxid, ephemeralOwner 0', () => {
  const db = new Db();
  db.create('/c', null, CreateMode.CONTAINER);
  assert.is(db.stat('/c').ephemeralOwner, 0);
  assert.equal(db.tree.containerCandidates(0), [], 'never-used container is kept');
  db.create('/c/x', null, CreateMode.EPHEMERAL, S1); // containers may have ephemeral children
  db.del('/c/x');
  assert.is(db.stat('/c').cversion, 2);
  assert.is(db.stat('/c').pzxid, db.zxid);
  assert.equal(db.tree.containerCandidates(0), ['/c']);
  const w = db.write({ op: 'deleteContainer', path: '/c' }, 0);
  assert.equal(w.txn, { zxid: db.zxid, time: db.time, sessionId: 0, cxid: 0, type: 'delete', path: '/c' });
  assert.is(db.tree.exists('/c').err, Code.NONODE);
  // a racing deleteContainer for a node that is gone: NONODE error txn
  assert.is(db.write({ op: 'deleteContainer', path: '/c' }, 0).txn.type, 'error');
});

test('setData: version +1 even for identical bytes; mzxid/mtime/dataLength; -1 unconditional; -2 → BADVERSION', () => {
  const db = new Db();
  db.create('/n', bytes('same'));
  const cz = db.zxid;
  const r1 = db.set('/n', bytes('same'));
  assert.equal(r1.body, { op: 'setData', stat: { ...db.stat('/n') } });
  assert.is(db.stat('/n').version, 1);
  assert.is(db.stat('/n').mzxid, db.zxid);
  assert.is(db.stat('/n').mtime, db.time);
  assert.is(db.stat('/n').czxid, cz);
  assert.is(db.set('/n', bytes('same'), 1).err, Code.OK);
  assert.is(db.stat('/n').version, 2);
  assert.is(db.set('/n', bytes(''), -2).err, Code.BADVERSION);
  assert.is(db.set('/n', bytes(''), 0).err, Code.BADVERSION);
  assert.is(db.set('/n', null, -1).err, Code.OK);
  assert.is(db.stat('/n').dataLength, 0);
  assert.equal((db.tree.getData('/n').body as { data: unknown }).data, null, 'null data stays null');
  assert.is(db.set('/n', new Uint8Array(0)).err, Code.OK);
  assert.equal((db.tree.getData('/n').body as { data: unknown }).data, new Uint8Array(0), 'empty stays empty');
  assert.is(db.set('/missing', null).err, Code.NONODE);
});

test('setData: version is a 32-bit int and wraps', () => {
  const db = new Db();
  db.create('/w');
  const snap = db.tree.snapshot();
  snap.nodes.find((n) => n.path === '/w')!.version = 2147483647;
  db.tree = DataTree.fromSnapshot(snap);
  assert.is(db.set('/w', null, 2147483647).err, Code.OK);
  assert.is(db.stat('/w').version, -2147483648);
  assert.is(db.set('/w', null, -2147483648).err, Code.OK);
  assert.is(db.stat('/w').version, -2147483647);
});

test('delete: check order NONODE → BADVERSION → NOTEMPTY (BADVERSION beats NOTEMPTY)', () => {
  const db = new Db();
  db.create('/d');
  db.create('/d/c');
  assert.is(db.del('/d', 5).err, Code.BADVERSION);
  assert.is(db.del('/d', -1).err, Code.NOTEMPTY);
  assert.is(db.del('/d', 0).err, Code.NOTEMPTY);
  assert.is(db.del('/d/x', 0).err, Code.NONODE);
  assert.is(db.del('/x/y', 0).err, Code.NONODE);
  assert.is(db.del('/d/c', 1).err, Code.BADVERSION);
  // each trigger carries the ACL 3.8.0 hands to triggerWatch: the node's for NodeDeleted, the parent's for NodeChildrenChanged
  assert.equal(db.del('/d/c', 0), { err: 0, body: { op: 'delete' }, triggers: [{ type: 2, path: '/d/c', acl: OPEN_ACL_UNSAFE }, { type: 4, path: '/d', acl: OPEN_ACL_UNSAFE }] });
  assert.is(db.del('/d', 0).err, Code.OK);
});

// ---------------------------------------------------------------------------------------------------------------
// §3.1 create

test('sequential names: parent creation counter, %010d, deletes and failed creates do not advance it', () => {
  const db = new Db();
  db.create('/s');
  const a = db.create('/s/n-', null, CreateMode.PERSISTENT_SEQUENTIAL);
  const b = db.create('/s/n-', null, CreateMode.EPHEMERAL_SEQUENTIAL);
  assert.equal([(a.body as { path: string }).path, (b.body as { path: string }).path], ['/s/n-0000000000', '/s/n-0000000001']);
  db.del('/s/n-0000000000');
  db.del('/s/n-0000000001');
  assert.is(db.create('/s/n-0000000000', null, CreateMode.PERSISTENT, S1).err, Code.OK); // a plain create: counter 2 → 3
  db.del('/s/n-0000000000');
  assert.is(db.create('/missing/x').err, Code.NONODE);
  assert.is(db.create('/s/n-', null, CreateMode.PERSISTENT_SEQUENTIAL, S1).err, Code.OK);
  assert.equal((db.tree.getChildren('/s').body as { children: string[] }).children, ['n-0000000003']);
  const c = db.create('/s/n-', null, CreateMode.PERSISTENT_SEQUENTIAL);
  assert.is((c.body as { path: string }).path, '/s/n-0000000004');
  // reported cversion = creations + deletions = 5 + 3
  assert.is(db.stat('/s').cversion, 8);
  // a failed sequential create (NOCHILDRENFOREPHEMERALS) does not advance the counter either
  db.create('/s/eph', null, CreateMode.EPHEMERAL);
  assert.is(db.create('/s/eph/x-', null, CreateMode.PERSISTENT_SEQUENTIAL).err, Code.NOCHILDRENFOREPHEMERALS);
  assert.is((db.create('/s/n-', null, CreateMode.PERSISTENT_SEQUENTIAL).body as { path: string }).path, '/s/n-0000000006');
});

test('sequential "/q/" yields a digits-only child; sequential under the root', () => {
  const db = new Db();
  db.create('/q');
  db.create('/q/a');
  db.create('/q/b');
  db.create('/q/c');
  db.create('/q/d');
  assert.is((db.create('/q/', null, CreateMode.PERSISTENT_SEQUENTIAL).body as { path: string }).path, '/q/0000000004');
  // root: internal counter starts at 0 although /zookeeper is a child
  const db2 = new Db();
  assert.is((db2.create('/', null, CreateMode.PERSISTENT_SEQUENTIAL).body as { path: string }).path, '/0000000000');
  assert.is((db2.create('/x', null, CreateMode.PERSISTENT_SEQUENTIAL).body as { path: string }).path, '/x0000000001');
  assert.is(db2.stat('/').cversion, 1); // -1 + 2 creations
});

test('create: NODEEXISTS, NONODE, NOCHILDRENFOREPHEMERALS; containers and TTL nodes may have children', () => {
  const db = new Db();
  assert.is(db.create('/a').err, Code.OK);
  assert.is(db.create('/a').err, Code.NODEEXISTS);
  assert.is(db.create('/x/y').err, Code.NONODE);
  db.create('/e', null, CreateMode.EPHEMERAL);
  assert.is(db.create('/e/c').err, Code.NOCHILDRENFOREPHEMERALS);
  assert.is(db.create('/e/c', null, CreateMode.EPHEMERAL).err, Code.NOCHILDRENFOREPHEMERALS);
  // NODEEXISTS is checked before NOCHILDRENFOREPHEMERALS; NONODE before both
  assert.is(db.create('/e/c/d').err, Code.NONODE);
  db.create('/cont', null, CreateMode.CONTAINER);
  assert.is(db.create('/cont/c').err, Code.OK);
  assert.is(db.create('/ttl', null, CreateMode.PERSISTENT_WITH_TTL, S1, { extendedTypesEnabled: true }).err, Code.BADARGUMENTS); // TTL mode without a ttl
  const w = db.write({ op: 'create', path: '/ttl', data: null, mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 1000 }, S1, { extendedTypesEnabled: true });
  assert.is(w.r.err, Code.OK);
  assert.is(w.txn.type === 'create' && w.txn.ttl, 1000);
  assert.is(db.stat('/ttl').ephemeralOwner, 0);
  assert.is(db.create('/ttl/c', null, CreateMode.EPHEMERAL).err, Code.OK);
});

test('TTL: UNIMPLEMENTED without extendedTypesEnabled (zxid consumed), range checks, expiry candidates', () => {
  const db = new Db();
  const z = db.zxid;
  const w = db.write({ op: 'create', path: '/t', data: null, mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: 10 });
  assert.is(w.txn.type, 'error');
  assert.is(w.r.err, Code.UNIMPLEMENTED);
  assert.is(db.zxid, z + 1);
  // UNIMPLEMENTED comes before everything, even a bad path or a session error
  assert.is(db.write({ op: 'create', path: 'bad', data: null, mode: 5, ttl: 10 }, S1, { sessionError: Code.SESSIONEXPIRED }).r.err, Code.UNIMPLEMENTED);
  const ext = { extendedTypesEnabled: true };
  assert.is(db.write({ op: 'create', path: '/t', data: null, mode: 5, ttl: 0 }, S1, ext).r.err, Code.BADARGUMENTS);
  assert.is(db.write({ op: 'create', path: '/t', data: null, mode: 5, ttl: 2 ** 40 }, S1, ext).r.err, Code.BADARGUMENTS);
  assert.is(db.write({ op: 'create', path: '/t', data: null, mode: 0, ttl: 5 }, S1, ext).r.err, Code.BADARGUMENTS);
  assert.is(db.write({ op: 'create', path: '/t', data: null, mode: 0, ttl: -1 }, S1, ext).r.err, Code.OK);
  assert.is(db.write({ op: 'create', path: '/t', data: null, mode: 9 as 0 }).r.err, Code.BADARGUMENTS);
  const t = db.write({ op: 'create', path: '/tt', data: null, mode: 5, ttl: 100 }, S1, ext);
  assert.is(t.r.err, Code.OK);
  const mtime = db.stat('/tt').mtime;
  assert.equal(db.tree.containerCandidates(mtime + 100), []);
  assert.equal(db.tree.containerCandidates(mtime + 101), ['/tt']);
});

test('session errors from the tracker are raised at ZooKeeper\'s point in the check order', () => {
  const db = new Db();
  db.create('/a');
  const se = { sessionError: Code.SESSIONEXPIRED };
  assert.is(db.write({ op: 'create', path: 'bad', data: null, mode: 0 }, S1, se).r.err, Code.SESSIONEXPIRED);
  assert.is(db.write({ op: 'delete', path: '/', version: -1 }, S1, se).r.err, Code.SESSIONEXPIRED);
  assert.is(db.write({ op: 'setData', path: 'bad', data: null, version: -1 }, S1, { sessionError: Code.SESSIONMOVED }).r.err, Code.SESSIONMOVED);
  assert.equal(db.write({ op: 'multi', ops: [{ op: 'check', path: '/a', version: -1 }, { op: 'delete', path: '/a', version: -1 }] }, S1, se).r.body,
    { op: 'multi', results: [{ op: 'error', err: -112 }, { op: 'error', err: -2 }] });
  // closeSession is never session-checked
  assert.is(db.write({ op: 'closeSession' }, S1, se).txn.type, 'closeSession');
});

// ---------------------------------------------------------------------------------------------------------------
// §3.7 multi

test('multi failure: results 0…, err, -2…; nothing applied; one zxid; reply err = first error', () => {
  const db = new Db();
  db.create('/m1');
  db.create('/m2');
  const before = db.tree.digest();
  const z = db.zxid;
  const w = db.write({ op: 'multi', ops: [
    { op: 'create', path: '/m3', data: null, mode: 0 },
    { op: 'check', path: '/m1', version: 3 },
    { op: 'delete', path: '/m2', version: -1 },
    { op: 'setData', path: '/m1', data: null, version: -1 },
  ] });
  assert.is(db.zxid, z + 1);
  assert.equal(w.txn, { zxid: z + 1, time: db.time, sessionId: S1, cxid: 0, type: 'multi', ops: [
    { type: 'error', err: 0 }, { type: 'error', err: -103 }, { type: 'error', err: -2 }, { type: 'error', err: -2 }] });
  assert.equal(w.r, { err: -103, body: { op: 'multi', results: [
    { op: 'error', err: 0 }, { op: 'error', err: -103 }, { op: 'error', err: -2 }, { op: 'error', err: -2 }] }, triggers: [] });
  assert.is(db.tree.exists('/m3').err, Code.NONODE);
  assert.is(db.tree.digest(), before);
  assert.is(db.tree.lastZxid, z + 1);
});

test('multi success: sub-ops see earlier sub-ops, share zxid and time; per-op results', () => {
  const db = new Db();
  const w = db.write({ op: 'multi', ops: [
    { op: 'create', path: '/a', data: bytes('1'), mode: 0 },
    { op: 'create', path: '/a/b', data: null, mode: 0 },
    { op: 'setData', path: '/a', data: bytes('22'), version: 0 },
    { op: 'check', path: '/a', version: 1 },
    { op: 'create', path: '/a/s-', data: null, mode: CreateMode.PERSISTENT_SEQUENTIAL },
    { op: 'delete', path: '/a/b', version: 0 },
  ] });
  const z = db.zxid, t = db.time;
  assert.is(w.r.err, 0);
  const results = (w.r.body as { results: Array<{ op: string }> }).results;
  assert.equal(results.map((r) => r.op), ['create', 'create', 'setData', 'check', 'create', 'delete']);
  // Op.create in a multi: CreateResult(path) without a Stat, as the real server answers (fidelity/golden multi/*)
  assert.equal(results[0], { op: 'create', err: 0, path: '/a' });
  assert.is((results[4] as unknown as { path: string }).path, '/a/s-0000000001');
  const a = db.stat('/a');
  assert.equal(a, { czxid: z, mzxid: z, ctime: t, mtime: t, version: 1, cversion: 3, aversion: 0, ephemeralOwner: 0, dataLength: 2, numChildren: 1, pzxid: z });
  assert.equal(w.r.triggers.map((x) => [x.type, x.path]), [
    [1, '/a'], [4, '/'], [1, '/a/b'], [4, '/a'], [3, '/a'], [1, '/a/s-0000000001'], [4, '/a'], [2, '/a/b'], [4, '/a']]);
  // empty multi (raw wire): a txn with no results
  const e = db.write({ op: 'multi', ops: [] });
  assert.equal(e.r, { err: 0, body: { op: 'multi', results: [] }, triggers: [] });
});

test('multi: failure in a later sub-op caused by an earlier one (delete then check)', () => {
  const db = new Db();
  db.create('/x');
  const r = db.multi([{ op: 'delete', path: '/x', version: -1 }, { op: 'check', path: '/x', version: -1 }, { op: 'create', path: '/y', data: null, mode: 0 }]);
  assert.equal(r.body, { op: 'multi', results: [{ op: 'error', err: 0 }, { op: 'error', err: -101 }, { op: 'error', err: -2 }] });
  assert.is(db.tree.exists('/x').err, Code.OK);
  // the multi's scratch state did not leak into the tree
  assert.is(db.stat('/').cversion, 0);
});

test('multi pending state: counters, re-create, ephemeral parents and root children within one multi', () => {
  const db = new Db();
  db.create('/q');
  const r = db.multi([
    { op: 'create', path: '/q/s-', data: null, mode: CreateMode.PERSISTENT_SEQUENTIAL },
    { op: 'create', path: '/q/s-', data: null, mode: CreateMode.EPHEMERAL_SEQUENTIAL },
    { op: 'delete', path: '/q/s-0000000000', version: 0 },
    { op: 'create', path: '/q/s-0000000000', data: null, mode: 0 },
    { op: 'setData', path: '/q/s-0000000000', data: null, version: 0 },
    { op: 'setData', path: '/q/s-0000000000', data: null, version: 1 },
    { op: 'create', path: '/r', data: null, mode: 0 },
    { op: 'create', path: '/', data: null, mode: CreateMode.PERSISTENT_SEQUENTIAL },
  ]);
  assert.is(r.err, 0);
  assert.equal((r.body as { results: Array<{ path?: string }> }).results.map((x) => x.path).filter(Boolean),
    ['/q/s-0000000000', '/q/s-0000000001', '/q/s-0000000000', '/r', '/0000000002']);
  assert.is(db.stat('/q/s-0000000000').version, 2);
  assert.is(db.stat('/q').cversion, 4); // 3 creations + 1 deletion
  const e = db.multi([
    { op: 'create', path: '/eph', data: null, mode: CreateMode.EPHEMERAL },
    { op: 'create', path: '/eph/c', data: null, mode: 0 },
  ]);
  assert.equal(e.body, { op: 'multi', results: [{ op: 'error', err: 0 }, { op: 'error', err: Code.NOCHILDRENFOREPHEMERALS }] });
  const d = db.multi([
    { op: 'create', path: '/d', data: null, mode: 0 },
    { op: 'create', path: '/d/x', data: null, mode: 0 },
    { op: 'delete', path: '/d', version: -1 },
  ]);
  assert.equal(d.body, { op: 'multi', results: [{ op: 'error', err: 0 }, { op: 'error', err: 0 }, { op: 'error', err: Code.NOTEMPTY }] });
  const d2 = db.multi([
    { op: 'delete', path: '/r', version: -1 },
    { op: 'create', path: '/r/x', data: null, mode: 0 },
  ]);
  assert.equal(d2.body, { op: 'multi', results: [{ op: 'error', err: 0 }, { op: 'error', err: Code.NONODE }] });
});

// ---------------------------------------------------------------------------------------------------------------
// §1.5 frames

test('frame size: setData /big with 1 048 551 bytes is the largest accepted frame', () => {
  const ok = { op: 'setData' as const, path: '/big', data: new Uint8Array(1048551), version: -1 };
  assert.is(requestFrameBytes(ok), 1048575);
  assert.is(exceedsFrameLimit(ok), false);
  assert.is(exceedsFrameLimit({ ...ok, data: new Uint8Array(1048552) }), true);
  // create: header 8 + path + data + OPEN_ACL_UNSAFE vector (27) + flags 4
  assert.is(requestFrameBytes({ op: 'create', path: '/a', data: bytes('xy'), mode: 0 }), 8 + 6 + 6 + 27 + 4);
  assert.is(requestFrameBytes({ op: 'create', path: '/a', data: null, mode: 5, ttl: 9 }), 8 + 6 + 4 + 27 + 4 + 8);
  assert.is(requestFrameBytes({ op: 'getData', path: '/é', watch: true }), 8 + 4 + 3 + 1);
  assert.is(requestFrameBytes({ op: 'closeSession' }), 8);
  assert.is(requestFrameBytes({ op: 'multi', ops: [{ op: 'check', path: '/a', version: 1 }] }), 8 + 9 + 6 + 4 + 9);
  assert.is(requestFrameBytes({ op: 'setWatches', relativeZxid: 5, dataWatches: ['/a'], existWatches: [], childWatches: [] }), 8 + 8 + 4 + 6 + 4 + 4);
});

test('reply frame size: the largest readable data is 1 048 487 bytes', () => {
  const stat = new DataTree().statOf('/')!;
  const reply = (n: number) => replyFrameBytes({ op: 'getData', data: new Uint8Array(n), stat });
  assert.is(reply(1048487), MAX_FRAME_BYTES);
  assert.ok(reply(1048488) > MAX_FRAME_BYTES);
  assert.ok(reply(1048551) > MAX_FRAME_BYTES, 'the largest writable node is not readable');
  assert.is(replyFrameBytes(), 16);
  assert.is(replyFrameBytes({ op: 'getChildren', children: ['ab'], stat }), 16 + 4 + 6 + 68);
  assert.is(replyFrameBytes({ op: 'multi', results: [{ op: 'error', err: 0 }, { op: 'delete', err: 0 }] }), 16 + 9 + 4 + 9 + 9);
});

// ---------------------------------------------------------------------------------------------------------------
// copies, snapshots, digest, replay

test('clone is independent in both directions; fork is used for multi scratch', () => {
  const db = new Db();
  db.create('/a', bytes('1'));
  db.create('/a/b');
  const c = db.tree.clone();
  const d0 = c.digest();
  db.set('/a', bytes('2'));
  db.create('/a/c');
  assert.is(c.digest(), d0);
  assert.is(c.statOf('/a')!.numChildren, 1);
  c.apply({ zxid: 999, time: 1, sessionId: S1, cxid: 0, type: 'delete', path: '/a/b' });
  assert.is(db.tree.exists('/a/b').err, Code.OK);
  assert.is(db.stat('/a').numChildren, 2);
});

test('snapshot is plain JSON data and restores the same tree, sessions and ephemerals', () => {
  const db = new Db();
  db.create('/a', bytes('hello'));
  db.create('/a/e', null, CreateMode.EPHEMERAL, S2);
  db.create('/c', null, CreateMode.CONTAINER);
  db.create('/n', new Uint8Array([0, 255, 128, 7]));
  const snap = JSON.parse(JSON.stringify(db.tree.snapshot()));
  const t = DataTree.fromSnapshot(snap);
  assert.is(t.digest(), db.tree.digest());
  assert.is(t.lastZxid, db.tree.lastZxid);
  for (const p of db.tree.paths()) assert.equal(t.statOf(p), db.tree.statOf(p), p);
  assert.equal(t.getData('/n'), db.tree.getData('/n'));
  assert.equal(t.sessions(), db.tree.sessions());
  assert.equal(t.ephemeralsOf(S2), ['/a/e']);
  assert.equal(t.snapshot(), snap);
});

test('digest changes with any replicated change', () => {
  const db = new Db();
  const seen = new Set([db.tree.digest()]);
  db.create('/a'); seen.add(db.tree.digest());
  db.set('/a', null); seen.add(db.tree.digest());
  db.set('/a', bytes('')); seen.add(db.tree.digest());
  db.del('/a'); seen.add(db.tree.digest());
  db.write({ op: 'createSession', timeoutMs: 1 }, 77); seen.add(db.tree.digest());
  assert.is(seen.size, 6);
});

test('replay is idempotent: re-applying already applied txns over a snapshot converges (fuzzy snapshot)', () => {
  const db = new Db();
  db.create('/p');
  db.create('/p/a');
  const snapAt = db.txns.length;
  const mid = db.tree.snapshot();
  db.create('/p/b', bytes('x'));
  db.set('/p/b', bytes('y'));
  db.del('/p/a');
  db.create('/p/a'); // re-created
  db.create('/p/s-', null, CreateMode.EPHEMERAL_SEQUENTIAL, S2);
  db.create('/p/gone');
  db.del('/p/gone');
  db.multi([{ op: 'create', path: '/m', data: null, mode: 0 }, { op: 'setData', path: '/p', data: bytes('z'), version: -1 }]);
  db.write({ op: 'closeSession' }, S2);
  const final = db.tree.digest();
  // 1. replaying the whole log over the final state changes nothing
  const again = DataTree.fromSnapshot(db.tree.snapshot());
  for (const t of db.txns) again.apply(t);
  assert.is(again.digest(), final);
  // 2. a "fuzzy" snapshot that already contains later txns: replay from an earlier point
  const fuzzy = DataTree.fromSnapshot(mid);
  for (const t of db.txns.slice(snapAt)) fuzzy.apply(t);
  const snapFinal = fuzzy.snapshot();
  for (const t of db.txns.slice(snapAt - 2)) fuzzy.apply(t);
  assert.is(fuzzy.digest(), final);
  assert.equal(fuzzy.snapshot(), snapFinal);
});

test('replay guards: create of an existing node only moves the parent counter; delete of a missing node only raises pzxid', () => {
  const t = new DataTree();
  const hdr = { time: 5, sessionId: 0, cxid: 0 };
  t.apply({ ...hdr, zxid: 10, type: 'create', path: '/a', data: null, mode: 0, parentCversion: 1 });
  // replay of the same create with a higher counter (as in a fuzzy snapshot): NODEEXISTS, counter and pzxid move
  const r = t.apply({ ...hdr, zxid: 12, type: 'create', path: '/a', data: null, mode: 0, parentCversion: 3 });
  assert.is(r.err, Code.NODEEXISTS);
  assert.equal(r.triggers, []);
  assert.is(t.statOf('/')!.pzxid, 12);
  assert.is(t.statOf('/')!.cversion, 3 * 2 - 2);
  // delete of a missing child with a lower zxid: parent pzxid never goes back
  const d = t.apply({ ...hdr, zxid: 11, type: 'delete', path: '/zz' });
  assert.is(d.err, Code.NONODE);
  assert.is(t.statOf('/')!.pzxid, 12);
  t.apply({ ...hdr, zxid: 13, type: 'delete', path: '/zz' });
  assert.is(t.statOf('/')!.pzxid, 13);
  // a create whose counter is not ahead still adds the node but leaves cversion/pzxid alone
  t.apply({ ...hdr, zxid: 14, type: 'create', path: '/b', data: null, mode: 0, parentCversion: 2 });
  assert.is(t.statOf('/')!.pzxid, 13);
  assert.is(t.exists('/b').err, 0);
});

test('prepare does not modify the tree', () => {
  const db = new Db();
  db.create('/a');
  const d = db.tree.digest();
  prepare(db.tree, { op: 'multi', ops: [{ op: 'create', path: '/a/b', data: null, mode: 0 }, { op: 'delete', path: '/a/b', version: -1 }] }, { sessionId: S1, zxid: 99, time: 1 });
  prepare(db.tree, { op: 'create', path: '/x', data: null, mode: 0 }, { sessionId: S1, zxid: 99, time: 1 });
  assert.is(db.tree.digest(), d);
  assert.is(db.tree.lastZxid, db.zxid);
});

test.run();
