/** Error helpers of the client: ZkError (core/errors.ts) plus the client-side path check (core/paths.ts). */
import { Code, errorName, ZkError } from '../errors.js';
import { validatePath } from '../paths.js';

export { Code, errorName, ZkError };

/**
 * The ZooKeeper error code a call was rejected with (a ZkError's), or 0 for anything else (an error of your code).
 * Read from a numeric `code`, not by class, so that a ZkError of another copy of this module counts too.
 */
export function errorCode(e: unknown): number {
  const c = e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
  return typeof c === 'number' ? c : 0;
}

/**
 * A call that failed with CONNECTIONLOSS or OPERATIONTIMEOUT may still have taken effect on the servers: its outcome
 * is unknown, not failed (what Curator's "protection" guards against). Recipes must allow for both.
 */
export function isOutcomeUnknown(e: unknown): boolean {
  const c = errorCode(e);
  return c === Code.CONNECTIONLOSS || c === Code.OPERATIONTIMEOUT;
}

export function makeError(code: number, path?: string, detail?: string, results?: readonly unknown[]): ZkError {
  const e = new ZkError(code, path, results);
  if (detail) e.message = `${e.message}: ${detail}`;
  return e;
}

/**
 * The Java client validates every path before sending (IllegalArgumentException); here that is a BADARGUMENTS
 * ZkError whose message is PathUtils' reason. Null when the path is valid.
 */
export function checkPath(path: string, isSequential = false): ZkError | null {
  const why = validatePath(path, isSequential);
  return why === null ? null : makeError(Code.BADARGUMENTS, path, why);
}
