/**
 * The workplace's reference histories (Jepsen etcd runs and Porcupine's kv runs, with Porcupine's verdicts) live in
 * ../shared/histories beside the clone, as in CI. Tests that read them fail with this one-line reason when it is
 * missing, rather than with a stack trace from a file read (which also hid how many tests did not run).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_HISTORIES = '../shared/histories';

/** Why the reference histories cannot be read, or null when they can. */
export function sharedHistoriesProblem(): string | null {
  if (existsSync(join(SHARED_HISTORIES, 'expected.json'))) return null;
  return `the reference histories are missing: ${resolve(SHARED_HISTORIES)}/expected.json not found (the tests expect ../shared beside the clone, as CI has it)`;
}
