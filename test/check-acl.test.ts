/**
 * ACLs in the znode specification (check/models/znode.ts), judged by the linearizability model and by osc alike:
 * permissions in the server's order (NOAUTH, INVALIDACL as modelled errors), getACL's list (digests masked without
 * ADMIN) and aversion, setACL's aversion check and increment, the callers' ids from their addAuth operations.
 * Each history that breaks one of these is rejected, and its legal twin accepted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory } from '../check/linearizability.js';
import { znodeModel } from '../check/models/znode.js';
import { checkOsc } from '../check/osc.js';
import { digestOf } from '../core/acl.js';
import { hist, type Spec } from './check-helpers.js';

const ALICE = digestOf('alice:pw-a');
const aliceAll = [{ perms: 31, scheme: 'digest', id: ALICE }];
const aliceAllWorldRead = [{ perms: 31, scheme: 'digest', id: ALICE }, { perms: 1, scheme: 'world', id: 'anyone' }];
const open = [{ perms: 31, scheme: 'world', id: 'anyone' }];

/** Both checkers' verdicts: 'ok' when both accept, 'bad' when both reject (anything else is a disagreement). */
function judge(...rows: Spec[]): string {
  const h = hist(...rows);
  const l = checkHistory(znodeModel, h).verdict;
  const o = checkOsc(h).verdict;
  if (l === 'linearizable' && o === 'ok') return 'ok';
  if (l === 'not-linearizable' && o === 'violation') return 'bad';
  return `lin ${l}, osc ${o}`;
}

/** p1 is alice; it makes /a with `acl` (t 0..3). p2 has no identity. */
function setup(acl: unknown): Spec[] {
  return [
    ['p1', 'addAuth', { scheme: 'digest', auth: 'alice:pw-a' }, 0, 0, { ok: {} }],
    ['p1', 'create', { path: '/a', data: 'x', mode: 'PERSISTENT', acl }, 1, 2, { ok: { path: '/a' } }],
  ];
}

test('a read the ACL forbids must fail NOAUTH; NOAUTH where the caller had the right is wrong', () => {
  assert.is(judge(...setup(aliceAll), ['p2', 'getData', { path: '/a' }, 5, 6, { ok: { data: 'x', stat: { version: 0 } } }]), 'bad');
  assert.is(judge(...setup(aliceAll), ['p2', 'getData', { path: '/a' }, 5, 6, { fail: 'NOAUTH' }]), 'ok');
  assert.is(judge(...setup(aliceAll), ['p1', 'getData', { path: '/a' }, 5, 6, { fail: 'NOAUTH' }]), 'bad');
  assert.is(judge(...setup(aliceAll), ['p1', 'getData', { path: '/a' }, 5, 6, { ok: { data: 'x', stat: { version: 0 } } }]), 'ok');
  // the wrong password is another digest id
  assert.is(judge(...setup(aliceAll), ['p3', 'addAuth', { scheme: 'digest', auth: 'alice:wrong' }, 3, 3, { ok: {} }], ['p3', 'getChildren', { path: '/a' }, 5, 6, { ok: { children: [] } }]), 'bad');
  // exists needs no permission; ip 127.0.0.1 is every client's address, 10.0.0.0/8 nobody's
  assert.is(judge(...setup(aliceAll), ['p2', 'exists', { path: '/a' }, 5, 6, { ok: { stat: { version: 0 } } }]), 'ok');
  assert.is(judge(...setup([{ perms: 31, scheme: 'ip', id: '127.0.0.1' }]), ['p2', 'setData', { path: '/a', data: 'y', version: -1 }, 5, 6, { ok: { stat: { version: 1 } } }]), 'ok');
  assert.is(judge(...setup([{ perms: 31, scheme: 'ip', id: '10.0.0.0/8' }]), ['p2', 'setData', { path: '/a', data: 'y', version: -1 }, 5, 6, { ok: { stat: { version: 1 } } }]), 'bad');
});

