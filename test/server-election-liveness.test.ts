/**
 * Election liveness across a restart with a stale epoch (explore seed 7386). s1 and s2 are LOOKING in the same
 * election round as a freshly restarted s3, with better votes (higher currentEpoch) and long back-offs. s3's
 * notifications lose against their votes and each one restarts their poll wait, so neither resends on its own for a
 * long time. ZooKeeper's QuorumCnxManager resends the last notification on every new election connection
 * (SendWorker.run, lastMessageSent): the connection s3 opens makes s1 and s2 tell it their votes, s3 adopts the
 * better one and a leader is elected at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster } from './server-harness.js';

test('a LOOKING server tells a peer that connects to it its vote, even when the peer is in the same round', async () => {
  const tc = makeCluster({ servers: 3, seed: 3, recordTrace: true });
  assert.ok(await tc.until(() => tc.leader() !== null), 'first leader');
  // s3 goes away; s1 and s2 move on to a higher epoch without it
  const first = tc.leader()!;
  tc.world.crash('s3');
  if (first === 's3') assert.ok(await tc.until(() => tc.leader() !== null), 'second leader');
  const c = tc.client('c1', { servers: ['s1', 's2'], timeout: 6000 });
  await tc.run(c.create('/x', 'v'));
  assert.ok(tc.server('s1')!.fle!.currentVote().peerEpoch > 1 || tc.server('s2')!.fle!.currentVote().peerEpoch > 1);
  // s1 and s2 restart apart from each other: both LOOKING in round 1, voting for themselves, backing off
  tc.world.crash('s1');
  tc.world.crash('s2');
  tc.world.net.partition([['s1'], ['s2'], ['s3', 'c1']]);
  tc.world.restart('s1');
  tc.world.restart('s2');
  await tc.advance(20000);
  assert.is(tc.server('s1')!.state, 'LOOKING');
  assert.is(tc.server('s2')!.state, 'LOOKING');
  // s3 comes back with its old epoch (round 1 too) and everything heals
  tc.world.restart('s3');
  tc.world.net.heal();
  const at = tc.world.now;
  assert.ok(await tc.until(() => tc.leader() !== null, 5000), 'a leader within 5 s of the heal');
  assert.ok(tc.world.now - at < 5000);
});

test.run();
