/** The zksim version (package.json), recorded in every repro. */
import { readFileSync } from 'node:fs';

let cached: string | null = null;
export function zksimVersion(): string {
  if (cached) return cached;
  try {
    // dist/explore/version.js -> ../../package.json; explore/version.ts under ts-node-like runs -> ../package.json
    for (const rel of ['../../package.json', '../package.json']) {
      try {
        const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (p.name === 'zksim' && p.version) return (cached = p.version);
      } catch {
        /* try the next */
      }
    }
  } catch {
    /* fall through */
  }
  return (cached = '0.0.0');
}
