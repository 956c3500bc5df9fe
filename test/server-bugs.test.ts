import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster } from './server-harness.js';
import type { TestCluster } from './server-harness.js';
import { CreateMode, EventType } from '../core/protocol.js';
import { SERVER_BUGS } from '../core/server/index.js';
import { Cluster } from '../sim/cluster.js';
import { checkOsc } from '../check/osc.js';
import { checkWatches } from '../check/watches.js';
import { findBug } from '../explore/bugs.js';
import { explore, runOneSeed, type ExploreBase } from '../explore/engine.js';
import { DEFAULT_CONFIG, type FaultKind, type RunSpec } from '../explore/spec.js';
import { runSpec, specForSeed } from '../explore/runner.js';

async function elect(tc: TestCluster, limit = 30000): Promise<string> {
  const ok = await tc.until(() => tc.leader() !== null && tc.names.every((n) => !tc.world.isUp(n) || tc.server(n)!.serving), limit);
  assert.ok(ok, 'a leader was elected and everyone is serving');
  return tc.leader()!;
}

for (const bug of SERVER_BUGS) {
  test(`bug switch ${bug}: the ensemble still runs`, async () => {
    const tc = makeCluster({ servers: 3, seed: 41, bugs: [bug] });
    await elect(tc);
    const c = tc.client('c1', { servers: ['s1'] });
    await tc.run(c.create('/b', 'x'));
    for (let i = 0; i < 5; i++) await tc.run(c.setData('/b', `${i}`));
    const { stat } = await tc.run(c.getData('/b'));
    assert.is(stat.version, 5);
  });
}

test('commit-before-quorum: a write succeeds although both followers are down', async () => {
  const tc = makeCluster({ servers: 3, seed: 43, bugs: ['commit-before-quorum'] });
  const leader = await elect(tc);
  const c = tc.client('c1', { servers: [leader] });
  await tc.run(c.create('/q', 'x'));
  for (const n of tc.names) if (n !== leader) tc.world.crash(n);
  await tc.run(c.setData('/q', 'lost-later'));
});

test('keep-ephemerals-on-expiry: an expired session keeps its ephemeral', async () => {
  const tc = makeCluster({ servers: 1, seed: 45, bugs: ['keep-ephemerals-on-expiry'] });
  const a = tc.client('c1', { timeout: 4000 });
  await tc.run(a.create('/leak', null, CreateMode.EPHEMERAL));
  tc.world.net.partition([['c1'], ['s1']]);
  await tc.advance(10000);
  assert.ok(tc.server('s1')!.tree!.dataOf('/leak') !== undefined);
});

test('periodic snapshots (snapCount 10) and recovery from snapshot + log', async () => {
  const tc = makeCluster({ servers: 3, seed: 47, snapCount: 10 });
  await elect(tc);
  const c = tc.client('c1', { servers: ['s1', 's2', 's3'] });
  for (let i = 0; i < 40; i++) await tc.run(c.create(`/s${i}`, `${i}`));
  await tc.advance(100);
  for (const n of tc.names) assert.ok(tc.world.disk(n).files().filter((f: string) => f.startsWith('snapshot.')).length >= 3, `${n} has snapshots`);
  for (const n of tc.names) tc.world.crash(n);
  for (const n of tc.names) tc.world.restart(n);
  await elect(tc);
  for (const n of tc.names) {
    for (let i = 0; i < 40; i++) assert.ok(tc.server(n)!.tree!.dataOf(`/s${i}`) !== undefined, `${n} /s${i}`);
  }
});

/** A 3-server Cluster with every server serving, and its leader's and first follower's names. */
async function cluster3(seed: number, bugs: string[]): Promise<{ cl: Cluster; L: string; F: string }> {
  const cl = new Cluster({ seed, servers: 3, bugs });
  assert.ok(await cl.until(() => cl.leader() !== null && cl.serverNames.every((n) => cl.server(n)!.serving), 60_000));
  const L = cl.serverNames.find((n) => cl.serverState(n) === 'LEADING')!;
  return { cl, L, F: cl.serverNames.find((n) => n !== L)! };
}
const text = (d: Uint8Array | null): string => new TextDecoder().decode(d ?? new Uint8Array());

