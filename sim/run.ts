/**
 * One run of zksim, as `zksim run` performs it: a pure function of its config. The determinism check runs this
 * twice (once in a worker thread) and compares the traces.
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
