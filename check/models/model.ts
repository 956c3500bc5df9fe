/**
 * The interface of a sequential specification for the linearizability checker.
 *
 * A model first `prepare`s each operation into a compact step value (its input and observed output together),
 * then `step`s a state with it: the next state, or ILLEGAL when the observed output is impossible in that state.
 * An operation whose outcome is unknown (`status: 'unknown'`) must be legal in every state (its output is
 * unconstrained); the checker relies on that to stop as soon as only unknown operations remain.
 */
import type { Operation } from '../history.js';

export const ILLEGAL: unique symbol = Symbol('illegal');
export type Illegal = typeof ILLEGAL;

/** An operation the model cannot interpret (wrong name or argument shape): bad input, not a violation. */
export class ModelError extends Error {
  override name = 'ModelError';
  constructor(readonly op: Operation, expected: string) {
    super(`operation #${op.id} (${op.op}, invoked at time ${op.call}): expected ${expected}`);
  }
}

export interface Model<S = unknown, P = unknown> {
  readonly name: string;
  /** Splits the history into independent sub-histories (P-compositionality); the default is one partition. */
  partition?(ops: readonly Operation[]): Operation[][];
  /** Initial state of one partition. */
  init(ops: readonly Operation[]): S;
  prepare(op: Operation): P;
  step(state: S, p: P): S | Illegal;
  /** True when `step` never changes the state for this operation (reads, failed conditional writes). */
  readOnly(p: P): boolean;
  /** A 32-bit hash of a state; equal states must hash equally. */
  hash(state: S): number;
  equal(a: S, b: S): boolean;
  describeState(state: S): string;
  /**
   * Optional: a key such that two operations with unknown outcome and equal keys step every state alike (the
   * search then tries only one of them at a time).
   */
  stepKey?(p: P): string | number | undefined;
}

/** A cheap 32-bit string hash (FNV-1a over at most the last 32 chars plus the length). */
export function hashString(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  const from = s.length > 32 ? s.length - 32 : 0;
  for (let i = from; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Mixes an integer into a well-spread 32-bit value. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}