for (const on of [false, true]) {
  test(`sync-skips-leader ${on ? 'on' : 'off'}: a read after sync on a follower cut from the leader ${on ? 'misses' : 'sees'} an acknowledged write; osc ${on ? 'flags' : 'accepts'} it`, async () => {
    const { cl, L, F } = await cluster3(7, on ? ['sync-skips-leader'] : []);
    const w = cl.client('c1', { servers: [L] });
    const r = cl.client('c2', { servers: [F] });
    assert.ok(await cl.until(() => w.state === 'CONNECTED' && r.state === 'CONNECTED'));
    await cl.run(w.create('/x', 'v1'));
    assert.ok(await cl.until(() => cl.server(F)!.lastProcessedZxid === cl.server(L)!.lastProcessedZxid));
    cl.world.net.partition([[L], [F]]); // F hears nothing from the leader for a moment (less than syncLimit)
    await cl.run(w.setData('/x', 'v2', -1)); // committed by L and the other follower, acknowledged to c1
    await cl.runFor(5); // the sync is invoked after the write returned (real-time order, not a tie)
    const read = r.sync('/x').then(() => r.getData('/x'));
    await cl.runFor(300);
    cl.world.net.heal();
    assert.is(text((await cl.run(read)).data), on ? 'v1' : 'v2');
    assert.is(checkOsc(cl.history.events).verdict, on ? 'violation' : 'ok');
  });
}

for (const on of [false, true]) {
  test(`read-overtakes-sync ${on ? 'on' : 'off'}: a getData pipelined behind a sync on a lagging follower ${on ? 'misses' : 'sees'} an acknowledged write; osc ${on ? 'flags' : 'accepts'} it`, async () => {
    const { cl, L, F } = await cluster3(7, on ? ['read-overtakes-sync'] : []);
    const w = cl.client('c1', { servers: [L] });
    const r = cl.client('c2', { servers: [F] });
    assert.ok(await cl.until(() => w.state === 'CONNECTED' && r.state === 'CONNECTED'));
    await cl.run(w.create('/x', 'v1'));
    assert.ok(await cl.until(() => cl.server(F)!.lastProcessedZxid === cl.server(L)!.lastProcessedZxid));
    cl.world.net.setLinkLatency(L, F, { min: 300, max: 300 }); // F hears of the next commit 300 ms late
    await cl.run(w.setData('/x', 'v2', -1)); // committed by L and the other follower, acknowledged to c1
    await cl.runFor(5);
    assert.ok(cl.server(F)!.lastProcessedZxid < cl.server(L)!.lastProcessedZxid, 'F lags');
    const synced = r.sync('/x'); // pipelined: both sent before either reply
    const read = r.getData('/x');
    await cl.run(synced);
    assert.is(text((await cl.run(read)).data), on ? 'v1' : 'v2');
    assert.is(checkOsc(cl.history.events).verdict, on ? 'violation' : 'ok');
  });
}

