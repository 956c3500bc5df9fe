import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const zksim = (...args: string[]) => spawnSync(process.execPath, ['dist/bin/zksim.js', ...args], { encoding: 'utf8' });

test('run --json prints the run summary keys', () => {
  const r = zksim('run', '--seed', '7', '--json');
  assert.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  for (const k of ['seed', 'traceHash', 'events', 'simulatedMs', 'wallMs']) assert.ok(k in o, k);
  assert.is(o.seed, 7);
  assert.is(zksim('run', '--seed', '7', '--json').stdout.includes(o.traceHash), true);
});

for (const [what, args] of [
  ['empty seed', ['run', '--seed', '']],
  ['unknown option', ['run', '--seed', '1', '--no-such-option']],
  ['missing seed', ['run']],
  ['bad --time', ['run', '--seed', '1', '--time', 'soon']],
] as const) {
  test(`bad input (${what}) exits 2 with a one-line reason and no stack trace`, () => {
    const r = zksim(...args);
    assert.is(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.length >= 1 && lines[0]!.length > 0);
    assert.not.match(r.stderr, /^\s+at .+:\d+/m);
  });
}

test('run --report writes a self-contained HTML report of the run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-report-'));
  const file = join(dir, 'run.html');
  const r = zksim('run', '--seed', '3', '--report', file);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /report: .*run\.html \([\d,]+ bytes\)/);
  const html = readFileSync(file, 'utf8');
  assert.match(html, /zksim run seed 3/);
  assert.not.match(html, /<script[^>]+src=|<link[^>]+href=/, 'no external scripts or styles');
  rmSync(dir, { recursive: true, force: true });
});

test.run();
