/**
 * Session tests through the client against the real servers: expiry (ephemerals removed, NodeDeleted to other
 * sessions, Expired then SESSIONEXPIRED), CONNECTIONLOSS with an unknown outcome in the history, failover to
 * another server keeping the session, close(), and a paused client.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';
import { CreateMode, Code, EventType, KeeperState, ZkError, ZooKeeperClient, type WatchedEvent } from '../core/client/index.js';
import { pairOperations } from '../check/history.js';

async function code(cl: Cluster, p: Promise<unknown>): Promise<number> {
  try {
    await cl.run(p);
    return 0;
  } catch (e) {
    assert.ok(e instanceof ZkError, String(e));
    return (e as ZkError).code;
  }
}

function sessionStates(cl: Cluster, process: string): string[] {
  return cl.history.events.filter((e) => e.kind === 'session' && e.process === process).map((e) => (e as { state: string }).state);
}

test('expiry: ephemerals removed, NodeDeleted to another session, then Expired and SESSIONEXPIRED', async () => {
  const cl = new Cluster({ seed: 11, servers: 1 });
  const states: number[] = [];
  const c1 = cl.client('c1', { timeoutMs: 6000, watcher: (e) => states.push(e.state) });
  const c2 = cl.client('c2', { timeoutMs: 6000 });
  assert.ok(await cl.ready());
  assert.is(c1.sessionTimeout, 6000);
  await cl.run(c1.create('/eph', 'x', CreateMode.EPHEMERAL));
  await cl.run(c1.create('/eph2', 'x', CreateMode.EPHEMERAL_SEQUENTIAL));
  const seen: string[] = [];
  await cl.run(c2.exists('/eph', (e: WatchedEvent) => seen.push(`${e.type} ${e.path}`)));
  const t0 = cl.world.now;
  cl.world.net.partition([['c1'], ['s1', 'c2']]);
  assert.ok(await cl.until(() => c1.state === 'CONNECTING', 10_000));
  const disc = cl.world.now - t0;
  assert.ok(disc >= 3900 && disc <= 4500, `Disconnected after ~2/3 of the timeout (${disc} ms)`);
  assert.ok(await cl.until(() => seen.length > 0, 10_000), 'the other session sees the ephemeral go');
  const gone = cl.world.now - t0;
  assert.ok(gone > 6000 && gone <= 8000 + 200, `expired in (timeout, timeout + tick] (${gone} ms)`);
  assert.equal(seen, [`${EventType.NodeDeleted} /eph`]);
  assert.equal((await cl.run(c2.getChildren('/'))).sort(), ['zookeeper']);
  cl.world.net.heal();
  assert.ok(await cl.until(() => c1.state === 'CLOSED', 10_000), 'the client learns the expiry on reconnect');
  await cl.runFor(10);
  assert.equal(states, [KeeperState.SyncConnected, KeeperState.Disconnected, KeeperState.Expired]);
  const t = cl.world.now;
  assert.is(await code(cl, c1.getData('/eph')), Code.SESSIONEXPIRED);
  assert.is(cl.world.now, t, 'SESSIONEXPIRED at once, nothing sent');
  assert.equal(sessionStates(cl, 'c1'), ['connected', 'disconnected', 'expired']);
});

test('CONNECTIONLOSS on a write whose reply was lost: unknown in the history; failover keeps the session; the write took effect', async () => {
  const cl = new Cluster({ seed: 5, servers: 3 });
  const c1 = cl.client('c1', { timeoutMs: 9000 });
  const c2 = cl.client('c2', { timeoutMs: 9000 });
  assert.ok(await cl.ready(60_000));
  await cl.run(c1.create('/mine', null, CreateMode.EPHEMERAL));
  const sid = c1.sessionId;
  const first = c1.server!;
  cl.world.net.cutOneWay(first, 'c1'); // requests still arrive, replies are lost
  const events: string[] = [];
  const wr = c1.create('/u', 'v').then(
    () => events.push('ok'),
    (e: ZkError) => events.push(e.name),
  );
  const rd = c1.getData('/mine').then(
    () => events.push('read ok'),
    (e: ZkError) => events.push(`read ${e.name}`),
  );
  await cl.run(Promise.all([wr, rd]), 20_000);
  assert.equal(events, ['CONNECTIONLOSS', 'read CONNECTIONLOSS']);
  assert.ok(await cl.until(() => c1.state === 'CONNECTED', 20_000));
  assert.is(c1.sessionId, sid, 'same session');
  assert.is.not(c1.server, first, 'moved to another server');
  assert.ok(await cl.run(c1.exists('/u')), 'the unknown write had taken effect');
  assert.ok(await cl.run(c2.exists('/mine')), 'ephemeral kept across failover');
  const ops = pairOperations(cl.history.events, { keepNotApplied: true }).filter((o) => o.process === 'c1');
  const w = ops.find((o) => o.op === 'create' && (o.args as { path: string }).path === '/u')!;
  assert.is(w.status, 'unknown');
  assert.equal(w.error, { code: Code.CONNECTIONLOSS, name: 'CONNECTIONLOSS' });
  const r = ops.find((o) => o.op === 'getData')!;
  assert.is(r.status, 'fail');
  const failEvent = cl.history.events.find((e) => e.kind === 'fail' && e.id === r.id);
  assert.ok(failEvent && failEvent.kind === 'fail' && failEvent.notApplied, 'a read that lost its connection is dropped by checkers');
  assert.equal(sessionStates(cl, 'c1'), ['connected', 'disconnected', 'connected']);
});

test('server crash: the client reconnects to another server with its session, watches and ephemerals', async () => {
  const cl = new Cluster({ seed: 21, servers: 3 });
  const c1 = cl.client('c1', { timeoutMs: 12_000 });
  const c2 = cl.client('c2', { timeoutMs: 12_000 });
  assert.ok(await cl.ready(60_000));
  await cl.run(c1.create('/e', 'x', CreateMode.EPHEMERAL));
  await cl.run(c2.create('/w', 'x'));
  const seen: string[] = [];
  await cl.run(c1.getData('/w', (e) => e.type !== EventType.None && seen.push(`${e.type} ${e.path}`)));
  const sid = c1.sessionId;
  const s = c1.server!;
  cl.world.crash(s);
  assert.ok(await cl.until(() => c1.state === 'CONNECTED' && c1.server !== s, 30_000), 'reconnected elsewhere');
  assert.is(c1.sessionId, sid);
  assert.ok(await cl.until(() => c2.state === 'CONNECTED' && cl.leader() !== null, 30_000));
  await cl.run(c2.setData('/w', 'y'), 30_000);
  assert.ok(await cl.until(() => seen.length > 0, 10_000), 'the data watch survived the failover');
  assert.equal(seen, [`${EventType.NodeDataChanged} /w`]);
  assert.ok(await cl.run(c2.exists('/e'), 30_000), 'ephemeral kept');
  assert.is(await cl.run(c1.create('/after')), '/after');
});

test('close(): ephemerals removed, Closed to the watcher, later calls SESSIONEXPIRED', async () => {
  const cl = new Cluster({ seed: 8, servers: 3 });
  const states: number[] = [];
  const c1 = cl.client('c1', { watcher: (e) => states.push(e.state) });
  const c2 = cl.client('c2');
  assert.ok(await cl.ready(60_000));
  await cl.run(c1.create('/ce', null, CreateMode.EPHEMERAL));
  const seen: number[] = [];
  await cl.run(c2.exists('/ce', (e) => seen.push(e.type)));
  await cl.run(c1.close());
  assert.is(c1.state, 'CLOSED');
  assert.ok(await cl.until(() => seen.length > 0, 5000));
  assert.equal(seen, [EventType.NodeDeleted]);
  await cl.runFor(10);
  assert.equal(states, [KeeperState.SyncConnected, KeeperState.Closed]);
  assert.is(await code(cl, c1.exists('/')), Code.SESSIONEXPIRED);
  assert.equal(sessionStates(cl, 'c1'), ['connected', 'closed']);
});

test('a client paused longer than its session timeout finds its session expired', async () => {
  const cl = new Cluster({ seed: 9, servers: 3 });
  const c1 = cl.client('c1', { timeoutMs: 6000 });
  const c2 = cl.client('c2', { timeoutMs: 6000 });
  assert.ok(await cl.ready(60_000));
  await cl.run(c1.create('/p', null, CreateMode.EPHEMERAL));
  cl.world.pause('c1');
  let gone = false;
  for (let i = 0; i < 20 && !gone; i++) {
    await cl.runFor(1000);
    gone = (await cl.run(c2.exists('/p'))) === null;
  }
  assert.ok(gone, 'ephemeral removed while c1 is paused');
  cl.world.resume('c1');
  assert.ok(await cl.until(() => c1.state === 'CLOSED', 30_000));
  assert.is(sessionStates(cl, 'c1').at(-1), 'expired');
});

test('deterministic: same seed, same history and trace hash', async () => {
  const run = async () => {
    const cl = new Cluster({ seed: 'det', servers: 3 });
    const c1 = cl.client('c1');
    await cl.ready(60_000);
    await cl.run(c1.create('/d', 'x'));
    cl.world.crash(c1.server!);
    await cl.until(() => c1.state === 'CONNECTED', 30_000);
    await cl.run(c1.setData('/d', 'y'), 30_000).catch(() => {});
    return JSON.stringify(cl.history.events) + cl.world.traceHash;
  };
  assert.is(await run(), await run());
});

test('unreachable servers: connect timeout (timeout / hosts) moves on until a reachable server answers', async () => {
  const cl = new Cluster({ seed: 31, servers: 3, recordTrace: true });
  assert.ok(await cl.until(() => cl.leader() !== null, 60_000));
  const c1 = cl.client('c1', { timeoutMs: 9000 });
  cl.world.net.partition([['c1', 's3'], ['s1', 's2']]); // s3 alone is not serving: c1 can reach nobody useful
  await cl.runFor(20_000);
  assert.is(c1.state, 'CONNECTING');
  const tr = cl.world.trace.filter((e) => e.node === 'c1' && String(e.kind).startsWith('client.'));
  const timeouts = tr.filter((e) => e.kind === 'client.disconnected' && (e as { reason?: string }).reason === 'connect timeout');
  assert.ok(timeouts.length >= 3);
  for (const t of timeouts) {
    const start = tr[tr.indexOf(t) - 1]!;
    assert.is(start.kind, 'client.connecting');
    assert.is(t.t - start.t, 3000, 'connectTimeout = 9000 / 3 hosts');
  }
  const servers = new Set(tr.filter((e) => e.kind === 'client.connecting').map((e) => (e as { server?: string }).server));
  assert.equal([...servers].sort(), ['s1', 's2', 's3'], 'round-robin over every host');
  cl.world.net.heal();
  assert.ok(await cl.until(() => c1.state === 'CONNECTED', 30_000));
  assert.ok(['s1', 's2', 's3'].includes(c1.server!));
  assert.is(await cl.run(c1.create('/reached')), '/reached');
});

test('host order: shuffled per process stream, different across seeds', async () => {
  const firsts = new Set<string>();
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const cl = new Cluster({ seed, servers: 3 });
    const c1 = cl.client('c1');
    assert.ok(await cl.ready(60_000));
    firsts.add(cl.history.events.find((e) => e.kind === 'session')!.server as string);
    void c1;
  }
  assert.ok(firsts.size >= 2, `first servers ${[...firsts]}`);
});

test('an idle client keeps its session alive with pings', async () => {
  const cl = new Cluster({ seed: 13, servers: 3 });
  const c1 = cl.client('c1', { timeoutMs: 6000 });
  const c2 = cl.client('c2', { timeoutMs: 6000 });
  assert.ok(await cl.ready(60_000));
  await cl.run(c1.create('/idle', null, CreateMode.EPHEMERAL));
  await cl.runFor(60_000);
  assert.is(c1.state, 'CONNECTED');
  assert.ok(await cl.run(c2.exists('/idle')));
  assert.equal(sessionStates(cl, 'c1'), ['connected']);
});

test('a role object used before start records at the start time; restarted with the same object it keeps its session', async () => {
  const cl = new Cluster({ seed: 12, servers: 1 });
  await cl.runFor(500);
  const zk = new ZooKeeperClient({ servers: ['s1'], recorder: cl.history, process: 'cx', onUserWake: () => cl.world.wakeUser() });
  const early = zk.create('/early');
  cl.world.addProcess('cx', () => zk);
  assert.is(await cl.run(early), '/early');
  const inv = cl.history.events.find((e) => e.kind === 'invoke' && e.process === 'cx')!;
  assert.is(inv.time, 500);
  const sid = zk.sessionId;
  const hung = zk.create('/during', null, CreateMode.EPHEMERAL).catch((e: ZkError) => e.code);
  cl.world.crash('cx');
  cl.world.restart('cx');
  assert.ok(await cl.until(() => sessionStates(cl, 'cx').length === 3, 20_000));
  assert.equal(sessionStates(cl, 'cx'), ['connected', 'disconnected', 'connected']);
  assert.is(zk.sessionId, sid);
  assert.is(await cl.run(hung), Code.CONNECTIONLOSS);
  assert.is(await cl.run(zk.create('/later')), '/later');
});

test.run();