test('forget-watches-on-reconnect: a data watch set before a failover never fires; watches flags the missing event', async () => {
  for (const on of [false, true]) {
    const { cl, L } = await cluster3(11, on ? ['forget-watches-on-reconnect'] : []);
    const w = cl.client('c1', { servers: [L] });
    const fired: number[] = [];
    const r = cl.client('c2', { servers: cl.serverNames.filter((n) => n !== L) });
    assert.ok(await cl.until(() => w.state === 'CONNECTED' && r.state === 'CONNECTED'));
    await cl.run(w.create('/w', 'v1'));
    await cl.run(r.sync('/w'));
    await cl.run(r.getData('/w', (e) => { if (e.path !== null) fired.push(e.type); }));
    const connectedTo = (): unknown[] => cl.history.events.flatMap((e) => (e.kind === 'session' && e.process === 'c2' && e.state === 'connected' ? [e.server] : []));
    const first = connectedTo()[0] as string;
    cl.world.crash(first); // c2 moves to the other follower and sends setWatches
    assert.ok(await cl.until(() => r.state === 'CONNECTED' && connectedTo().length === 2), 'c2 reconnected');
    await cl.runFor(100);
    await cl.run(w.setData('/w', 'v2', -1));
    await cl.runFor(100);
    await cl.run(r.sync('/w'));
    await cl.run(r.getData('/w')); // a reply with a zxid past the change: the event had to come first
    assert.equal(fired, on ? [] : [EventType.NodeDataChanged], on ? 'the watch was dropped' : 'the watch fired after the failover');
    const v = checkWatches(cl.history.events);
    assert.is(v.ok, !on, on ? 'watches flags the missing notification' : 'watch delivery correct');
    if (on) assert.ok(v.violations.some((x) => x.check === 'complete (W2)'), JSON.stringify(v.violations));
  }
});

test('seq-from-child-count: after a delete a sequential create reuses a name (or fails NODEEXISTS); osc flags it', async () => {
  for (const on of [false, true]) {
    const { cl, L } = await cluster3(13, on ? ['seq-from-child-count'] : []);
    const c = cl.client('c1', { servers: [L] });
    assert.ok(await cl.until(() => c.state === 'CONNECTED'));
    await cl.run(c.create('/q', null));
    const seq = (): Promise<string> => c.create('/q/n-', 'x', CreateMode.PERSISTENT_SEQUENTIAL).then((p) => p, (e: { code?: number }) => `error ${e.code}`);
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push(await cl.run(seq()));
    assert.equal(names, ['/q/n-0000000000', '/q/n-0000000001', '/q/n-0000000002']);
    await cl.run(c.delete('/q/n-0000000002', -1));
    const third = await cl.run(seq()); // two children: the bug hands out n-0000000002 again
    assert.is(third, on ? '/q/n-0000000002' : '/q/n-0000000003');
    await cl.run(c.delete('/q/n-0000000000', -1));
    const fourth = await cl.run(seq()); // two children again: n-0000000002 exists
    assert.is(fourth, on ? 'error -110' : '/q/n-0000000004');
    assert.is(checkOsc(cl.history.events).verdict, on ? 'violation' : 'ok');
  }
});

test('accept-client-ahead (not in the zoo): a follower that accepts a client ahead of it opens the session only after the leader revalidates it, and by then it has applied every commit the client can have seen', async () => {
  for (const on of [false, true]) {
    const cl = new Cluster({ seed: 5, servers: 3, bugs: on ? ['accept-client-ahead'] : [], recordTrace: true, traceDetail: 'protocol' });
    assert.ok(await cl.until(() => cl.leader() !== null && cl.serverNames.every((n) => cl.server(n)!.serving), 60_000));
    const L = cl.serverNames.find((n) => cl.serverState(n) === 'LEADING')!;
    const fs = cl.serverNames.filter((n) => n !== L);
    const w = cl.client('c1', { servers: [L] });
    const r = cl.client('c2', { servers: fs });
    assert.ok(await cl.until(() => w.state === 'CONNECTED' && r.state === 'CONNECTED'));
    await cl.run(w.create('/x', 'v1'));
    assert.ok(await cl.until(() => fs.every((f) => cl.server(f)!.lastProcessedZxid === cl.server(L)!.lastProcessedZxid)));
    const X = cl.history.events.flatMap((e) => (e.kind === 'session' && e.process === 'c2' && e.state === 'connected' ? [e.server as string] : []))[0]!;
    const Y = fs.find((f) => f !== X)!;
    cl.world.net.setLinkLatency(L, Y, { min: 1500, max: 1500 }); // Y lags: it hears of the next commit 1.5 s late
    await cl.run(w.setData('/x', 'v2', -1));
    assert.is(text((await cl.run(r.getData('/x'))).data), 'v2'); // c2 has seen the setData's zxid, on X
    const seen = r.lastZxid;
    cl.world.net.partition([['c2'], [X]]);
    cl.world.net.resetConnections('c2', X); // c2 moves to Y, which is behind it
    assert.ok(await cl.until(() => r.state !== 'CONNECTED', 1000));
    assert.ok(cl.server(Y)!.lastProcessedZxid < seen);
    assert.ok(await cl.until(() => r.state === 'CONNECTED', 30_000));
    assert.ok(cl.server(Y)!.lastProcessedZxid >= seen, 'Y has caught up when the session opens');
    assert.is(text((await cl.run(r.getData('/x'))).data), 'v2');
    assert.is(cl.world.trace.filter((e) => e.kind === 'refuse').length, on ? 0 : 1, on ? 'accepted' : 'refused once');
    assert.is(checkOsc(cl.history.events).verdict, 'ok');
  }
});

