/**
 * A closeSession that commits through a new leader's history while that leader holds it only in its snapshot (mutex
 * recipe, 90 s runs, seed 84: osc's "finding 6"). The leader that expired the session loses its followers before
 * anyone ACKs the proposal; it recovers the txn from its log, takes its leader snapshot (discovery), crashes before
 * it serves, and restarts from that snapshot with no txn after it: its committedLog is empty, yet its history holds
 * the close, which commits when it establishes leadership. The trace must name that commit ('history-close'), or
 * the checkers (explore/checks.ts committedCloses) end the session when the client saw Expired, long before the
 * ephemerals went (osc: an ephemeral read after its session's end).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster } from './server-harness.js';
import { CreateMode } from '../core/protocol.js';
import { committedCloses } from '../explore/checks.js';

type Ev = Record<string, unknown>;

test('a close held only in the new leader\'s snapshot is named when its history commits', async () => {
  const tc = makeCluster({ servers: 3, seed: 84, tickTime: 500, recordTrace: true });
  const trace = tc.world.trace as Ev[];
  assert.ok(await tc.until(() => tc.leader() !== null && tc.names.every((n) => tc.server(n)!.serving)));
  const leader = tc.leader()!;
  const [f1, f2] = tc.names.filter((n) => n !== leader) as [string, string];
  const c = tc.client('c1', { servers: [leader], timeout: 4000 });
  await tc.run(c.create('/e', 'v', CreateMode.EPHEMERAL));
  const sid = c.sessionId;
  // the client goes silent; the leader expires its session and proposes closeSession; both followers crash before
  // the proposal reaches them: only the leader's log holds it
  tc.world.net.partition([['c1'], tc.names]);
  const proposed = () => trace.find((e) => e.kind === 'propose' && e.type === 'closeSession' && e.session === sid);
  assert.ok(await tc.until(() => proposed() !== undefined, 10000), 'the leader proposed the close');
  const closeZxid = proposed()!.zxid as number;
  tc.world.crash(f1);
  tc.world.crash(f2);
  // the leader loses its quorum, reloads its log (the close with it) and, with f1 back, leads again: it writes its
  // leader snapshot, and crashes before it serves
  assert.ok(await tc.until(() => tc.server(leader)!.state === 'LOOKING', 20000), 'the leader gave up');
  const from = trace.length;
  tc.world.restart(f1);
  const snapshotted = () => trace.slice(from).some((e) => e.kind === 'synced' && e.node === leader && e.tag === 'leader-snapshot');
  assert.ok(await tc.until(snapshotted, 20000), 'the leader wrote its leader snapshot');
  assert.not.ok(trace.slice(from).some((e) => e.kind === 'leader'), 'nobody served yet');
  tc.world.crash(leader);
  // it restarts from that snapshot (no txn after it) and leads again, this time to the end
  const again = trace.length;
  tc.world.restart(leader);
  const recovery = () => trace.slice(again).find((e) => e.kind === 'recover' && e.node === leader);
  assert.ok(await tc.until(() => recovery() !== undefined, 1000), 'the leader recovered');
  const recovered = recovery()!;
  assert.is(recovered.txns, 0, 'from the snapshot alone');
  assert.ok(await tc.until(() => tc.leader() !== null, 30000), 'a leader serves');
  const established = trace.slice(again).find((e) => e.kind === 'leader')!;
  assert.ok(established.historyZxid as number >= closeZxid, 'its history reaches the close');
  for (const n of [leader, f1]) assert.is(tc.server(n)!.tree!.dataOf('/e'), undefined, `the ephemeral is gone on ${n}`);
  // no server applied the close in broadcast: only the new leader's history commits it
  assert.not.ok(trace.some((e) => e.kind === 'apply' && e.type === 'closeSession' && e.session === sid), 'no apply of the close');
  const close = committedCloses(trace as never).get(String(sid));
  assert.ok(close, 'the trace names the close\'s commit');
  assert.is(close.zxid, closeZxid);
  assert.is(close.t, established.t as number, 'at the establishment of the leader whose history holds it');
});

test.run();
