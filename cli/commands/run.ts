import type { Command } from 'commander';
import chalk from 'chalk';
import { UsageError } from '../errors.js';
import type { Seed } from '../../sim/random.js';
import { runOnce, type RunConfig } from '../../sim/run.js';
import { checkDeterminism } from '../determinism.js';
import { parsePositiveInt, validSeed } from '../options.js';
import { addConfigOptions, baseFromOptions, configOptionsGiven, prepareWorkload, type CommonOpts } from './explore.js';
import { specOf, workloadLabel } from '../../explore/engine.js';
import { runData, runSpec, type RunOutcome } from '../../explore/runner.js';
import { printVerdicts } from '../verdicts.js';
import { writeReportFile } from '../report-option.js';
import { checkSpecDeterminism } from '../../explore/determinism.js';
import { describeFault } from '../../explore/nemesis.js';
import type { RunSpec } from '../../explore/spec.js';
import { outputFile } from '../output-paths.js';

interface RunOpts extends CommonOpts {
  seed: string;
  time?: string;
  json?: boolean;
  checkDeterminism?: boolean;
  demo?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('run')
      .description('run one seed and print a summary: a ZooKeeper ensemble (3 servers by default) under the seed\'s faults and workload, every property checked; exit 0 every property holds, 1 a property fails, 2 bad input; --demo runs the kernel demo world')
      .requiredOption('--seed <seed>', 'the seed: an integer or a non-empty string')
      .option('--demo', 'run the kernel demo world (no ZooKeeper)')
      .option('--time <ms>', 'virtual ms of the demo world (with --demo); without --demo, the fault phase (as --duration)')
      .option('--json', 'print one JSON object')
      .option('--verbose', 'print every verdict and the fault schedule')
      .option('--check-determinism', 'run twice (once in a worker thread) and compare the trace hashes')
      .option('--report <file.html>', 'write a self-contained HTML report of the run (space-time diagram, operations, faults, roles)'),
  ).action(async (opts: RunOpts & { report?: string }) => {
    const seed = validSeed(opts.seed);
    if (opts.demo) {
      const ignored = [...configOptionsGiven(opts), ...(opts.report !== undefined ? ['--report'] : [])];
      if (ignored.length) throw new UsageError(`--demo runs the kernel demo world (no ZooKeeper): ${ignored.join(', ')} ${ignored.length === 1 ? 'does' : 'do'} not apply to it`);
      const config: RunConfig = { seed, mode: 'demo', durationMs: parsePositiveInt('--time', opts.time ?? '5000') };
      await runDemo(config, opts);
      return;
    }
    if (opts.time !== undefined) {
      // --time sets the fault phase of an ensemble run (kept for compatibility with the kernel demo); with --duration
      // too, one of them would be ignored
      if (opts.duration !== undefined) throw new UsageError('--time and --duration both set the fault phase of an ensemble run: give one');
      opts.duration = String(parsePositiveInt('--time', opts.time));
    }
    const base = baseFromOptions(opts);
    if (opts.report !== undefined) outputFile('--report', opts.report);
    await prepareWorkload(base.config);
    const spec = specOf(base, seed);
    const started = process.hrtime.bigint();
    // --check-determinism: the run (in this thread, its trace recorded) and its verdicts as without it, plus the
    // same spec in a worker thread; exit 1 when the hashes differ or a property fails
    const det = opts.checkDeterminism ? await checkSpecDeterminism(spec, { keepHistory: !!opts.report }) : undefined;
    const o = det ? det.outcome : await runSpec(spec, opts.report ? { recordTrace: true, keepHistory: true } : {});
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (opts.report) writeReportFile(opts.report, o, `zksim run seed ${spec.seed}`);
    // Exit codes like replay and explore: 0 every checked property holds, 1 one fails (2, bad input, is thrown above).
    if (opts.json) console.log(JSON.stringify({ ...runJson(spec, o, wallMs), ...(det ? determinismJson(det) : {}) }));
    else {
      printRun(spec, o, wallMs, !!opts.verbose);
      if (det) printDeterminism(seed, det, false);
    }
    process.exitCode = o.verdicts.some((v) => v.ok === false) || (det && !det.same) ? 1 : 0;
  });
}

