import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster, rawSession, RawClient } from './server-harness.js';
import type { TestCluster } from './server-harness.js';
import { CreateMode } from '../core/protocol.js';
import type { ServerMessage } from '../core/protocol.js';

async function elect(tc: TestCluster, limit = 30000): Promise<string> {
  const ok = await tc.until(() => tc.leader() !== null && tc.names.every((n) => !tc.world.isUp(n) || tc.server(n)!.serving), limit);
  assert.ok(ok, 'a leader was elected and everyone is serving');
  return tc.leader()!;
}

const enc = (s: string) => new TextEncoder().encode(s);

test('pipelined requests of one session are answered in order; reads see earlier writes; pong carries the zxid', async () => {
  const tc = makeCluster({ servers: 1, seed: 51 });
  const r = await rawSession(tc, 'r1', 's1');
  r.send({ type: 'request', xid: 1, req: { op: 'create', path: '/p', data: enc('a'), mode: 0 } });
  r.send({ type: 'request', xid: 2, req: { op: 'getData', path: '/p', watch: false } });
  r.send({ type: 'request', xid: 3, req: { op: 'setData', path: '/p', data: enc('b'), version: 0 } });
  r.send({ type: 'request', xid: 4, req: { op: 'getData', path: '/p', watch: false } });
  r.send({ type: 'ping' });
  r.send({ type: 'request', xid: 5, req: { op: 'sync', path: '/p' } });
  await tc.until(() => r.received.length >= 7, 5000);
  const replies = r.received.slice(1) as ServerMessage[];
  assert.equal(replies.map((m) => (m.type === 'reply' ? m.xid : m.type)), [1, 2, 3, 4, 'pong', 5]);
  const g2 = replies[1] as Extract<ServerMessage, { type: 'reply' }>;
  const g4 = replies[3] as Extract<ServerMessage, { type: 'reply' }>;
  assert.is(new TextDecoder().decode((g2.body as { data: Uint8Array }).data), 'a');
  assert.is(new TextDecoder().decode((g4.body as { data: Uint8Array }).data), 'b');
  assert.is((replies[0] as { zxid: number }).zxid, 2);
  assert.is((replies[2] as { zxid: number }).zxid, 3);
  assert.is((replies[4] as { zxid: number }).zxid, 3); // pong
  assert.equal((replies[5] as { body: unknown }).body, { op: 'sync', path: '/p' });
});

test('closeSession: reply, connection closed, ephemerals deleted, watchers notified', async () => {
  const tc = makeCluster({ servers: 1, seed: 53 });
  const a = tc.client('c1');
  const b = tc.client('c2');
  await tc.run(a.create('/eph', null, CreateMode.EPHEMERAL));
  let fired = 0;
  await tc.run(b.exists('/eph', () => fired++));
  const z0 = tc.server('s1')!.lastProcessedZxid;
  await tc.run(a.close());
  await tc.advance(50);
  assert.is(fired, 1);
  assert.is(await tc.run(b.exists('/eph')), null);
  assert.is(tc.server('s1')!.lastProcessedZxid, z0 + 1, 'one closeSession txn');
});

test('follower sync: a read after sync reflects every write committed before it', async () => {
  const tc = makeCluster({ servers: 3, seed: 55 });
  const leader = await elect(tc);
  const [slow, fast] = tc.names.filter((n) => n !== leader) as [string, string];
  const w = tc.client('cw', { servers: [leader] });
  const rd = tc.client('cr', { servers: [slow] });
  await tc.run(w.create('/s', 'old'));
  await tc.run(rd.getData('/s'));
  tc.world.net.setLinkLatency(leader, slow, { min: 400, max: 400 });
  await tc.run(w.setData('/s', 'new'));
  const stale = await tc.run(rd.getData('/s'));
  assert.is(new TextDecoder().decode(stale.data!), 'old', 'a follower may serve a stale read');
  await tc.run(rd.sync('/s'));
  const fresh = await tc.run(rd.getData('/s'));
  assert.is(new TextDecoder().decode(fresh.data!), 'new');
  void fast;
});

test('sessions survive a leader failover: the new leader re-arms them with a full timeout', async () => {
  const tc = makeCluster({ servers: 3, seed: 57 });
  const leader = await elect(tc);
  const followers = tc.names.filter((n) => n !== leader);
  const c = tc.client('c1', { servers: followers, timeout: 8000 });
  await tc.run(c.create('/keep', 'x', CreateMode.EPHEMERAL));
  const sid = c.sessionId;
  tc.world.crash(leader);
  await tc.until(() => tc.leader() !== null && tc.leader() !== leader, 60000);
  await tc.run(c.setData('/keep', 'y').catch(() => c.setData('/keep', 'y')), 60000);
  assert.is(c.sessionId, sid);
  await tc.advance(30000);
  const nl = tc.leader()!;
  assert.is(new TextDecoder().decode(tc.server(nl)!.tree!.dataOf('/keep')!), 'y');
});

test.run();
