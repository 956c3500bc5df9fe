import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster } from './server-harness.js';
import { CreateMode, EventType } from '../core/protocol.js';
import type { WatchedEvent } from '../core/client/index.js';

test('standalone: create/get/set/delete with zxids from 1', async () => {
  const tc = makeCluster({ servers: 1 });
  const c = tc.client('c1');
  const p = await tc.run(c.create('/a', 'x'));
  assert.is(p, '/a');
  const { data, stat } = await tc.run(c.getData('/a'));
  assert.is(new TextDecoder().decode(data!), 'x');
  // zxid 1 = createSession, 2 = create
  assert.is(stat.czxid, 2);
  const st = await tc.run(c.setData('/a', 'y', 0));
  assert.is(st.version, 1);
  assert.is(st.mzxid, 3);
  await tc.run(c.delete('/a', 1));
  assert.is(await tc.run(c.exists('/a')), null);
  assert.is(tc.server('s1')!.lastProcessedZxid, 4);
});

test('standalone: failed writes consume a zxid, error codes', async () => {
  const tc = makeCluster({ servers: 1 });
  const c = tc.client('c1');
  await tc.run(c.create('/a', null));
  let code = 0;
  try {
    await tc.run(c.create('/a', null));
  } catch (e) {
    code = (e as { code: number }).code;
  }
  assert.is(code, -110);
  assert.is(tc.server('s1')!.lastProcessedZxid, 3);
});

test('standalone: watch event arrives before the reply that reflects it', async () => {
  const tc = makeCluster({ servers: 1 });
  const c = tc.client('c1');
  const order: string[] = [];
  await tc.run(c.create('/w', 'a'));
  await tc.run(c.getData('/w', (e: WatchedEvent) => order.push(`event:${e.type}`)));
  await tc.run(c.setData('/w', 'b').then(() => order.push('reply')));
  assert.equal(order, [`event:${EventType.NodeDataChanged}`, 'reply']);
});

test('standalone: session expiry removes ephemerals and fires watches', async () => {
  const tc = makeCluster({ servers: 1 });
  const a = tc.client('c1', { timeout: 6000 });
  const b = tc.client('c2', { timeout: 6000 });
  await tc.run(a.create('/e', null, CreateMode.EPHEMERAL));
  const events: WatchedEvent[] = [];
  await tc.run(b.exists('/e', (e: WatchedEvent) => events.push(e)));
  // cut c1 off
  tc.world.net.partition([['c1'], ['s1', 'c2']]);
  const t0 = tc.world.now;
  await tc.until(() => events.length > 0, 20000);
  assert.is(events[0]!.type, EventType.NodeDeleted);
  const dt = tc.world.now - t0;
  assert.ok(dt > 6000 && dt <= 6000 + 2000 + 100, `expired after ${dt} ms`);
  assert.is(await tc.run(b.exists('/e')), null);
});

test('standalone: timeout negotiated into [2,20] x tick', async () => {
  const tc = makeCluster({ servers: 1 });
  const a = tc.client('c1', { timeout: 1000 });
  const b = tc.client('c2', { timeout: 100000 });
  await tc.run(a.exists('/'));
  await tc.run(b.exists('/'));
  assert.is(a.sessionTimeout, 4000);
  assert.is(b.sessionTimeout, 40000);
});

test.run();
