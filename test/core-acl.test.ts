/**
 * ACLs in core/: SHA-1 and the digest scheme, ip matching, fixupACL, and every permission check of prepare and the
 * reads (3.8.0's PrepRequestProcessor / FinalRequestProcessor), snapshots and the replica digest.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import {
  CREATOR_ALL_ACL, DEFAULT_AUTH, OPEN_ACL_UNSAFE, Perms, aclAllows, digestIdValid, digestOf, fixupAcl, ipIdValid,
  ipMatches, sha1, type ACL, type Id,
} from '../core/acl.js';
import { encodeBase64 as base64 } from '../core/base64.js';
import { DataTree } from '../core/datatree.js';
import { Code } from '../core/errors.js';
import { Db, S1, bytes } from './core-harness.js';

const alice: Id = { scheme: 'digest', id: digestOf('alice:secret') };
const bob: Id = { scheme: 'digest', id: digestOf('bob:pw') };
const asAlice = { auth: [...DEFAULT_AUTH, alice] };
const asBob = { auth: [...DEFAULT_AUTH, bob] };
const only = (perms: number, id: Id = alice): ACL[] => [{ perms, scheme: id.scheme, id: id.id }];

test('sha1 and base64 equal node:crypto on assorted inputs (block boundaries included)', () => {
  for (const n of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 200, 1000]) {
    const d = new Uint8Array(n);
    for (let i = 0; i < n; i++) d[i] = (i * 37 + n) & 0xff;
    assert.is(base64(sha1(d)), createHash('sha1').update(d).digest('base64'), `length ${n}`);
  }
});

test('digest ids as DigestAuthenticationProvider.generateDigest (values printed by the 3.8.0 jar\'s main)', () => {
  // java -cp zookeeper-3.8.0.jar:slf4j… org.apache.zookeeper.server.auth.DigestAuthenticationProvider super:superpw alice:secret
  assert.is(digestOf('super:superpw'), 'super:g9oN2HttPfn8MMWJZ2r45Np/LIA=');
  assert.is(digestOf('alice:secret'), 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=');
  assert.is(digestOf('alice:secret'), 'alice:' + createHash('sha1').update('alice:secret').digest('base64'));
  // the user is the text before the first ':'; the digest covers everything
  assert.is(digestOf('a:b:c'), 'a:' + createHash('sha1').update('a:b:c').digest('base64'));
  assert.is(digestOf('nocolon'), 'nocolon:' + createHash('sha1').update('nocolon').digest('base64'));
});

test('id validity: digest needs exactly two ":" parts (Java split), ip an IPv4 address with optional /0..32', () => {
  assert.ok(digestIdValid('u:x'));
  assert.ok(digestIdValid(':x'));
  assert.not.ok(digestIdValid('u:'));
  assert.not.ok(digestIdValid('u'));
  assert.not.ok(digestIdValid('a:b:c'));
  assert.ok(ipIdValid('127.0.0.1'));
  assert.ok(ipIdValid('10.0.0.0/8'));
  assert.not.ok(ipIdValid('10.0.0.0/33'));
  assert.not.ok(ipIdValid('10.0.0'));
  assert.not.ok(ipIdValid('::1'));
  assert.ok(ipMatches('127.0.0.1', '127.0.0.0/8'));
  assert.ok(ipMatches('127.0.0.1', '127.0.0.1'));
  assert.not.ok(ipMatches('127.0.0.1', '10.0.0.0/8'));
  assert.ok(ipMatches('127.0.0.1', '0.0.0.0/0'));
});

test('fixupACL: empty, unknown scheme, bad id, world:other, auth without digest → invalid; auth expands; duplicates go', () => {
  assert.is(fixupAcl([], DEFAULT_AUTH), null);
  assert.is(fixupAcl([{ perms: 31, scheme: 'sasl', id: 'x' }], DEFAULT_AUTH), null);
  assert.is(fixupAcl([{ perms: 31, scheme: 'world', id: 'someone' }], DEFAULT_AUTH), null);
  assert.is(fixupAcl([{ perms: 31, scheme: 'digest', id: 'nocolon' }], DEFAULT_AUTH), null);
  assert.is(fixupAcl(CREATOR_ALL_ACL, DEFAULT_AUTH), null, 'ip ids are not "authenticated"');
  assert.equal(fixupAcl(CREATOR_ALL_ACL, [...DEFAULT_AUTH, alice, bob]), [
    { perms: 31, scheme: 'digest', id: alice.id },
    { perms: 31, scheme: 'digest', id: bob.id },
  ]);
  const w = { perms: 1, scheme: 'world', id: 'anyone' };
  assert.equal(fixupAcl([w, w, { perms: 2, scheme: 'ip', id: '127.0.0.1' }], DEFAULT_AUTH), [w, { perms: 2, scheme: 'ip', id: '127.0.0.1' }]);
  assert.is(fixupAcl([{ perms: 31, scheme: 'world', id: 'anyone' }], DEFAULT_AUTH), OPEN_ACL_UNSAFE, 'the shared constant');
});

test('checkACL: world:anyone, digest equality, ip match, empty list allows all, perms bit by bit', () => {
  assert.ok(aclAllows([], Perms.ADMIN, DEFAULT_AUTH));
  assert.ok(aclAllows(only(Perms.READ), Perms.READ, asAlice.auth));
  assert.not.ok(aclAllows(only(Perms.READ), Perms.WRITE, asAlice.auth));
  assert.not.ok(aclAllows(only(Perms.READ), Perms.READ, asBob.auth));
  assert.ok(aclAllows([{ perms: Perms.READ, scheme: 'ip', id: '127.0.0.0/8' }], Perms.READ, DEFAULT_AUTH));
  assert.not.ok(aclAllows([{ perms: Perms.READ, scheme: 'ip', id: '10.1.2.3' }], Perms.READ, DEFAULT_AUTH));
  assert.ok(aclAllows(only(Perms.READ), Perms.READ | Perms.ADMIN, asAlice.auth));
});

test('every op checks its permission: create CREATE / delete DELETE on the parent, setData WRITE, check READ, setACL ADMIN, reads READ', () => {
  const db = new Db();
  const open = (perms: number): ACL[] => [...only(Perms.ALL), { perms, scheme: 'world', id: 'anyone' }];
  // /p: everything for alice, `perms` for everybody
  let i = 0;
  const fresh = (perms: number): string => {
    const p = `/p${i++}`;
    assert.is(db.write({ op: 'create', path: p, data: bytes('d'), mode: 0, acl: open(perms) }, S1, asAlice).r.err, 0);
    assert.is(db.write({ op: 'create', path: `${p}/c`, data: null, mode: 0 }, S1, asAlice).r.err, 0);
    return p;
  };
  for (const bit of [Perms.READ, Perms.WRITE, Perms.CREATE, Perms.DELETE, Perms.ADMIN]) {
    const granted = fresh(bit);
    const denied = fresh(Perms.ALL & ~bit);
    const outcome = (p: string): Record<string, number> => ({
      create: db.write({ op: 'create', path: `${p}/n`, data: null, mode: 0 }).r.err,
      setData: db.write({ op: 'setData', path: p, data: null, version: -1 }).r.err,
      check: db.write({ op: 'multi', ops: [{ op: 'check', path: p, version: -1 }] }).r.err,
      getData: db.tree.getData(p).err,
      getChildren: db.tree.getChildren(p).err,
      getACL: db.tree.getACL(p).err,
      exists: db.tree.exists(p).err,
      delete: db.write({ op: 'delete', path: `${p}/c`, version: -1 }).r.err,
      setACL: db.write({ op: 'setACL', path: p, acl: open(Perms.ALL & ~bit), version: -1 }).r.err,
    });
    const expect = (has: boolean): Record<string, number> => {
      const ok = (need: number) => ((has ? bit : Perms.ALL & ~bit) & need ? 0 : Code.NOAUTH);
      return {
        create: ok(Perms.CREATE), setData: ok(Perms.WRITE), check: ok(Perms.READ), getData: ok(Perms.READ), getChildren: ok(Perms.READ),
        getACL: (has ? bit : Perms.ALL & ~bit) & (Perms.READ | Perms.ADMIN) ? 0 : Code.NOAUTH, exists: 0,
        delete: ok(Perms.DELETE), setACL: ok(Perms.ADMIN),
      };
    };
    assert.equal(outcome(granted), expect(true), `granted ${bit}`);
    assert.equal(outcome(denied), expect(false), `denied ${bit}`);
  }
});

test('create: INVALIDACL before NONODE and NOAUTH; auth scheme with and without digest; txn carries the fixed list', () => {
  const db = new Db();
  assert.is(db.write({ op: 'create', path: '/missing/x', data: null, mode: 0, acl: [] }).r.err, Code.INVALIDACL);
  assert.is(db.write({ op: 'create', path: '/a', data: null, mode: 0, acl: CREATOR_ALL_ACL }).r.err, Code.INVALIDACL);
  const w = db.write({ op: 'create', path: '/a', data: null, mode: 0, acl: CREATOR_ALL_ACL }, S1, asAlice);
  assert.is(w.r.err, 0);
  assert.equal(w.txn.type === 'create' && w.txn.acl, [{ perms: 31, scheme: 'digest', id: alice.id }]);
  assert.is(db.write({ op: 'create', path: '/a/b', data: null, mode: 0 }).r.err, Code.NOAUTH);
  assert.is(db.write({ op: 'create', path: '/a/b', data: null, mode: 0 }, S1, asBob).r.err, Code.NOAUTH);
  assert.is(db.write({ op: 'create', path: '/a/b', data: null, mode: 0 }, S1, asAlice).r.err, 0);
  // an open create's txn has no acl field (txns of runs without ACLs are unchanged)
  const o = db.write({ op: 'create', path: '/o', data: null, mode: 0 });
  assert.not.ok(o.txn.type === 'create' && 'acl' in o.txn);
});

test('setACL: aversion check (BADVERSION), aversion +1 only, getACL Stat, masked digests without ADMIN', () => {
  const db = new Db();
  db.write({ op: 'create', path: '/n', data: bytes('x'), mode: 0 });
  const before = db.tree.statOf('/n')!;
  const acl: ACL[] = [{ perms: Perms.READ, scheme: 'world', id: 'anyone' }, { perms: Perms.ALL, scheme: 'digest', id: alice.id }];
  const r = db.write({ op: 'setACL', path: '/n', acl, version: 0 }).r;
  assert.is(r.err, 0);
  assert.is(r.body?.op === 'setACL' && r.body.stat.aversion, 1);
  const after = db.tree.statOf('/n')!;
  assert.equal({ ...after, aversion: 0 }, before, 'only aversion changed');
  assert.is(db.write({ op: 'setACL', path: '/n', acl, version: 0 }, S1, asAlice).r.err, Code.BADVERSION);
  assert.is(db.write({ op: 'setACL', path: '/n', acl: [], version: -1 }, S1, asAlice).r.err, Code.INVALIDACL);
  assert.is(db.write({ op: 'setACL', path: '/nope', acl, version: -1 }, S1, asAlice).r.err, Code.NONODE);
  assert.is(db.write({ op: 'setACL', path: 'bad', acl, version: -1 }, S1, asAlice).r.err, Code.BADARGUMENTS);
  const masked = db.tree.getACL('/n');
  assert.equal(masked.body?.op === 'getACL' && masked.body.acl, [acl[0], { perms: Perms.ALL, scheme: 'digest', id: 'alice:x' }]);
  const full = db.tree.getACL('/n', asAlice.auth);
  assert.equal(full.body?.op === 'getACL' && full.body.acl, acl);
  assert.is(full.body?.op === 'getACL' && full.body.stat.aversion, 1);
});

test('multi: a NOAUTH sub-op fails the whole multi (0, -102, -2)', () => {
  const db = new Db();
  db.write({ op: 'create', path: '/locked', data: null, mode: 0, acl: only(Perms.ALL) }, S1, asAlice);
  const r = db.multi([
    { op: 'create', path: '/m1', data: null, mode: 0 },
    { op: 'setData', path: '/locked', data: null, version: -1 },
    { op: 'create', path: '/m2', data: null, mode: 0 },
  ]);
  assert.is(r.err, Code.NOAUTH);
  assert.equal(r.body?.op === 'multi' && r.body.results.map((x) => x.err), [0, Code.NOAUTH, Code.RUNTIMEINCONSISTENCY]);
  assert.is(db.tree.statOf('/m1'), null);
  // a create with an ACL inside a multi, then a child of it in the same multi, needs the new node's CREATE bit
  const r2 = db.multi([
    { op: 'create', path: '/q', data: null, mode: 0, acl: only(Perms.READ, { scheme: 'world', id: 'anyone' }) },
    { op: 'create', path: '/q/c', data: null, mode: 0 },
  ]);
  assert.equal(r2.body?.op === 'multi' && r2.body.results.map((x) => x.err), [0, Code.NOAUTH]);
});

test('snapshots keep ACLs; open nodes keep the old snapshot form; the digest sees ACL changes', () => {
  const db = new Db();
  db.write({ op: 'create', path: '/o', data: null, mode: 0 });
  db.write({ op: 'create', path: '/s', data: null, mode: 0, acl: only(Perms.READ | Perms.ADMIN) }, S1, asAlice);
  const snap = db.tree.snapshot();
  const o = snap.nodes.find((n) => n.path === '/o')!;
  assert.is(o.perms, 31);
  assert.not.ok('acl' in o);
  const s = snap.nodes.find((n) => n.path === '/s')!;
  assert.equal(s.acl, only(Perms.READ | Perms.ADMIN));
  const copy = DataTree.fromSnapshot(JSON.parse(JSON.stringify(snap)));
  assert.equal(copy.aclOf('/s'), only(Perms.READ | Perms.ADMIN));
  assert.is(copy.aclOf('/zookeeper/config'), db.tree.aclOf('/zookeeper/config'));
  assert.is(copy.digest(), db.tree.digest());
  const d0 = db.tree.digest();
  db.write({ op: 'setACL', path: '/s', acl: only(Perms.ALL), version: -1 }, S1, asAlice);
  const d1 = db.tree.digest();
  assert.is.not(d1, d0);
  assert.is(DataTree.fromSnapshot(db.tree.snapshot()).digest(), d1, 'incremental = full');
});

test.run();
