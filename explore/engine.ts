/**
 * Exploration over many seeds: serial or on worker threads (piscina), with deterministic sharding. Results are
 * per-seed summaries in seed order, identical whatever the number of workers (each run is a pure function of its
 * seed and config).
 */
import { RandomStreams, type Seed } from '../sim/random.js';
import { runSpec, specForSeed, type RunOutcome } from './runner.js';
import { MIXED_WORKLOADS, type ExploreConfig, type RunSpec, type WorkloadName } from './spec.js';
import { failed } from './verdict.js';

/** The base config plus the choices left to the seed ('mixed' workload: the seed picks one). */
export interface ExploreBase {
  config: ExploreConfig;
  workload: WorkloadName | 'mixed';
}

export function configForSeed(base: ExploreBase, seed: Seed): ExploreConfig {
  if (base.workload !== 'mixed') return { ...base.config, workload: base.workload };
  const w = new RandomStreams(seed).stream('explore:workload').choice(MIXED_WORKLOADS);
  return { ...base.config, workload: w };
}

export function specOf(base: ExploreBase, seed: Seed): RunSpec {
  return specForSeed(seed, configForSeed(base, seed));
}

export interface SeedResult {
  seed: Seed;
  /** The workload's name (a recipe module: `module:<file>`). */
  workload: string;
  traceHash: string;
  events: number;
  simulatedMs: number;
  faults: number;
  historyOps: number;
  /** The first violated property, or null. */
  failure: { property: string; explanation: string } | null;
  /** Properties not checked in this run. */
  notChecked: string[];
  /** Properties checked and passed. */
  passed: string[];
  /** Every violated property (`failure` is the first of them). */
  failed: string[];
}

/** How reports name a run's workload: a recipe module by its file (`module:leader-latch.js`). */
export function workloadLabel(spec: RunSpec): string {
  if (spec.workload.name !== 'module') return spec.workload.name;
  const path = spec.config.workloadModule ?? '';
  return `module:${path.slice(path.lastIndexOf('/') + 1)}`;
}

export function summarize(spec: RunSpec, o: RunOutcome): SeedResult {
  const f = failed(o.verdicts);
  return {
    seed: spec.seed,
    workload: workloadLabel(spec),
    traceHash: o.traceHash,
    events: o.events,
    simulatedMs: o.simulatedMs,
    faults: o.faults,
    historyOps: o.historyOps,
    failure: f ? { property: f.property, explanation: f.explanation.slice(0, 2000) } : null,
    notChecked: o.verdicts.filter((v) => v.ok === null).map((v) => v.property),
    passed: o.verdicts.filter((v) => v.ok === true).map((v) => v.property),
    failed: o.verdicts.filter((v) => v.ok === false).map((v) => v.property),
  };
}

/** Per property, how many of the seeds passed, failed (every violated property of a seed counts) or left it unchecked. */
export function propertyTable(results: readonly SeedResult[]): Record<string, { passed: number; failed: number; notChecked: number }> {
  const t: Record<string, { passed: number; failed: number; notChecked: number }> = {};
  const get = (p: string) => (t[p] ??= { passed: 0, failed: 0, notChecked: 0 });
  for (const r of results) {
    for (const p of r.passed) get(p).passed++;
    for (const p of r.notChecked) get(p).notChecked++;
    // every violated property of a seed counts, not only the first (the one its repro and shrinking follow)
    for (const p of r.failed) get(p).failed++;
  }
  return t;
}

export async function runOneSeed(base: ExploreBase, seed: Seed): Promise<SeedResult> {
  const spec = specOf(base, seed);
  return summarize(spec, await runSpec(spec));
}

/** Parses "A..B" (inclusive integers). Returns null when malformed. */
export function parseRange(text: string): { from: number; to: number } | null {
  const m = /^(-?\d+)\.\.(-?\d+)$/.exec(text.trim());
  if (!m) return null;
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) return null;
  return { from, to };
}

