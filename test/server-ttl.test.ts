/**
 * TTL nodes (zookeeper.extendedTypesEnabled, ServerConfig.extendedTypesEnabled / Cluster option): creates refused
 * with UNIMPLEMENTED unless enabled; with it, a TTL node shows ephemeralOwner 0 (3.8.0's getClientEphemeralOwner),
 * gets sequential names, and the leader's container manager deletes it once empty and now − mtime > ttl, checked
 * every containerCheckIntervalMs (znode.container.checkIntervalMs).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';
import { CreateMode, Code, errorCode } from '../core/client/index.js';

async function code(p: Promise<unknown>, cl: Cluster): Promise<number> {
  try {
    await cl.run(p);
    return 0;
  } catch (e) {
    return errorCode(e);
  }
}

test('without extendedTypesEnabled a TTL create is UNIMPLEMENTED (default: nothing changes)', async () => {
  const cl = new Cluster({ seed: 1, servers: 1, clients: 1 });
  assert.ok(await cl.ready());
  const c = cl.clients[0]!;
  assert.is(await code(c.create('/t', 'x', CreateMode.PERSISTENT_WITH_TTL, 1000), cl), Code.UNIMPLEMENTED);
  assert.is(await code(c.create('/t', 'x', CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, 1000), cl), Code.UNIMPLEMENTED);
});

for (const servers of [1, 3]) {
  test(`${servers} server(s), extended types: TTL node Stat, sequential name, deleted after ttl since the last write`, async () => {
    const cl = new Cluster({ seed: 3, servers, clients: 1, extendedTypesEnabled: true, containerCheckIntervalMs: 1000 });
    assert.ok(await cl.ready(60_000));
    const c = cl.clients[0]!;
    const r = await cl.run(c.create2('/t', 'x', CreateMode.PERSISTENT_WITH_TTL, 3000));
    assert.is(r.path, '/t');
    assert.is(r.stat.ephemeralOwner, 0);
    assert.is(r.stat.ctime, r.stat.mtime);
    assert.is(await cl.run(c.create('/p', null)), '/p');
    assert.is(await cl.run(c.create('/p/s-', null, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, 3000)), '/p/s-0000000000');
    // bad TTLs: refused by the client library itself (as the Java client's EphemeralType.validateTTL)
    assert.is(await code(c.create('/u', null, CreateMode.PERSISTENT_WITH_TTL, 0), cl), Code.BADARGUMENTS);
    assert.is(await code(c.create('/u', null, CreateMode.PERSISTENT_WITH_TTL, 2 ** 40), cl), Code.BADARGUMENTS);
    // a write 2 s after the create keeps /t for another ttl from then; /p/s-0000000000 goes ttl after its create
    await cl.run(cl.sleep(2000));
    await cl.run(c.setData('/t', 'y'));
    const written = cl.world.now;
    await cl.run(cl.sleep(2500)); // 4.5 s after the create, 2.5 s after the write
    assert.ok(await cl.run(c.exists('/t')), 'deleted before ttl elapsed since mtime');
    assert.is(await cl.run(c.exists('/p/s-0000000000')), null);
    // gone within ttl + one check interval (+ the commit) of the write
    await cl.run(cl.sleep(written + 3000 + 1000 + 200 - cl.world.now));
    assert.is(await cl.run(c.exists('/t')), null);
  });
}

test('a TTL node with a child is not deleted; once empty it is', async () => {
  const cl = new Cluster({ seed: 4, servers: 3, clients: 1, extendedTypesEnabled: true, containerCheckIntervalMs: 500 });
  assert.ok(await cl.ready(60_000));
  const c = cl.clients[0]!;
  await cl.run(c.create('/t', null, CreateMode.PERSISTENT_WITH_TTL, 1000));
  await cl.run(c.create('/t/k', null));
  await cl.run(cl.sleep(3000));
  assert.ok(await cl.run(c.exists('/t')));
  await cl.run(c.delete('/t/k'));
  await cl.run(cl.sleep(2000));
  assert.is(await cl.run(c.exists('/t')), null);
});

test('a multi creates a TTL node (its result carries the Stat, as createTTL results do)', async () => {
  const cl = new Cluster({ seed: 5, servers: 1, clients: 1, extendedTypesEnabled: true });
  assert.ok(await cl.ready());
  const c = cl.clients[0]!;
  const rs = await cl.run(c.multi([{ op: 'create', path: '/m', data: null, mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 5000 }]));
  assert.is(rs.length, 1);
  const r0 = rs[0] as { op: string; path?: string; stat?: unknown };
  assert.is(r0.op, 'create');
  assert.is(r0.path, '/m');
  assert.ok(r0.stat);
});

test('the container manager deletes one node every 6 ms (3.8.0: 60 000 / maxPerMinute 10 000); a write after its check does not save a chosen node', async () => {
  const cl = new Cluster({ seed: 5, servers: 3, clients: 1, extendedTypesEnabled: true, containerCheckIntervalMs: 1000, recordTrace: true, traceDetail: 'protocol' });
  assert.ok(await cl.ready(60_000));
  const c = cl.clients[0]!;
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  for (const n of names) await cl.run(c.create(`/${n}`, 'x', CreateMode.PERSISTENT_WITH_TTL, 100));
  const deletes = () => cl.world.trace.filter((e) => e.kind === 'propose' && e.session === 0 && e.type === 'delete');
  // the first check after the ttl has passed chooses all ten; its first delete goes at once
  assert.ok(await cl.until(() => deletes().length >= 1, 5000));
  const first = deletes()[0]!;
  assert.is(first.path, '/a');
  assert.is(first.checked, first.t);
  // /j was chosen at the check: refreshing it now (before its turn, 54 ms later) does not save it, as in ZooKeeper,
  // whose deleteContainer is prepared when its turn comes and looks only at children and type, not at the time
  const refreshed = await cl.run(c.setData('/j', 'y'));
  assert.ok(cl.world.now < first.t + 54, 'the write completed before the turn of /j');
  assert.is(refreshed.version, 1);
  await cl.run(cl.sleep(100));
  const all = deletes();
  assert.equal(all.map((e) => e.path), names.map((n) => `/${n}`));
  assert.equal(all.map((e) => e.t - first.t), names.map((_, i) => 6 * i));
  assert.ok(all.every((e) => e.checked === first.t));
  for (const n of names) assert.is(await cl.run(c.exists(`/${n}`)), null, `/${n} deleted`);
});

test('checks that fall due while the container manager is still deleting run after it, one by one (fixed-rate Timer)', async () => {
  const cl = new Cluster({ seed: 6, servers: 3, clients: 1, extendedTypesEnabled: true, containerCheckIntervalMs: 20, recordTrace: true, traceDetail: 'protocol' });
  assert.ok(await cl.ready(60_000));
  const c = cl.clients[0]!;
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  // created in one multi, so that one check finds all ten (checks come every 20 ms)
  await cl.run(c.multi(names.map((n) => ({ op: 'create' as const, path: `/${n}`, data: Buffer.from('x'), mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 100 }))));
  const proposals = () => cl.world.trace.filter((e) => e.kind === 'propose' && e.session === 0);
  await cl.run(cl.sleep(400));
  const all = proposals();
  const first = all[0]!;
  const series = all.filter((e) => e.checked === first.checked);
  assert.equal(series.slice(0, 10).map((e) => e.t - first.t), names.map((_, i) => 6 * i));
  // every later check ran only once the series was done (10 deletes, 6 ms each), and the checks that fell due
  // meanwhile ran then: one chose a node whose delete was not applied yet, and its delete became an error txn (as a
  // deleteContainer of a node already deleted does in ZooKeeper's PrepRequestProcessor)
  const later = all.filter((e) => e.checked !== first.checked);
  assert.ok(later.length > 0);
  assert.ok(later.every((e) => e.t >= first.t + 60 && (e.checked === undefined || (e.checked as number) >= first.t + 60)), JSON.stringify(later));
  assert.ok(later.some((e) => e.type === 'error' && e.t - first.t < 60 + 20), 'a catch-up check ran at once, not at the next period');
  for (const n of names) assert.is(await cl.run(c.exists(`/${n}`)), null, `/${n} deleted`);
});

test.run();
