import type { Command } from 'commander';
import chalk from 'chalk';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { declaredProperties, loadRecipe } from '../../explore/workloads/module.js';
import { KNOWN_PROPERTIES, OptionError, baseFromChoices, checkRecipeSkips, faultKinds, type ChoiceName, type ConfigChoices, type Spelling } from '../../explore/options.js';
import { UsageError } from '../errors.js';
import { optionKey, parsePositiveInt } from '../options.js';
import { DEFAULT_CONFIG, FAULT_KINDS, MIXED_WORKLOADS, WORKLOADS, type ExploreConfig, type FaultKind, type WorkloadName } from '../../explore/spec.js';
import { explore, parseRange, parseShard, propertyTable, shardSeeds, type ExploreBase } from '../../explore/engine.js';
import { saveFailures } from '../../explore/failures.js';
import { DEFAULT_OUT } from '../../explore/artefacts.js';
import { zksimVersion } from '../../explore/version.js';
import { settleMs } from '../../explore/progress.js';
import { headline } from '../../explore/verdict.js';
import { outputDir } from '../output-paths.js';

export { KNOWN_PROPERTIES, propertyTable };

/** The default of `zksim explore` (and `npm start`): seeds 1..DEFAULT_COUNT. About a minute on 2 cores. */
export const DEFAULT_COUNT = 5000;

export interface CommonOpts {
  servers?: string;
  clients?: string;
  workload?: string;
  faults?: string;
  bug?: string;
  duration?: string;
  recovery?: string;
  skipCheck?: string;
  extendedTypes?: boolean;
  containerCheckMs?: string;
}

/** Options shared by explore, run and replay: they decide the config of a seed. */
export function addConfigOptions(cmd: Command): Command {
  return cmd
    .option('--servers <n>', 'number of servers (1 = standalone)')
    .option('--clients <n>', 'number of client sessions')
    .option('--workload <name>', `workload: ${WORKLOADS.join(', ')}, mixed (the seed picks one of ${MIXED_WORKLOADS.join(', ')}; default), or the path of your recipe module (a .js file: see explore/workloads/module.ts)`)
    .option('--faults <list>', `comma-separated fault kinds, 'all' (default) or 'none': ${FAULT_KINDS.join(', ')}`)
    .option('--bug <name>', 'switch a zoo bug on in every server (see zksim bugs)')
    .option('--duration <ms>', 'virtual ms of the fault phase (the recovery phase follows)')
    .option('--recovery <ms>', `virtual ms of the recovery phase after the last heal: within it the ensemble must elect a leader and serve every client (default ${DEFAULT_CONFIG.recoveryMs})`)
    .option('--skip-check <list>', `comma-separated properties not to check (${KNOWN_PROPERTIES.join(', ')})`)
    .option('--extended-types', 'zookeeper.extendedTypesEnabled on every server: TTL nodes (the inventory workload makes n1 of each parent a TTL node; recipes may create them)')
    .option('--container-check-ms <ms>', 'znode.container.checkIntervalMs of every server (default 1000 with --extended-types, else 60000)');
}

/** The configuration options (addConfigOptions) given on a command line, as their flags (`--servers`, ...). */
export function configOptionsGiven(o: object): string[] {
  const given = o as Record<string, unknown>;
  return Object.values(FLAGS).filter((flag) => given[optionKey(flag)] !== undefined);
}

/** The CLI's spelling of the options shared with the library (explore/options.ts): flags, numbers as text. */
const FLAGS: Record<ChoiceName, string> = {
  servers: '--servers',
  clients: '--clients',
  workload: '--workload',
  faults: '--faults',
  bug: '--bug',
  durationMs: '--duration',
  recoveryMs: '--recovery',
  skipChecks: '--skip-check',
  extendedTypes: '--extended-types',
  containerCheckMs: '--container-check-ms',
};
const CLI: Spelling<string> = { flag: (o) => FLAGS[o], int: (o, text) => parsePositiveInt(FLAGS[o], text) };

/** Runs a validation of explore/options.ts; its OptionError is bad input (exit 2, one line). */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OptionError) throw new UsageError(e.message);
    throw e;
  }
}

/** The text of --faults as a list, or 'all' / 'none'. */
function faultList(text: string): string[] | 'all' | 'none' {
  const t = text.trim();
  if (t === 'all') return 'all';
  if (t === 'none' || t === '') return 'none';
  return t.split(',').map((x) => x.trim()).filter(Boolean);
}

