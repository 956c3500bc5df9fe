import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster, RawClient } from './server-harness.js';
import type { TestCluster } from './server-harness.js';
import { sessionPasswd } from '../core/server/sessions.js';

async function elect(tc: TestCluster, limit = 30000): Promise<string> {
  const ok = await tc.until(() => tc.leader() !== null && tc.names.every((n) => !tc.world.isUp(n) || tc.server(n)!.serving), limit);
  assert.ok(ok, 'a leader was elected and everyone is serving');
  return tc.leader()!;
}

function data(tc: TestCluster, name: string, path: string): string | null | undefined {
  const d = tc.server(name)?.tree?.dataOf(path);
  if (d === undefined) return undefined;
  return d === null ? null : new TextDecoder().decode(d);
}

/** Raw protocol clients (the wire messages, no client library), one process each, running 10 ms later. */
async function rawClients(tc: TestCluster, ...names: string[]): Promise<RawClient[]> {
  const out = names.map((name) => {
    const c = new RawClient();
    tc.world.addProcess(name, () => c);
    return c;
  });
  await tc.advance(10);
  return out;
}

/** Opens a connection from `c` to `server` and a session on it (new, or `sessionId` re-attached): the connectResponse. */
async function attach(tc: TestCluster, c: RawClient, server: string, opts: { sessionId?: number; passwd?: string; timeoutMs?: number } = {}): Promise<{ sessionId: number; passwd: string; timeoutMs: number }> {
  c.open(server);
  await tc.until(() => c.connected, 1000);
  c.send({ type: 'connect', protocolVersion: 0, lastZxidSeen: 0, timeoutMs: opts.timeoutMs ?? 10000, sessionId: opts.sessionId ?? 0, passwd: opts.passwd ?? '' });
  await tc.until(() => c.received.length > 0, 2000);
  return c.received[0] as { sessionId: number; passwd: string; timeoutMs: number };
}

function syncs(tc: TestCluster, peer: number): Array<Record<string, unknown>> {
  return tc.world.trace.filter((e) => e.kind === 'sync' && (e as { peer?: number }).peer === peer) as Array<Record<string, unknown>>;
}

test('lagging follower is caught up with DIFF', async () => {
  const tc = makeCluster({ servers: 3, seed: 21, recordTrace: true });
  const leader = await elect(tc);
  const lag = tc.names.find((n) => n !== leader)!;
  const other = tc.names.find((n) => n !== leader && n !== lag)!;
  const c = tc.client('c1', { servers: [other] });
  await tc.run(c.create('/d', '0'));
  tc.world.crash(lag);
  for (let i = 1; i <= 5; i++) await tc.run(c.setData('/d', `${i}`));
  tc.world.restart(lag);
  await tc.until(() => tc.server(lag)?.serving === true, 30000);
  const sid = Number(lag.slice(1));
  const last = syncs(tc, sid).pop()!;
  assert.is(last.mode, 'diff');
  assert.is(last.txns, 5);
  assert.is(data(tc, lag, '/d'), '5');
  assert.is(tc.server(lag)!.lastProcessedZxid, tc.server(other)!.lastProcessedZxid);
});

test('a server with an uncommitted proposal of an old epoch is truncated (TRUNC)', async () => {
  const tc = makeCluster({ servers: 3, seed: 23, recordTrace: true });
  const leader = await elect(tc);
  const others = tc.names.filter((n) => n !== leader);
  const c = tc.client('c1', { servers: [leader], timeout: 40000 });
  await tc.run(c.create('/t', 'committed'));
  await tc.advance(50);
  const committedZxid = tc.server(leader)!.lastProcessedZxid;
  // cut the leader off: its next proposal is logged only by itself
  tc.world.net.partition([[leader, 'c1'], others]);
  c.setData('/t', 'uncommitted').catch(() => undefined);
  await tc.advance(100);
  // the majority elects a new leader (epoch 2) without any new txn
  const ok = await tc.until(() => others.some((n) => tc.server(n)!.state === 'LEADING' && tc.server(n)!.serving), 30000);
  assert.ok(ok);
  // the old leader stepped down holding the uncommitted txn in its log
  await tc.until(() => tc.server(leader)!.state === 'LOOKING', 30000);
  assert.is(tc.server(leader)!.lastProcessedZxid, committedZxid + 1);
  tc.world.net.heal();
  await tc.until(() => tc.server(leader)!.serving, 30000);
  const sid = Number(leader.slice(1));
  const last = syncs(tc, sid).pop()!;
  assert.is(last.mode, 'trunc');
  assert.is(last.zxid, committedZxid);
  assert.is(data(tc, leader, '/t'), 'committed');
  // and it stays truncated after a restart from disk
  tc.world.crash(leader);
  tc.world.restart(leader);
  await tc.until(() => tc.server(leader)?.serving === true, 30000);
  assert.is(data(tc, leader, '/t'), 'committed');
});

