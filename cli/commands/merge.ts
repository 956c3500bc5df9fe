import type { Command } from 'commander';
import chalk from 'chalk';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { printTable, type ExploreSummary } from './explore.js';
import { seedDirName } from '../../explore/artefacts.js';

/** Combines the summaries of several explore runs (shards of one range, from a CI matrix or Indexed Jobs). */
export function mergeSummaries(list: Array<{ dir: string; s: ExploreSummary }>) {
  const seen = new Map<number, string>();
  const duplicates: number[] = [];
  const properties: ExploreSummary['properties'] = {};
  const workloads: Record<string, number> = {};
  const failures: ExploreSummary['failures'] = [];
  const failedSeeds = new Set<string>();
  let wallMs = 0;
  let seeds = 0;
  for (const { dir, s } of list) {
    for (const seed of s.seedList) {
      if (seen.has(seed)) duplicates.push(seed);
      seen.set(seed, dir);
    }
    seeds += s.seeds;
    wallMs = Math.max(wallMs, s.wallMs);
    for (const [p, c] of Object.entries(s.properties)) {
      const t = (properties[p] ??= { passed: 0, failed: 0, notChecked: 0 });
      t.passed += c.passed;
      t.failed += c.failed;
      t.notChecked += c.notChecked;
    }
    for (const [w, n] of Object.entries(s.workloads)) workloads[w] = (workloads[w] ?? 0) + n;
    // Repro paths relative to the folder given here (the shard's report may have been downloaded anywhere).
    // A seed that failed in two shards (overlapping ranges) is one failing seed: the first shard's is kept.
    for (const f of s.failures) {
      if (failedSeeds.has(String(f.seed))) continue;
      failedSeeds.add(String(f.seed));
      failures.push({ ...f, repro: f.repro ? join(dir, seedDirName(f.seed), 'repro.json') : null });
    }
  }
  // Missing seeds: the union of the ranges the shards were cut from, minus what ran.
  const missing: number[] = [];
  const ranges = new Set(list.map(({ s }) => `${s.range.from}..${s.range.to}`));
  for (const r of ranges) {
    const [from, to] = r.split('..').map(Number) as [number, number];
    for (let x = from; x <= to && missing.length < 1000; x++) if (!seen.has(x)) missing.push(x);
  }
  failures.sort((a, b) => Number(a.seed) - Number(b.seed));
  return {
    seeds,
    distinctSeeds: seen.size,
    duplicates,
    missing,
    ranges: [...ranges],
    seedsPerSecond: Math.round((seeds / Math.max(0.001, wallMs / 1000)) * 100) / 100,
    failures,
    properties,
    workloads,
  };
}

/**
 * Shards of one exploration share its configuration; the summaries of explorations with different ones (another
 * bug, workload, fault set...) would add up to figures of no run: refused, naming the first difference.
 */
function configMismatch(list: Array<{ dir: string; s: ExploreSummary }>): void {
  const first = list[0];
  if (!first) return;
  const configOf = (s: ExploreSummary): Record<string, unknown> => ((s as unknown as { config?: { base?: { config?: Record<string, unknown> } } }).config?.base?.config ?? {});
  const want = configOf(first.s);
  for (const { dir, s } of list.slice(1)) {
    const have = configOf(s);
    const keys = [...new Set([...Object.keys(want), ...Object.keys(have)])].sort();
    const k = keys.find((key) => JSON.stringify(want[key]) !== JSON.stringify(have[key]));
    if (k !== undefined) {
      throw new UsageError(`${dir} ran with another configuration than ${first.dir} (${k}: ${JSON.stringify(have[k] ?? null)} against ${JSON.stringify(want[k] ?? null)}): merge only the shards of one exploration`);
    }
  }
}

export function register(program: Command): void {
  program
    .command('merge')
    .description('merge the reports of several explore runs (e.g. shards): each folder holds a summary.json; exit 1 if any failure')
    .argument('<dirs...>', 'report folders (the --out of each explore run)')
    .option('--json', 'print one JSON object')
    .option('--complete', 'every seed of the shards\' ranges must have run (a shard that never uploaded its report): else exit 2 naming the missing seeds, before any output')
    .action((dirs: string[], o: { json?: boolean; complete?: boolean }) => {
      const given = new Map<string, string>();
      for (const dir of dirs) {
        const real = existsSync(dir) ? realpathSync(dir) : dir;
        if (given.has(real)) throw new UsageError(`${dir}: given twice (as ${given.get(real)}): each folder's seeds would count twice`);
        given.set(real, dir);
      }
      const list = dirs.map((dir) => {
        if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${dir}: a file, not a folder (give the --out folder of an explore run)`);
        const file = join(dir, 'summary.json');
        let s: ExploreSummary;
        try {
          s = JSON.parse(readFileSync(file, 'utf8')) as ExploreSummary;
        } catch (e) {
          throw new UsageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing (not an explore --out folder?)' : 'not valid JSON'}`);
        }
        if (s.format !== 'zksim-explore-summary' || !Array.isArray(s.seedList)) throw new UsageError(`${file}: not a zksim explore summary`);
        return { dir, s };
      });
      configMismatch(list);
      const m = mergeSummaries(list);
      if (o.complete && m.missing.length) {
        throw new UsageError(`--complete: ${m.missing.length}${m.missing.length >= 1000 ? '+' : ''} seed(s) of ${m.ranges.join(', ')} did not run (first: ${m.missing.slice(0, 10).join(', ')}): a shard's report is missing`);
      }
      if (o.json) console.log(JSON.stringify(m));
      else {
        printTable({ properties: m.properties, workloads: m.workloads, seeds: m.seeds, seedsPerSecond: m.seedsPerSecond, failures: m.failures });
        if (m.duplicates.length) console.log(chalk.yellow(`${m.duplicates.length} seed(s) ran in more than one shard`));
        if (m.missing.length) console.log(chalk.yellow(`${m.missing.length}${m.missing.length >= 1000 ? '+' : ''} seed(s) of ${m.ranges.join(', ')} did not run (first: ${m.missing.slice(0, 10).join(', ')})`));
        else console.log(`every seed of ${m.ranges.join(', ')} ran`);
        for (const f of m.failures) console.log(`${chalk.red('FAIL')} seed ${f.seed} ${f.property}${f.repro ? `  replay: npx zksim replay ${f.repro}` : ''}`);
      }
      process.exitCode = m.failures.length ? 1 : 0;
    });
}
