/**
 * recipes/config-cache.ts, the shipped configuration cache (Curator's CuratorCache over a persistent recursive
 * watch): it holds its own properties and zksim's under faults; config-converges catches the same cache without its
 * rebuild after a reconnect (a persistent watch has no catch-up), and config-monotonic catches a zoo bug that loses
 * committed writes (election-ignores-zxid: a cache reads a key's newer version, then the older one again).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explore, runSeed, type RecipeFactory, type Verdict } from 'zksim';
import { verdict } from './recipe-helpers.js';
import configCacheRecipe, { configCache } from '../recipes/config-cache.js';

const noRebuild: RecipeFactory = () => configCache({ rebuildOnReconnect: false });

test('the config cache holds under faults on seeds 1..20, with every property of zksim', async () => {
  const r = await explore({ seeds: { from: 1, to: 20 }, workload: configCacheRecipe });
  assert.ok(r.ok, JSON.stringify(r.failures[0]));
  assert.equal(r.summary.properties['config-monotonic'], { passed: 20, failed: 0, notChecked: 0 });
  assert.ok(r.summary.properties['config-converges']!.passed >= 18, JSON.stringify(r.summary.properties['config-converges']));
});

test('the config cache holds with 5 servers and with 6 clients, comparing real caches', async () => {
  for (const [seed, options] of [[1, { servers: 5 }], [2, { servers: 5 }], [1, { clients: 6 }], [2, { clients: 6 }]] as const) {
    const r = await runSeed(seed, { workload: configCacheRecipe, ...options });
    assert.ok(r.ok, `seed ${seed} ${JSON.stringify(options)}: ${r.failure?.property}: ${r.failure?.explanation}`);
    const converges = verdict(r.verdicts, 'config-converges');
    assert.ok(Number(/^(\d+) cache/.exec(converges.explanation)?.[1]) >= 1, converges.explanation);
  }
});

test('config-converges catches a cache that trusts its persistent watch across reconnects (seeds 1..12)', async () => {
  const caught: number[] = [];
  for (let seed = 1; seed <= 12; seed++) {
    const v = verdict((await runSeed(seed, { workload: noRebuild })).verdicts, 'config-converges');
    if (v.ok === false) {
      caught.push(seed);
      assert.match(v.explanation, /differ from \/config at the end: .*(deleted but still cached|missing|is '.*', not)/);
    }
  }
  // measured (0.8.0): seeds 1, 8 and 10
  assert.ok(caught.length >= 2, JSON.stringify(caught));
  for (const seed of caught) assert.ok((await runSeed(seed, { workload: configCacheRecipe })).ok, `seed ${seed}`);
});

test('config-monotonic catches election-ignores-zxid (a leader without the newest writes truncates them away)', async () => {
  let seed = 0;
  let v: Verdict | undefined;
  // measured (0.8.0): seeds 17 and 39 of 1..40
  for (let s = 1; s <= 40 && !v; s++) {
    const r = await runSeed(s, { workload: configCacheRecipe, bug: 'election-ignores-zxid' });
    const m = verdict(r.verdicts, 'config-monotonic');
    if (m.ok === false) [seed, v] = [s, m];
  }
  assert.ok(v, 'no seed of 1..40 caught');
  assert.match(v!.explanation, /went back to an older version: c\d\S* read \/config\/\w+ at mzxid 0x[0-9a-f]+ after 0x[0-9a-f]+/);
  // the same configuration without the bug (`zksim bugs` lists the fault kinds it picks)
  const correct = await runSeed(seed, { workload: configCacheRecipe, faults: ['crash', 'isolate-follower', 'isolate-leader', 'partition'] });
  assert.ok(correct.ok, `${correct.failure?.property}: ${correct.failure?.explanation}`);
});

test.run();
