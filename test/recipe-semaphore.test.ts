/**
 * recipes/semaphore.ts, the shipped 2-lease semaphore (Curator's InterProcessSemaphoreV2, ranking leases by sequence
 * number): it holds its own property and zksim's under faults, and semaphore-max catches both a waiter that takes a
 * child event for a freed lease and the zoo bug seq-from-child-count (a new lease numbered below older ones jumps
 * the queue).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explore, runSeed, type RecipeFactory } from 'zksim';
import { verdict } from './recipe-helpers.js';
import semaphoreRecipe, { semaphore } from '../recipes/semaphore.js';


test('the semaphore holds under faults on seeds 1..20 (3 clients) and 1..10 (6 clients), with every property of zksim', async () => {
  for (const [clients, to] of [[3, 20], [6, 10]] as const) {
    const r = await explore({ seeds: { from: 1, to }, workload: semaphoreRecipe, clients });
    assert.ok(r.ok, JSON.stringify(r.failures[0]));
    assert.equal(r.summary.properties['semaphore-max'], { passed: to, failed: 0, notChecked: 0 });
  }
});

test('with 6 clients the semaphore is full: two holders at once, never three', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await runSeed(seed, { workload: semaphoreRecipe, clients: 6 });
    const v = verdict(r.verdicts, 'semaphore-max');
    assert.is(v.ok, true, v.explanation);
    assert.match(v.explanation, /at most 2 at once/);
  }
  const five = await runSeed(1, { workload: semaphoreRecipe, servers: 5, clients: 6 });
  assert.ok(five.ok, `${five.failure?.property}: ${five.failure?.explanation}`);
});

test('semaphore-max catches a waiter that takes a child event for a freed lease', async () => {
  const trusting: RecipeFactory = () => semaphore({ trustEvents: true });
  // measured (0.8.0): 39 of seeds 1..40 with 6 clients
  for (const seed of [1, 2]) {
    const v = verdict((await runSeed(seed, { workload: trusting, clients: 6 })).verdicts, 'semaphore-max');
    assert.is(v.ok, false);
    assert.match(v.explanation, /more than 2 holders at once: c\S+ (\(holding\) )?listed [3-6] holders/);
  }
});

test('semaphore-max catches seq-from-child-count (sequence numbers reused after deletes)', async () => {
  // measured (0.8.0): 20 of seeds 1..20 with 6 clients
  for (const seed of [1, 2]) {
    const r = await runSeed(seed, { workload: semaphoreRecipe, clients: 6, bug: 'seq-from-child-count' });
    assert.is(verdict(r.verdicts, 'semaphore-max').ok, false);
  }
});

test.run();
