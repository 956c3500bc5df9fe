import { parseSeed, seedProblem, type Seed } from '../sim/random.js';
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
    const v = options[optionKey(name)];
    if (v === '' || (Array.isArray(v) && v.some((x) => x === ''))) throw new UsageError(`${name} must not be empty`);
  }
}

/** Commander's key for a flag in the parsed options: its words camel-cased (`--skip-check`: `skipCheck`). */
export function optionKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** A seed given on the command line (digits are a number, anything else a string), or bad input naming the problem. */
export function validSeed(text: string, prefix = ''): Seed {
  const seed = parseSeed(text);
  const problem = seedProblem(seed);
  if (problem) throw new UsageError(prefix + problem);
  return seed;
}
