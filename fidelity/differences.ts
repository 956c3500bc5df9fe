/**
 * The deliberate differences between zksim and the real ZooKeeper, as listed (with their reasons) in the table of
 * fidelity/DIFFERENCES.md: case name -> the configurations (standalone, ensemble) where the difference is expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './suite.js';

export function listedDifferences(): Map<string, string[]> {
  const md = readFileSync(join(repoRoot(), 'fidelity', 'DIFFERENCES.md'), 'utf8');
  const out = new Map<string, string[]>();
  for (const line of md.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*([^|]+)\|/.exec(line);
    if (m) out.set(m[1]!, m[2]!.split(',').map((s) => s.trim()));
  }
  return out;
}

/** Whether a differing case is a listed, deliberate difference for that configuration. */
export function isDeliberate(listed: Map<string, string[]>, caseName: string, config: string): boolean {
  return listed.get(caseName)?.includes(config) ?? false;
}
