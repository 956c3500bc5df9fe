/**
 * What an exploration leaves for its failing seeds (the CLI's `explore` and the library's `explore({ out })`):
 * `<out>/<seed>/` with repro.json, and for the first `maxArtefacts` of them the history, trace, explanation, story
 * and HTML report too (the seed is run again with the trace on: same spec, same trace hash); the first of them
 * shrunk, when asked, into repro-shrunk.json beside it.
 */
import { writeFileSync } from 'node:fs';
import { makeDirs } from '../files/dirs.js';
import { join } from 'node:path';
import type { Seed } from '../sim/random.js';
import { makeRepro, seedDirName, writeFailure } from './artefacts.js';
import { specOf, type ExploreBase, type SeedResult } from './engine.js';
import { runSpec } from './runner.js';
import { shrink, type ShrinkResult } from './shrink.js';
import type { Verdict } from './verdict.js';

export interface FailureEntry {
  seed: Seed;
  workload: string;
  property: string;
  /** The repro's path (null: not written). */
  repro: string | null;
  shrunk?: string | null;
  shrunkFaults?: number;
}

export interface SaveFailuresOptions {
  out: string;
  /** Full artefacts for at most this many failing seeds; the others get their repro.json alone. */
  maxArtefacts: number;
  /** Shrink the first failing seed. */
  shrink: boolean;
  /** After a seed's full artefacts are written (the verdict of the re-run). */
  onWritten?(entry: FailureEntry, verdict: Verdict): void;
  onShrunk?(entry: FailureEntry, s: ShrinkResult): void;
  onShrinkFailed?(error: unknown): void;
}

/** Writes the artefacts of the failing seeds among `results` (in their order); returns one entry per failing seed. */
export async function saveFailures(base: ExploreBase, results: readonly SeedResult[], opts: SaveFailuresOptions): Promise<FailureEntry[]> {
  const failures: FailureEntry[] = [];
  let written = 0;
  for (const r of results) {
    if (!r.failure) continue;
    const entry: FailureEntry = { seed: r.seed, workload: r.workload, property: r.failure.property, repro: null };
    failures.push(entry);
    if (written >= opts.maxArtefacts) {
      // Beyond maxArtefacts: the repro alone (the spec is known without re-running), enough to replay it.
      const spec = specOf(base, r.seed);
      const dir = join(opts.out, seedDirName(r.seed));
      makeDirs(dir);
      entry.repro = join(dir, 'repro.json');
      writeFileSync(entry.repro, JSON.stringify(makeRepro(spec, { property: r.failure.property, ok: false, explanation: r.failure.explanation }, r.traceHash), null, 2) + '\n');
      continue;
    }
    written++;
    // Re-run the failing seed here with the trace on (the run is deterministic: same hash), write the artefacts.
    const spec = specOf(base, r.seed);
    const full = await runSpec(spec, { recordTrace: true, keepHistory: true });
    const verdict = full.verdicts.find((v) => v.property === r.failure!.property && v.ok === false) ?? { property: r.failure.property, ok: false, explanation: r.failure.explanation };
    const dir = join(opts.out, seedDirName(r.seed));
    entry.repro = writeFailure(dir, spec, full, verdict);
    opts.onWritten?.(entry, verdict);
    if (opts.shrink && written === 1) {
      try {
        const s = await shrink(spec, verdict.property, { budget: 300 });
        const sFull = await runSpec(s.spec, { recordTrace: true, keepHistory: true });
        entry.shrunk = writeFailure(dir, s.spec, sFull, s.verdict, 'repro-shrunk.json');
        entry.shrunkFaults = s.after.faults;
        opts.onShrunk?.(entry, s);
      } catch (e) {
        opts.onShrinkFailed?.(e);
      }
    }
  }
  return failures;
}