/** What `run --json` prints: the run's data (explore/runner.ts runData) with its wall-clock time after simulatedMs. */
export function runJson(spec: RunSpec, o: RunOutcome, wallMs: number): Record<string, unknown> {
  const { seed, traceHash, events, simulatedMs, ...rest } = runData(spec, o);
  return { seed, traceHash, events, simulatedMs, wallMs: Math.round(wallMs * 10) / 10, ...rest };
}

function printRun(spec: RunSpec, o: RunOutcome, wallMs: number, verbose: boolean): void {
  console.log(`${chalk.bold('zksim run')} seed ${spec.seed}: ${workloadLabel(spec)}, ${o.servers} server(s), ${spec.workload.clients.length} client(s), ${o.faults} fault(s)${spec.config.bugs.length ? `, bugs ${spec.config.bugs.join(',')}` : ''}${spec.config.extendedTypes ? ', extended types' : ''}`);
  console.log(`  trace hash   ${o.traceHash}`);
  console.log(`  events       ${o.events}`);
  console.log(`  simulated    ${o.simulatedMs} ms in ${wallMs.toFixed(1)} ms wall`);
  console.log(`  history      ${o.historyOps} operations`);
  console.log(`  leader       ${o.leader ?? 'none'} (epoch ${o.epoch})`);
  printVerdicts(o.verdicts, verbose, 'run');
  if (verbose) for (const f of spec.schedule) console.log(`  fault ${describeFault(f)}`);
}

type DeterminismResult = { same: boolean; hashes: [string, string]; divergence?: { index: number; main: string; worker: string } };

/** What --check-determinism adds to a JSON line: `deterministic`, both `hashes` (main, worker), `divergence`. */
function determinismJson(r: DeterminismResult): Record<string, unknown> {
  return { deterministic: r.same, hashes: r.hashes, divergence: r.divergence ?? null };
}

function printDeterminism(seed: Seed, r: DeterminismResult, json: boolean): void {
  if (json) console.log(JSON.stringify({ seed, ...determinismJson(r) }));
  else if (r.same) console.log(`${chalk.green('deterministic')}: seed ${seed} gives trace hash ${r.hashes[0]} in the main thread and in a worker`);
  else {
    console.log(`${chalk.red('NOT deterministic')}: main ${r.hashes[0]}, worker ${r.hashes[1]}`);
    console.log(`first divergence at event #${r.divergence!.index}:\n  main:   ${r.divergence!.main}\n  worker: ${r.divergence!.worker}`);
  }
}

async function runDemo(config: RunConfig, opts: RunOpts): Promise<void> {
  const seed = config.seed;
  if (opts.checkDeterminism) {
    const r = await checkDeterminism(config);
    printDeterminism(seed, r, !!opts.json);
    process.exitCode = r.same ? 0 : 1;
    return;
  }
  const started = process.hrtime.bigint();
  const s = runOnce(config);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const out = { seed, traceHash: s.traceHash, events: s.events, simulatedMs: s.simulatedMs, wallMs: Math.round(wallMs * 10) / 10, delivered: s.delivered, dropped: s.dropped };
  if (opts.json) console.log(JSON.stringify(out));
  else {
    console.log(`${chalk.bold('zksim run --demo')} seed ${seed}`);
    console.log(`  trace hash   ${out.traceHash}`);
    console.log(`  events       ${out.events}`);
    console.log(`  simulated    ${out.simulatedMs} ms in ${out.wallMs} ms wall`);
    console.log(`  messages     ${out.delivered} delivered, ${out.dropped} packet losses to faults (retransmitted)`);
  }
}
