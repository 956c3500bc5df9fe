import type { Command } from 'commander';
import chalk from 'chalk';
import { UsageError } from '../errors.js';
import { parseSeed, seedProblem } from '../../sim/random.js';
import { runOnce, type RunConfig } from '../../sim/run.js';
import { checkDeterminism } from '../determinism.js';
import { parsePositiveInt } from '../options.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run one seed and print a summary (the demo world of the kernel)')
    .requiredOption('--seed <seed>', 'the seed: an integer or a non-empty string')
    .option('--time <ms>', 'virtual time to simulate, in ms', '5000')
    .option('--json', 'print one JSON object')
    .option('--check-determinism', 'run twice (once in a worker thread) and compare the trace hashes')
    .action(async (opts: { seed: string; time: string; json?: boolean; checkDeterminism?: boolean }) => {
      const seed = parseSeed(opts.seed);
      const problem = seedProblem(seed);
      if (problem) throw new UsageError(problem);
      const config: RunConfig = { seed, mode: 'demo', durationMs: parsePositiveInt('--time', opts.time) };
      if (opts.checkDeterminism) {
        const r = await checkDeterminism(config);
        if (opts.json) console.log(JSON.stringify({ seed, deterministic: r.same, hashes: r.hashes, divergence: r.divergence ?? null }));
        else if (r.same) console.log(`${chalk.green('deterministic')}: seed ${seed} gives trace hash ${r.hashes[0]} in the main thread and in a worker`);
        else {
          console.log(`${chalk.red('NOT deterministic')}: main ${r.hashes[0]}, worker ${r.hashes[1]}`);
          console.log(`first divergence at event #${r.divergence!.index}:\n  main:   ${r.divergence!.main}\n  worker: ${r.divergence!.worker}`);
        }
        process.exitCode = r.same ? 0 : 1;
        return;
      }
      const started = process.hrtime.bigint();
      const s = runOnce(config);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const out = { seed, traceHash: s.traceHash, events: s.events, simulatedMs: s.simulatedMs, wallMs: Math.round(wallMs * 10) / 10, delivered: s.delivered, dropped: s.dropped };
      if (opts.json) console.log(JSON.stringify(out));
      else {
        console.log(`${chalk.bold('zksim run')} seed ${seed}`);
        console.log(`  trace hash   ${out.traceHash}`);
        console.log(`  events       ${out.events}`);
        console.log(`  simulated    ${out.simulatedMs} ms in ${out.wallMs} ms wall`);
        console.log(`  messages     ${out.delivered} delivered, ${out.dropped} lost to faults`);
      }
    });
}
