import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import { validSeed } from '../options.js';
import { SCENARIOS, findScenario } from '../../scenarios/index.js';
import { runScenario, scenarioProblem, scenarioStory, type ScenarioDef } from '../../scenarios/api.js';
import { makeChalk } from '../../scenarios/narrate.js';
import { writeHtmlReport } from '../../reports/html.js';
import { textSummary } from '../../reports/text.js';
import { outputFile } from '../output-paths.js';

interface Opts {
  list?: boolean;
  seed?: string;
  step?: boolean;
  report?: string;
  verbose?: boolean;
  summary?: boolean;
  color?: boolean;
}

async function loadScenario(ref: string): Promise<ScenarioDef> {
  const builtin = findScenario(ref);
  if (builtin) return builtin;
  const path = resolve(ref);
  if (!existsSync(path)) throw new UsageError(`unknown scenario '${ref}' (not a built-in name, no such file); see zksim scenario --list`);
  if (/\.[cm]?ts$/.test(path)) throw new UsageError(`'${ref}' is TypeScript: compile it (npx tsc) and pass the .js file from dist/`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load scenario file '${ref}': ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const def = (mod.default ?? mod.scenario) as ScenarioDef | undefined;
  if (!def || typeof def !== 'object' || typeof def.run !== 'function' || typeof def.name !== 'string') {
    throw new UsageError(`'${ref}' does not export a scenario (export default defineScenario({ name, summary, run }))`);
  }
  const problem = scenarioProblem(def);
  if (problem) throw new UsageError(`${ref}: ${problem}`);
  return def;
}

/** One readline interface for the whole run: lines typed ahead are kept, one per step. */
class Stepper {
  private rl: ReturnType<typeof createInterface> | null = null;
  private readonly lines: string[] = [];
  private waiting: (() => void) | null = null;

  wait(prompt: string): Promise<void> {
    if (!this.rl) {
      this.rl = createInterface({ input: process.stdin, output: process.stdout });
      this.rl.on('line', (l) => {
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          w();
        } else this.lines.push(l);
      });
    }
    if (this.lines.length) {
      this.lines.shift();
      return Promise.resolve();
    }
    process.stdout.write(prompt);
    return new Promise((done) => (this.waiting = done));
  }

  close(): void {
    this.rl?.close();
  }
}

export function register(program: Command): void {
  program
    .command('scenario')
    .description('run a scripted, narrated scenario (a built-in name or a compiled .js file)')
    .argument('[name]', 'scenario name (see --list) or path to a .js file exporting a scenario')
    .option('--list', 'list the built-in scenarios')
    .option('--seed <seed>', 'the seed: an integer or a non-empty string (default: the scenario\'s own)')
    .option('--step', 'wait for Enter between steps (only when stdin is a terminal)')
    .option('--report <file.html>', 'write a self-contained HTML report of the run')
    .option('--summary', 'print the plain-text run summary at the end')
    .option('--verbose', 'narrate more (vote receipts, applies, connection attempts)')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .action(async (name: string | undefined, opts: Opts) => {
      const c = makeChalk(opts.color === false ? false : undefined);
      if (opts.list) {
        const w = Math.max(...SCENARIOS.map((s) => s.name.length));
        for (const s of SCENARIOS) console.log(`${c.bold(s.name.padEnd(w))}  ${s.summary}`);
        return;
      }
      if (!name) throw new UsageError('name a scenario (zksim scenario --list shows them)');
      if (opts.report !== undefined && !/\.html?$/i.test(opts.report)) throw new UsageError(`--report wants an .html file name, got '${opts.report}'`);
      if (opts.report !== undefined) outputFile('--report', opts.report);
      const def = await loadScenario(name);
      const seed = opts.seed !== undefined ? validSeed(opts.seed) : def.seed ?? 1;
      const interactive = !!opts.step && !!process.stdin.isTTY;
      const stepper = new Stepper();
      if (opts.step && !interactive) console.log(c.gray('(--step ignored: stdin is not a terminal)'));
      console.log(c.bold(`zksim scenario ${def.name}`) + c.gray(` — ${def.summary} (seed ${String(seed)}, ${def.servers ?? 3} servers)`));
      const result = await runScenario(def, {
        seed,
        narrate: (line) => console.log(line),
        color: opts.color === false ? false : undefined,
        verbose: !!opts.verbose,
        ...(interactive ? { onStep: (i: number, title: string) => stepper.wait(c.gray(`  [step ${i}: ${title}] press Enter… `)) } : {}),
      });
      stepper.close();
      console.log('');
      const passed = result.checks.filter((x) => x.ok).length;
      const tail = c.gray(` seed ${String(seed)}, ${passed} checks passed, ${result.virtualMs} ms virtual (end of run), ${result.events} simulation events (${result.trace.length} trace records), trace hash ${result.traceHash}`);
      if (result.status === 'passed') console.log(c.green.bold(`PASSED ${def.name}`) + tail);
      else if (result.status === 'skipped') console.log(c.yellow.bold(`SKIPPED ${def.name}: ${result.message}`) + tail);
      else console.log(c.red.bold(`FAILED ${def.name}: ${result.message}`) + tail);
      const input = {
        trace: result.trace,
        history: result.history,
        title: `zksim scenario ${def.name} (seed ${String(seed)}) — ${result.status}`,
        meta: { scenario: def.name, seed: String(seed), status: result.status, traceHash: result.traceHash, ...(result.message ? { message: result.message } : {}) },
        ...(result.counterexample ? { counterexample: result.counterexample } : {}),
        story: scenarioStory(result),
        endMs: result.virtualMs,
        simEvents: result.events,
      };
      if (opts.summary) console.log('\n' + textSummary(input));
      if (opts.report) {
        const bytes = writeHtmlReport(opts.report, input);
        console.log(`report: ${opts.report} (${(bytes / 1024).toFixed(0)} KiB)`);
      }
      process.exitCode = result.status === 'passed' ? 0 : 1;
    });
}
