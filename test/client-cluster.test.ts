/** The cluster harness (sim/cluster.ts): servers and observers, clients option, leader(), run/until/sleep. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';

test('3 voters + 1 observer; clients option; a client on the observer reads and writes', async () => {
  const cl = new Cluster({ seed: 5, servers: 3, observers: 1, clients: 2 });
  assert.equal(cl.serverNames, ['s1', 's2', 's3', 's4']);
  assert.equal(cl.clientNames, ['c1', 'c2']);
  const o = cl.client('c3', { servers: ['s4'] });
  assert.ok(await cl.ready(60_000));
  assert.is(cl.serverState('s4'), 'OBSERVING');
  const lead = cl.leader()!;
  assert.ok(lead >= 1 && lead <= 3);
  assert.equal(cl.leaders(), [lead]);
  assert.is(cl.serverState(lead), 'LEADING');
  assert.is(await cl.run(o.create('/o', 'x')), '/o');
  assert.is(o.server, 's4');
  await cl.run(cl.clients[0]!.sync('/o'));
  assert.ok(await cl.run(cl.clients[0]!.exists('/o')));
});

test('standalone: leader() is the standalone server; leader crash → null', async () => {
  const cl = new Cluster({ seed: 1, servers: 1 });
  assert.ok(await cl.until(() => cl.leader() !== null, 10_000));
  assert.is(cl.leader(), 1);
  assert.is(cl.serverState(1), 'STANDALONE');
  cl.world.crash('s1');
  assert.is(cl.leader(), null);
  assert.is(cl.serverState('s1'), 'DOWN');
});

test('run() rejects when the operation does not settle in time; sleep() advances virtual time', async () => {
  const cl = new Cluster({ seed: 2, servers: 1 });
  const c1 = cl.client('c1');
  assert.ok(await cl.ready());
  cl.world.crash('s1');
  const t0 = cl.world.now;
  await cl.run(cl.sleep(1234));
  assert.is(cl.world.now - t0, 1234);
  // With the only server down the create stays queued (back-off >= 1 s for a single host): run() gives up.
  let err: unknown;
  const p = c1.create('/x');
  try {
    await cl.run(p, 100);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error && /did not complete/.test(err.message), String(err));
  // ...and fails with CONNECTIONLOSS when the next connection attempt is refused.
  let code = 0;
  await cl.run(p.catch((e) => (code = e.code)));
  assert.is(code, -4);
});

test.run();
