import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster } from './server-harness.js';
import type { TestCluster } from './server-harness.js';
import { CreateMode } from '../core/protocol.js';
import type { ZooKeeperClient } from '../core/client/index.js';

async function elect(tc: TestCluster, limit = 30000): Promise<string> {
  const ok = await tc.until(() => tc.leader() !== null && tc.names.every((n) => !tc.world.isUp(n) || tc.server(n)!.serving || tc.server(n)!.state === 'LOOKING'), limit);
  assert.ok(ok, 'a leader was elected');
  return tc.leader()!;
}

function codeOf(e: unknown): number {
  return (e as { code?: number }).code ?? 0;
}

async function tryRun<T>(tc: TestCluster, p: Promise<T>, limit: number): Promise<{ ok: boolean; value?: T; code?: number; pending?: boolean }> {
  let done = false;
  let r: { ok: boolean; value?: T; code?: number } = { ok: false };
  p.then((v) => { done = true; r = { ok: true, value: v }; }, (e) => { done = true; r = { ok: false, code: codeOf(e) }; });
  await tc.until(() => done, limit);
  return done ? r : { ok: false, pending: true };
}

function data(tc: TestCluster, name: string, path: string): string | null | undefined {
  const t = tc.server(name)?.tree;
  const d = t?.dataOf(path);
  if (d === undefined) return undefined;
  return d === null ? null : new TextDecoder().decode(d);
}

test('3 servers: elect a leader, write through a follower, all replicas apply it', async () => {
  const tc = makeCluster({ servers: 3, seed: 3 });
  const leader = await elect(tc);
  assert.is(leader, 's3'); // highest sid wins with equal zxids
  const follower = 's1';
  const c = tc.client('c1', { servers: [follower] });
  await tc.run(c.create('/x', 'hello'));
  await tc.advance(100);
  for (const n of tc.names) assert.is(data(tc, n, '/x'), 'hello', n);
  assert.is(tc.server('s3')!.epoch, 1);
  const z = tc.server('s3')!.lastProcessedZxid;
  assert.is(Math.floor(z / 2 ** 32), 1);
});

test('5 servers: a write commits with 2 down, not with 3 down', async () => {
  const tc = makeCluster({ servers: 5, seed: 5 });
  const leader = await elect(tc);
  const others = tc.names.filter((n) => n !== leader);
  const c = tc.client('c1', { servers: [leader] });
  await tc.run(c.create('/a', '1'));
  tc.world.crash(others[0]!);
  tc.world.crash(others[1]!);
  await tc.run(c.setData('/a', '2'));
  tc.world.crash(others[2]!);
  const r = await tryRun(tc, c.setData('/a', '3'), 30000);
  assert.not.ok(r.ok, 'no success without a quorum');
  // nobody serves the value (a LOOKING server may hold the uncommitted txn in its log, as ZooKeeper does)
  for (const n of tc.names) if (tc.world.isUp(n) && tc.server(n)!.serving) assert.is.not(data(tc, n, '/a'), '3');
  assert.is(tc.leader(), null, 'the leader stepped down');
});

test('leader crash: the new leader holds every acknowledged write', async () => {
  const tc = makeCluster({ servers: 3, seed: 7 });
  const leader = await elect(tc);
  const follower = tc.names.find((n) => n !== leader)!;
  const c = tc.client('c1', { servers: [follower] });
  const acked: string[] = [];
  for (let i = 0; i < 10; i++) {
    await tc.run(c.create(`/k${i}`, `${i}`));
    acked.push(`/k${i}`);
  }
  tc.world.crash(leader);
  await tc.until(() => tc.leader() !== null && tc.leader() !== leader, 30000);
  const nl = tc.leader()!;
  assert.is.not(nl, leader);
  for (const p of acked) assert.ok(data(tc, nl, p) !== undefined, `${p} on new leader`);
  assert.is(tc.server(nl)!.epoch, 2);
  // the old leader restarts from disk and rejoins
  tc.world.restart(leader);
  await tc.until(() => tc.server(leader)?.serving === true, 30000);
  await tc.run(c.create('/after', 'x'));
  await tc.advance(200);
  for (const n of tc.names) {
    assert.ok(data(tc, n, '/after') !== undefined, `/after on ${n}`);
    for (const p of acked) assert.ok(data(tc, n, p) !== undefined, `${p} on ${n}`);
  }
});

test('client failover keeps its session and ephemerals', async () => {
  const tc = makeCluster({ servers: 3, seed: 9 });
  const leader = await elect(tc);
  const followers = tc.names.filter((n) => n !== leader);
  const c = tc.client('c1', { servers: [followers[0]!, followers[1]!], timeout: 10000 });
  await tc.run(c.create('/eph', 'x', CreateMode.EPHEMERAL));
  const sid = c.sessionId;
  tc.world.crash(followers[0]!);
  await tc.until(() => c.server === followers[1], 30000);
  await tc.run(c.setData('/eph', 'y'), 30000);
  assert.is(c.sessionId, sid);
  assert.is(c.server, followers[1]);
  await tc.advance(15000);
  assert.is(data(tc, leader, '/eph'), 'y');
});

test('a client cut off longer than its timeout is expired on every server', async () => {
  const tc = makeCluster({ servers: 3, seed: 11 });
  const leader = await elect(tc);
  const followers = tc.names.filter((n) => n !== leader);
  const a = tc.client('c1', { servers: [followers[0]!], timeout: 6000 });
  await tc.run(a.create('/lock', 'x', CreateMode.EPHEMERAL));
  await tc.advance(100);
  for (const n of tc.names) assert.ok(data(tc, n, '/lock') !== undefined);
  tc.world.net.partition([['c1'], tc.names]);
  await tc.advance(10000);
  for (const n of tc.names) assert.is(data(tc, n, '/lock'), undefined, `ephemeral gone on ${n}`);
});

test('minority-side leader cannot commit; majority elects a new leader', async () => {
  const tc = makeCluster({ servers: 5, seed: 13 });
  const leader = await elect(tc);
  const others = tc.names.filter((n) => n !== leader);
  const c1 = tc.client('c1', { servers: [leader] });
  await tc.run(c1.create('/m', '0'));
  const c2 = tc.client('c2', { servers: [others[1]!, others[2]!, others[3]!] });
  tc.world.net.partition([[leader, others[0]!, 'c1'], [others[1]!, others[2]!, others[3]!, 'c2']]);
  const r = await tryRun(tc, c1.setData('/m', 'minority'), 20000);
  assert.not.ok(r.ok);
  const ok = await tc.until(() => {
    const l = tc.leader();
    return l !== null && l !== leader;
  }, 30000);
  assert.ok(ok, 'majority side has a new leader');
  await tc.run(c2.setData('/m', 'majority'), 30000);
  tc.world.net.heal();
  await tc.advance(20000);
  for (const n of tc.names) assert.is(data(tc, n, '/m'), 'majority', n);
});

test.run();
