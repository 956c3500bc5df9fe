/**
 * A key-value store of strings (Porcupine's kv test): get {key} → the value; put {key, value} replaces it;
 * append {key, value} concatenates. Every key starts as "". Partitioned by key.
 */
import type { Operation } from '../history.js';
import { ILLEGAL, ModelError, type Illegal, type Model } from './model.js';

const enum K {
  Get,
  Put,
  Append,
  Any,
}
export interface KvStep {
  k: K;
  v: string;
  /** Rolling hash of v and P^len(v) (mod 2^32), so that a state's hash updates in O(1) on append. */
  h: number;
  pw: number;
}
/** A state: the string and its rolling hash (strings built by appends stay cons-strings; compared only on a hash match). */
export interface KvState {
  s: string;
  h: number;
}
const P = 0x01000193;
function rolling(v: string): { h: number; pw: number } {
  let h = 0;
  let pw = 1;
  for (let i = 0; i < v.length; i++) {
    h = (Math.imul(h, P) + v.charCodeAt(i)) | 0;
    pw = Math.imul(pw, P);
  }
  return { h, pw };
}
function mk(k: K, v: string): KvStep {
  return { k, v, ...rolling(v) };
}

function keyOf(op: Operation): string {
  const a = op.args as { key?: unknown } | null;
  if (!a || typeof a !== 'object' || a.key === undefined || a.key === null) throw new ModelError(op, 'arguments {key, value?}');
  return String(a.key);
}
function str(v: unknown): string | undefined {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

export const kvModel: Model<KvState, KvStep> = {
  name: 'kv',
  partition(ops) {
    const by = new Map<string, Operation[]>();
    for (const o of ops) {
      const k = keyOf(o);
      let l = by.get(k);
      if (!l) by.set(k, (l = []));
      l.push(o);
    }
    return [...by.values()];
  },
  init: () => ({ s: '', h: 0 }),
  prepare(op) {
    keyOf(op);
    const a = op.args as { value?: unknown };
    switch (op.op) {
      case 'get': {
        if (op.status === 'unknown') return mk(K.Any, '');
        if (op.status !== 'ok') throw new ModelError(op, 'a get that completes ok or unknown');
        const v = str(op.result);
        if (v === undefined) throw new ModelError(op, 'a get result that is a string');
        return mk(K.Get, v);
      }
      case 'put':
      case 'append': {
        const v = str(a.value);
        if (v === undefined) throw new ModelError(op, `a ${op.op} value that is a string`);
        if (op.status === 'fail') throw new ModelError(op, `a ${op.op} that completes ok or unknown`);
        return mk(op.op === 'put' ? K.Put : K.Append, v);
      }
      default:
        throw new ModelError(op, 'a key-value operation (get, put or append)');
    }
  },
  step(s, p): KvState | Illegal {
    switch (p.k) {
      case K.Get:
        return s.h === p.h && s.s.length === p.v.length && s.s === p.v ? s : ILLEGAL;
      case K.Put:
        return { s: p.v, h: p.h };
      case K.Append:
        return { s: s.s + p.v, h: (Math.imul(s.h, p.pw) + p.h) | 0 };
      default:
        return s;
    }
  },
  readOnly: (p) => p.k === K.Get || p.k === K.Any,
  hash: (s) => s.h ^ s.s.length,
  equal: (a, b) => a === b || (a.h === b.h && a.s.length === b.s.length && a.s === b.s),
  describeState: (s) => JSON.stringify(s.s),
  stepKey: (p) => `${p.k}|${p.v}`,
};
