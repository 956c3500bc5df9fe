/**
 * A single register with read, write and compare-and-set (Jepsen's etcd test). Initial value nil (null).
 * read: ok result V (or nil); write V; cas [A, B]: ok = the value was A and became B; fail = the value was not A.
 * Values are compared with === after normalising (numbers and strings as given, nil as null).
 */
import type { Operation } from '../history.js';
import { ILLEGAL, ModelError, hashString, mix32, type Illegal, type Model } from './model.js';

type Value = number | string | null;
const enum K {
  Read,
  Write,
  CasOk,
  CasFail,
  CasUnknown,
  Any, // a read with unknown outcome: legal anywhere, changes nothing
}
export interface RegisterStep {
  k: K;
  a: Value;
  b: Value;
}

function val(v: unknown): Value | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return undefined;
}

export const registerModel: Model<Value, RegisterStep> = {
  name: 'register',
  init: () => null,
  prepare(op: Operation): RegisterStep {
    switch (op.op) {
      case 'read': {
        if (op.status === 'unknown') return { k: K.Any, a: null, b: null };
        if (op.status !== 'ok') throw new ModelError(op, 'a read to complete ok (or unknown)');
        const v = val(op.result);
        if (v === undefined) throw new ModelError(op, 'a read result that is a number, string or nil');
        return { k: K.Read, a: v, b: null };
      }
      case 'write': {
        const v = val(op.args);
        if (v === undefined) throw new ModelError(op, 'a write argument that is a number, string or nil');
        if (op.status === 'fail') throw new ModelError(op, 'a write that completes ok or unknown');
        return { k: K.Write, a: v, b: null };
      }
      case 'cas': {
        const a = Array.isArray(op.args) ? op.args : undefined;
        const x = a ? val(a[0]) : undefined;
        const y = a ? val(a[1]) : undefined;
        if (!a || a.length !== 2 || x === undefined || y === undefined) throw new ModelError(op, 'cas arguments [expected, new]');
        return { k: op.status === 'ok' ? K.CasOk : op.status === 'fail' ? K.CasFail : K.CasUnknown, a: x, b: y };
      }
      default:
        throw new ModelError(op, 'a register operation (read, write or cas)');
    }
  },
  step(s: Value, p: RegisterStep): Value | Illegal {
    switch (p.k) {
      case K.Read:
        return s === p.a ? s : ILLEGAL;
      case K.Write:
        return p.a;
      case K.CasOk:
        return s === p.a ? p.b : ILLEGAL;
      case K.CasFail:
        return s !== p.a ? s : ILLEGAL;
      case K.CasUnknown:
        return s === p.a ? p.b : s;
      default:
        return s;
    }
  },
  readOnly: (p) => p.k === K.Read || p.k === K.CasFail || p.k === K.Any,
  hash: (s) => (s === null ? 0x5bd1e995 : typeof s === 'number' ? mix32(s | 0) ^ (s === (s | 0) ? 0 : hashString(String(s))) : hashString(s)),
  equal: (a, b) => a === b,
  describeState: (s) => (s === null ? 'nil' : JSON.stringify(s)),
  stepKey: (p) => `${p.k}|${JSON.stringify(p.a)}|${JSON.stringify(p.b)}`,
};
