/**
 * Exploration figures:
 * - seedsPerSecond: the default exploration (mixed workloads, every fault kind, 3 servers) over the first
 *   ZKSIM_BENCH_EXPLORE_RATE_SEEDS seeds (default 200) on the default number of workers (the cores);
 * - simulatedSecondsPerWallSecond: virtual time simulated per wall second in that run;
 * - peakRssBytes: the process's peak resident set (workers included) over an exploration of
 *   ZKSIM_BENCH_EXPLORE_SEEDS seeds (default 10000: about half an hour on 2 loaded cores; set it smaller for a quick
 *   look) with 2 workers, together with the RSS after the first tenth of it (a leak shows as growth).
 */
import { availableParallelism } from 'node:os';
import { explore, shardSeeds } from '../explore/engine.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${v}'`);
  return n;
}

export async function run(): Promise<Record<string, unknown>> {
  const base = { config: { ...DEFAULT_CONFIG }, workload: 'mixed' as const };
  const rateSeeds = envInt('ZKSIM_BENCH_EXPLORE_RATE_SEEDS', 200);
  const workers = Math.max(1, Math.min(availableParallelism(), 8));
  const rate = await explore({ base, seeds: shardSeeds(1, rateSeeds), workers });
  const seedsPerSecond = rate.results.length / (rate.wallMs / 1000);
  const simulatedSecondsPerWallSecond = rate.simulatedMs / rate.wallMs;

  const big = envInt('ZKSIM_BENCH_EXPLORE_SEEDS', 10_000);
  let rssAtTenth = 0;
  let peak = process.memoryUsage().rss;
  const started = Date.now();
  const r = await explore({
    base,
    seeds: shardSeeds(1, big),
    workers: 2,
    onResult: (_r, done) => {
      const rss = process.memoryUsage().rss;
      if (rss > peak) peak = rss;
      if (done === Math.ceil(big / 10)) rssAtTenth = rss;
    },
  });
  const maxRss = process.resourceUsage().maxRSS * 1024;
  return {
    seedsPerSecond: Math.round(seedsPerSecond * 100) / 100,
    simulatedSecondsPerWallSecond: Math.round(simulatedSecondsPerWallSecond * 10) / 10,
    rateSeeds,
    rateWorkers: workers,
    peakRssBytes: Math.max(peak, maxRss),
    peakRssSeeds: big,
    peakRssWorkers: 2,
    rssAfterFirstTenthBytes: rssAtTenth,
    rssAtEndBytes: process.memoryUsage().rss,
    bigExplorationSeconds: Math.round((Date.now() - started) / 100) / 10,
    bigExplorationFailures: r.results.filter((x) => x.failure).length,
  };
}
