/**
 * A small sequential model of ZooKeeper znodes (exists, data, version) for the linearizability checker, used by the
 * exploration workloads: create (non-sequential), setData (conditional on the version, or -1), delete, getData and
 * exists, partitioned by path (operations on different znodes commute). Sequential creates and getChildren are out
 * of scope (the naming workload has its own membership check).
 *
 * An operation with an unknown outcome is deterministic given the state (a create on an existing node fails, a
 * setData whose version does not match fails), so it is legal in every state, as the checker requires.
 */
import { isSequentialMode, type Operation } from '../check/history.js';
import { ILLEGAL, ModelError, hashString, type Illegal, type Model } from '../check/models/model.js';

interface Z {
  exists: boolean;
  data: string | null;
  version: number;
}

const enum K {
  Create,
  CreateExists, // fail NODEEXISTS
  SetData,
  SetBadVersion, // fail BADVERSION
  Delete,
  DeleteBadVersion,
  NoNode, // fail NONODE (any op)
  Read, // getData ok
  ExistsNull, // exists -> null
  ExistsStat,
  Noop, // unconstrained read or certainly-not-applied op
}

export interface ZStep {
  k: K;
  unknown: boolean;
  data: string | null;
  /** Expected version (setData/delete argument, -1 any) or observed version (reads, setData result). */
  version: number;
  observed: number | undefined;
}

const NONODE = -101;
const NODEEXISTS = -110;
const BADVERSION = -103;

function argsOf(op: Operation): Record<string, unknown> {
  return (op.args && typeof op.args === 'object' ? op.args : {}) as Record<string, unknown>;
}
function statVersion(v: unknown): number | undefined {
  const s = v && typeof v === 'object' ? (v as { stat?: { version?: unknown } }).stat : undefined;
  return s && typeof s.version === 'number' ? s.version : undefined;
}

export const MODELLED_OPS = new Set(['create', 'setData', 'delete', 'getData', 'exists']);

/** True when the znode model can take this operation (used to filter histories). */
export function modelled(op: Operation, withReads: boolean): boolean {
  if (!MODELLED_OPS.has(op.op)) return false;
  if (!withReads && (op.op === 'getData' || op.op === 'exists')) return false;
  const a = argsOf(op);
  if (typeof a.path !== 'string') return false;
  if (op.op === 'create' && isSequentialMode(a.mode)) return false;
  return true;
}

export const znodeModel: Model<Z, ZStep> = {
  name: 'znode',
  partition(ops) {
    const by = new Map<string, Operation[]>();
    for (const o of ops) {
      const p = String(argsOf(o).path);
      let l = by.get(p);
      if (!l) by.set(p, (l = []));
      l.push(o);
    }
    return [...by.keys()].sort().map((k) => by.get(k)!);
  },
  init: () => ({ exists: false, data: null, version: -1 }),
  prepare(op): ZStep {
    const a = argsOf(op);
    const unknown = op.status === 'unknown';
    const code = op.status === 'fail' ? op.error?.code : undefined;
    const data = typeof a.data === 'string' ? a.data : null;
    const version = typeof a.version === 'number' ? a.version : -1;
    const base = { unknown, data, version, observed: undefined as number | undefined };
    if (op.status === 'fail' && code === NONODE) return { ...base, k: K.NoNode };
    switch (op.op) {
      case 'create':
        if (op.status === 'fail') return { ...base, k: code === NODEEXISTS ? K.CreateExists : K.Noop };
        return { ...base, k: K.Create };
      case 'setData':
        if (op.status === 'fail') return { ...base, k: code === BADVERSION ? K.SetBadVersion : K.Noop };
        return { ...base, k: K.SetData, observed: op.status === 'ok' ? statVersion(op.result) : undefined };
      case 'delete':
        if (op.status === 'fail') return { ...base, k: code === BADVERSION ? K.DeleteBadVersion : K.Noop };
        return { ...base, k: K.Delete };
      case 'getData': {
        if (op.status !== 'ok') return { ...base, k: K.Noop };
        const r = (op.result ?? {}) as { data?: unknown };
        return { ...base, k: K.Read, data: typeof r.data === 'string' ? r.data : null, observed: statVersion(op.result) };
      }
      case 'exists': {
        if (op.status !== 'ok') return { ...base, k: K.Noop };
        const r = (op.result ?? {}) as { stat?: unknown };
        return r.stat === null || r.stat === undefined ? { ...base, k: K.ExistsNull } : { ...base, k: K.ExistsStat, observed: statVersion(op.result) };
      }
      default:
        throw new ModelError(op, 'a znode operation (create, setData, delete, getData, exists)');
    }
  },
  step(s, p): Z | Illegal {
    const matches = p.version === -1 || p.version === s.version;
    switch (p.k) {
      case K.Create:
        if (s.exists) return p.unknown ? s : ILLEGAL;
        return { exists: true, data: p.data, version: 0 };
      case K.CreateExists:
        return s.exists ? s : ILLEGAL;
      case K.SetData:
        if (!s.exists || !matches) return p.unknown ? s : ILLEGAL;
        if (p.observed !== undefined && p.observed !== s.version + 1) return ILLEGAL;
        return { exists: true, data: p.data, version: s.version + 1 };
      case K.SetBadVersion:
        return s.exists && !matches ? s : ILLEGAL;
      case K.Delete:
        if (!s.exists || !matches) return p.unknown ? s : ILLEGAL;
        return { exists: false, data: null, version: -1 };
      case K.DeleteBadVersion:
        return s.exists && !matches ? s : ILLEGAL;
      case K.NoNode:
        return s.exists ? ILLEGAL : s;
      case K.Read:
        return s.exists && s.data === p.data && (p.observed === undefined || p.observed === s.version) ? s : ILLEGAL;
      case K.ExistsNull:
        return s.exists ? ILLEGAL : s;
      case K.ExistsStat:
        return s.exists && (p.observed === undefined || p.observed === s.version) ? s : ILLEGAL;
      default:
        return s;
    }
  },
  // Unknown writes with equal keys step every state alike: the search tries them in list order only.
  stepKey: (p) => `${p.k}|${p.unknown}|${p.version}|${p.observed}|${p.data}`,
  readOnly: (p) => p.k === K.CreateExists || p.k === K.SetBadVersion || p.k === K.DeleteBadVersion || p.k === K.NoNode || p.k === K.Read || p.k === K.ExistsNull || p.k === K.ExistsStat || p.k === K.Noop,
  hash: (s) => hashString(`${s.exists ? 1 : 0}|${s.version}|${s.data ?? '\u0000'}`),
  equal: (a, b) => a.exists === b.exists && a.version === b.version && a.data === b.data,
  describeState: (s) => (s.exists ? `{data: ${JSON.stringify(s.data)}, version: ${s.version}}` : 'absent'),
};