test("the server's order of checks: NONODE before NOAUTH on the node, the parent's DELETE before the child's NONODE", () => {
  const s = setup(aliceAll);
  assert.is(judge(...s, ['p2', 'getData', { path: '/b' }, 5, 6, { fail: 'NONODE' }]), 'ok');
  // delete checks DELETE on the parent before it looks for the node: a missing child of /a is NOAUTH for p2
  assert.is(judge(...s, ['p2', 'delete', { path: '/a/c', version: -1 }, 5, 6, { fail: 'NOAUTH' }]), 'ok');
  assert.is(judge(...s, ['p2', 'delete', { path: '/a/c', version: -1 }, 5, 6, { fail: 'NONODE' }]), 'bad');
  // create: CREATE on the parent before NODEEXISTS
  assert.is(judge(...s, ['p1', 'create', { path: '/a/c', data: '' }, 3, 4, { ok: { path: '/a/c' } }], ['p2', 'create', { path: '/a/c', data: '' }, 5, 6, { fail: 'NODEEXISTS' }]), 'bad');
  assert.is(judge(...s, ['p1', 'create', { path: '/a/c', data: '' }, 3, 4, { ok: { path: '/a/c' } }], ['p2', 'create', { path: '/a/c', data: '' }, 5, 6, { fail: 'NOAUTH' }]), 'ok');
  // setData: WRITE before BADVERSION
  assert.is(judge(...s, ['p2', 'setData', { path: '/a', data: 'y', version: 7 }, 5, 6, { fail: 'BADVERSION' }]), 'bad');
});

test('INVALIDACL: `auth` without a digest id; with one it becomes the creator\'s id', () => {
  const creatorAll = [{ perms: 31, scheme: 'auth', id: '' }];
  assert.is(judge(['p2', 'create', { path: '/a', data: '', acl: creatorAll }, 1, 2, { ok: { path: '/a' } }]), 'bad');
  assert.is(judge(['p2', 'create', { path: '/a', data: '', acl: creatorAll }, 1, 2, { fail: 'INVALIDACL' }], ['p2', 'exists', { path: '/a' }, 3, 4, { ok: { stat: null } }]), 'ok');
  const s = setup(creatorAll);
  assert.is(judge(...s, ['p1', 'getACL', { path: '/a' }, 5, 6, { ok: { acl: aliceAll, stat: { aversion: 0, version: 0 } } }]), 'ok');
  assert.is(judge(...s, ['p1', 'getACL', { path: '/a' }, 5, 6, { ok: { acl: creatorAll, stat: { aversion: 0, version: 0 } } }]), 'bad');
  assert.is(judge(...s, ['p2', 'getACL', { path: '/a' }, 5, 6, { fail: 'NOAUTH' }]), 'ok');
});

test('getACL: the list, masked without ADMIN, and the aversion', () => {
  const s = setup(aliceAllWorldRead);
  const masked = [{ perms: 31, scheme: 'digest', id: 'alice:x' }, { perms: 1, scheme: 'world', id: 'anyone' }];
  assert.is(judge(...s, ['p2', 'getACL', { path: '/a' }, 5, 6, { ok: { acl: masked, stat: { aversion: 0 } } }]), 'ok');
  assert.is(judge(...s, ['p2', 'getACL', { path: '/a' }, 5, 6, { ok: { acl: aliceAllWorldRead, stat: { aversion: 0 } } }]), 'bad', 'a digest shown to a caller without ADMIN');
  assert.is(judge(...s, ['p1', 'getACL', { path: '/a' }, 5, 6, { ok: { acl: [...aliceAllWorldRead].reverse(), stat: { aversion: 0 } } }]), 'ok', 'the order of entries is not judged');
  assert.is(judge(...s, ['p1', 'getACL', { path: '/a' }, 5, 6, { ok: { acl: aliceAllWorldRead, stat: { aversion: 1 } } }]), 'bad');
  // a lost ACL after a write: the node came back open
  assert.is(judge(...s, ['p1', 'setData', { path: '/a', data: 'y', version: -1 }, 3, 4, { ok: { stat: { version: 1 } } }], ['p2', 'getACL', { path: '/a' }, 5, 6, { ok: { acl: open, stat: { aversion: 0 } } }]), 'bad');
  assert.is(judge(...s, ['p1', 'setData', { path: '/a', data: 'y', version: -1 }, 3, 4, { ok: { stat: { version: 1 } } }], ['p2', 'setData', { path: '/a', data: 'z', version: -1 }, 5, 6, { ok: { stat: { version: 2 } } }]), 'bad');
  assert.is(judge(...s, ['p1', 'setData', { path: '/a', data: 'y', version: -1 }, 3, 4, { ok: { stat: { version: 1 } } }], ['p2', 'setData', { path: '/a', data: 'z', version: -1 }, 5, 6, { fail: 'NOAUTH' }]), 'ok');
});

