/** Error helpers of the client: ZkError (core/errors.ts) plus the client-side path check (core/paths.ts). */
import { Code, errorName, ZkError } from '../errors.js';
import { validatePath } from '../paths.js';

export { Code, errorName, ZkError };

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
