/**
 * `--check-determinism`: run the same config in this thread and in a worker thread, compare trace hashes, and on
 * a mismatch name the first event at which the traces diverge, with both versions of it.
 */
import { Worker } from 'node:worker_threads';
import { runOnce, type RunConfig, type RunSummary } from '../sim/run.js';
import { firstDivergence, formatTraceEvent, type TraceEvent } from '../sim/trace.js';

export interface DeterminismReport {
  same: boolean;
  hashes: [string, string];
  divergence?: { index: number; main: string; worker: string };
}

function jsonSafe(trace: TraceEvent[]): TraceEvent[] {
  return JSON.parse(JSON.stringify(trace, (_k, v) => (v instanceof Uint8Array ? { bytes: Array.from(v) } : v)));
}

export async function checkDeterminism(config: RunConfig): Promise<DeterminismReport> {
  const cfg = { ...config, recordTrace: true };
  const main = runOnce(cfg);
  const other = await new Promise<RunSummary>((resolve, reject) => {
    const w = new Worker(new URL('./determinism-worker.js', import.meta.url), { workerData: cfg });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const same = main.traceHash === other.traceHash;
  const report: DeterminismReport = { same, hashes: [main.traceHash, other.traceHash] };
  if (!same) {
    const a = jsonSafe(main.trace ?? []);
    const b = other.trace ?? [];
    const i = firstDivergence(a, b);
    report.divergence = {
      index: i,
      main: a[i] ? formatTraceEvent(a[i]!) : '(end of trace)',
      worker: b[i] ? formatTraceEvent(b[i]!) : '(end of trace)',
    };
  }
  return report;
}
