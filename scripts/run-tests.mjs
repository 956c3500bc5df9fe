// Runs every compiled uvu test file (dist/test/**/*.test.js) in its own process, then prints the
// plain closing line "N passed, N failed" that CI reads. A run that executed no test fails.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = 'dist/test';
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
  });
}
const files = walk(root).filter((f) => !filter || filter.test(f)).sort();
let passed = 0, failed = 0, skipped = 0;
for (const file of files) {
  process.stdout.write(`\n# ${file}\n`);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 64 << 20 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const total = Number(/Total:\s+(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  const skip = Number(/Skipped:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed += 1; // the file crashed before uvu could report: count it as one failure
    process.stdout.write(`!! ${file} did not report (exit ${r.status})\n`);
    continue;
  }
  passed += ok;
  skipped += skip;
  failed += total - ok - skip;
  if (r.status !== 0 && total - ok - skip === 0) failed += 1;
}
if (files.length === 0) failed += 1;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
