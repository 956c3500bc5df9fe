/**
 * zksim conformance [--against host:port,...|local] [--suite NAME[,NAME...]] [--config standalone|ensemble]
 *                   [--real-only] [--seed S] [--json]
 * zksim conformance --random N [--seed S] [--against host:port,...|local] [--config standalone|ensemble] [--save FILE]
 *
 * Runs the conformance suite (fidelity/suite/) and compares normalised output steps field by field, case by case:
 * - without --against: zksim against the golden files recorded on the real server (fidelity/golden/);
 * - with --against host:port,...: zksim against that live ZooKeeper (1 address: standalone suites; 3 or more:
 *   ensemble suites); `--against local` starts a real standalone server and a 3-node ensemble here (Debian package);
 *   `--against auto` is `local` when the package is installed, else the golden files (saying so on stderr); a suite
 *   with server options (manifest "server", e.g. extended types) gets its own ensembles started with them (a live
 *   ZooKeeper at given addresses must have been started with them by you);
 * - with --real-only: the live ZooKeeper against the golden files (checks the harness and the golden files; needs
 *   no simulator).
 * With --random N: N generated cases (fidelity/random.ts) instead of the suite, --seed S seeding the generator (and
 * zksim's simulation); see randomConformance below.
 * Exit 0 when every differing case is a listed, deliberate one (fidelity/DIFFERENCES.md), 1 when another differs, 2 on bad
 * input or an unreachable server.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { reachableAddresses } from '../against.js';
import { diffTranscripts, formatDiff, type CaseDiff } from '../../fidelity/diff.js';
import { checkSessions, runTranscript, TargetLostError } from '../../fidelity/runner.js';
import { realZooKeeperAvailable } from '../../fidelity/realzk.js';
import { CONFIG_SERVERS, goldenPaths, loadGoldenRaw, loadSuite, selectSuites, serverKey, type ConfigName, type SuiteEntry, type SuiteServerOptions } from '../../fidelity/suite.js';
import { openTarget, type OpenedTarget, type TargetSpec } from '../../fidelity/targets.js';
import { TranscriptError, normalise, stepLines, toJsonLines, type InputStep } from '../../fidelity/transcript.js';
import { generateRandomCases } from '../../fidelity/random.js';
import type { Seed } from '../../sim/random.js';
import { refuseEmpty, validSeed } from '../options.js';
import { writeFileSync } from 'node:fs';
import { isDeliberate, listedDifferences } from '../../fidelity/differences.js';

interface Opts {
  against?: string;
  suite?: string[];
  config?: string;
  realOnly?: boolean;
  seed: string;
  json?: boolean;
  random?: string;
  save?: string;
}

export interface ConformanceCase extends CaseDiff {
  config: ConfigName;
  suite: string;
}

export interface ConformanceReport {
  expected: string;
  actual: string;
  identical: number;
  differing: number;
  /** Differing cases listed as deliberate in fidelity/DIFFERENCES.md (part of `differing`). */
  deliberate?: number;
  cases: ConformanceCase[];
}

type Side = { kind: 'golden' } | { kind: 'target'; spec: (config: ConfigName, server?: SuiteServerOptions) => TargetSpec; label: string };

/** A transcript's normalised output on an opened target; a target that stopped answering is bad input (exit 2). */
async function runSteps(t: OpenedTarget, steps: InputStep[], label: string): Promise<Record<string, unknown>[]> {
  try {
    return normalise(await runTranscript(t.target, steps));
  } catch (e) {
    if (e instanceof TargetLostError) throw new UsageError(`${label}: ${e.message}`);
    throw e;
  }
}

/** Adds the per-case diffs of one suite (or the random cases) in one configuration to the report's cases and counts. */
function addDiffs(report: ConformanceReport, config: ConfigName, suite: string, exp: Record<string, unknown>[], act: Record<string, unknown>[]): void {
  for (const d of diffTranscripts(exp, act)) {
    report.cases.push({ config, suite, ...d });
    if (d.identical) report.identical++;
    else report.differing++;
  }
}

/** --config as given: standalone or ensemble, undefined when absent, else bad input. */
function configOption(config: string | undefined): ConfigName | undefined {
  if (config === undefined) return undefined;
  if (config !== 'standalone' && config !== 'ensemble') throw new UsageError(`--config must be standalone or ensemble, got '${config}'`);
  return config;
}