// The zoo entries' suggested configurations: no failure without the bug; with it, explore finds a failing seed in a
// small range and the expected property is among the failures of that seed.
const ZOO2: Array<{ bug: string; seeds: number; property: string }> = [
  { bug: 'sync-skips-leader', seeds: 20, property: 'osc' },
  { bug: 'read-overtakes-sync', seeds: 20, property: 'osc' },
  { bug: 'forget-watches-on-reconnect', seeds: 20, property: 'watches' },
  { bug: 'seq-from-child-count', seeds: 20, property: 'osc' },
];
for (const { bug, seeds, property } of ZOO2) {
  test(`zoo bug ${bug}: its workload and faults pass seeds 1..${seeds} without it, and ${property} catches it within them`, async () => {
    const z = findBug(bug)!;
    assert.ok(z && z.caughtBy.includes(property));
    const base = (bugs: string[]): ExploreBase => ({ config: { ...DEFAULT_CONFIG, bugs, faults: [...z.faults], servers: z.servers }, workload: z.workload });
    const range = Array.from({ length: seeds }, (_, i) => i + 1);
    const clean = await explore({ base: base([]), seeds: range, workers: 1 });
    assert.equal(clean.results.filter((x) => x.failure).map((x) => x.seed), [], 'no failure without the bug');
    const r = await explore({ base: base([bug]), seeds: range, workers: 1, maxFailures: 1 });
    const found = r.results.find((x) => x.failure);
    assert.ok(found, `${bug} not found in seeds 1..${seeds}`);
    const again = await runOneSeed(base([bug]), found!.seed);
    assert.ok(again.failed.includes(property), `seed ${found!.seed} fails ${again.failed.join(', ')}`);
  });
}

// learner-3.8.0 (ZOOKEEPER-4643/4785), scripted: s1 is down while s3 and s2 commit writes; s3 is cut off; s1 restarts
// and s2 leads it (s1's NEWLEADER ACK completes s2's quorum) after a DIFF of those writes; s1's fsyncs are slow, so a
// power loss right after its ACK finds its new currentEpoch durable and the synced txns not; s1 and s3 restart first,
// s1 wins the election on its newer epoch and truncates s3: writes acknowledged to clients are gone. Without the
// switch s1 ACKs only once the txns are durable, and the same schedule loses nothing.
test('learner-3.8.0: a power loss after the NEWLEADER ACK, before the synced txns are durable, loses acknowledged writes', async () => {
  const run = async (bugs: string[]) => {
    const config = { ...DEFAULT_CONFIG, bugs, faults: ['crash', 'partition', 'power-loss', 'slow-fsync'] as FaultKind[] };
    const spec: RunSpec = {
      ...specForSeed(2, config),
      schedule: [
        { at: 1000, duration: 3000, fault: { kind: 'crash', node: 's1', torn: false } },
        { at: 3000, duration: 4701, fault: { kind: 'partition', groups: [['s3'], ['s1', 's2', 'c1', 'c2', 'c3']] } },
        { at: 3500, duration: 6000, fault: { kind: 'slow-fsync', node: 's1', min: 800, max: 1000 } },
        { at: 7700, duration: 6001, fault: { kind: 'power-loss', torn: false, restartAfter: [300, 6000, 300] } },
      ],
    };
    return (await runSpec(spec)).verdicts.filter((v) => v.ok === false).map((v) => v.property);
  };
  const on = await run(['learner-3.8.0']);
  assert.ok(on.includes('linearizable') && on.includes('ensemble'), `with the switch: ${on.join(', ')}`);
  assert.equal(await run([]), []);
});

