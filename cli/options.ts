import { UsageError } from './errors.js';

/** Parses a CLI integer option that must be >= 1, or throws a UsageError naming the option. */
export function parsePositiveInt(option: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${option} must be a positive integer, got '${text}'`);
  }
  return Number(text);
}
