/** The piscina worker: runs one seed and returns its summary (plain data). */
import { runOneSeed, type ExploreBase, type SeedResult } from './engine.js';
import type { Seed } from '../sim/random.js';

export default async function task(input: { base: ExploreBase; seed: Seed }): Promise<SeedResult> {
  return runOneSeed(input.base, input.seed);
}
