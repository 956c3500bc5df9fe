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
  ['--time and --duration', ['run', '--seed', '1', '--time', '5000', '--duration', '6000']],
] as const) {
  test(`bad input (${what}) exits 2 with a one-line reason and no stack trace`, () => {
    const r = zksim(...args);
    assert.is(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.length >= 1 && lines[0]!.length > 0);
    assert.not.match(r.stderr, /^\s+at .+:\d+/m);
    if (what === '--time and --duration') assert.match(r.stderr, /--time and --duration both set the fault phase/); // it ran, --duration winning
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

test('run exits 0 when every property holds and 1 when one fails (a zoo bug)', () => {
  const good = zksim('run', '--seed', '7', '--json');
  assert.is(good.status, 0, good.stderr);
  const g = JSON.parse(good.stdout);
  assert.is(g.ok, true);
  assert.ok(g.verdicts.every((v: { ok: boolean | null }) => v.ok !== false));

  const bad = zksim('run', '--seed', '1', '--bug', 'double-watch', '--json');
  assert.is(bad.status, 1, bad.stderr);
  const b = JSON.parse(bad.stdout);
  assert.is(b.ok, false);
  assert.equal(b.bugs, ['double-watch']);
  assert.ok(b.verdicts.some((v: { property: string; ok: boolean | null }) => v.property === 'watch-at-most-once' && v.ok === false));

  const text = zksim('run', '--seed', '1', '--bug', 'double-watch');
  assert.is(text.status, 1, text.stderr);
  assert.match(text.stdout, /VIOLATED/);
});

test('run --bug with an unknown bug exits 2 with one line', () => {
  const r = zksim('run', '--seed', '1', '--bug', 'no-such-bug');
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown bug 'no-such-bug'/);
});

test.run();
