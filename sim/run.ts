/**
 * One run of the kernel demo world, as `zksim run --demo` performs it: a pure function of its (JSON-able) config.
 * cli/determinism.ts runs this twice (once in a worker thread) and compares the traces.
 *
 * ZooKeeper runs (`zksim run` without --demo, and every seed of `zksim explore`) are asynchronous (clients return
 * promises): they are explore/runner.ts's runSpec(spec) / runSeed(seed, config), equally pure functions of their
 * spec, with their own worker-thread determinism check in explore/determinism.ts.
 */
import { runDemo } from './demo.js';
import type { Seed } from './random.js';
import type { TraceEvent } from './trace.js';

export interface RunConfig {
  seed: Seed;
  /** 'demo' runs the kernel demo world. */
  mode: 'demo';
  durationMs: number;
  recordTrace?: boolean;
}

export interface RunSummary {
  seed: Seed;
  traceHash: string;
  events: number;
  simulatedMs: number;
  delivered: number;
  dropped: number;
  trace?: TraceEvent[];
}

export function runOnce(config: RunConfig): RunSummary {
  const r = runDemo(config.seed, { durationMs: config.durationMs, recordTrace: config.recordTrace ?? false });
  return {
    seed: config.seed,
    traceHash: r.world.traceHash,
    events: r.world.eventCount,
    simulatedMs: r.world.now,
    delivered: r.delivered,
    dropped: r.dropped,
    ...(config.recordTrace ? { trace: r.world.trace } : {}),
  };
}
