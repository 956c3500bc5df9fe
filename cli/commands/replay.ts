import type { Command } from 'commander';
import chalk from 'chalk';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { addConfigOptions, baseFromOptions, configOptionsGiven, prepareWorkload, type CommonOpts } from './explore.js';
import { runJson } from './run.js';
import { validSeed } from '../options.js';
import { makeRepro, readRepro, story, writeFailure } from '../../explore/artefacts.js';
import { specOf, workloadLabel } from '../../explore/engine.js';
import { runSpec } from '../../explore/runner.js';
import { writeReportFile } from '../report-option.js';
import { describeFault } from '../../explore/nemesis.js';
import { printVerdicts } from '../verdicts.js';
import { SpecError, type RunSpec } from '../../explore/spec.js';
import { outputDir, outputFile } from '../output-paths.js';
import { RecipeError, recipePath } from '../../explore/workloads/module.js';

interface ReplayOpts extends CommonOpts {
  json?: boolean;
  verbose?: boolean;
  save?: string;
  story?: boolean;
}

/** The absolute path of a recipe module given by --workload to move a repro's (bad input when there is no file). */
function recipeModulePath(value: string): string {
  try {
    return recipePath(value);
  } catch (e) {
    if (e instanceof RecipeError) throw new UsageError(`--workload: ${e.message}`);
    throw e;
  }
}

/** Loads a repro (SpecError -> UsageError: exit 2, one line). */
export function loadRepro(path: string, opts: { workloadModule?: string } = {}) {
  try {
    return readRepro(path, opts);
  } catch (e) {
    if (e instanceof SpecError) throw new UsageError(e.message);
    throw e;
  }
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('replay')
      .description('replay a seed (with the same options as explore) or a repro.json: the identical run, the same trace hash; exit 1 when a property fails')
      .argument('<seed|repro.json>', 'a seed, or the path of a repro file')
      .option('--json', 'print one JSON object')
      .option('--verbose', 'print the fault schedule and full explanations')
      .option('--story', 'tell the run step by step (votes, epochs, proposals, commits, sessions, client calls, faults), as the scenarios do')
      .option('--save <dir>', 'when a property fails, write the artefacts (repro, history, trace, explanation, story, report) to this folder')
      .option('--report <file.html>', 'write a self-contained HTML report of the run (space-time diagram, operations, faults, roles)'),
  ).action(async (target: string, o: ReplayOpts & { report?: string }) => {
    // the story is text for a terminal: with --json it would be left out without a word
    if (o.story && o.json) throw new UsageError('--story tells the run as text and does not go with --json (--save writes it to story.txt)');
    let spec: RunSpec;
    let expectedHash: string | undefined;
    let reproProperty: string | undefined;
    // A name that ends in .json or has a folder in it is a file: a mistyped path stops here instead of replaying a
    // seed of that name (string seeds with a slash still run with `zksim run --seed`).
    const exists = existsSync(target);
    const isFile = exists || target.endsWith('.json') || /[/\\]/.test(target);
    if (isFile && !exists) throw new UsageError(`${target}: no such file (a repro file, or a seed without '/')`);
    if (isFile) {
      // --workload only moves a recipe module (a repro from another machine names its path there)
      const ignored = configOptionsGiven(o).filter((f) => f !== '--workload');
      if (ignored.length) throw new UsageError(`a repro carries its own configuration: ${ignored.join(', ')} ${ignored.length === 1 ? 'does' : 'do'} not apply to it (replay a seed with options instead)`);
      const repro = loadRepro(target, o.workload !== undefined ? { workloadModule: recipeModulePath(o.workload) } : {});
      spec = repro.spec;
      expectedHash = repro.traceHash;
      reproProperty = repro.property;
    } else {
      spec = specOf(baseFromOptions(o), validSeed(target));
    }
    if (o.report !== undefined) outputFile('--report', o.report);
    if (o.save !== undefined) {
      outputDir('--save', o.save);
      // --save writes repro.json: one of another run there (the unshrunk repro beside repro-shrunk.json) would be
      // replaced without a word
      const there = join(o.save, 'repro.json');
      if (existsSync(there)) {
        let other: unknown;
        try {
          other = (JSON.parse(readFileSync(there, 'utf8')) as { spec?: unknown }).spec;
        } catch {
          other = undefined;
        }
        if (JSON.stringify(other) !== JSON.stringify(makeRepro(spec).spec)) throw new UsageError(`--save ${o.save}: it holds the repro.json of another run, which --save would replace: give another folder`);
      }
    }
    await prepareWorkload(spec.config);
    const started = process.hrtime.bigint();
    const keep = !!o.save || !!o.report || !!o.story;
    const out = await runSpec(spec, { recordTrace: keep, keepHistory: keep });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    // the property the repro was saved (or shrunk) for, while it fails: --save keeps it, so that `zksim shrink` of the
    // saved repro goes on with it, rather than the first failing property in the checkers' order
    const failedV = out.verdicts.find((v) => v.ok === false && v.property === reproProperty) ?? out.verdicts.find((v) => v.ok === false);
    const hashMatches = expectedHash === undefined ? null : expectedHash === out.traceHash;
    if (o.save && failedV) writeFailure(o.save, spec, out, failedV);
    else if (o.save) process.stderr.write(`replay: every property holds, so ${o.save} gets no artefacts (they are written for a failing run)\n`);
    if (o.report) writeReportFile(o.report, out, `zksim replay ${isFile ? target : `seed ${spec.seed}`}`, failedV);
    if (o.json) {
      console.log(JSON.stringify({ ...runJson(spec, out, wallMs), expectedTraceHash: expectedHash ?? null, traceHashMatches: hashMatches }));
    } else {
      console.log(`${chalk.bold('zksim replay')} ${isFile ? target : `seed ${spec.seed}`}: ${workloadLabel(spec)}, ${spec.config.servers} server(s), ${spec.workload.clients.length} client(s), ${spec.schedule.length} fault(s)`);
      console.log(`  trace hash ${out.traceHash}${hashMatches === null ? '' : hashMatches ? chalk.green(' (identical to the repro)') : chalk.red(` (the repro recorded ${expectedHash}: this run differs)`)}`);
      printVerdicts(out.verdicts, !!o.verbose, 'replay');
      if (o.verbose) for (const f of spec.schedule) console.log(`  fault ${describeFault(f)}`);
      if (o.story) {
        console.log('');
        for (const line of story(out, true)) console.log(line);
      }
    }
    process.exitCode = failedV || hashMatches === false ? 1 : 0;
  });
}
