/**
 * Leader election inside the real ZooKeeper server role (core/server/index.ts hosting core/server/election.ts),
 * over the World, through the public cluster harness (sim/cluster.ts). Stories from §8.3's observations and §9.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';

const E = 4294967296;

function decides(c: Cluster): Array<{ t: number; node: string; leader: number; state: string }> {
  return c.world.trace
    .filter((e) => e.kind === 'decide')
    .map((e) => e as unknown as { t: number; node: string; leader: number; state: string });
}

/** Every live server serves clients (synced with a leader). */
function allServing(c: Cluster): boolean {
  return c.serverNames.filter((n) => c.world.isUp(n)).every((n) => c.server(n)!.serving);
}

/** Every live server decided and follows one LEADING server (or null). */
function agreed(c: Cluster): number | null {
  const live = c.serverNames.filter((n) => c.world.isUp(n)).map((n) => c.server(n)!);
  const leaders = live.filter((s) => s.state === 'LEADING');
  if (leaders.length !== 1) return null;
  const L = leaders[0].myId;
  return live.every((s) => s.state === 'LEADING' || s.fle?.currentVote().leader === L) &&
    live.every((s) => s.state !== 'LOOKING')
    ? L
    : null;
}

test('ensemble: 3 fresh servers elect s3 within a few hundred ms (§8.3: 235–364 ms observed)', async () => {
  const c = new Cluster({ seed: 1, servers: 3, recordTrace: true });
  assert.ok(await c.until(() => agreed(c) !== null, 5000));
  assert.equal(agreed(c), 3);
  const ds = decides(c);
  assert.equal(ds.length, 3);
  const last = Math.max(...ds.map((d) => d.t));
  assert.ok(last >= 200 && last < 1000, `decided at ${last} ms`);
  assert.equal(ds.map((d) => [d.node, d.state]).sort(), [['s1', 'FOLLOWING'], ['s2', 'FOLLOWING'], ['s3', 'LEADING']]);
});

test('ensemble: leader crash → sid 2 wins (equal zxid, higher sid); the restarted s3 follows it (ZOOKEEPER-975)', async () => {
  const c = new Cluster({ seed: 2, servers: 3, recordTrace: true });
  assert.ok(await c.until(() => agreed(c) === 3 && c.server(3)!.serving, 10_000));
  const cl = c.client('c1', { servers: ['s1'] });
  for (let i = 0; i < 4; i++) await c.run(cl.create(`/k${i}`, 'v'));
  c.world.crash('s3');
  const t0 = c.world.now;
  assert.ok(await c.until(() => agreed(c) === 2, 60_000), 'a new leader');
  assert.ok(c.world.now - t0 < 30_000);
  c.world.restart('s3');
  assert.ok(await c.until(() => c.server(3)?.serving === true, 60_000), 's3 back and synced');
  assert.equal(agreed(c), 2);
  const s3 = decides(c).filter((d) => d.node === 's3');
  assert.equal(s3[s3.length - 1].leader, 2);
  assert.equal(s3[s3.length - 1].state, 'FOLLOWING');
});

test('ensemble: 5 servers, 2 crashed: the 3 others elect; a 3rd crash leaves nobody leading', async () => {
  const c = new Cluster({ seed: 5, servers: 5, recordTrace: true });
  await c.runFor(0); // processes start
  c.world.crash('s5');
  c.world.crash('s4');
  assert.ok(await c.until(() => agreed(c) === 3, 10_000), 'three of five elect');
  c.world.crash('s1');
  await c.runFor(60_000);
  assert.equal(c.leaders(), [], 'no quorum, no leader');
  // (s1 crashed during discovery: s3 gives up after initLimit; its follower must not stay FOLLOWING forever by
  // re-connecting to a server that refuses learners — a connection closed during discovery ends the learner in
  // ZooKeeper, and connectToLeader retries only within initLimit from the start)
  assert.equal(['s2', 's3'].map((n) => `${n}:${c.serverState(n)}`), ['s2:LOOKING', 's3:LOOKING']);
  c.world.restart('s4');
  assert.ok(await c.until(() => agreed(c) !== null, 60_000), 'quorum again');
});

test('ensemble: a partitioned leader steps down; the majority elects; after heal it follows the new leader', async () => {
  const c = new Cluster({ seed: 21, servers: 5, recordTrace: true });
  assert.ok(await c.until(() => agreed(c) === 5 && allServing(c), 10_000), 'first election');
  c.world.net.partition([['s4', 's5'], ['s1', 's2', 's3']]);
  // Which of the majority wins depends on (epoch, last zxid, sid): a server synced by SNAP at the first election
  // reports epoch << 32 as its last zxid and beats the DIFF-synced ones (§8.5), so assert only that the majority
  // side elects one of its own and the minority side leads nobody.
  const majorityLeader = (): number | null => {
    const l = ['s1', 's2', 's3'].filter((n) => c.serverState(n) === 'LEADING');
    return l.length === 1 && !['s4', 's5'].some((n) => c.serverState(n) === 'LEADING') ? Number(l[0]!.slice(1)) : null;
  };
  assert.ok(await c.until(() => majorityLeader() !== null && c.server(majorityLeader()!)!.serving, 60_000), 'majority');
  const leader = majorityLeader();
  c.world.net.heal();
  assert.ok(await c.until(() => agreed(c) === leader && allServing(c), 120_000), 'after heal, everyone follows the majority\'s leader');
});

test('ensemble: the highest zxid wins; with election-ignores-zxid a lagging higher sid can win instead', async () => {
  // s3 leads epoch 1; it crashes; s2 leads epoch 2; s3 rejoins epoch 2 then crashes again; a write commits on s1, s2
  // (zxid 0x200000001); s2 crashes; s1 (ahead) and the restarted s3 (behind, same epoch, higher sid) elect.
  async function story(bugs: string[]): Promise<number[]> {
    const c = new Cluster({ seed: 33, servers: 3, recordTrace: true, bugs });
    assert.ok(await c.until(() => agreed(c) === 3 && allServing(c), 10_000));
    c.world.crash('s3');
    assert.ok(await c.until(() => agreed(c) === 2 && c.server(2)!.serving, 60_000));
    c.world.restart('s3');
    assert.ok(await c.until(() => c.server(3)?.serving === true, 60_000));
    assert.equal(c.server(3)!.epoch, 2);
    c.world.crash('s3');
    const cl = c.client('c1', { servers: ['s1'] });
    await c.run(cl.create('/w', 'x'));
    await c.runFor(500);
    assert.ok(c.server(1)!.lastProcessedZxid >= 2 * E + 1);
    const n = decides(c).length;
    c.world.crash('s2');
    c.world.restart('s3');
    await c.until(() => decides(c).slice(n).some((d) => d.state === 'LEADING'), 60_000);
    return decides(c).slice(n).filter((d) => d.state === 'LEADING').map((d) => d.leader);
  }
  const normal = await story([]);
  assert.equal(normal[0], 1, 'the server holding the committed write leads');
  const buggy = await story(['election-ignores-zxid']);
  assert.equal(buggy[0], 3, 'the lagging server wins the election');
});

test.run();