test('all servers restart from disk with their data; the epoch moves on', async () => {
  const tc = makeCluster({ servers: 3, seed: 25 });
  await elect(tc);
  const c = tc.client('c1', { servers: ['s1', 's2', 's3'] });
  for (let i = 0; i < 5; i++) await tc.run(c.create(`/r${i}`, `${i}`));
  await tc.advance(50);
  const epoch = tc.server(tc.leader()!)!.epoch;
  for (const n of tc.names) tc.world.crash(n);
  for (const n of tc.names) tc.world.restart(n);
  const l = await elect(tc);
  assert.is(tc.server(l)!.epoch, epoch + 1);
  for (const n of tc.names) for (let i = 0; i < 5; i++) assert.is(data(tc, n, `/r${i}`), `${i}`, `${n} /r${i}`);
});

test('observers: serve reads and forward writes, do not count for the quorum', async () => {
  const tc = makeCluster({ servers: 3, observers: 1, seed: 27 });
  const leader = await elect(tc);
  assert.is(tc.server('s4')!.state, 'OBSERVING');
  const c = tc.client('c1', { servers: ['s4'] });
  await tc.run(c.create('/o', 'x'));
  assert.is(data(tc, 's4', '/o'), 'x');
  await tc.advance(50);
  for (const n of ['s1', 's2', 's3']) assert.is(data(tc, n, '/o'), 'x');
  // two voters down: no quorum even with the observer
  const voters = ['s1', 's2', 's3'].filter((n) => n !== leader);
  tc.world.crash(voters[0]!);
  tc.world.crash(voters[1]!);
  let res = 'pending';
  c.setData('/o', 'y').then(() => (res = 'ok'), () => (res = 'fail'));
  await tc.advance(20000);
  assert.is.not(res, 'ok');
});

test('7 servers: election and a write', async () => {
  const tc = makeCluster({ servers: 7, seed: 29 });
  const leader = await elect(tc);
  assert.is(leader, 's7');
  const c = tc.client('c1', { servers: ['s2'] });
  await tc.run(c.create('/seven', '7'));
  await tc.advance(50);
  for (const n of tc.names) assert.is(data(tc, n, '/seven'), '7');
});

test('connect: a server refuses a client whose lastZxidSeen is ahead of it', async () => {
  const tc = makeCluster({ servers: 1, seed: 31 });
  const raw = new RawClient();
  tc.world.addProcess('r1', () => raw);
  await tc.advance(10);
  raw.open('s1');
  await tc.until(() => raw.connected, 1000);
  raw.send({ type: 'connect', protocolVersion: 0, lastZxidSeen: 1000, timeoutMs: 10000, sessionId: 0, passwd: '' });
  await tc.until(() => raw.closed, 1000);
  assert.ok(raw.closed);
  assert.is(raw.received.length, 0);
  // an unknown session gets timeout 0 then close
  raw.open('s1');
  await tc.until(() => raw.connected, 1000);
  raw.send({ type: 'connect', protocolVersion: 0, lastZxidSeen: 0, timeoutMs: 10000, sessionId: 12345, passwd: sessionPasswd(12345) });
  await tc.until(() => raw.closed, 1000);
  assert.equal(raw.received[0], { type: 'connectResponse', timeoutMs: 0, sessionId: 0, passwd: '' });
});

test('frame larger than jute.maxbuffer closes the connection, no zxid consumed', async () => {
  const tc = makeCluster({ servers: 1, seed: 33 });
  const raw = new RawClient();
  tc.world.addProcess('r1', () => raw);
  await tc.advance(10);
  raw.open('s1');
  await tc.until(() => raw.connected, 1000);
  raw.send({ type: 'connect', protocolVersion: 0, lastZxidSeen: 0, timeoutMs: 10000, sessionId: 0, passwd: '' });
  await tc.until(() => raw.received.length > 0, 1000);
  const z0 = tc.server('s1')!.lastProcessedZxid;
  raw.send({ type: 'request', xid: 1, req: { op: 'create', path: '/big', data: new Uint8Array(1048576), mode: 0 } });
  await tc.until(() => raw.closed, 1000);
  assert.ok(raw.closed);
  assert.is(tc.server('s1')!.lastProcessedZxid, z0);
});

