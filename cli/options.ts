import { UsageError } from './errors.js';

/** Parses a CLI integer option that must be >= 1, or throws a UsageError naming the option. */
export function parsePositiveInt(option: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${option} must be a positive integer, got '${text}'`);
  }
  return Number(text);
}

/**
 * Refuses an option given as an empty string (`--against ''`): commander passes '' through, and a check of the
 * option's truthiness would then run as if it were absent, silently.
 */
export function refuseEmpty(options: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const key = name.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const v = options[key];
    if (v === '' || (Array.isArray(v) && v.some((x) => x === ''))) throw new UsageError(`${name} must not be empty`);
  }
}
