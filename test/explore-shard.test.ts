import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseRange, parseShard, shardSeeds, explore } from '../explore/engine.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';
import { mergeSummaries } from '../cli/commands/merge.js';

test('the shards of a range are disjoint and their union is the range', () => {
  fc.assert(
    fc.property(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 12 }), (from, len, n) => {
      const to = from + len;
      const all = shardSeeds(from, to);
      const parts = Array.from({ length: n }, (_, i) => shardSeeds(from, to, { index: i + 1, total: n }));
      const union = parts.flat().sort((a, b) => a - b);
      assert.equal(union, all);
      assert.is(new Set(union).size, union.length);
      // balanced: sizes differ by at most one
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }),
    { seed: 7, numRuns: 200 },
  );
});

test('range and shard parsing', () => {
  assert.equal(parseRange('1..500'), { from: 1, to: 500 });
  assert.is(parseRange('5..1'), null);
  assert.is(parseRange('1-5'), null);
  assert.equal(parseShard('2/4'), { index: 2, total: 4 });
  for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1']) assert.is(parseShard(bad), null, bad);
});

test('merging shard summaries gives the whole range, in any order', async () => {
  const base = { config: { ...DEFAULT_CONFIG, durationMs: 3000, recoveryMs: 8000 }, workload: 'mixed' as const };
  const whole = await explore({ base, seeds: shardSeeds(1, 6), workers: 1 });
  const shards = [];
  for (const i of [2, 1]) {
    const seeds = shardSeeds(1, 6, { index: i, total: 2 });
    const r = await explore({ base, seeds, workers: 1 });
    shards.push({
      dir: `shard${i}`,
      s: { format: 'zksim-explore-summary' as const, zksimVersion: '0', range: { from: 1, to: 6 }, shard: { index: i, total: 2 }, seeds: r.results.length, seedList: seeds, seedsPerSecond: 1, simulatedSecondsPerWallSecond: 1, wallMs: 1, failures: [], properties: {}, workloads: {}, config: { base } },
    });
    // the shard's results are exactly the whole run's results for its seeds
    assert.equal(r.results, whole.results.filter((x) => seeds.includes(x.seed as number)));
  }
  const m = mergeSummaries(shards);
  assert.is(m.distinctSeeds, 6);
  assert.equal(m.missing, []);
  assert.equal(m.duplicates, []);
});

test.run();