// learner-3.8.0, the order of 3.8.0's NEWLEADER handling (Learner.syncWithLeader; QuorumPeer.setCurrentEpoch writes
// the epoch file through AtomicFileWritingIdiom, which fsyncs it): the epoch is durable before the ACK of NEWLEADER
// leaves; the learner thread reads nothing from the leader during that fsync, so the packets that arrive meanwhile are
// handled after it, in order (here a PROPOSAL and its COMMIT: the proposal is logged, then the COMMIT before UPTODATE
// crashes the learner, ZOOKEEPER-4394); the synced txns go to the log only then, so a crash after the ACK and before
// that log flush keeps the new epoch without them (ZOOKEEPER-4643). The learner's fsyncs take 400 ms, the others' 1-5.
async function learner380(opts: { atNewLeader?: 'write' | 'crash-leader'; outstandingAtSync?: boolean }) {
  const tc = makeCluster({ servers: 3, seed: 47, recordTrace: true, bugs: ['learner-3.8.0'] });
  const leader = await elect(tc);
  const [lag, other] = tc.names.filter((n) => n !== leader) as [string, string];
  const c = tc.client('c1', { servers: [other] });
  await tc.run(c.create('/l', '0'));
  tc.world.crash(lag);
  for (let i = 1; i <= 3; i++) await tc.run(c.setData('/l', `${i}`));
  const syncedZxid = tc.server(leader)!.lastProcessedZxid;
  // a new epoch while the lagging server is down: the leader restarts and the two elect again
  tc.world.crash(leader);
  tc.world.restart(leader);
  assert.ok(await tc.until(() => tc.leader() !== null, 30000));
  await tc.run(c.getData('/l')); // c1 is connected again
  const oldEpoch = tc.world.disk(lag).durableValue('currentEpoch') as number;
  tc.world.disk(lag).setSyncLatency({ min: 400, max: 400 });
  const trace = tc.world.trace;
  const start = trace.length; // from the restart on
  let seen = start;
  if (opts.outstandingAtSync) {
    // a write whose proposal is still uncommitted when the leader syncs the learner (the two others' fsyncs take
    // 600 ms, the learner's rejoin about 450): the DIFF carries its PROPOSAL before NEWLEADER, and its COMMIT comes
    // during the learner's 400 ms epoch fsync
    for (const n of tc.names.filter((n) => n !== lag)) tc.world.disk(n).setSyncLatency({ min: 600, max: 600 });
    void c.setData('/l', 'outstanding').catch(() => undefined);
  }
  tc.world.restart(lag);
  const find = (pred: (e: (typeof trace)[number]) => boolean): number => {
    for (; seen < trace.length; seen++) if (pred(trace[seen]!)) return seen;
    return -1;
  };
  const msgOf = (e: (typeof trace)[number]) => e.msg as { type: string; zxid?: number; t?: { zxid: number } };
  // NEWLEADER reaches the learner
  let iNewLeader = -1;
  assert.ok(await tc.until(() => (iNewLeader = find((e) => e.kind === 'recv' && e.node === lag && e.type === 'newleader')) >= 0, 30000));
  const newLeaderAt = trace[iNewLeader]!.t as number;
  const epoch = Math.floor(msgOf(trace[iNewLeader]!).zxid! / 2 ** 32);
  assert.ok(epoch > oldEpoch, `NEWLEADER brings ${lag} a new epoch (${oldEpoch} -> ${epoch})`);
  const base = { tc, lag, epoch, syncedZxid, newLeaderAt, iNewLeader, trace, msgOf };
  if (opts.atNewLeader === 'write') void c.setData('/l', 'during').catch(() => undefined);
  if (opts.atNewLeader === 'crash-leader') {
    tc.world.crash(trace[iNewLeader]!.from as string);
    return { ...base, ackAt: -1, iEpochSynced: -1, iAck: -1 };
  }
  // the learner's ACK of NEWLEADER
  let iAck = -1;
  assert.ok(await tc.until(() => (iAck = find((e) => e.kind === 'send' && e.node === lag && e.type === 'ack' && msgOf(e).zxid === epoch * 2 ** 32)) >= 0, 5000));
  const ackAt = trace[iAck]!.t as number;
  // the completion of the first fsync the learner requested after writing the epoch (fsyncs complete in order)
  const iEpochWrite = trace.findIndex((e, i) => i > iNewLeader && e.kind === 'disk' && e.node === lag && e.file === 'currentEpoch');
  const requestsBefore = trace.slice(start, iEpochWrite).filter((e) => e.kind === 'fsync' && e.node === lag).length;
  let iEpochSynced = -1;
  for (let i = start, n = 0; i < trace.length; i++) {
    if (trace[i]!.kind === 'synced' && trace[i]!.node === lag && ++n === requestsBefore + 1) {
      iEpochSynced = i;
      break;
    }
  }
  return { ...base, ackAt, iEpochSynced, iAck };
}