test('setACL: ADMIN, the aversion it expects, aversion + 1 and nothing else', () => {
  const s = setup(aliceAllWorldRead);
  const set = (who: string, version: number, out: Spec[5], t = 5): Spec => [who, 'setACL', { path: '/a', acl: open, version }, t, t + 1, out];
  assert.is(judge(...s, set('p1', 0, { ok: { stat: { aversion: 1, version: 0 } } })), 'ok');
  assert.is(judge(...s, set('p1', 0, { ok: { stat: { aversion: 0, version: 0 } } })), 'bad', 'the aversion did not move');
  assert.is(judge(...s, set('p1', 0, { ok: { stat: { aversion: 1, version: 1 } } })), 'bad', 'setACL changed the data version');
  assert.is(judge(...s, set('p1', 1, { ok: { stat: { aversion: 2, version: 0 } } })), 'bad', 'a stale aversion matched');
  assert.is(judge(...s, set('p1', 1, { fail: 'BADVERSION' })), 'ok');
  assert.is(judge(...s, set('p2', -1, { ok: { stat: { aversion: 1, version: 0 } } })), 'bad', 'setACL without ADMIN');
  assert.is(judge(...s, set('p2', 7, { fail: 'NOAUTH' })), 'ok', 'NOAUTH before BADVERSION');
  assert.is(judge(...s, set('p2', -1, { fail: 'NONODE' })), 'bad');
  // two setACLs with the same expected aversion: the second must fail
  assert.is(judge(...s, set('p1', 0, { ok: { stat: { aversion: 1, version: 0 } } }), set('p1', 0, { ok: { stat: { aversion: 2, version: 0 } } }, 7)), 'bad');
  assert.is(judge(...s, set('p1', 0, { ok: { stat: { aversion: 1, version: 0 } } }), set('p1', 0, { fail: 'BADVERSION' }, 7)), 'ok');
  // the new ACL takes effect: the node is open now, p2 may write; a getACL after it sees aversion 1
  assert.is(judge(...s, set('p1', -1, { ok: { stat: { aversion: 1, version: 0 } } }), ['p2', 'setData', { path: '/a', data: 'y', version: -1 }, 7, 8, { ok: { stat: { version: 1 } } }], ['p2', 'getACL', { path: '/a' }, 9, 10, { ok: { acl: open, stat: { aversion: 1, version: 1 } } }]), 'ok');
  assert.is(judge(...s, set('p1', -1, { ok: { stat: { aversion: 1, version: 0 } } }), ['p2', 'getACL', { path: '/a' }, 9, 10, { ok: { acl: open, stat: { aversion: 0, version: 0 } } }]), 'bad');
});