test('SESSIONMOVED: a request through the superseded connection is not applied; that cnxn is closed', async () => {
  const tc = makeCluster({ servers: 3, seed: 35 });
  const leader = await elect(tc);
  const [f1, f2] = tc.names.filter((n) => n !== leader) as [string, string];
  const [x, y] = (await rawClients(tc, 'x', 'y')) as [RawClient, RawClient];
  const cr = await attach(tc, x, f1);
  x.send({ type: 'request', xid: 1, req: { op: 'create', path: '/sm', data: null, mode: 0 } });
  await tc.until(() => x.received.length > 1, 2000);
  // y takes the session over on the other follower
  assert.is((await attach(tc, y, f2, cr)).timeoutMs, 10000);
  y.send({ type: 'request', xid: 2, req: { op: 'setData', path: '/sm', data: new TextEncoder().encode('y'), version: -1 } });
  await tc.until(() => y.received.length > 1, 2000);
  assert.is((y.received[1] as { err: number }).err, 0);
  // x's write through the old server: SESSIONMOVED → connection closed, write not applied
  x.send({ type: 'request', xid: 3, req: { op: 'setData', path: '/sm', data: new TextEncoder().encode('x'), version: -1 } });
  await tc.until(() => x.closed, 2000);
  assert.ok(x.closed);
  assert.is(x.received.length, 2);
  await tc.advance(50);
  assert.is(data(tc, leader, '/sm'), 'y');
});

test('a session that moved to the leader reads its own write sent through its previous server (FIFO client order)', async () => {
  // x writes through follower f1; the leader has proposed the create but not committed it (both followers are
  // paused, so no ACK); the session then moves to the leader (y) and reads. The read waits in the session's queue
  // behind that write (src: CommitProcessor's per-session queue on the leader) and sees it.
  const tc = makeCluster({ servers: 3, seed: 36 });
  const leader = await elect(tc);
  const [f1, f2] = tc.names.filter((n) => n !== leader) as [string, string];
  const [x, y] = (await rawClients(tc, 'x', 'y')) as [RawClient, RawClient];
  const cr = await attach(tc, x, f1);
  const lead = tc.server(leader)!;
  const before = lead.lastProcessedZxid;
  tc.world.pause(f2);
  x.send({ type: 'request', xid: 1, req: { op: 'create', path: '/moved', data: null, mode: 0 } });
  const proposed = () => (lead as unknown as { leader: { lastProposed: number } }).leader.lastProposed > before;
  assert.ok(await tc.until(proposed, 2000), 'the leader proposed the create');
  tc.world.pause(f1); // its ACK cannot leave: the create stays uncommitted
  assert.is((await attach(tc, y, leader, cr)).timeoutMs, 10000, 'the session moved to the leader');
  y.send({ type: 'request', xid: 1, req: { op: 'exists', path: '/moved', watch: false } });
  await tc.advance(300);
  assert.is(y.received.length, 1, 'the read waits for the uncommitted write of its session');
  assert.is(lead.lastProcessedZxid, before);
  tc.world.resume(f1);
  tc.world.resume(f2);
  await tc.until(() => y.received.length > 1, 2000);
  const reply = y.received[1] as { err: number; zxid: number };
  assert.is(reply.err, 0, 'exists found the node its session created');
  assert.ok(reply.zxid > before);
});

test('a read queued behind its session\'s expiry is not answered: the close closes the connection first', async () => {
  // The leader proposed the closeSession of an expired session; before it commits (followers paused), the session's
  // client sends a read. The read waits behind the close in the session's queue, and the close then closes the
  // connection: no reply (ZooKeeper's FinalRequestProcessor closes the cnxn when it applies closeSession).
  const tc = makeCluster({ servers: 3, seed: 37 });
  const leader = await elect(tc);
  const followers = tc.names.filter((n) => n !== leader);
  const [y] = (await rawClients(tc, 'y')) as [RawClient];
  await attach(tc, y, leader, { timeoutMs: 4000 });
  const lead = tc.server(leader)!;
  const proposer = (lead as unknown as { leader: { lastProposed: number } }).leader;
  const before = proposer.lastProposed;
  // silent client: the session expires; hold the close uncommitted by pausing the followers once it is proposed
  assert.ok(await tc.until(() => proposer.lastProposed > before, 20_000), 'the leader proposed the expiry');
  for (const f of followers) tc.world.pause(f);
  y.send({ type: 'request', xid: 1, req: { op: 'exists', path: '/', watch: false } });
  await tc.advance(100);
  assert.is(y.received.length, 1, 'the read waits behind the close');
  for (const f of followers) tc.world.resume(f);
  await tc.until(() => y.closed, 2000);
  assert.ok(y.closed, 'the close closed the connection');
  assert.is(y.received.length, 1, 'and the read got no answer');
});

test.run();
