/**
 * --check-determinism for exploration runs (async, so it cannot go through sim/run.ts's synchronous runOnce):
 * the same spec in this thread and in a worker thread, trace hashes compared, first divergence named.
 */
import { Worker } from 'node:worker_threads';
import { firstDivergence, formatTraceEvent, type TraceEvent } from '../sim/trace.js';
import { runSpec, type RunOutcome } from './runner.js';
import type { RunSpec } from './spec.js';

export interface SpecDeterminismReport {
  same: boolean;
  /** The main thread's run (with its verdicts: checking determinism does not skip checking the run). */
  outcome: RunOutcome;
  hashes: [string, string];
  divergence?: { index: number; main: string; worker: string };
}

const jsonSafe = (_k: string, v: unknown) => (v instanceof Uint8Array ? { bytes: Array.from(v) } : v);

export async function checkSpecDeterminism(spec: RunSpec, opts: { keepHistory?: boolean } = {}): Promise<SpecDeterminismReport> {
  const main = await runSpec(spec, { recordTrace: true, keepHistory: !!opts.keepHistory });
  const other = await new Promise<{ traceHash: string; trace: TraceEvent[] }>((resolve, reject) => {
    const w = new Worker(new URL('./determinism-worker.js', import.meta.url), { workerData: spec });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const same = main.traceHash === other.traceHash;
  const report: SpecDeterminismReport = { same, outcome: main, hashes: [main.traceHash, other.traceHash] };
  if (!same) {
    const a = JSON.parse(JSON.stringify(main.trace ?? [], jsonSafe)) as TraceEvent[];
    const b = other.trace;
    const i = firstDivergence(a, b);
    report.divergence = { index: i, main: a[i] ? formatTraceEvent(a[i]!) : '(end of trace)', worker: b[i] ? formatTraceEvent(b[i]!) : '(end of trace)' };
  }
  return report;
}