test('ids: an addAuth counts for the operations invoked after it; for one in flight it may or may not', () => {
  const s: Spec[] = [
    ['p1', 'addAuth', { scheme: 'digest', auth: 'alice:pw-a' }, 0, 0, { ok: {} }],
    ['p1', 'create', { path: '/a', data: 'x', acl: aliceAll }, 1, 2, { ok: { path: '/a' } }],
  ];
  const late = (out: Spec[5], call: number): Spec[] => [
    ['p2', 'getData', { path: '/a' }, call, 12, out],
    ['p2', 'addAuth', { scheme: 'digest', auth: 'alice:pw-a' }, 11, 11, { ok: {} }],
  ];
  // invoked before the addAuth, answered after it: either outcome
  assert.is(judge(...s, ...late({ ok: { data: 'x', stat: { version: 0 } } }, 10)), 'ok');
  assert.is(judge(...s, ...late({ fail: 'NOAUTH' }, 10)), 'ok');
  // invoked after it: alice's
  assert.is(judge(...s, ['p2', 'addAuth', { scheme: 'digest', auth: 'alice:pw-a' }, 9, 9, { ok: {} }], ['p2', 'getData', { path: '/a' }, 10, 12, { fail: 'NOAUTH' }]), 'bad');
  // another process's addAuth gives p2 nothing
  assert.is(judge(...s, ['p2', 'getData', { path: '/a' }, 10, 12, { ok: { data: 'x', stat: { version: 0 } } }]), 'bad');
});

test('a node assumed to exist before the history has an unknown ACL: NOAUTH and success both pass', () => {
  assert.is(judge(['p1', 'getData', { path: '/pre' }, 1, 2, { ok: { data: '', stat: { version: 0 } } }], ['p2', 'getData', { path: '/pre' }, 3, 4, { fail: 'NOAUTH' }]), 'ok');
  assert.is(judge(['p1', 'setData', { path: '/pre', data: 'y', version: -1 }, 1, 2, { fail: 'NOAUTH' }]), 'ok');
  // the root's ACL is known (open)
  assert.is(judge(['p1', 'getChildren', { path: '/' }, 1, 2, { fail: 'NOAUTH' }]), 'bad');
});

test("a multiRead's reads: READ on each node (NONODE first), as getData and getChildren", () => {
  const s = [...setup(aliceAll), ['p1', 'create', { path: '/b', data: 'y' }, 3, 4, { ok: { path: '/b' } }] as Spec];
  const read = (who: string, a: unknown, b: unknown): Spec => [who, 'multiRead', { ops: [{ op: 'getData', path: '/a' }, { op: 'getChildren', path: '/b' }] }, 5, 6, { ok: { results: [a, b] } }];
  const dataA = { op: 'getData', data: 'x', stat: { version: 0 } };
  const kidsB = { op: 'getChildren', children: [] };
  const noauth = { op: 'error', err: -102 };
  // p2 may not read /a (alice's), may read /b (open)
  assert.is(judge(...s, read('p2', noauth, kidsB)), 'ok');
  assert.is(judge(...s, read('p2', dataA, kidsB)), 'bad', 'data of a node the caller may not READ');
  assert.is(judge(...s, read('p2', noauth, noauth)), 'bad', 'NOAUTH for an open node');
  assert.is(judge(...s, read('p1', dataA, kidsB)), 'ok');
  assert.is(judge(...s, read('p1', noauth, kidsB)), 'bad', 'NOAUTH for the owner');
  // NONODE before NOAUTH: alice's /c, deleted before the read, is NONODE for anyone
  const c: Spec[] = [['p1', 'create', { path: '/c', data: '', acl: aliceAll }, 4.2, 4.4, { ok: { path: '/c' } }], ['p1', 'delete', { path: '/c', version: -1 }, 4.6, 4.8, { ok: {} }]];
  const readC = (r: unknown): Spec => ['p2', 'multiRead', { ops: [{ op: 'getData', path: '/c' }] }, 5, 6, { ok: { results: [r] } }];
  // (linearizability forbids it; osc allows a read of another session to be stale, from before the delete)
  assert.is(judge(...s, ...c, readC(noauth)), 'lin not-linearizable, osc ok');
  assert.is(judge(...s, ...c, readC({ op: 'error', err: -101 })), 'ok');
});

test.run();