test('learner-3.8.0: the epoch is durable before the NEWLEADER ACK; leader packets of the epoch fsync wait, in order', async () => {
  const r = await learner380({ atNewLeader: 'write' });
  const { tc, lag, epoch, trace, msgOf } = r;
  assert.ok(r.iNewLeader < r.iEpochSynced && r.iEpochSynced < r.iAck, 'NEWLEADER, then the epoch is durable, then the ACK');
  assert.ok(r.ackAt - r.newLeaderAt >= 400, `the ACK waited for the epoch fsync (${r.ackAt - r.newLeaderAt} ms)`);
  // the PROPOSAL and COMMIT of the write arrived during the epoch fsync ...
  const during = trace.slice(r.iNewLeader + 1, r.iEpochSynced).filter((e) => e.kind === 'recv' && e.node === lag);
  const p = during.find((e) => msgOf(e).type === 'proposal');
  const cm = during.find((e) => msgOf(e).type === 'commit');
  assert.ok(p && cm, `a PROPOSAL and its COMMIT reached ${lag} during its epoch fsync: ${during.map((e) => msgOf(e).type).join(', ')}`);
  const pz = msgOf(p!).t!.zxid;
  assert.is(msgOf(cm!).zxid, pz);
  // ... and none of them was handled meanwhile: the learner wrote nothing but the epoch, sent nothing
  const meanwhile = trace.slice(r.iNewLeader + 1, r.iEpochSynced).filter((e) => e.node === lag && (e.kind === 'disk' || e.kind === 'send'));
  assert.equal(meanwhile.map((e) => `${e.kind} ${e.kind === 'disk' ? e.file : e.type}`), ['disk currentEpoch'], 'during the epoch fsync');
  // after the ACK, in arrival order, as the epoch fsync completed: the synced txns and the proposal logged; its COMMIT
  // does not crash the learner (ZOOKEEPER-4394 needs an empty packetsNotCommitted, and this PROPOSAL came after
  // NEWLEADER), and the write is applied once the learner serves
  await tc.advance(50);
  const after = trace.slice(r.iAck + 1).filter((e) => e.node === lag && e.kind === 'disk');
  assert.ok(after.some((e) => e.kind === 'disk' && e.op === 'append' && e.t === r.ackAt), 'the held PROPOSAL was logged as the epoch fsync completed');
  assert.ok(tc.server(lag)!.storage.lastLoggedZxid >= pz, 'the held proposal is in the learner\'s log');
  assert.not.ok(trace.slice(r.iAck).some((e) => e.node === lag && e.kind === 'learner' && e.event === 'crash'), 'no ZOOKEEPER-4394 crash');
  assert.ok(await tc.until(() => tc.server(lag)!.state === 'FOLLOWING' && tc.server(lag)!.lastProcessedZxid >= pz, 5000), 'the learner applied the write');
});