export function parseFaults(text: string): FaultKind[] {
  return usage(() => faultKinds(faultList(text), CLI.flag));
}

export function baseFromOptions(o: CommonOpts, defaults: { workload?: WorkloadName | 'mixed' } = {}): ExploreBase {
  const choices: ConfigChoices<string> = {
    servers: o.servers,
    clients: o.clients,
    workload: o.workload,
    faults: o.faults === undefined ? undefined : faultList(o.faults),
    bug: o.bug,
    durationMs: o.duration,
    recoveryMs: o.recovery,
    skipChecks: o.skipCheck === undefined ? undefined : o.skipCheck.split(',').map((x) => x.trim()).filter(Boolean),
    ...(o.extendedTypes ? { extendedTypes: true } : {}),
    ...(o.containerCheckMs !== undefined ? { containerCheckMs: o.containerCheckMs } : {}),
  };
  return usage(() => baseFromChoices(choices, CLI, defaults));
}

/** Loads a recipe module named by --workload (or by a repro), so that a broken one is bad input (exit 2). */
export async function prepareWorkload(config: ExploreConfig): Promise<void> {
  if (config.workloadModule === undefined) return;
  try {
    await loadRecipe(config.workloadModule);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  usage(() => checkRecipeSkips(config, declaredProperties(config.workloadModule!)));
}

interface ExploreOpts extends CommonOpts {
  count?: string;
  seeds?: string;
  workers?: string;
  shard?: string;
  json?: boolean;
  out: string;
  shrink: boolean;
  maxFailures?: string;
  artefacts: string;
}

export interface ExploreSummary {
  format: 'zksim-explore-summary';
  zksimVersion: string;
  range: { from: number; to: number };
  shard: { index: number; total: number } | null;
  seeds: number;
  seedList: number[];
  seedsPerSecond: number;
  simulatedSecondsPerWallSecond: number;
  wallMs: number;
  failures: Array<{ seed: number | string; workload: string; property: string; repro: string | null; shrunk?: string | null; shrunkFaults?: number }>;
  properties: Record<string, { passed: number; failed: number; notChecked: number }>;
  workloads: Record<string, number>;
  config: { base: ExploreBase };
  /** Set when a signal stopped the exploration: the seeds that ran (a prefix of the range or shard) are summarised. */
  interrupted?: 'SIGINT' | 'SIGTERM';
}

export function printTable(summary: Pick<ExploreSummary, 'properties' | 'workloads' | 'seeds' | 'seedsPerSecond' | 'failures'>, out = process.stdout): void {
  const rows = Object.entries(summary.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const w = Math.max(12, ...rows.map(([p]) => p.length));
  out.write(`\n${'property'.padEnd(w)}  ${'passed'.padStart(7)}  ${'failed'.padStart(7)}  ${'not checked'.padStart(11)}\n`);
  for (const [p, c] of rows) {
    const failed = c.failed ? chalk.red(String(c.failed).padStart(7)) : String(c.failed).padStart(7);
    out.write(`${p.padEnd(w)}  ${String(c.passed).padStart(7)}  ${failed}  ${String(c.notChecked).padStart(11)}\n`);
  }
  out.write(`\nworkloads: ${Object.entries(summary.workloads).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  out.write(`${summary.seeds} seed(s), ${summary.seedsPerSecond.toFixed(1)} seeds/s, ${summary.failures.length} failing seed(s)\n`);
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('explore')
      .description('run many seeds under random faults and check every run; exit 0 nothing found, 1 violation, 2 bad input')
      .option('--count <n>', `number of seeds, 1..N (default ${DEFAULT_COUNT})`)
      .option('--seeds <A..B>', 'an inclusive seed range, e.g. 1..500')
      .option('--workers <k>', 'worker threads (default: the number of cores)')
      .option('--shard <i/n>', 'run only shard i of n (1-based, round-robin over the range)')
      .option('--out <dir>', 'where failure artefacts and summary.json go', DEFAULT_OUT)
      .option('--no-shrink', 'do not shrink the first failure')
      .option('--max-failures <n>', 'stop after this many failing seeds')
      .option('--artefacts <n>', 'write history, trace and explanation for at most this many failing seeds (every failing seed gets its repro.json)', '5')
      .option('--json', 'print one JSON object (no progress bar)'),
  ).action(async (o: ExploreOpts) => {
    if (o.count !== undefined && o.seeds !== undefined) throw new UsageError('give either --count or --seeds, not both');
    let range = { from: 1, to: DEFAULT_COUNT };
    if (o.count !== undefined) range = { from: 1, to: parsePositiveInt('--count', o.count) };
    if (o.seeds !== undefined) {
      const r = parseRange(o.seeds);
      if (!r) throw new UsageError(`--seeds must look like A..B with integers A <= B, got '${o.seeds}'`);
      range = r;
    }
    const shard = o.shard !== undefined ? parseShard(o.shard) : null;
    if (o.shard !== undefined && !shard) throw new UsageError(`--shard must look like i/n with 1 <= i <= n, got '${o.shard}'`);
    const workers = o.workers !== undefined ? parsePositiveInt('--workers', o.workers) : Math.max(1, Math.min(availableParallelism(), 8));
    // each worker is a thread with its own heap: far more than the cores only costs memory (and threads by the
    // thousand exhaust it)
    const maxWorkers = Math.max(64, availableParallelism());
    if (workers > maxWorkers) throw new UsageError(`--workers must be at most ${maxWorkers} (this machine has ${availableParallelism()} cores)`);
    const maxFailures = o.maxFailures !== undefined ? parsePositiveInt('--max-failures', o.maxFailures) : undefined;
    const maxArtefacts = /^\d+$/.test(o.artefacts) ? Number(o.artefacts) : NaN;
    if (Number.isNaN(maxArtefacts)) throw new UsageError(`--artefacts must be a non-negative integer, got '${o.artefacts}'`);
    const base = baseFromOptions(o);
    // an earlier exploration's report in the same folder: its seed folders stay beside this run's (only the seeds
    // this run fails are rewritten), so say which list is this run's
    const earlier = existsSync(join(o.out, 'summary.json'));
    outputDir('--out', o.out);
    await prepareWorkload(base.config);
    const seeds = shardSeeds(range.from, range.to, shard ?? undefined);
    if (range.to - range.from > 10_000_000) throw new UsageError('the seed range is too large');

    const showBar = !o.json && process.stderr.isTTY === true;
    let bar: { update(v: number, p?: object): void; stop(): void; start(total: number, v: number, p?: object): void } | null = null;
    // Ctrl-C or a CI job's cancellation: stop launching seeds, let the running ones finish, then save what ran (the
    // failures' artefacts, unshrunk, and summary.json marked interrupted) instead of losing all of it; a second
    // signal quits at once. Installed before the first line is printed: a caller may signal as soon as it sees it.
    let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
    const onSignal = (sig: 'SIGINT' | 'SIGTERM'): void => {
      if (interrupted) process.exit(sig === 'SIGINT' ? 130 : 143);
      interrupted = sig;
      bar?.stop();
      process.stderr.write(`\nexplore: ${sig}: finishing the seeds that are running, then saving what ran (${sig} again quits at once)\n`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (!o.json) for (const line of recoveryWindowNotes(base.config)) process.stderr.write(`note: ${line}\n`);
    if (earlier && !o.json) process.stderr.write(`note: ${o.out} holds an earlier exploration's report; its seed folders stay unless this run fails the same seed: this run's failures are those its summary.json lists\n`);
    const started = Date.now();
    if (showBar) {
      const cliProgress = (await import('cli-progress')).default;
      bar = new cliProgress.SingleBar(
        { format: 'explore [{bar}] {value}/{total} seeds | {speed} seeds/s | failures {failures} | ETA {eta_formatted}', hideCursor: true, stream: process.stderr, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(seeds.length, 0, { speed: '0.0', failures: 0 });
    } else if (!o.json) {
      process.stderr.write(`explore: ${seeds.length} seed(s) ${range.from}..${range.to}${shard ? ` shard ${shard.index}/${shard.total}` : ''} on ${workers} worker(s)\n`);
    }
    let run;
    try {
      run = await explore({
        base,
        seeds,
        workers,
        maxFailures,
        stopRequested: () => interrupted !== undefined,
        onResult: (_r, done, failures) => {
          if (bar && !interrupted) bar.update(done, { speed: (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1), failures });
        },
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    bar?.stop();

    const failures: ExploreSummary['failures'] = await saveFailures(base, run.results, {
      out: o.out,
      maxArtefacts,
      shrink: o.shrink && !interrupted,
      onWritten: (entry, verdict) => {
        if (o.json) return;
        process.stdout.write(`${chalk.red('FAIL')} seed ${entry.seed} (${entry.workload}): ${verdict.property}: ${headline(verdict.explanation, 200).text}\n`);
        process.stdout.write(`  replay: npx zksim replay ${entry.repro}\n`);
      },
      onShrunk: (entry, s) => {
        if (o.json) return;
        process.stdout.write(
          `  shrunk in ${s.runs} runs: faults ${s.before.faults} -> ${s.after.faults}, ops ${s.before.ops} -> ${s.after.ops}, clients ${s.before.clients} -> ${s.after.clients}, servers ${s.before.servers} -> ${s.after.servers}, run ${s.before.durationMs} -> ${s.after.durationMs} ms\n`,
        );
        process.stdout.write(`  replay: npx zksim replay ${entry.shrunk}\n`);
      },
      onShrinkFailed: (e) => {
        if (!o.json) process.stdout.write(`  (not shrunk: ${e instanceof Error ? e.message : String(e)})\n`);
      },
    });

    // The failing seeds beyond --artefacts got their repro.json alone: name them too, or the console's list of
    // failures stops short of the count the table ends with.
    const reproOnly = failures.slice(maxArtefacts);
    if (reproOnly.length && !o.json) {
      process.stdout.write(`${chalk.red('FAIL')} ${reproOnly.length}${maxArtefacts ? ' more' : ''} seed(s), repro.json only (--artefacts ${maxArtefacts}): ${reproOnly.map((f) => `${String(f.seed)} ${f.property}`).join(', ')}\n`);
      process.stdout.write(`  replay: npx zksim replay ${join(o.out, '<seed>', 'repro.json')} (summary.json lists each repro)\n`);
      // the first failure is shrunk with its artefacts: with none, say so rather than skip it without a word
      if (maxArtefacts === 0 && o.shrink && !interrupted) process.stdout.write(`  (not shrunk: --artefacts 0; npx zksim shrink ${reproOnly[0]!.repro} shrinks the first)\n`);
    }
    const workloads: Record<string, number> = {};
    for (const r of run.results) workloads[r.workload] = (workloads[r.workload] ?? 0) + 1;
    const summary: ExploreSummary = {
      format: 'zksim-explore-summary',
      zksimVersion: zksimVersion(),
      range,
      shard,
      seeds: run.results.length,
      seedList: run.results.map((r) => r.seed as number),
      seedsPerSecond: round(run.results.length / Math.max(0.001, run.wallMs / 1000)),
      simulatedSecondsPerWallSecond: round(run.simulatedMs / Math.max(0.001, run.wallMs)),
      wallMs: Math.round(run.wallMs),
      failures,
      properties: propertyTable(run.results),
      workloads,
      config: { base },
      ...(interrupted ? { interrupted } : {}),
    };
    writeFileSync(join(o.out, 'summary.json'), JSON.stringify(summary) + '\n');
    if (o.json) {
      const { seedList: _omit, ...rest } = summary;
      console.log(JSON.stringify(rest));
    } else {
      printTable(summary);
      if (interrupted) process.stdout.write(`interrupted (${interrupted}): ${summary.seeds} of ${seeds.length} seed(s) ran; summary.json and the failures' artefacts are in ${o.out}\n`);
    }
    // 128 + the signal's number, as a shell reports a command the signal ended: an interrupted run is no verdict
    process.exitCode = interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : failures.length ? 1 : 0;
  });
}

/**
 * What a short recovery phase costs, said before the run rather than discovered in the summary's not-checked column:
 * `progress` needs a quiet phase of settleMs, and below about 12 s ZooKeeper's own election and reconnection timing
 * can fail `recovery` on a few seeds (README, open points).
 */
export function recoveryWindowNotes(config: Pick<ExploreConfig, 'recoveryMs' | 'sessionTimeoutMs' | 'tickTime'>): string[] {
  const notes: string[] = [];
  const settle = settleMs(config);
  if (config.recoveryMs < settle) notes.push(`--recovery ${config.recoveryMs} is shorter than the ${settle} ms the progress check needs (twice the negotiated session timeout plus 2 s): progress is not checked`);
  if (config.recoveryMs < SHORT_RECOVERY_MS) notes.push(`below ${SHORT_RECOVERY_MS} ms a few seeds fail recovery from ZooKeeper's own election and reconnection timing, not from a bug (README, open points)`);
  return notes;
}

/** The shortest recovery phase in which no swept seed has failed `recovery` without a bug (README, open points). */
const SHORT_RECOVERY_MS = 12_000;

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
