// Runs every compiled uvu test file (dist/test/**/*.test.js), each in its own process, as many at once as there are
// cores, then prints the plain closing line "N passed, N failed" that CI reads. A run that executed no test fails.
// Output of each file is printed whole, in file order. TEST_JOBS overrides the parallelism.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
const jobs = Math.max(1, Number(process.env.TEST_JOBS) || availableParallelism());

function runFile(file) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [file], { env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (status) => resolve({ file, out, err, status, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

const results = new Array(files.length);
let next = 0;
let printed = 0;
function flush() {
  while (printed < files.length && results[printed]) {
    const r = results[printed++];
    process.stdout.write(`\n# ${r.file} (${(r.ms / 1000).toFixed(1)} s)\n${r.out}`);
    process.stderr.write(r.err);
  }
}
await Promise.all(
  Array.from({ length: Math.min(jobs, files.length) }, async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await runFile(files[i]);
      flush();
    }
  }),
);

let passed = 0, failed = 0, skipped = 0;
for (const r of results) {
  const total = Number(/Total:\s+(\d+)/.exec(r.out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.out)?.[1] ?? NaN);
  const skip = Number(/Skipped:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed += 1; // the file crashed before uvu could report: count it as one failure
    process.stdout.write(`!! ${r.file} did not report (exit ${r.status})\n`);
    continue;
  }
  // uvu's Total leaves skipped tests out: failures are Total - Passed.
  passed += ok;
  skipped += skip;
  failed += Math.max(0, total - ok);
  if (r.status !== 0 && total - ok <= 0) failed += 1;
}
if (files.length === 0) failed += 1;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
