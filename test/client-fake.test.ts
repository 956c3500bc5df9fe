/**
 * The client library against a fake server in a tiny world (test/client-fake.ts): connection management,
 * request/reply matching, watch fan-out, ordering, CONNECTIONLOSS, expiry, close and history recording.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZooKeeperClient, CreateMode, EventType, KeeperState, ZkError, Code, type WatchedEvent } from '../core/client/index.js';
import { HistoryRecorder, pairOperations } from '../check/history.js';
import { MiniWorld, FakeServer, FakeDb } from './client-fake.js';

function setup(nServers = 1, timeoutMs = 6000) {
  const w = new MiniWorld();
  const db = new FakeDb();
  const servers: FakeServer[] = [];
  const names: string[] = [];
  for (let i = 1; i <= nServers; i++) {
    servers.push(w.addProcess(`s${i}`, new FakeServer(db)));
    names.push(`s${i}`);
  }
  const rec = new HistoryRecorder();
  const events: Record<string, WatchedEvent[]> = {};
  const client = (name: string, opts: { servers?: string[]; noShuffle?: boolean } = {}) => {
    events[name] = [];
    return w.addProcess(
      name,
      new ZooKeeperClient({
        servers: opts.servers ?? names,
        sessionTimeoutMs: timeoutMs,
        recorder: rec,
        noShuffle: opts.noShuffle ?? false,
        watcher: (e) => events[name]!.push(e),
      }),
    );
  };
  return { w, db, servers, rec, events, client };
}

async function connected(w: MiniWorld, ...cs: ZooKeeperClient[]) {
  assert.ok(await w.until(() => cs.every((c) => c.state === 'CONNECTED'), 10_000), 'clients connect');
}

async function settleP<T>(w: MiniWorld, p: Promise<T>, maxMs = 30_000): Promise<{ ok: true; value: T } | { ok: false; error: any }> {
  let out: { ok: true; value: T } | { ok: false; error: any } | undefined;
  p.then(
    (value) => (out = { ok: true, value }),
    (error) => (out = { ok: false, error }),
  );
  await w.until(() => out !== undefined, maxMs);
  assert.ok(out, 'promise settled');
  return out!;
}

test('handshake: CONNECTED, SyncConnected to the default watcher, session recorded', async () => {
  const { w, rec, events, client } = setup();
  const c1 = client('c1');
  assert.is(c1.state, 'CONNECTING');
  await connected(w, c1);
  assert.ok(c1.sessionId > 0);
  assert.is(c1.sessionTimeout, 6000);
  assert.equal(events.c1!.map((e) => [e.type, e.state]), [[EventType.None, KeeperState.SyncConnected]]);
  const s = rec.events.filter((e) => e.kind === 'session');
  assert.equal(s, [{ kind: 'session', process: 'c1', time: s[0]!.time, state: 'connected', server: 's1', sessionId: c1.sessionId }]);
});

test('operations: results, ZkError codes and the recorded history with zxids', async () => {
  const { w, rec, client, servers } = setup();
  const c1 = client('c1');
  await connected(w, c1);
  assert.is((await settleP(w, c1.create('/a', 'x'))).ok, true);
  const r = await settleP(w, c1.create('/a', 'y'));
  assert.is(r.ok, false);
  if (!r.ok) {
    assert.ok(r.error instanceof ZkError);
    assert.is(r.error.code, Code.NODEEXISTS);
    assert.is(r.error.name, 'NODEEXISTS');
  }
  const g = await settleP(w, c1.getData('/a'));
  assert.ok(g.ok && new TextDecoder().decode(g.value.data!) === 'x');
  const st = await settleP(w, c1.setData('/a', 'z', 0));
  assert.ok(st.ok && st.value.version === 1);
  const bad = await settleP(w, c1.setData('/a', 'q', 0));
  assert.ok(!bad.ok && bad.error.code === Code.BADVERSION);
  const ex = await settleP(w, c1.exists('/nope'));
  assert.ok(ex.ok && ex.value === null);
  const ch = await settleP(w, c1.getChildren('/'));
  assert.ok(ch.ok);
  if (ch.ok) assert.equal(ch.value, ['a']);
  const sy = await settleP(w, c1.sync('/a'));
  assert.ok(sy.ok && sy.value === '/a');
  const m = await settleP(w, c1.transaction().create('/b').setData('/a', 'm').check('/a', -1).commit());
  assert.ok(m.ok);
  if (m.ok) assert.equal(m.value.map((x) => x.op), ['create', 'setData', 'check']);
  const mf = await settleP(w, c1.multi([{ op: 'create', path: '/c', data: null, mode: 0 }, { op: 'delete', path: '/zz', version: -1 }, { op: 'check', path: '/a', version: -1 }]));
  assert.ok(!mf.ok);
  if (!mf.ok) {
    assert.is(mf.error.code, Code.NONODE);
    assert.equal(mf.error.results.map((x: any) => x.err), [0, Code.NONODE, Code.RUNTIMEINCONSISTENCY]);
  }
  const empty = await settleP(w, c1.multi([]));
  assert.ok(empty.ok && empty.value.length === 0);
  const del = await settleP(w, c1.delete('/b', -1));
  assert.ok(del.ok);

  const ops = pairOperations(rec.events);
  assert.equal(ops.map((o) => [o.op, o.status]), [
    ['create', 'ok'], ['create', 'fail'], ['getData', 'ok'], ['setData', 'ok'], ['setData', 'fail'], ['exists', 'ok'],
    ['getChildren', 'ok'], ['sync', 'ok'], ['multi', 'ok'], ['multi', 'fail'], ['multi', 'ok'], ['delete', 'ok'],
  ]);
  assert.equal(ops[0]!.args, { path: '/a', data: 'x', mode: 'PERSISTENT' });
  assert.equal((ops[0]!.result as any).path, '/a');
  assert.equal(ops[2]!.result, { data: 'x', stat: (ops[2]!.result as any).stat });
  assert.equal(ops[1]!.error, { code: -110, name: 'NODEEXISTS' });
  assert.equal(ops[9]!.error, { code: -101, name: 'NONODE', results: [0, -101, -2] });
  // Every reply carried the server's zxid; the client tracks the last one.
  assert.ok(ops.slice(0, 10).every((o) => typeof o.zxid === 'number'));
  assert.is(c1.lastZxid, servers[0]!.zxid);
});

test('bad paths are refused client-side with BADARGUMENTS, nothing sent', async () => {
  const { w, rec, client, servers } = setup();
  const c1 = client('c1');
  await connected(w, c1);
  for (const p of ['a', '/a/', '/a//b', '/a/./b', '/a/..', '']) {
    const r = await settleP(w, c1.getData(p));
    assert.ok(!r.ok && r.error.code === Code.BADARGUMENTS, p);
  }
  const seq = await settleP(w, c1.create('/', null, CreateMode.PERSISTENT_SEQUENTIAL));
  assert.ok(seq.ok || seq.error.code !== Code.BADARGUMENTS, 'sequential "/" is a valid prefix');
  const ttl = await settleP(w, c1.create('/t', null, CreateMode.PERSISTENT_WITH_TTL));
  assert.ok(!ttl.ok && ttl.error.code === Code.BADARGUMENTS);
  assert.is(servers[0]!.log.length, 1);
  const fails = rec.events.filter((e) => e.kind === 'fail' && e.error.code === Code.BADARGUMENTS);
  assert.is(fails.length, 7);
  assert.ok(fails.every((e) => e.kind === 'fail' && e.notApplied === true));
});

test('watches: data, exist and child watches fire once, fan out per kind, NodeDeleted to all kinds once', async () => {
  const { w, rec, client } = setup();
  const c1 = client('c1');
  const c2 = client('c2');
  await connected(w, c1, c2);
  await settleP(w, c1.create('/x', 'v'));
  const seen: string[] = [];
  const wd = (e: WatchedEvent) => seen.push(`data:${e.type}:${e.path}`);
  const we = (e: WatchedEvent) => seen.push(`exist:${e.type}:${e.path}`);
  const wc = (e: WatchedEvent) => seen.push(`child:${e.type}:${e.path}`);
  await settleP(w, c1.getData('/x', wd));
  await settleP(w, c1.exists('/x', we));
  await settleP(w, c1.getChildren('/x', wc));
  await settleP(w, c1.exists('/y', we));
  await settleP(w, c1.getChildren('/', wc));
  assert.equal(c1.watchedPaths(), { data: ['/x'], exist: ['/y'], child: ['/', '/x'] });
  await settleP(w, c2.setData('/x', 'w'));
  await w.runFor(10);
  assert.equal(seen, [`data:${EventType.NodeDataChanged}:/x`, `exist:${EventType.NodeDataChanged}:/x`]);
  seen.length = 0;
  await settleP(w, c2.setData('/x', 'w2'));
  await w.runFor(10);
  assert.equal(seen, [], 'one-shot');
  await settleP(w, c1.getData('/x', wd));
  await settleP(w, c1.exists('/x', wd)); // the same watcher twice on the data table: one entry
  await settleP(w, c2.delete('/x'));
  await w.runFor(10);
  assert.equal(seen, [`data:${EventType.NodeDeleted}:/x`, `child:${EventType.NodeDeleted}:/x`, `child:${EventType.NodeChildrenChanged}:/`]);
  seen.length = 0;
  await settleP(w, c2.create('/y'));
  await w.runFor(10);
  assert.equal(seen, [`exist:${EventType.NodeCreated}:/y`]);
  assert.equal(c1.watchedPaths(), { data: [], exist: [], child: [] });
  const evs = rec.events.filter((e) => e.kind === 'event' && e.process === 'c1').map((e: any) => `${e.type} ${e.path}`);
  assert.equal(evs, ['NodeDataChanged /x', 'NodeDeleted /x', 'NodeChildrenChanged /', 'NodeCreated /y']);
});

test('a watch event reaches the watcher before the reply that follows it', async () => {
  const { w, client } = setup();
  const c1 = client('c1');
  await connected(w, c1);
  await settleP(w, c1.create('/o', '0'));
  const order: string[] = [];
  await settleP(w, c1.getData('/o', () => order.push('watcher')));
  const p = c1.setData('/o', '1').then(() => order.push('reply'));
  await settleP(w, p);
  assert.equal(order, ['watcher', 'reply']);
});

test('watch: true uses the default watcher', async () => {
  const { w, client, events } = setup();
  const c1 = client('c1');
  await connected(w, c1);
  await settleP(w, c1.exists('/d', true));
  await settleP(w, c1.create('/d'));
  assert.equal(events.c1!.map((e) => [e.type, e.path]), [[EventType.None, null], [EventType.NodeCreated, '/d']]);
});

test('server crash: in-flight write → CONNECTIONLOSS recorded unknown, read → fail; then Disconnected; failover keeps the session', async () => {
  const { w, rec, client, servers, events } = setup(2);
  const c1 = client('c1', { noShuffle: true });
  await connected(w, c1);
  const sid = c1.sessionId;
  assert.is(c1.server, 's1');
  servers[0]!.mute = true;
  const order: string[] = [];
  const pw = c1.create('/w', 'x').catch((e) => {
    order.push(`write:${e.name}`);
    throw e;
  });
  const pr = c1.getData('/').catch((e) => {
    order.push(`read:${e.name}`);
    throw e;
  });
  c1['cfg'].watcher = (e) => order.push(`watcher:${e.state}`);
  await w.runFor(5);
  w.crash('s1');
  const rw = await settleP(w, pw);
  const rr = await settleP(w, pr);
  assert.ok(!rw.ok && rw.error.code === Code.CONNECTIONLOSS);
  assert.ok(!rr.ok && rr.error.code === Code.CONNECTIONLOSS);
  await w.runFor(0);
  assert.equal(order.slice(0, 3), ['write:CONNECTIONLOSS', 'read:CONNECTIONLOSS', `watcher:${KeeperState.Disconnected}`]);
  const ops = pairOperations(rec.events, { keepNotApplied: true });
  assert.is(ops[0]!.status, 'unknown');
  assert.equal(ops[0]!.error, { code: -4, name: 'CONNECTIONLOSS' });
  assert.is(ops[1]!.status, 'fail');
  assert.ok(rec.events.some((e) => e.kind === 'fail' && e.notApplied));
  // Reconnects to s2 with the same session.
  await connected(w, c1);
  assert.is(c1.server, 's2');
  assert.is(c1.sessionId, sid);
  assert.equal(rec.events.filter((e) => e.kind === 'session').map((e: any) => [e.state, e.server]), [['connected', 's1'], ['disconnected', 's1'], ['connected', 's2']]);
  void events;
});

test('silent partition: read timeout (2/3 of the timeout) declares the connection dead, then the next server', async () => {
  const { w, client } = setup(2, 6000);
  const c1 = client('c1', { noShuffle: true });
  await connected(w, c1);
  const t0 = w.now;
  w.cut('c1', 's1');
  await w.until(() => c1.state === 'CONNECTING', 10_000);
  const dt = w.now - t0;
  assert.ok(dt >= 4000 - 5 && dt <= 4000 + 2000, `disconnected after ${dt} ms`);
  await connected(w, c1);
  assert.is(c1.server, 's2');
});

test('idle connection stays up through pings', async () => {
  const { w, client, events } = setup(1, 6000);
  const c1 = client('c1');
  await connected(w, c1);
  await w.runFor(60_000);
  assert.is(c1.state, 'CONNECTED');
  assert.is(events.c1!.length, 1);
});

test('requests made while disconnected are queued, sent after SetWatches on reconnect; catch-up events fire', async () => {
  const { w, client, servers } = setup(1);
  const c1 = client('c1');
  const c2 = client('c2');
  await connected(w, c1, c2);
  await settleP(w, c1.create('/cw', 'a'));
  const seen: string[] = [];
  await settleP(w, c1.getData('/cw', (e) => e.type !== EventType.None && seen.push(`${e.type}`)));
  w.reset('c1', 's1');
  await w.until(() => c1.state === 'CONNECTING');
  await settleP(w, c2.setData('/cw', 'b'));
  const q = c1.getData('/cw');
  const r = await settleP(w, q);
  assert.ok(r.ok && new TextDecoder().decode(r.value.data!) === 'b');
  assert.equal(seen, [`${EventType.NodeDataChanged}`]);
  const log = servers[0]!.log.filter((l) => l.conn !== servers[0]!.log[0]!.conn || true).map((l) => l.req.op);
  const i = log.lastIndexOf('setWatches');
  assert.ok(i >= 0 && log[i + 1] === 'getData');
  const last = servers[0]!.connects.at(-1)!;
  assert.is(last.sessionId, c1.sessionId);
  assert.ok(last.lastZxidSeen > 0);
});

test('expiry: Expired on reconnect, state CLOSED, queued and later calls fail with SESSIONEXPIRED', async () => {
  const { w, rec, client, servers, events } = setup(1);
  const c1 = client('c1');
  const c2 = client('c2');
  await connected(w, c1, c2);
  await settleP(w, c1.create('/eph', null, CreateMode.EPHEMERAL));
  const deleted: string[] = [];
  await settleP(w, c2.exists('/eph', (e) => deleted.push(`${e.type}:${e.path}`)));
  w.cut('c1', 's1');
  await w.until(() => c1.state === 'CONNECTING');
  const queued = c1.getData('/eph');
  servers[0]!.expire(c1.sessionId);
  await w.runFor(10);
  assert.equal(deleted, [`${EventType.NodeDeleted}:/eph`]);
  w.heal();
  // Queued during the back-off; the next attempt (after the heal) learns of the expiry: SESSIONEXPIRED.
  const qr = await settleP(w, queued);
  assert.ok(!qr.ok && qr.error.code === Code.SESSIONEXPIRED);
  assert.is(c1.state, 'CLOSED');
  assert.equal(events.c1!.map((e) => e.state), [KeeperState.SyncConnected, KeeperState.Disconnected, KeeperState.Expired]);
  const later = await settleP(w, c1.exists('/'));
  assert.ok(!later.ok && later.error.code === Code.SESSIONEXPIRED);
  assert.equal(rec.events.filter((e) => e.kind === 'session' && e.process === 'c1').map((e: any) => e.state), ['connected', 'disconnected', 'expired']);
  const ops = pairOperations(rec.events);
  assert.ok(!ops.some((o) => o.process === 'c1' && o.op === 'getData'), 'SESSIONEXPIRED ops are notApplied and dropped');
});

test('close(): closeSession sent, ephemerals gone, Closed to the watchers, later calls SESSIONEXPIRED', async () => {
  const { w, rec, client, servers, events } = setup(1);
  const c1 = client('c1');
  await connected(w, c1);
  await settleP(w, c1.create('/e2', null, CreateMode.EPHEMERAL));
  await settleP(w, c1.close());
  assert.is(c1.state, 'CLOSED');
  assert.ok(!servers[0]!.nodes.has('/e2'));
  await w.runFor(1);
  assert.equal(events.c1!.at(-1)!.state, KeeperState.Closed);
  const r = await settleP(w, c1.create('/z'));
  assert.ok(!r.ok && r.error.code === Code.SESSIONEXPIRED);
  assert.ok(rec.events.some((e) => e.kind === 'session' && e.state === 'closed'));
});

test('deterministic: the same run twice gives the same history', async () => {
  const run = async () => {
    const { w, rec, client } = setup(3);
    const cs = [client('c1'), client('c2'), client('c3')];
    await connected(w, ...cs);
    for (let i = 0; i < 5; i++) for (const c of cs) c.create(`/n${i}${c.process}`, `${i}`).catch(() => {});
    await w.runFor(100);
    w.crash('s2');
    await w.runFor(20_000);
    return JSON.stringify(rec.events) + cs.map((c) => c.server).join();
  };
  assert.is(await run(), await run());
});

test.run();
