import type { Command } from 'commander';
import chalk from 'chalk';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { parsePositiveInt } from '../options.js';
import { loadRepro } from './replay.js';
import { runSpec } from '../../explore/runner.js';
import { shrink } from '../../explore/shrink.js';
import { writeFailure } from '../../explore/artefacts.js';
import { describeFault } from '../../explore/nemesis.js';
import { prepareWorkload } from './explore.js';
import { outputFile } from '../output-paths.js';

/** The sizes a shrink reports, as the human summary names them (--json keeps ShrinkSize's keys). */
const SIZE_LABELS = [
  ['faults', 'faults'],
  ['ops', 'operations'],
  ['clients', 'clients'],
  ['servers', 'servers'],
  ['durationMs', 'run'],
] as const;

export function register(program: Command): void {
  program
    .command('shrink')
    .description('minimise a failing repro (fewer faults, operations, clients, servers, less time) while the same property fails; saves repro-shrunk.json beside it')
    .argument('<repro.json>', 'a repro file written by explore')
    .option('--budget <runs>', 'maximum number of candidate runs', '400')
    .option('--property <name>', 'the property to keep failing (default: the one the repro records, else the first failing)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, o: { budget: string; property?: string; json?: boolean }) => {
      const budget = parsePositiveInt('--budget', o.budget);
      const repro = loadRepro(file);
      // it writes repro-shrunk.json beside the repro once done: a place it cannot write is found now, not after the
      // whole budget of runs
      outputFile('shrink writes', join(dirname(file), 'repro-shrunk.json'));
      await prepareWorkload(repro.spec.config);
      let property = o.property ?? repro.property;
      if (!property) {
        const first = (await runSpec(repro.spec)).verdicts.find((v) => v.ok === false);
        if (!first) throw new UsageError(`${file}: the run violates no property, nothing to shrink`);
        property = first.property;
      }
      const check = await runSpec(repro.spec);
      // a typo is not a property that happens to hold
      if (!check.verdicts.some((v) => v.property === property)) throw new UsageError(`${file}: --property ${property}: this run has no such property (its properties: ${check.verdicts.map((v) => v.property).join(', ')})`);
      if (!check.verdicts.some((v) => v.property === property && v.ok === false)) throw new UsageError(`${file}: property '${property}' does not fail in this run, nothing to shrink`);
      const s = await shrink(repro.spec, property, {
        budget,
        onProgress: (runs, size) => {
          if (!o.json && process.stderr.isTTY) process.stderr.write(`\rshrink: ${runs} runs, ${size.faults} faults, ${size.ops} ops, ${size.clients} clients, ${size.servers} servers   `);
        },
      });
      if (!o.json && process.stderr.isTTY) process.stderr.write('\n');
      const full = await runSpec(s.spec, { recordTrace: true, keepHistory: true });
      const out = writeFailure(dirname(file), s.spec, full, s.verdict, 'repro-shrunk.json');
      if (o.json) console.log(JSON.stringify({ property, runs: s.runs, before: s.before, after: s.after, repro: out, traceHash: s.traceHash }));
      else {
        console.log(`${chalk.bold('shrunk')} '${property}' in ${s.runs} runs:`);
        for (const [k, label] of SIZE_LABELS) console.log(`  ${label.padEnd(10)} ${s.before[k]} -> ${s.after[k]}${k === 'durationMs' ? ' ms (fault phase and recovery)' : ''}`);
        for (const f of s.spec.schedule) console.log(`  fault ${describeFault(f)}`);
        const why = s.verdict.explanation.split('\n');
        console.log(`  ${why.slice(0, 12).join('\n  ')}`);
        if (why.length > 12) console.log(`  ... ${why.length - 12} more line(s) in ${join(dirname(file), 'explanation-shrunk.txt')}`);
        console.log(`replay: npx zksim replay ${join(dirname(file), 'repro-shrunk.json')}`);
      }
      process.exitCode = 1;
    });
}
