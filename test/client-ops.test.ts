/**
 * Transcript-like tests of every client operation against the real standalone server (sim/cluster.ts, servers: 1):
 * results, Stat changes, every error ZooKeeper gives, and what the history records (args, results, zxids).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';
import { CreateMode, Code, ZkError } from '../core/client/index.js';
import { pairOperations } from '../check/history.js';
import { code, standalone } from './client-helpers.js';

const text = (d: Uint8Array | null) => (d === null ? null : new TextDecoder().decode(d));

test('create in every mode; sequential names; ephemeral owner; container; TTL refused', async () => {
  const { cl, c1 } = await standalone();
  assert.is(await cl.run(c1.create('/p', 'a')), '/p');
  const { stat } = await cl.run(c1.getData('/p'));
  assert.is(stat.version, 0);
  assert.is(stat.ephemeralOwner, 0);
  assert.is(stat.dataLength, 1);
  assert.is(stat.czxid, stat.mzxid);
  assert.is(await cl.run(c1.create('/p/s-', null, CreateMode.PERSISTENT_SEQUENTIAL)), '/p/s-0000000000');
  assert.is(await cl.run(c1.create('/p/s-', null, CreateMode.EPHEMERAL_SEQUENTIAL)), '/p/s-0000000001');
  assert.is(await cl.run(c1.create('/e', 'x', CreateMode.EPHEMERAL)), '/e');
  const e = await cl.run(c1.exists('/e'));
  assert.is(e!.ephemeralOwner, c1.sessionId);
  assert.is(await cl.run(c1.create('/c', null, CreateMode.CONTAINER)), '/c');
  assert.is((await cl.run(c1.exists('/c')))!.ephemeralOwner, 0, 'containers report owner 0');
  assert.is(await code(cl, c1.create('/t', null, CreateMode.PERSISTENT_WITH_TTL, 1000)), Code.UNIMPLEMENTED);
  const r = await cl.run(c1.create2('/q', 'v'));
  assert.is(r.path, '/q');
  assert.is(r.stat.dataLength, 1);
});

test('create errors: NODEEXISTS, NONODE, NOCHILDRENFOREPHEMERALS, BADARGUMENTS (client-side)', async () => {
  const { cl, c1 } = await standalone();
  await cl.run(c1.create('/a'));
  await cl.run(c1.create('/eph', null, CreateMode.EPHEMERAL));
  assert.is(await code(cl, c1.create('/a')), Code.NODEEXISTS);
  assert.is(await code(cl, c1.create('/zookeeper')), Code.NODEEXISTS);
  assert.is(await code(cl, c1.create('/missing/x')), Code.NONODE);
  assert.is(await code(cl, c1.create('/eph/x')), Code.NOCHILDRENFOREPHEMERALS);
  assert.is(await code(cl, c1.create('a')), Code.BADARGUMENTS);
  assert.is(await code(cl, c1.create('/a/')), Code.BADARGUMENTS);
});

test('delete: versions, NOTEMPTY, BADVERSION before NOTEMPTY, NONODE, special paths', async () => {
  const { cl, c1 } = await standalone();
  await cl.run(c1.create('/d', 'x'));
  await cl.run(c1.create('/d/c'));
  assert.is(await code(cl, c1.delete('/d', -1)), Code.NOTEMPTY);
  assert.is(await code(cl, c1.delete('/d', 5)), Code.BADVERSION);
  await cl.run(c1.delete('/d/c', 0));
  await cl.run(c1.setData('/d', 'y'));
  assert.is(await code(cl, c1.delete('/d', 0)), Code.BADVERSION);
  await cl.run(c1.delete('/d', 1));
  assert.is(await cl.run(c1.exists('/d')), null);
  assert.is(await code(cl, c1.delete('/d')), Code.NONODE);
  assert.is(await code(cl, c1.delete('/zookeeper')), Code.BADARGUMENTS);
  assert.is(await code(cl, c1.delete('/')), Code.BADARGUMENTS);
});

test('setData / getData / exists: versions and Stat', async () => {
  const { cl, c1, c2 } = await standalone();
  await cl.run(c1.create('/s', 'one'));
  const s1 = await cl.run(c1.setData('/s', 'two', 0));
  assert.is(s1.version, 1);
  assert.ok(s1.mzxid > s1.czxid);
  assert.is(s1.dataLength, 3);
  const s2 = await cl.run(c2.setData('/s', 'two', -1));
  assert.is(s2.version, 2, 'identical bytes still bump the version');
  assert.is(await code(cl, c1.setData('/s', 'x', 1)), Code.BADVERSION);
  assert.is(await code(cl, c1.setData('/s', 'x', -2)), Code.BADVERSION);
  assert.is(await code(cl, c1.setData('/nope', 'x')), Code.NONODE);
  const g = await cl.run(c2.getData('/s'));
  assert.is(text(g.data), 'two');
  assert.equal(g.stat, (await cl.run(c1.exists('/s')))!);
  assert.is(await code(cl, c1.getData('/nope')), Code.NONODE);
  assert.is(await cl.run(c1.exists('/nope')), null);
  // null and empty data differ.
  await cl.run(c1.create('/n', null));
  await cl.run(c1.create('/m', ''));
  assert.is((await cl.run(c1.getData('/n'))).data, null);
  assert.is(text((await cl.run(c1.getData('/m'))).data), '');
});

test('getChildren (any order), getChildren2 Stat, sync', async () => {
  const { cl, c1 } = await standalone();
  await cl.run(c1.create('/g'));
  for (const n of ['b', 'a', 'c']) await cl.run(c1.create(`/g/${n}`));
  assert.equal((await cl.run(c1.getChildren('/g'))).sort(), ['a', 'b', 'c']);
  const r = await cl.run(c1.getChildren2('/g'));
  assert.is(r.stat.numChildren, 3);
  assert.is(r.stat.cversion, 3);
  assert.equal((await cl.run(c1.getChildren('/'))).sort(), ['g', 'zookeeper']);
  assert.is(await code(cl, c1.getChildren('/nope')), Code.NONODE);
  assert.is(await cl.run(c1.sync('/g')), '/g');
});

test('multi: all-or-nothing, per-op results, one zxid; transaction builder; empty multi is local', async () => {
  const { cl, c1 } = await standalone();
  await cl.run(c1.create('/m', 'x'));
  const before = (await cl.run(c1.exists('/m')))!;
  const res = await cl.run(c1.transaction().create('/m/a', 'a').create('/m/a/b').setData('/m', 'y', 0).check('/m', 1).commit());
  assert.equal(res.map((r) => r.op), ['create', 'create', 'setData', 'check']);
  assert.is((res[0] as { path: string }).path, '/m/a');
  const after = (await cl.run(c1.exists('/m')))!;
  assert.is(after.version, 1);
  assert.is(after.mzxid, after.pzxid, 'one zxid for the whole multi');
  assert.ok(after.mzxid > before.mzxid);
  let err: ZkError | null = null;
  try {
    await cl.run(c1.multi([
      { op: 'create', path: '/m3', data: null, mode: 0 },
      { op: 'check', path: '/m', version: 7 },
      { op: 'delete', path: '/m/a/b', version: -1 },
      { op: 'setData', path: '/m', data: null, version: -1 },
    ]));
  } catch (e) {
    err = e as ZkError;
  }
  assert.ok(err);
  assert.is(err!.code, Code.BADVERSION);
  assert.equal((err!.results as Array<{ err: number }>).map((r) => r.err), [0, Code.BADVERSION, Code.RUNTIMEINCONSISTENCY, Code.RUNTIMEINCONSISTENCY]);
  assert.is(await cl.run(c1.exists('/m3')), null, 'nothing applied');
  const zxBefore = c1.lastZxid;
  assert.equal(await cl.run(c1.multi([])), []);
  assert.is(c1.lastZxid, zxBefore);
});

test('history: invoke/ok/fail with args, results and reply zxids', async () => {
  const { cl, c1 } = await standalone();
  await cl.run(c1.create('/h', 'v', CreateMode.EPHEMERAL));
  await code(cl, c1.create('/h', 'w'));
  await cl.run(c1.getData('/h', true));
  await cl.run(c1.setData('/h', 'w', 0));
  const ops = pairOperations(cl.history.events).filter((o) => o.process === 'c1');
  assert.equal(ops.map((o) => `${o.op}:${o.status}`), ['create:ok', 'create:fail', 'getData:ok', 'setData:ok']);
  assert.equal(ops[0]!.args, { path: '/h', data: 'v', mode: 'EPHEMERAL' });
  assert.is((ops[0]!.result as { path: string }).path, '/h');
  const createZxid = ops[0]!.zxid!;
  assert.ok(createZxid > 0);
  assert.is((ops[0]!.result as { stat: { czxid: number } }).stat.czxid, createZxid, 'a write records its own txn zxid');
  assert.ok(ops[1]!.zxid! > createZxid, 'a failed write consumed a zxid');
  assert.equal(ops[1]!.error, { code: -110, name: 'NODEEXISTS' });
  assert.equal(ops[2]!.args, { path: '/h', watch: true });
  assert.is((ops[2]!.result as { data: string }).data, 'v');
  assert.ok(ops.every((o) => o.call <= o.ret));
  const sessions = cl.history.events.filter((e) => e.kind === 'session' && e.process === 'c1');
  assert.equal(sessions.map((e) => (e as { state: string }).state), ['connected']);
});

test('jute.maxbuffer on replies: 1 048 487 data bytes readable, one more → CONNECTIONLOSS and a reconnect', async () => {
  const { cl, c1 } = await standalone();
  await cl.run(c1.create('/big', new Uint8Array(1_048_487)));
  assert.is((await cl.run(c1.getData('/big'))).data!.length, 1_048_487);
  await cl.run(c1.setData('/big', new Uint8Array(1_048_488)));
  assert.is(await code(cl, c1.getData('/big')), Code.CONNECTIONLOSS);
  assert.ok(await cl.until(() => c1.state === 'CONNECTED', 10_000));
  assert.is((await cl.run(c1.exists('/big')))!.dataLength, 1_048_488);
});

test('data returned by getData is the caller\'s own copy: changing it changes nothing on the servers', async () => {
  const cl = new Cluster({ seed: 3, servers: 3, clients: 2 });
  assert.ok(await cl.ready());
  const [c1, c2] = cl.clients;
  await cl.run(c1!.create('/d', 'same'));
  await cl.run(c1!.create('/e', 'same')); // equal data on another node
  const got = (await cl.run(c1!.getData('/d'))).data!;
  got[0] = 0x58; // 'X'
  for (const c of [c1!, c2!]) {
    for (const p of ['/d', '/e']) {
      await cl.run(c.sync(p));
      assert.is(new TextDecoder().decode((await cl.run(c.getData(p))).data!), 'same');
    }
  }
});


test('bytes passed to create and setData are copied at the call: changing them later changes nothing stored (also for a Buffer)', async () => {
  const { cl, c1 } = await standalone();
  const bytes = new Uint8Array([104, 105]);
  const p = c1.create('/copied', bytes);
  bytes[0] = 120;
  await cl.run(p);
  assert.is(text((await cl.run(c1.getData('/copied'))).data), 'hi');
  const buf = Buffer.from('ab');
  const s = c1.setData('/copied', buf);
  buf[0] = 120;
  await cl.run(s);
  assert.is(text((await cl.run(c1.getData('/copied'))).data), 'ab');
});

test.run();
