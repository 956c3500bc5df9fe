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

test.run();
