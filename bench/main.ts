/**
 * npm run bench [-- <part>...] [--json]
 * Each part measures one subsystem and returns named figures; the table and the JSON use the part's name
 * as the member name (kernel, ensemble, explore, checker, fidelity).
 */
import { parts } from './parts.js';

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
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of chosen) {
    if (!json) process.stderr.write(`bench: ${name}...\n`);
    out[name] = await parts[name]!();
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
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
