/**
 * After an event wakes user code, the world lets every continuation run before it takes the next event, however
 * long the chain of awaits between the client's reply and the user's next step (World.runAsync).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';

async function setup(): Promise<{ cl: Cluster; eventsSinceWake: () => number }> {
  const cl = new Cluster({ seed: 'settle', servers: 1, clients: 1 });
  assert.ok(await cl.ready());
  await cl.run(cl.clients[0]!.create('/a', 'x'));
  // a background driver event every ms: any continuation that waits for a later event shows as a lag
  const tick = (): void => void cl.world.schedule(1, 'tick', tick);
  tick();
  let wakeAt = 0;
  const wake = cl.world.wakeUser.bind(cl.world);
  cl.world.wakeUser = () => {
    wakeAt = cl.world.eventCount;
    wake();
  };
  return { cl, eventsSinceWake: () => cl.world.eventCount - wakeAt };
}

test('a continuation behind a deep chain of nested async functions runs before the next event', async () => {
  const { cl, eventsSinceWake } = await setup();
  const c = cl.clients[0]!;
  const nest = async (n: number): Promise<unknown> => (n === 0 ? c.getData('/a') : await nest(n - 1));
  for (const depth of [0, 1, 5, 20, 100]) {
    let lag = -1;
    await cl.run((async () => {
      await nest(depth);
      lag = eventsSinceWake();
    })());
    assert.is(lag, 0, `depth ${depth}: ${lag} events ran before the continuation`);
  }
});

test('a continuation behind a thousand plain awaits runs before the next event, and its next request goes out at once', async () => {
  const { cl, eventsSinceWake } = await setup();
  const c = cl.clients[0]!;
  let lag = -1;
  let sentAt = -1;
  const replyAt: number[] = [];
  await cl.run((async () => {
    await c.getData('/a');
    replyAt.push(cl.world.now);
    for (let i = 0; i < 1000; i++) await null;
    lag = eventsSinceWake();
    sentAt = cl.world.now;
    await c.exists('/a');
  })());
  assert.is(lag, 0);
  assert.is(sentAt, replyAt[0]);
});

test.run();
