/**
 * One call for commands that run a seed (run, replay, explore's failing seeds):
 *
 *   const outcome = await runSeed(seed, config, { recordTrace: true, keepHistory: true });
 *   const { bytes, summary } = writeRunReport('out.html', outcome, { title: 'replay seed 42' });
 *
 * The first failing verdict (ok === false) becomes the highlighted counterexample. Structural types only, so any
 * run outcome with a trace, a history and verdicts fits.
 */
import { writeHtmlReport } from './html.js';
import { textSummary } from './text.js';
import { counterexampleFromVerdict, type Counterexample, type ReportInput } from './model.js';
import type { TraceEvent } from '../sim/trace.js';
import type { HistoryEvent } from '../check/history.js';

export interface RunLike {
  seed?: unknown;
  traceHash?: string;
  trace?: readonly TraceEvent[];
  history?: readonly HistoryEvent[];
  verdicts?: ReadonlyArray<{ property: string; ok: boolean | null; explanation: string }>;
  servers?: number;
  leader?: string | null;
  epoch?: number;
  faults?: number;
  /** Virtual time at the run's end (the report's end, rather than its last record's time). */
  simulatedMs?: number;
  /** The simulation's events (World.eventCount). */
  events?: number;
}

export interface RunReportOptions {
  title?: string;
  /** A counterexample to highlight instead of the first failing verdict's. */
  counterexample?: Counterexample;
  meta?: ReportInput['meta'];
}

/** Builds the report input for a run outcome (throws if the run kept no trace: pass recordTrace: true). */
export function runReportInput(run: RunLike, opts: RunReportOptions = {}): ReportInput {
  if (!run.trace) throw new Error('this run kept no trace: run it with recordTrace: true to write a report');
  const bad = run.verdicts?.find((v) => v.ok === false);
  const cx = opts.counterexample ?? (bad ? counterexampleFromVerdict(bad) : undefined);
  const verdicts = run.verdicts?.map((v) => `${v.property} ${v.ok === true ? 'ok' : v.ok === false ? 'FAILED' : 'not checked'}`).join(', ');
  const input: ReportInput = {
    trace: run.trace,
    history: run.history ?? [],
    title: opts.title ?? `zksim run seed ${String(run.seed ?? '?')}${bad ? ` — ${bad.property} FAILED` : ''}`,
    meta: {
      ...(run.seed !== undefined ? { seed: String(run.seed) } : {}),
      ...(run.traceHash ? { traceHash: run.traceHash } : {}),
      ...(run.servers !== undefined ? { servers: run.servers } : {}),
      ...(run.leader !== undefined ? { 'leader at end': run.leader ?? 'none' } : {}),
      ...(run.epoch !== undefined ? { epoch: run.epoch } : {}),
      ...(run.faults !== undefined ? { 'faults scheduled': run.faults } : {}),
      ...(verdicts ? { verdicts } : {}),
      ...(opts.meta ?? {}),
    },
  };
  if (cx) input.counterexample = cx;
  if (typeof run.simulatedMs === 'number') input.endMs = run.simulatedMs;
  if (typeof run.events === 'number') input.simEvents = run.events;
  return input;
}

/** Writes the HTML report of a run; returns its size and the plain-text summary (for the console / CI log). */
export function writeRunReport(path: string, run: RunLike, opts: RunReportOptions = {}): { bytes: number; summary: string } {
  const input = runReportInput(run, opts);
  return { bytes: writeHtmlReport(path, input), summary: textSummary(input) };
}