test('learner-3.8.0: the COMMIT of a proposal synced before NEWLEADER, held through the epoch fsync, crashes the learner (ZOOKEEPER-4394)', async () => {
  const r = await learner380({ outstandingAtSync: true });
  const { tc, lag, trace, msgOf } = r;
  // the write's PROPOSAL reached the learner before NEWLEADER, its COMMIT during the epoch fsync
  const before = trace.slice(0, r.iNewLeader).filter((e) => e.kind === 'recv' && e.node === lag && msgOf(e).type === 'proposal');
  assert.ok(before.length > 0, 'a PROPOSAL came in the sync, before NEWLEADER');
  const pz = msgOf(before[before.length - 1]!).t!.zxid;
  const cm = trace.slice(r.iNewLeader + 1, r.iEpochSynced).find((e) => e.kind === 'recv' && e.node === lag && msgOf(e).type === 'commit');
  assert.ok(cm, 'its COMMIT reached the learner during the epoch fsync');
  assert.is(msgOf(cm!).zxid, pz);
  await tc.advance(50);
  const crash = trace.slice(r.iAck + 1).find((e) => e.node === lag && e.kind === 'learner' && e.event === 'crash');
  assert.ok(crash, 'the held COMMIT crashed the learner after the ACK (3.8.0 peeks the emptied packetsNotCommitted)');
  assert.is(crash!.zxid, `0x${pz.toString(16)}`);
  assert.is(crash!.t, r.ackAt);
});

test('learner-3.8.0: a crash after the NEWLEADER ACK, before the synced txns\' log flush, keeps the new epoch without them', async () => {
  const r = await learner380({});
  const { tc, lag, epoch } = r;
  await tc.advance(100); // the log flush of the synced txns takes 400 ms
  assert.ok(tc.server(lag)!.storage.lastLoggedZxid >= r.syncedZxid, 'the synced txns were handed to the log');
  tc.world.crash(lag);
  tc.world.restart(lag);
  assert.ok(await tc.until(() => tc.server(lag)?.storage !== undefined, 10)); // started: it read its disk
  const s = tc.server(lag)!;
  assert.is(s.storage.currentEpoch, epoch, 'the new currentEpoch survived');
  assert.ok(s.storage.lastLoggedZxid < r.syncedZxid, `the synced txns did not (last logged 0x${s.storage.lastLoggedZxid.toString(16)})`);
});

test('learner-3.8.0: a learner that leaves its role during the epoch fsync still logs the synced txns, after the epoch', async () => {
  // 3.8.0: the fsync runs to its end, logRequest queues the txns, the ACK's write fails, the follower's shutdown
  // flushes them; the learner must not go LOOKING with the new epoch and without them (that needs a crash)
  const r = await learner380({ atNewLeader: 'crash-leader' });
  const { tc, lag, epoch, trace, msgOf } = r;
  assert.ok(await tc.until(() => tc.server(lag)!.state !== 'FOLLOWING', 5000), 'the learner left its role');
  assert.ok(!trace.slice(r.iNewLeader).some((e) => e.kind === 'send' && e.node === lag && e.type === 'ack' && msgOf(e).zxid === epoch * 2 ** 32), 'no ACK of NEWLEADER');
  assert.ok(tc.server(lag)!.storage.lastLoggedZxid >= r.syncedZxid, 'the synced txns are in its log as it looks for a leader');
  await tc.advance(1000); // both 400 ms fsyncs, the epoch's first
  tc.world.crash(lag);
  tc.world.restart(lag);
  assert.ok(await tc.until(() => tc.server(lag)?.storage !== undefined, 10));
  assert.is(tc.server(lag)!.storage.currentEpoch, epoch);
  assert.ok(tc.server(lag)!.storage.lastLoggedZxid >= r.syncedZxid, 'and durable');
});

test.run();
