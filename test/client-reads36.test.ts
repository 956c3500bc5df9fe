/**
 * The 3.6+ reads through the client against the simulated servers, as ZooKeeper 3.8.0 answers them: multiRead
 * (opcode 22, Java multi with Op.getData / Op.getChildren), getEphemerals (103) and getAllChildrenNumber (104)
 * (FinalRequestProcessor, DataTree.getEphemerals / getAllChildrenNumber, ZooKeeper.multiInternal; the wire answers
 * are also pinned by the conformance suites reads36 and reads36-ensemble).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';
import { Code, CreateMode, type WatchedEvent, type MultiOp, type ReadOp } from '../core/client/index.js';
import { DataTree } from '../core/datatree.js';
import { code, standalone } from './client-helpers.js';

const text = (d: Uint8Array | null): string | null => (d === null ? null : new TextDecoder().decode(d));

test('multiRead: independent ops, data and children next to an error result; resolves; no zxid consumed', async () => {
  const { cl, c1, c2 } = await standalone(5);
  await cl.run(c2.create('/m', 'top'));
  await cl.run(c2.create('/m/a', 'x'));
  await cl.run(c2.create('/m/b'));
  const zxid = cl.server('s1')!.lastProcessedZxid;
  const rs = await cl.run(
    c1.multiRead([
      { op: 'getData', path: '/m/a' },
      { op: 'getData', path: '/m/missing' },
      { op: 'getChildren', path: '/m' },
      { op: 'getChildren', path: '/m/missing' },
    ]),
  );
  assert.is(rs.length, 4);
  assert.is(rs[0]!.op, 'getData');
  assert.is(rs[0]!.op === 'getData' && text(rs[0]!.data), 'x');
  assert.is(rs[0]!.op === 'getData' && rs[0]!.stat.version, 0);
  assert.equal(rs[1], { op: 'error', err: Code.NONODE });
  assert.equal(rs[2], { op: 'getChildren', err: 0, children: ['a', 'b'] }); // names only, as Java's GetChildrenResult
  assert.equal(rs[3], { op: 'error', err: Code.NONODE });
  assert.is(cl.server('s1')!.lastProcessedZxid, zxid, 'a read: no txn');
  // the caller's bytes are its own
  if (rs[0]!.op === 'getData') rs[0]!.data![0] = 0x41;
  assert.is(text((await cl.run(c1.getData('/m/a'))).data), 'x');
  // the history: one multiRead op with its args and per-op results (data as text)
  const inv = cl.history.events.filter((e) => e.kind === 'invoke' && e.op === 'multiRead');
  assert.is(inv.length, 1);
  const ok = cl.history.events.find((e) => e.kind === 'ok' && e.id === (inv[0] as { id: number }).id) as { result: { results: unknown[] }; zxid?: number };
  assert.ok(ok, 'completed ok in the history');
  assert.is(ok.zxid, zxid);
  assert.equal((ok.result.results[0] as { data: string }).data, 'x');
  assert.equal(ok.result.results[1], { op: 'error', err: Code.NONODE });
  assert.equal(ok.result.results[2], { op: 'getChildren', children: ['a', 'b'] });
});

test('multiRead sets no watch: later changes send nothing to the session', async () => {
  const events: WatchedEvent[] = [];
  const cl = new Cluster({ seed: 6, servers: 1 });
  const c1 = cl.client('c1', { watcher: (e) => events.push(e) });
  const c2 = cl.client('c2');
  assert.ok(await cl.ready(30_000));
  await cl.run(c2.create('/w', 'v'));
  await cl.run(c1.multiRead([{ op: 'getData', path: '/w' }, { op: 'getChildren', path: '/w' }, { op: 'getData', path: '/w2' }]));
  const watches = cl.server('s1')!.db.watches.count();
  assert.equal({ data: watches.data, child: watches.child }, { data: 0, child: 0 });
  await cl.run(c2.setData('/w', 'v2'));
  await cl.run(c2.create('/w/k'));
  await cl.run(c2.create('/w2'));
  await cl.runFor(100);
  assert.equal(events.filter((e) => e.type !== -1), []);
  assert.equal(c1.watchedPaths(), { data: [], exist: [], child: [] });
});

test('multiRead client side: bad paths and non-read ops are refused before sending (BADARGUMENTS); [] without the server', async () => {
  const { cl, c1 } = await standalone(7);
  const sent = () => cl.history.events.filter((e) => e.kind === 'ok' || e.kind === 'fail').length;
  assert.is(await code(cl, c1.multiRead([{ op: 'getData', path: '/ok' }, { op: 'getChildren', path: 'bad' }])), Code.BADARGUMENTS);
  assert.is(await code(cl, c1.multiRead([{ op: 'getData', path: '/a/' }])), Code.BADARGUMENTS);
  assert.is(await code(cl, c1.multiRead([{ op: 'create', path: '/x' } as unknown as ReadOp])), Code.BADARGUMENTS);
  // Java multi with a read op in a transaction: IllegalArgumentException; zksim's multi sends reads to multiRead
  assert.is(await code(cl, c1.multi([{ op: 'check', path: '/x', version: -1 }, { op: 'getData', path: '/x' } as unknown as MultiOp])), Code.BADARGUMENTS);
  const before = sent();
  const xid = cl.server('s1')!.lastProcessedZxid;
  assert.equal(await cl.run(c1.multiRead([])), []);
  assert.is(sent(), before + 1);
  assert.is(cl.server('s1')!.lastProcessedZxid, xid);
  const last = cl.history.events[cl.history.events.length - 1] as { kind: string; zxid?: number };
  assert.is(last.kind, 'ok');
  assert.is(last.zxid, undefined, 'never sent: no reply zxid');
});

test('getEphemerals: the caller session only, string prefix, "/" by default; the prefix is validated client side', async () => {
  const { cl, c1, c2 } = await standalone(8);
  await cl.run(c1.create('/e'));
  await cl.run(c1.create('/e/sub'));
  await cl.run(c1.create('/e/one', null, CreateMode.EPHEMERAL));
  await cl.run(c1.create('/e/sub/two', null, CreateMode.EPHEMERAL));
  const seq = await cl.run(c1.create('/e/own-', null, CreateMode.EPHEMERAL_SEQUENTIAL));
  await cl.run(c2.create('/e/other', null, CreateMode.EPHEMERAL));
  assert.equal((await cl.run(c1.getEphemerals())).sort(), ['/e/one', seq, '/e/sub/two'].sort());
  assert.equal(await cl.run(c2.getEphemerals('/')), ['/e/other']);
  assert.equal((await cl.run(c1.getEphemerals('/e/o'))).sort(), ['/e/one', seq].sort(), 'string prefix: /e/o matches /e/one and /e/own-…, not c2\'s /e/other');
  assert.equal(await cl.run(c1.getEphemerals('/e/sub')), ['/e/sub/two']);
  assert.equal(await cl.run(c1.getEphemerals('/none')), []);
  assert.is(await code(cl, c1.getEphemerals('')), Code.BADARGUMENTS);
  assert.is(await code(cl, c1.getEphemerals('/e/')), Code.BADARGUMENTS);
  // after the session closes its ephemerals are gone; a new session has none
  await cl.run(c1.close());
  assert.equal(await cl.run(c2.getEphemerals()), ['/e/other']);
  const c3 = cl.client('c3');
  assert.ok(await cl.until(() => c3.state === 'CONNECTED', 30_000));
  assert.equal(await cl.run(c3.getEphemerals()), []);
  assert.is(await code(cl, c1.getEphemerals()), Code.SESSIONEXPIRED);
});

test('getAllChildrenNumber: all descendants, / with the /zookeeper subtree, NONODE, BADARGUMENTS', async () => {
  const { cl, c1, c2 } = await standalone(9);
  assert.is(await cl.run(c1.getAllChildrenNumber('/')), 3, '/zookeeper, /zookeeper/quota, /zookeeper/config');
  await cl.run(c1.create('/n'));
  await cl.run(c1.create('/n/a'));
  await cl.run(c1.create('/n/a/b'));
  await cl.run(c2.create('/n/e', null, CreateMode.EPHEMERAL));
  await cl.run(c1.create('/nx'));
  assert.is(await cl.run(c1.getAllChildrenNumber('/n')), 3);
  assert.is(await cl.run(c1.getAllChildrenNumber('/n/a/b')), 0);
  assert.is(await cl.run(c1.getAllChildrenNumber('/')), 8);
  assert.is(await code(cl, c1.getAllChildrenNumber('/n/missing')), Code.NONODE);
  assert.is(await code(cl, c1.getAllChildrenNumber('n')), Code.BADARGUMENTS);
  await cl.run(c2.close());
  await cl.run(c1.sync('/'));
  assert.is(await cl.run(c1.getAllChildrenNumber('/n')), 2);
  const ops = cl.history.events.filter((e) => e.kind === 'ok' && typeof (e as { result?: { count?: unknown } }).result?.count === 'number');
  assert.ok(ops.length >= 5, 'the history records {count}');
});

test('the server: "" counts one more than / (the root is keyed both "" and "/"); a trimmed "" or "/" prefix lists every ephemeral', () => {
  const t = new DataTree();
  assert.equal(t.getAllChildrenNumber('/'), { err: 0, count: 3 });
  assert.equal(t.getAllChildrenNumber(''), { err: 0, count: 4 });
  assert.equal(t.getAllChildrenNumber('/zookeeper/'), { err: Code.NONODE });
  assert.equal(t.multiRead([{ op: 'getChildren', path: '/zookeeper' }, { op: 'exists', path: '/' } as unknown as ReadOp]), { err: Code.MARSHALLINGERROR });
  assert.equal(t.getEphemerals(7, ' / '), []);
});

test('reads through a follower: multiRead, getAllChildrenNumber and getEphemerals answered from its state, after sync up to date', async () => {
  const cl = new Cluster({ seed: 11, servers: 3 });
  assert.ok(await cl.until(() => cl.leader() !== null && cl.serverNames.every((n) => cl.server(n)?.serving === true), 60_000));
  const leader = `s${cl.leader()}`;
  const follower = cl.serverNames.find((n) => n !== leader)!;
  const w = cl.client('w', { servers: [leader] });
  const r = cl.client('r', { servers: [follower] });
  assert.ok(await cl.ready(30_000));
  await cl.run(w.create('/f', 'v0'));
  await cl.run(w.create('/f/k'));
  await cl.run(r.sync('/f'));
  const rs = await cl.run(r.multiRead([{ op: 'getData', path: '/f' }, { op: 'getChildren', path: '/f' }]));
  assert.is(rs[0]!.op === 'getData' && text(rs[0]!.data), 'v0');
  assert.equal(rs[1], { op: 'getChildren', err: 0, children: ['k'] });
  assert.is(await cl.run(r.getAllChildrenNumber('/f')), 1);
  await cl.run(r.create('/f/mine', null, CreateMode.EPHEMERAL));
  await cl.run(w.create('/f/theirs', null, CreateMode.EPHEMERAL));
  assert.equal(await cl.run(r.getEphemerals('/f')), ['/f/mine']);
  assert.equal(await cl.run(w.getEphemerals('/f')), ['/f/theirs']);
  assert.is(r.server, follower);
});

test('multiRead: a reply over jute.maxbuffer is a connection loss (the Java client refuses it), recorded as a failed read', async () => {
  const { cl, c1, c2 } = await standalone(12);
  await cl.run(c2.create('/big', new Uint8Array(600_000)));
  assert.is((await cl.run(c1.multiRead([{ op: 'getData', path: '/big' }])))[0]!.op, 'getData');
  assert.is(await code(cl, c1.multiRead([{ op: 'getData', path: '/big' }, { op: 'getData', path: '/big' }])), Code.CONNECTIONLOSS);
  const fail = cl.history.events.filter((e) => e.kind === 'fail');
  assert.is((fail[fail.length - 1] as { error: { code: number } }).error.code, Code.CONNECTIONLOSS);
  assert.ok(!cl.history.events.some((e) => e.kind === 'info'), 'a read: no unknown outcome');
});

test.run();