async function runSide(side: Side, config: ConfigName, suites: SuiteEntry[], inputs: Map<string, InputStep[]>, opened: Map<string, OpenedTarget>): Promise<Map<string, Record<string, unknown>[]>> {
  const out = new Map<string, Record<string, unknown>[]>();
  if (side.kind === 'golden') {
    for (const s of suites) {
      const g = loadGoldenRaw(config, s.name);
      if (!g) throw new UsageError(`no golden file ${goldenPaths(config, s.name).raw} (run npm run record-golden)`);
      out.set(s.name, normalise(g));
    }
    return out;
  }
  // suites with the same server options (manifest "server") share one ensemble
  for (const s of suites) {
    const key = `${side.label}/${config}/${serverKey(s.server)}`;
    let t = opened.get(key);
    if (!t) {
      try {
        t = await openTarget(side.spec(config, s.server));
      } catch (e) {
        throw new UsageError(side.label === "zksim" ? (e as Error).message : `${side.label}: ${(e as Error).message}`);
      }
      opened.set(key, t);
    }
    out.set(s.name, await runSteps(t, inputs.get(s.name)!, side.label));
  }
  return out;
}

export async function conformance(opts: Opts): Promise<ConformanceReport> {
  let suites: SuiteEntry[];
  try {
    suites = selectSuites((opts.suite ?? []).flatMap((s) => s.split(',')).filter(Boolean));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const chosenConfig = configOption(opts.config);
  let configs: ConfigName[] = chosenConfig ? [chosenConfig] : ['standalone', 'ensemble'];
  const zksim: Side = { kind: 'target', label: 'zksim', spec: (c, server) => ({ kind: 'zksim', servers: CONFIG_SERVERS[c], seed: opts.seed, ...(server ? { server } : {}) }) };
  let expected: Side = { kind: 'golden' };
  let actual: Side = zksim;
  if (opts.against === 'auto') {
    // CI: the real server when the Debian package is here, else the golden files (and say so)
    if (realZooKeeperAvailable()) opts = { ...opts, against: 'local' };
    else {
      process.stderr.write('conformance: real ZooKeeper not installed; comparing with the golden files instead\n');
      if (opts.realOnly) throw new UsageError('--real-only needs a real ZooKeeper, and none is installed');
      opts = { ...opts, against: undefined };
    }
  }
  if (opts.against) {
    let real: Side;
    if (opts.against === 'local') {
      if (!realZooKeeperAvailable()) throw new UsageError('--against local: the Debian package `zookeeper` is not installed');
      real = { kind: 'target', label: 'real', spec: (c, server) => ({ kind: 'real-local', servers: CONFIG_SERVERS[c], ...(server ? { server } : {}) }) };
    } else {
      const addresses = await reachableAddresses(opts.against);
      const config: ConfigName = addresses.length >= 3 ? 'ensemble' : 'standalone';
      if (opts.config && opts.config !== config) throw new UsageError(`--config ${opts.config} needs ${CONFIG_SERVERS[opts.config as ConfigName]} address(es), got ${addresses.length}`);
      configs = [config];
      real = { kind: 'target', label: 'real', spec: () => ({ kind: 'real', addresses }) };
    }
    if (opts.realOnly) {
      expected = { kind: 'golden' };
      actual = real;
    } else {
      expected = real;
      actual = zksim;
    }
  } else if (opts.realOnly) {
    throw new UsageError('--real-only needs --against host:port,... or --against local');
  }
  // a suite named on the command line that runs in none of the chosen configurations would be skipped in silence, and a
  // run that compared nothing said "0 identical, 0 differing" and exited 0
  if (opts.suite?.length) {
    for (const s of suites) {
      if (!s.configs.some((c) => configs.includes(c))) {
        const why = opts.against && opts.against !== 'local' ? ` (--against with ${configs[0] === 'ensemble' ? '3 or more addresses' : '1 or 2 addresses'} runs ${configs[0]} suites)` : '';
        throw new UsageError(`suite '${s.name}' runs only in ${s.configs.join(' and ')}, not in ${configs.join(' or ')}${why}`);
      }
    }
  }
  const inputs = new Map<string, InputStep[]>();
  for (const s of suites) {
    try {
      const steps = loadSuite(s);
      const problems = checkSessions(steps);
      if (problems.length) throw new UsageError(`${s.file}:${stepLines.get(problems[0]!.step) ?? '?'}: ${problems[0]!.reason}`);
      inputs.set(s.name, steps);
    } catch (e) {
      if (e instanceof TranscriptError) throw new UsageError(e.message);
      throw e;
    }
  }
  const report: ConformanceReport = {
    expected: expected.kind === 'golden' ? 'golden' : expected.label,
    actual: (actual as Side).kind === 'golden' ? 'golden' : (actual as { label: string }).label,
    identical: 0,
    differing: 0,
    cases: [],
  };
  const opened = new Map<string, OpenedTarget>();
  try {
    for (const config of configs) {
      const chosen = suites.filter((s) => s.configs.includes(config));
      if (chosen.length === 0) continue;
      const exp = await runSide(expected, config, chosen, inputs, opened);
      const act = await runSide(actual, config, chosen, inputs, opened);
      for (const s of chosen) addDiffs(report, config, s.name, exp.get(s.name)!, act.get(s.name)!);
      // servers of a configuration are not needed any more
      for (const [k, t] of opened) {
        if (k.includes(`/${config}/`)) {
          await t.close();
          opened.delete(k);
        }
      }
    }
  } finally {
    for (const t of opened.values()) await t.close();
  }
  return report;
}

/** Upper bound of --random N (a guard against a typo's hours-long run, not a limit of the generator). */
export const MAX_RANDOM_CASES = 100_000;

/** --random N and --seed S as given on the command line: the count and the seed, or bad input (exit 2). */
export function randomArgs(n: string, seedText: string): { count: number; seed: Seed } {
  if (!/^\d+$/.test(n.trim()) || Number(n) < 1 || Number(n) > MAX_RANDOM_CASES) {
    throw new UsageError(`--random needs a number of cases from 1 to ${MAX_RANDOM_CASES}, got '${n}'`);
  }
  return { count: Number(n), seed: validSeed(seedText, '--seed: ') };
}

/**
 * `conformance --random N`: N generated cases (fidelity/random.ts, seed --seed) instead of the suite.
 * - with --against (addresses, or local): the live ZooKeeper is expected, zksim (simulation seed = the seed) actual;
 * - without --against there is no golden file for random cases, so zksim is compared with itself: simulation seed S
 *   expected, simulation seed S + "/2" actual (other message latencies, same cases). The normalised answers must not
 *   depend on timing: a difference means zksim's answer does (a bug) or the generator made a timing-dependent case.
 * Standalone unless --config ensemble (3 servers; sessions connect to random servers).
 */
export async function randomConformance(opts: Opts): Promise<ConformanceReport & { steps: InputStep[] }> {
  for (const [flag, set] of [['--suite', opts.suite], ['--real-only', opts.realOnly]] as const) {
    if (set) throw new UsageError(`--random cannot be combined with ${flag}`);
  }
  const { count, seed } = randomArgs(opts.random!, opts.seed);
  let config: ConfigName = configOption(opts.config) ?? 'standalone';
  let against = opts.against;
  if (against === 'auto') against = realZooKeeperAvailable() ? 'local' : undefined;
  let expectedSpec: TargetSpec;
  let expectedLabel: string;
  if (against === 'local') {
    if (!realZooKeeperAvailable()) throw new UsageError('--against local: the Debian package `zookeeper` is not installed');
    expectedSpec = { kind: 'real-local', servers: CONFIG_SERVERS[config] };
    expectedLabel = 'real';
  } else if (against) {
    const addresses = await reachableAddresses(against);
    config = addresses.length >= 3 ? 'ensemble' : 'standalone';
    if (opts.config && opts.config !== config) throw new UsageError(`--config ${opts.config} needs ${CONFIG_SERVERS[opts.config as ConfigName]} address(es), got ${addresses.length}`);
    expectedSpec = { kind: 'real', addresses };
    expectedLabel = 'real';
  } else {
    expectedSpec = { kind: 'zksim', servers: CONFIG_SERVERS[config], seed: String(seed) };
    expectedLabel = `zksim(seed ${String(seed)})`;
  }
  const actualSeed = against ? String(seed) : `${String(seed)}/2`;
  const actualSpec: TargetSpec = { kind: 'zksim', servers: CONFIG_SERVERS[config], seed: actualSeed };
  // an external server's reset deletes the tree outside /zookeeper without credentials: no quotas there, and every
  // node readable and deletable
  const fresh = expectedSpec.kind !== 'real';
  const steps = generateRandomCases(seed, count, { servers: CONFIG_SERVERS[config], fresh });
  const problems = checkSessions(steps, CONFIG_SERVERS[config]);
  if (problems.length) throw new Error(`generator bug: ${problems[0]!.reason}`);
  if (opts.save) {
    try {
      writeFileSync(opts.save, toJsonLines(steps));
    } catch (e) {
      throw new UsageError(`--save ${opts.save}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const run = async (spec: TargetSpec, label: string): Promise<Record<string, unknown>[]> => {
    let t: OpenedTarget;
    try {
      t = await openTarget(spec);
    } catch (e) {
      throw new UsageError(`${label}: ${(e as Error).message}`);
    }
    try {
      return await runSteps(t, steps, label);
    } finally {
      await t.close();
    }
  };
  const exp = await run(expectedSpec, expectedLabel);
  const act = await run(actualSpec, 'zksim');
  const report: ConformanceReport & { steps: InputStep[] } = {
    expected: expectedLabel,
    actual: against ? 'zksim' : `zksim(seed ${actualSeed})`,
    identical: 0,
    differing: 0,
    cases: [],
    steps,
  };
  addDiffs(report, config, 'random', exp, act);
  return report;
}

export function register(program: Command): void {
  program
    .command('conformance')
    .description('run the conformance suite and diff zksim against the golden files or a live ZooKeeper, field by field')
    .option('--against <hosts>', "a live ZooKeeper: host:port[,host:port...]; 'local' starts the Debian package's servers here; 'auto' = local if installed, else golden")
    .option('--suite <names...>', 'only these suites (names from fidelity/suite/manifest.json)')
    .option('--config <name>', 'standalone or ensemble (default: both; with --random: standalone)')
    .option('--real-only', 'compare the live ZooKeeper (--against) with the golden files; no simulator involved')
    .option('--seed <s>', 'simulation seed; with --random also the generator seed', '1')
    .option('--json', 'print the report as JSON')
    .option(
      '--random <n>',
      'run N randomly generated cases (fidelity/random.ts, seeded by --seed) instead of the suite; with --against the live ' +
        'ZooKeeper is the judge; without it there is no golden file to compare with, so zksim is compared with itself ' +
        'under another simulation seed (S and S/2: other message timings), which catches answers that depend on timing',
    )
    .option('--save <file>', 'with --random: write the generated input transcript (JSONL) to FILE, to replay with `zksim transcript FILE --against ...`')
    .action(async (opts: Opts) => {
      let report: ConformanceReport;
      refuseEmpty(opts as unknown as Record<string, unknown>, ['--against', '--suite', '--config', '--seed', '--random', '--save']);
      if (opts.save && !opts.random) throw new UsageError('--save needs --random');
      try {
        report = opts.random !== undefined ? await randomConformance(opts) : await conformance(opts);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        // e.g. "simulated target not available yet": one line, exit 2
        throw new UsageError((e as Error).message);
      }
      // zksim against anything: a difference listed (with its reason) in DIFFERENCES.md is deliberate and does not fail.
      const listed = report.actual === 'zksim' ? listedDifferences() : new Map<string, string[]>();
      report.deliberate = report.cases.filter((c) => !c.identical && isDeliberate(listed, c.case, c.config)).length;
      const unexplained = report.differing - report.deliberate;
      if (opts.json) {
        const { steps: _steps, ...rest } = report as ConformanceReport & { steps?: InputStep[] };
        console.log(JSON.stringify(rest));
      } else {
        for (const c of report.cases) {
          if (c.identical) continue;
          console.log(`DIFF ${c.config} ${c.case}${isDeliberate(listed, c.case, c.config) ? ' (deliberate: see fidelity/DIFFERENCES.md)' : ''}`);
          for (const d of c.diffs.slice(0, 20)) console.log(`  ${formatDiff(d)}`);
          if (c.diffs.length > 20) console.log(`  ... ${c.diffs.length - 20} more`);
        }
        console.log(`conformance (${report.actual} vs ${report.expected}): ${report.identical} identical, ${report.differing} differing (${report.deliberate} of them deliberate, listed in fidelity/DIFFERENCES.md)`);
      }
      process.exitCode = unexplained === 0 ? 0 : 1;
    });
}
