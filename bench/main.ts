/**
 * npm run bench [-- <part>...] [--json]
 * Each part measures one subsystem and returns named figures; the table and the JSON use the part's name
 * as the member name (kernel, ensemble, explore, checker, fidelity).
 *
 * When more than one part runs, each runs in a fresh Node process of its own (this script with that one part), one
 * after the other: a part measured in the process that ran the others before it inherits their heap and V8's type
 * feedback from their code (in the twentieth session the fidelity part's zksim side gave 201,044 ops/s after the
 * other four parts, against 262,000-279,000 alone), and explore's peak RSS would include what earlier parts left.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parts } from './parts.js';

type Figures = Record<string, unknown>;

/** Runs `npm run bench -- <name> --json` in a child process (same Node flags) and returns its figures. */
function runInChild(name: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`part '${name}' exited with ${signal ?? `code ${code}`}`));
      try {
        const all = JSON.parse(out) as Record<string, Figures>;
        if (!all[name]) throw new Error(`no '${name}' member`);
        resolve(all[name]);
      } catch (e) {
        reject(new Error(`part '${name}' printed no figures (${(e as Error).message})`));
      }
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const n of names) {
    if (!(n in parts)) {
      process.stderr.write(`bench: unknown part '${n}' (known: ${Object.keys(parts).join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
  }
  const chosen = names.length ? names : Object.keys(parts);
  const out: Record<string, Figures> = {};
  for (const name of chosen) {
    if (!json) process.stderr.write(`bench: ${name}...\n`);
    out[name] = chosen.length === 1 ? await parts[name]!() : await runInChild(name);
  }
  if (json) {
    console.log(JSON.stringify(out));
    return;
  }
  for (const [part, figures] of Object.entries(out)) {
    console.log(`\n${part}`);
    for (const [k, v] of Object.entries(figures)) {
      const shown = typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(3)) : JSON.stringify(v);
      console.log(`  ${k.padEnd(36)} ${shown}`);
    }
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
