/**
 * ACLs through the client library against simulated servers: create with an ACL, getACL/setACL, addAuthInfo digest
 * by another session, writes forwarded by a follower carry the connection's ids, auth re-sent after a reconnect, an
 * unknown scheme ends the handle (authFailed), and the history records the new ops.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';
import { Code, CreateMode, CREATOR_ALL_ACL, KeeperState, OPEN_ACL_UNSAFE, Perms, digestOf, type ACL } from '../core/client/index.js';
import { code, standalone } from './client-helpers.js';
import { checkEvents } from '../check/run.js';

const aliceAll: ACL[] = [{ perms: Perms.ALL, scheme: 'digest', id: digestOf('alice:secret') }];
const worldRead: ACL = { perms: Perms.READ, scheme: 'world', id: 'anyone' };

test('create with a digest ACL: others get NOAUTH, the authenticated session everything; getACL masks without ADMIN', async () => {
  const { cl, c1, c2 } = await standalone(3);
  c1.addAuthInfo('digest', 'alice:secret');
  assert.is(await cl.run(c1.create('/a', 'x', CreateMode.PERSISTENT, undefined, [...aliceAll, worldRead])), '/a');
  assert.is((await cl.run(c2.getData('/a'))).stat.aversion, 0, 'world READ');
  assert.is(await code(cl, c2.setData('/a', 'y')), Code.NOAUTH);
  assert.is(await code(cl, c2.create('/a/b')), Code.NOAUTH);
  assert.is(await code(cl, c2.setACL('/a', OPEN_ACL_UNSAFE)), Code.NOAUTH);
  const masked = await cl.run(c2.getACL('/a'));
  assert.equal(masked.acl, [{ perms: Perms.ALL, scheme: 'digest', id: 'alice:x' }, worldRead]);
  const full = await cl.run(c1.getACL('/a'));
  assert.equal(full.acl, [...aliceAll, worldRead]);
  await cl.run(c1.setData('/a', 'y'));
  // another session authenticating as alice gets alice's rights
  c2.addAuthInfo('digest', 'alice:secret');
  await cl.run(c2.setData('/a', 'z'));
  // a wrong password is a different id, not a failure
  const { cl: cl2, c1: d1 } = await standalone(4);
  d1.addAuthInfo('digest', 'alice:wrong');
  await cl2.run(d1.create('/b', null, CreateMode.PERSISTENT, undefined, CREATOR_ALL_ACL));
  assert.equal((await cl2.run(d1.getACL('/b'))).acl, [{ perms: Perms.ALL, scheme: 'digest', id: digestOf('alice:wrong') }]);
});

test('setACL versions: aversion +1, stale version BADVERSION, INVALIDACL (empty refused by the client, auth without digest by the server)', async () => {
  const { cl, c1 } = await standalone(5);
  await cl.run(c1.create('/n', 'x'));
  const st = await cl.run(c1.setACL('/n', [worldRead, { perms: Perms.ADMIN, scheme: 'world', id: 'anyone' }], 0));
  assert.is(st.aversion, 1);
  assert.is(st.version, 0);
  assert.is(await code(cl, c1.setACL('/n', OPEN_ACL_UNSAFE, 0)), Code.BADVERSION);
  assert.is(await code(cl, c1.setACL('/n', [])), Code.INVALIDACL);
  assert.is(await code(cl, c1.create('/m', null, CreateMode.PERSISTENT, undefined, CREATOR_ALL_ACL)), Code.INVALIDACL);
  assert.is(await code(cl, c1.setData('/n', 'y')), Code.NOAUTH);
  assert.is((await cl.run(c1.getACL('/n'))).stat.aversion, 1);
  const hist = cl.history.events.filter((e) => e.kind === 'invoke' && (e.op === 'setACL' || e.op === 'getACL'));
  assert.ok(hist.length >= 4, 'history records setACL/getACL');
});

test('ensemble: a write through a follower carries the connection ids to the leader; auth is re-sent after a reconnect', async () => {
  const cl = new Cluster({ seed: 11, servers: 3 });
  const c1 = cl.client('c1', { timeoutMs: 12_000 });
  const c2 = cl.client('c2', { timeoutMs: 12_000 });
  assert.ok(await cl.ready(60_000));
  c1.addAuthInfo('digest', 'alice:secret');
  await cl.run(c1.create('/p', null, CreateMode.PERSISTENT, undefined, aliceAll));
  await cl.run(c1.create('/p/c'), 30_000);
  assert.is(await code(cl, c2.create('/p/d')), Code.NOAUTH);
  const s = c1.server!;
  cl.world.crash(s);
  assert.ok(await cl.until(() => c1.state === 'CONNECTED' && c1.server !== s && cl.leader() !== null, 60_000), 'reconnected elsewhere');
  await cl.run(c1.setData('/p', 'after'), 30_000);
  assert.is(await code(cl, c1.getData('/p')), 0);
  await cl.run(c1.setACL('/p', [...aliceAll, worldRead], 0), 30_000);
  // the crashed server comes back from its disk (snapshot + log replay, or a sync from the leader): same ACLs
  cl.world.restart(s);
  assert.ok(await cl.until(() => cl.server(s)?.serving === true && cl.server(s)?.lastProcessedZxid === cl.server(cl.leader()!)?.lastProcessedZxid, 60_000), 'restarted server caught up');
  for (const n of cl.serverNames) {
    const tree = cl.server(n)!.tree!;
    assert.equal(tree.aclOf('/p'), [...aliceAll, worldRead], n);
    assert.is(tree.statOf('/p')!.aversion, 1, n);
  }
  const d = cl.serverNames.map((n) => cl.server(n)!.tree!.digest());
  assert.ok(d.every((x) => x === d[0]), 'replica digests equal');
});

test('addAuthInfo with an unknown scheme: handle closed (authFailed), AuthFailed event, pending and later calls fail AUTHFAILED', async () => {
  const states: number[] = [];
  const cl = new Cluster({ seed: 6, servers: 1 });
  const c1 = cl.client('c1', { watcher: (e) => states.push(e.state) });
  assert.ok(await cl.ready(30_000));
  c1.addAuthInfo('kerberos', 'x');
  assert.ok(await cl.until(() => c1.authFailed, 5000));
  assert.is(c1.state, 'CLOSED');
  await cl.runFor(10);
  assert.equal(states, [KeeperState.SyncConnected, KeeperState.AuthFailed]);
  assert.is(await code(cl, c1.exists('/')), Code.AUTHFAILED);
});

test('histories with getACL/setACL and NOAUTH failures pass the znode and zookeeper (OSC) checkers', async () => {
  const { cl, c1, c2 } = await standalone(9);
  c1.addAuthInfo('digest', 'alice:secret');
  await cl.run(c1.create('/h', 'a', CreateMode.PERSISTENT, undefined, [...aliceAll, worldRead]));
  assert.is(await code(cl, c2.setData('/h', 'b')), Code.NOAUTH);
  assert.is(await code(cl, c2.create('/h/x')), Code.NOAUTH);
  await cl.run(c1.setACL('/h', OPEN_ACL_UNSAFE, 0));
  await cl.run(c2.getACL('/h'));
  await cl.run(c2.setData('/h', 'c'));
  assert.is((await cl.run(c1.getData('/h'))).stat.aversion, 1);
  for (const model of ['znode', 'zookeeper'] as const) {
    const r = checkEvents(cl.history.events, model, 'acl');
    assert.ok(r.ok, `${model}: ${r.verdict}`);
  }
});

test.run();
