/**
 * A reattach to a session the leader is closing (explore seed 107). ZooKeeper 3.8: expiry marks the session closing
 * (SessionTrackerImpl.setSessionClosing) and submits closeSession; a reconnect with that id revalidates through
 * touchSession, which answers false for a closing session, so the client gets a ConnectResponse with timeout 0
 * (Expired) at once, before the closeSession txn commits and the ephemerals go (semantics §6.4, §11.1: an
 * application may briefly see Expired while its ephemerals still exist). zksim does the same: this pins it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster, RawClient } from './server-harness.js';
import { CreateMode } from '../core/protocol.js';

test('reattach to a closing session on the leader: Expired at once, ephemerals removed only when closeSession commits', async () => {
  const tc = makeCluster({ servers: 3, seed: 107, tickTime: 500, recordTrace: true });
  assert.ok(await tc.until(() => tc.leader() !== null && tc.names.every((n) => tc.server(n)!.serving)));
  const leader = tc.leader()!;
  const followers = tc.names.filter((n) => n !== leader);
  const c = tc.client('c1', { servers: [leader], timeout: 4000 });
  await tc.run(c.create('/e', 'v', CreateMode.EPHEMERAL));
  // the client goes silent; the leader expires its session
  tc.world.net.partition([['c1'], tc.names]);
  const trace = tc.world.trace as Array<Record<string, unknown>>;
  const expiredAt = () => trace.some((e) => e.kind === 'session' && e.node === leader && e.event === 'expire');
  assert.ok(await tc.until(expiredAt, 10000), 'the leader expired the session');
  // the closeSession proposal cannot commit for a while (both followers stopped); the session id comes back
  for (const f of followers) tc.world.pause(f);
  const r = new RawClient();
  tc.world.addProcess('r1', () => r);
  await tc.advance(1);
  r.open(leader);
  assert.ok(await tc.until(() => r.connected, 1000));
  r.send({ type: 'connect', protocolVersion: 0, lastZxidSeen: 0, timeoutMs: 4000, sessionId: c.sessionId, passwd: c.sessionPasswd });
  assert.ok(await tc.until(() => r.received.length > 0, 1000), 'an answer');
  const resp = r.received[0] as { type: string; timeoutMs: number };
  assert.is(resp.type, 'connectResponse');
  assert.is(resp.timeoutMs, 0, 'Expired');
  assert.ok(trace.some((e) => e.kind === 'session' && e.node === leader && e.event === 'reattach-expired'));
  assert.ok(tc.server(leader)!.tree!.dataOf('/e') !== undefined, 'the ephemeral is still there: closeSession not committed yet');
  assert.not.ok(trace.some((e) => e.kind === 'apply' && e.type === 'closeSession'), 'no closeSession applied yet');
  for (const f of followers) tc.world.resume(f);
  await tc.advance(1000);
  for (const n of tc.names) assert.is(tc.server(n)!.tree!.dataOf('/e'), undefined, `ephemeral gone on ${n}`);
});

test.run();
