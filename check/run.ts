/**
 * One entry point for checking a history file's text with a named model: used by the CLI (`zksim check`), the
 * tests and the benchmark.
 *
 * Models: `register` (read/write/cas), `kv` (get/put/append, partitioned by key), `znode` (ZooKeeper's tree,
 * linearizability, partitioned by path), `zookeeper` (ordered sequential consistency, osc.ts).
 */
import { HistoryParseError, parseHistory, type HistoryFormat } from './codecs.js';
import { HistoryError, UNMODELLED_READS, pairOperations, type HistoryEvent } from './history.js';
import { checkOperations, formatResult, type LinearizabilityResult } from './linearizability.js';
import { kvModel } from './models/kv.js';
import { ModelError, type Model } from './models/model.js';
import { registerModel } from './models/register.js';
import { znodeModel } from './models/znode.js';
import { checkOscOperations, formatOsc, withSessionEnds, type OscResult } from './osc.js';

export type ModelName = 'register' | 'kv' | 'znode' | 'zookeeper';
export const MODEL_NAMES: readonly ModelName[] = ['register', 'kv', 'znode', 'zookeeper'];

export function linearizabilityModel(name: Exclude<ModelName, 'zookeeper'>): Model<unknown, unknown> {
  const m = name === 'register' ? registerModel : name === 'kv' ? kvModel : znodeModel;
  return m as unknown as Model<unknown, unknown>;
}

/** Bad input: the file, the line (0 when not known) and what was expected. */
export class BadHistoryError extends Error {
  override name = 'BadHistoryError';
}

export interface CheckReport {
  ok: boolean;
  verdict: string;
  model: ModelName;
  text: string;
  json: Record<string, unknown>;
  /** Check time (parse excluded), ms. */
  ms: number;
}

export function parseFileText(text: string, file: string, format?: HistoryFormat): HistoryEvent[] {
  try {
    return parseHistory(text, file, format);
  } catch (e) {
    if (e instanceof HistoryParseError) throw new BadHistoryError(e.message);
    throw e;
  }
}

/** Checks parsed history events with a model. Model errors (an operation the model cannot read) become BadHistoryError. */
export function checkEvents(events: readonly HistoryEvent[], model: ModelName, file: string, opts: { timeoutMs?: number; allPartitions?: boolean; giveUp?: () => string | undefined } = {}): CheckReport {
  try {
    if (model === 'zookeeper') {
      const ops = withSessionEnds(events);
      const t0 = performance.now();
      const r = checkOscOperations(ops, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
      const ms = performance.now() - t0;
      return { ok: r.verdict === 'ok', verdict: r.verdict, model, text: formatOsc(r), json: oscJson(r), ms };
    }
    // For the tree, sessions the client saw expire or close get a closeSession (their ephemerals vanish); the reads the
    // znode model does not follow (UNMODELLED_READS) are left out.
    const ops = model === 'znode' ? withSessionEnds(events).filter((o) => !UNMODELLED_READS.has(o.op)) : pairOperations(events);
    const t0 = performance.now();
    const r = checkOperations(linearizabilityModel(model), ops, opts);
    const ms = performance.now() - t0;
    return { ok: r.verdict === 'linearizable', verdict: r.verdict, model, text: formatResult(r), json: linJson(r), ms };
  } catch (e) {
    if (e instanceof ModelError || e instanceof HistoryError) throw new BadHistoryError(`${file}: ${e.message}`);
    throw e;
  }
}

function opJson(o: { id: number; process: unknown; op: string; args: unknown; call: number; ret: number; status: string; result?: unknown; error?: unknown; zxid?: number }): Record<string, unknown> {
  return { id: o.id, process: o.process, op: o.op, args: o.args, call: o.call, ret: Number.isFinite(o.ret) ? o.ret : null, status: o.status, result: o.result, error: o.error, zxid: o.zxid };
}

function linJson(r: LinearizabilityResult): Record<string, unknown> {
  return {
    verdict: r.verdict,
    operations: r.operations,
    partitions: r.partitions,
    explored: r.explored,
    ...(r.unknownReason !== undefined ? { reason: r.unknownReason } : {}),
    failures: r.failures.map((f) => ({
      partition: f.partition,
      label: f.label,
      size: f.size,
      prefix: f.prefix.map((p) => ({ ...opJson(p.op), state: p.state })),
      stuck: opJson(f.stuck),
      candidates: f.candidates.map(opJson),
      state: f.state,
    })),
  };
}
function oscJson(r: OscResult): Record<string, unknown> {
  return {
    verdict: r.verdict,
    operations: r.operations,
    sessions: r.sessions,
    explored: r.explored,
    usedZxids: r.usedZxids,
    prefix: r.prefix?.map(opJson),
    blocked: r.blocked?.map((b) => ({ op: opJson(b.op), reason: b.reason })),
    state: r.state,
  };
}
