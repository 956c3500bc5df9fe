/**
 * Shrinking a failing run: delta debugging (ddmin) over the fault schedule and each client's operations, then
 * fewer clients, fewer servers, shorter faults and a shorter run, keeping every candidate for which the SAME
 * property still fails. Each candidate is a full deterministic run, so the result replays exactly.
 */
import { runSpec } from './runner.js';
import { clientNames, restrictFault, serverNames } from './nemesis.js';
import { opCount, type RunSpec, type ScheduledFault } from './spec.js';
import type { Verdict } from './verdict.js';

export interface ShrinkResult {
  spec: RunSpec;
  verdict: Verdict;
  traceHash: string;
  runs: number;
  before: ShrinkSize;
  after: ShrinkSize;
}
export interface ShrinkSize {
  faults: number;
  ops: number;
  clients: number;
  servers: number;
  durationMs: number;
}

export function sizeOf(spec: RunSpec): ShrinkSize {
  return {
    faults: spec.schedule.length,
    ops: opCount(spec),
    clients: spec.workload.clients.length,
    servers: spec.config.servers,
    durationMs: spec.config.durationMs + spec.config.recoveryMs,
  };
}

export interface ShrinkOptions {
  /** Maximum number of candidate runs (default 400). */
  budget?: number;
  onProgress?: (runs: number, size: ShrinkSize) => void;
}

/** ddmin: a 1-minimal sublist for which `test` holds (given that it holds for `items`). */
async function ddmin<T>(items: T[], test: (xs: T[]) => Promise<boolean>, outOfBudget: () => boolean): Promise<T[]> {
  let cur = items;
  if (cur.length && !outOfBudget() && (await test([]))) return [];
  let n = 2;
  while (cur.length >= 2 && !outOfBudget()) {
    const chunk = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < n && !outOfBudget(); i++) {
      const complement = [...cur.slice(0, i * chunk), ...cur.slice((i + 1) * chunk)];
      if (complement.length === cur.length) continue;
      if (await test(complement)) {
        cur = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  if (cur.length === 1 && !outOfBudget() && (await test([]))) return [];
  return cur;
}

export async function shrink(original: RunSpec, property: string, opts: ShrinkOptions = {}): Promise<ShrinkResult> {
  const budget = opts.budget ?? 400;
  let runs = 0;
  let best = original;
  let bestVerdict: Verdict | null = null;
  let bestHash = '';
  const outOfBudget = () => runs >= budget;

  const fails = async (spec: RunSpec): Promise<boolean> => {
    runs++;
    const o = await runSpec(spec);
    const v = o.verdicts.find((x) => x.property === property && x.ok === false);
    if (v) {
      best = spec;
      bestVerdict = v;
      bestHash = o.traceHash;
      opts.onProgress?.(runs, sizeOf(spec));
      return true;
    }
    return false;
  };

  if (!(await fails(original))) throw new Error(`the run does not fail property '${property}': nothing to shrink`);

  const withSchedule = (s: RunSpec, schedule: ScheduledFault[]): RunSpec => ({ ...s, schedule });
  const withClients = (s: RunSpec, clients: RunSpec['workload']['clients']): RunSpec => ({
    ...s,
    config: { ...s.config, clients: clients.length },
    workload: { ...s.workload, clients },
  });

  for (let round = 0; round < 3 && !outOfBudget(); round++) {
    const start = JSON.stringify(sizeOf(best));
    // 1. Fewer faults.
    await ddmin(best.schedule, (xs) => fails(withSchedule(best, xs)), outOfBudget);
    // 2. Fewer clients (drop whole clients, from the last).
    for (let c = best.workload.clients.length - 1; c >= 0 && best.workload.clients.length > 1 && !outOfBudget(); c--) {
      if (c >= best.workload.clients.length) continue;
      const clients = best.workload.clients.filter((_x, i) => i !== c);
      await fails(withClients(best, clients));
    }
    // 3. Fewer servers (keep an odd count).
    for (const n of [1, 3, 5]) {
      if (n >= best.config.servers || outOfBudget()) continue;
      if (await fails({ ...best, config: { ...best.config, servers: n } })) break;
    }
    // 4. Fewer operations: the tail of each client first, then ddmin.
    for (let c = 0; c < best.workload.clients.length && !outOfBudget(); c++) {
      const ops = best.workload.clients[c]!;
      let lo = 0;
      let hi = ops.length;
      // Binary search for the shortest prefix that still fails.
      while (lo < hi && !outOfBudget()) {
        const mid = (lo + hi) >> 1;
        const clients = best.workload.clients.map((l, i) => (i === c ? l.slice(0, mid) : l));
        if (await fails(withClients(best, clients))) hi = mid;
        else lo = mid + 1;
      }
      const cur = best.workload.clients[c]!;
      await ddmin(cur, (xs) => fails(withClients(best, best.workload.clients.map((l, i) => (i === c ? xs : l)))), outOfBudget);
    }
    // 5. Shorter faults.
    for (let i = 0; i < best.schedule.length && !outOfBudget(); i++) {
      const f = best.schedule[i]!;
      if (f.duration < 100) continue;
      const schedule = best.schedule.map((x, j) => (j === i ? { ...x, duration: Math.round(x.duration / 2) } : x));
      await fails(withSchedule(best, schedule));
    }
    // 6. A shorter run: the fault phase ends at the last heal or the last planned op; a shorter recovery phase.
    if (!outOfBudget()) {
      const lastHeal = best.schedule.reduce((m, f) => Math.max(m, f.at + f.duration), 0);
      const lastOp = Math.max(0, ...best.workload.clients.map((l) => l.reduce((t, o) => t + o.gap + 5, 0)));
      const d = Math.max(lastHeal, Math.min(lastOp, best.config.durationMs), 100);
      if (d < best.config.durationMs) await fails({ ...best, config: { ...best.config, durationMs: d } });
    }
    for (const r of [Math.round(best.config.recoveryMs / 2), Math.round(best.config.recoveryMs / 4)]) {
      if (outOfBudget() || r < 2 * best.config.sessionTimeoutMs) break;
      if (!(await fails({ ...best, config: { ...best.config, recoveryMs: r } }))) break;
    }
    if (JSON.stringify(sizeOf(best)) === start) break;
  }
  // Tidy: faults name only the nodes the shrunk run has (the runner ignores the others anyway).
  if (!outOfBudget() || runs < budget + 1) {
    const names = new Set([...serverNames(best.config.servers), ...clientNames(best.workload.clients.length)]);
    const tidy = best.schedule.map((f) => restrictFault(f, (n) => names.has(n))).filter((f): f is ScheduledFault => f !== null);
    if (JSON.stringify(tidy) !== JSON.stringify(best.schedule)) await fails(withSchedule(best, tidy));
  }
  return { spec: best, verdict: bestVerdict!, traceHash: bestHash, runs, before: sizeOf(original), after: sizeOf(best) };
}
