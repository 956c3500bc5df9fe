/**
 * recipes/service-discovery.ts, the shipped service registry (Curator's ServiceDiscovery with a ServiceCache): it holds
 * its own properties and zksim's under faults, and each property catches what it is about: discovery-view a cache
 * that does not set its watch again after it fired, discovery-no-ghosts the zoo bug keep-ephemerals-on-expiry (a dead
 * session's instance stays registered), discovery-self the zoo bug election-ignores-zxid (an instance's acknowledged
 * registration is truncated away by a leader that never had it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explore, runSeed, type RecipeFactory, type RunOptions, type Verdict } from 'zksim';
import { verdict } from './recipe-helpers.js';
import discoveryRecipe, { discovery } from '../recipes/service-discovery.js';


/** The first seed of `from..to` whose run fails `property`, with its verdict. */
async function firstCaught(property: string, from: number, to: number, options: RunOptions): Promise<{ seed: number; v: Verdict }> {
  for (let seed = from; seed <= to; seed++) {
    const v = verdict((await runSeed(seed, options)).verdicts, property);
    if (v.ok === false) return { seed, v };
  }
  assert.unreachable(`${property}: no seed of ${from}..${to} caught`);
  throw new Error('unreachable');
}

test('service discovery holds under faults on seeds 1..30, with every property of zksim', async () => {
  const r = await explore({ seeds: { from: 1, to: 30 }, workload: discoveryRecipe });
  assert.ok(r.ok, JSON.stringify(r.failures[0]));
  assert.equal(r.summary.properties['discovery-self'], { passed: 30, failed: 0, notChecked: 0 });
  assert.equal(r.summary.properties['discovery-no-ghosts'], { passed: 30, failed: 0, notChecked: 0 });
  assert.ok(r.summary.properties['discovery-view']!.passed >= 27, JSON.stringify(r.summary.properties['discovery-view']));
});

test('service discovery holds with 5 servers and with 6 clients, comparing real views', async () => {
  for (const [seed, options] of [[1, { servers: 5 }], [2, { servers: 5 }], [1, { clients: 6 }], [2, { clients: 6 }]] as const) {
    const r = await runSeed(seed, { workload: discoveryRecipe, ...options });
    assert.ok(r.ok, `seed ${seed} ${JSON.stringify(options)}: ${r.failure?.property}: ${r.failure?.explanation}`);
    const view = verdict(r.verdicts, 'discovery-view');
    assert.ok(Number(/^(\d+) view/.exec(view.explanation)?.[1]) >= 1, view.explanation);
  }
});

test('discovery-view catches a cache that lists again on its watch without setting a new one', async () => {
  const noRewatch: RecipeFactory = () => discovery({ rewatch: false });
  // measured (0.8.0): 12 of seeds 1..20, the first at seed 1
  const { seed, v } = await firstCaught('discovery-view', 1, 10, { workload: noRewatch });
  assert.match(v.explanation, /view\(s\) are stale at the end: c\S+ sees \[.*\] \(pzxid 0x[0-9a-f]+\), the registry is \[.*\]/);
  assert.is(verdict((await runSeed(seed, { workload: discoveryRecipe })).verdicts, 'discovery-view').ok, true);
});

test('discovery-no-ghosts catches keep-ephemerals-on-expiry', async () => {
  // measured (0.8.0): 22 of seeds 1..30, the first at seed 2
  const { v } = await firstCaught('discovery-no-ghosts', 1, 10, { workload: discoveryRecipe, bug: 'keep-ephemerals-on-expiry' });
  assert.match(v.explanation, /the registry is wrong at the end: c\S+ \(session 0x[0-9a-f]+, ended\)/);
});

test('discovery-self catches election-ignores-zxid', async () => {
  // measured (0.8.0): seed 3 of 1..30
  const { seed, v } = await firstCaught('discovery-self', 1, 30, { workload: discoveryRecipe, bug: 'election-ignores-zxid' });
  assert.match(v.explanation, /c\S+ \(session 0x[0-9a-f]+, open\) is missing from its own listing/);
  // the same configuration without the bug (`zksim bugs` lists the fault kinds it picks)
  const correct = await runSeed(seed, { workload: discoveryRecipe, faults: ['crash', 'isolate-follower', 'isolate-leader', 'partition'] });
  assert.ok(correct.ok, `${correct.failure?.property}: ${correct.failure?.explanation}`);
});

test.run();