/** Parses "i/n" (1 <= i <= n). Returns null when malformed. */
export function parseShard(text: string): { index: number; total: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (total < 1 || index < 1 || index > total) return null;
  return { index, total };
}

/** The seeds of a shard: every n-th seed of the range, starting at the i-th (round-robin, so shards are balanced). */
export function shardSeeds(from: number, to: number, shard?: { index: number; total: number }): number[] {
  const out: number[] = [];
  for (let s = from, k = 0; s <= to; s++, k++) if (!shard || k % shard.total === shard.index - 1) out.push(s);
  return out;
}

export interface ExploreRun {
  results: SeedResult[];
  wallMs: number;
  simulatedMs: number;
}

export interface ExploreOptions {
  base: ExploreBase;
  seeds: Seed[];
  workers: number;
  onResult?: (r: SeedResult, done: number, failures: number) => void;
  /**
   * Stop early after this many failures (default: never). The results are those of a serial run that stopped there:
   * the seeds up to the maxFailures-th failing one, in seed order, whatever the number of workers (seeds that ran
   * after it in parallel are dropped), so that the same command gives the same results.
   */
  maxFailures?: number;
  /**
   * Polled before each seed starts: true stops launching seeds (an interrupted exploration); the ones running
   * finish, and the results are the seeds that ran (a prefix of `seeds`).
   */
  stopRequested?: () => boolean;
}

/** Yields to the event loop (signals, I/O): a serial exploration otherwise runs on promise jobs alone. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function explore(opts: ExploreOptions): Promise<ExploreRun> {
  const started = process.hrtime.bigint();
  const results: Array<SeedResult | undefined> = new Array(opts.seeds.length);
  let done = 0;
  let failures = 0;
  const record = (i: number, r: SeedResult) => {
    results[i] = r;
    done++;
    if (r.failure) failures++;
    opts.onResult?.(r, done, failures);
  };
  const stop = () => (opts.maxFailures !== undefined && failures >= opts.maxFailures) || opts.stopRequested?.() === true;
  if (opts.workers <= 1) {
    for (let i = 0; i < opts.seeds.length; i++) {
      await turn();
      if (stop()) break;
      record(i, await runOneSeed(opts.base, opts.seeds[i]!));
    }
  } else {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: opts.workers,
      maxThreads: opts.workers,
      idleTimeout: 1000,
    });
    pool.on('error', () => undefined); // a worker that dies is handled per task (see launch)
    try {
      // Keep a bounded number of tasks in flight (memory stays flat over long explorations).
      let next = 0;
      const inFlight = new Set<Promise<void>>();
      const launch = (): void => {
        const i = next++;
        const seed = opts.seeds[i]!;
        const p: Promise<void> = (pool.run({ base: opts.base, seed }) as Promise<SeedResult>)
          // A worker that could not load its modules (e.g. dist/ rewritten under it by a concurrent build) is an
          // infrastructure failure, not a verdict: the seed runs here instead (same spec, same result).
          .catch(() => runOneSeed(opts.base, seed))
          .then((r) => {
            inFlight.delete(p);
            record(i, r);
          });
        inFlight.add(p);
      };
      while (next < opts.seeds.length && !stop()) {
        while (inFlight.size < opts.workers * 2 && next < opts.seeds.length && !stop()) launch();
        await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      await pool.destroy();
    }
  }
  let got = results.filter((r): r is SeedResult => r !== undefined);
  if (opts.maxFailures !== undefined) {
    // Launched in seed order and all awaited, so the seeds that ran are a prefix: cut it after the maxFailures-th
    // failing one, as a serial run stops there.
    let seen = 0;
    const end = got.findIndex((r) => r.failure !== null && ++seen === opts.maxFailures);
    if (end >= 0) got = got.slice(0, end + 1);
  }
  return {
    results: got,
    wallMs: Number(process.hrtime.bigint() - started) / 1e6,
    simulatedMs: got.reduce((n, r) => n + r.simulatedMs, 0),
  };
}
