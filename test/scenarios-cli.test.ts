/**
 * `zksim scenario` from the command line: --list, a narrated run with --report and --summary, NO_COLOR, bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runScenario, ScenarioDefinitionError, type ScenarioDef } from '../scenarios/api.js';

const BIN = resolve('dist/bin/zksim.js');
const OUT = resolve('reports/out');

function zksim(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--list shows every scenario on one line each', () => {
  const r = zksim(['scenario', '--list'], { NO_COLOR: '1' });
  assert.is(r.code, 0);
  const lines = r.out.trim().split('\n');
  assert.ok(lines.length >= 9);
  for (const n of ['quorum-write', 'leader-election', 'minority-partition', 'config-watch', 'session-expiry', 'client-failover', 'naming', 'lock-recipe', 'bug-zoo']) {
    assert.ok(lines.some((l) => l.startsWith(n + ' ')), n);
  }
});

test('a narrated run writes a report and a summary; NO_COLOR means no escape codes', () => {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, 'cli-leader-election.html');
  rmSync(file, { force: true });
  const r = zksim(['scenario', 'leader-election', '--seed', '3', '--report', file, '--summary'], { NO_COLOR: '1', FORCE_COLOR: '' });
  assert.is(r.code, 0, r.err);
  assert.not.match(r.out, /\u001b\[/);
  for (const want of ['Step 1:', 'is LEADING', 'CRASH', 'decides:', 'COMMITS', 'PASSED leader-election', 'seed 3', 'server roles:', 'report: ']) assert.ok(r.out.includes(want), want);
  assert.ok(existsSync(file));
  assert.match(readFileSync(file, 'utf8'), /zk-data/);
});

test('one run, one end time and one set of counts: the PASSED line, the summary and the HTML header agree', () => {
  mkdirSync(OUT, { recursive: true });
  for (const name of ['bug-zoo', 'minority-partition', 'partition-tcp']) {
    const file = join(OUT, `cli-counts-${name}.html`);
    const r = zksim(['scenario', name, '--summary', '--report', file, '--no-color']);
    assert.is(r.code, 0, r.err);
    const passed = /PASSED \S+ seed \d+, \d+ checks passed, (\d+) ms virtual \(end of run\), (\d+) simulation events \((\d+) trace records\)/.exec(r.out);
    assert.ok(passed, r.out.slice(-3000));
    const [, end, events, records] = passed!;
    const summary = /virtual time (\d+) ms \(end of run[^)]*\), (\d+) trace records, (\d+) simulation events/.exec(r.out);
    assert.ok(summary, r.out.slice(-3000));
    assert.equal([summary![1], summary![3], summary![2]], [end, events, records]);
    const msgs = /messages: (\d+) sent: (\d+) delivered, (\d+) never delivered/.exec(r.out);
    assert.ok(msgs);
    assert.is(Number(msgs![2]) + Number(msgs![3]), Number(msgs![1]), msgs![0]);
    const page = readFileSync(file, 'utf8');
    assert.ok(page.includes(`virtual time: <b>${end} ms (end of run`), 'the HTML header has the same end');
    assert.ok(page.includes(`${msgs![1]} sent: ${msgs![2]} delivered, ${msgs![3]} never delivered`), 'the HTML header has the same counts');
    assert.ok(page.includes(`trace records: <b>${records}</b>`) && page.includes(`simulation events: <b>${events}</b>`));
  }
});

test('colour when forced, and the same trace hash for the same seed', () => {
  const a = zksim(['scenario', 'config-watch', '--seed', 'abc'], { FORCE_COLOR: '1' });
  assert.is(a.code, 0, a.err);
  assert.match(a.out, /\u001b\[/);
  const b = zksim(['scenario', 'config-watch', '--seed', 'abc', '--no-color']);
  const hash = (s: string) => /trace hash ([0-9a-f]{16})/.exec(s)?.[1];
  assert.ok(hash(a.out));
  assert.is(hash(a.out), hash(b.out));
  assert.not.match(b.out, /\u001b\[/);
});

test('bad input: unknown scenario, empty seed, bad report name, TypeScript file -> exit 2, one line', () => {
  for (const args of [['scenario', 'no-such'], ['scenario', 'naming', '--seed', ''], ['scenario', 'naming', '--report', 'x.txt'], ['scenario', 'scenarios/naming.ts'], ['scenario']]) {
    const r = zksim(args);
    assert.is(r.code, 2, args.join(' ') + ': ' + r.out + r.err);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('bad scenario options are bad input: exit 2 and one line naming the problem, never an internal error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-bad-scenario-'));
  const cases: Array<[string, string, RegExp]> = [
    ['servers-0', 'servers: 0', /servers must be an integer from 1 to 9, got 0/],
    ['servers-negative', 'servers: -2', /servers must be an integer from 1 to 9, got -2/],
    ['servers-fraction', 'servers: 2.5', /servers must be an integer from 1 to 9, got 2\.5/],
    ['servers-many', 'servers: 10', /servers must be an integer from 1 to 9, got 10/],
    ['servers-text', "servers: '3'", /servers must be an integer from 1 to 9, got '3'/],
    ['clients-many', 'cluster: { clients: 21 }', /cluster\.clients must be an integer from 0 to 20, got 21/],
    ['clients-negative', 'cluster: { clients: -1 }', /cluster\.clients must be an integer from 0 to 20, got -1/],
    ['observers-many', 'cluster: { observers: 10 }', /cluster\.observers must be an integer from 0 to 9, got 10/],
    ['tick-0', 'cluster: { tickTime: 0 }', /cluster\.tickTime must be an integer from 1 to 60000, got 0/],
    ['session-fraction', 'cluster: { sessionTimeoutMs: 1.5 }', /cluster\.sessionTimeoutMs must be an integer/],
    ['bug-unknown', "cluster: { bugs: ['no-such-bug'] }", /unknown bug 'no-such-bug' in cluster\.bugs/],
    ['option-unknown', 'cluster: { tickTim: 100 }', /unknown cluster option 'tickTim'/],
    ['servers-in-cluster', 'cluster: { servers: 3 }', /set servers at the top of the scenario, not in cluster/],
    ['seed-empty', "seed: ''", /seed must not be empty/],
    ['seed-fraction', 'seed: 1.5', /seed must be a safe integer .*, got 1\.5/],
    ['latency', 'cluster: { latency: { min: 5, max: 1 } }', /cluster\.latency must be \{ min, max \}/],
  ];
  try {
    for (const [name, option, want] of cases) {
      const file = join(dir, `${name}.js`);
      writeFileSync(file, `export default { name: '${name}', summary: 'bad', ${option}, async run(s) { await s.step('never'); } };\n`);
      const r = zksim(['scenario', file, '--no-color']);
      assert.is(r.code, 2, `${name}: ${r.out}${r.err}`);
      assert.is(r.err.trim().split('\n').length, 1, `${name}: ${r.err}`);
      assert.not.match(r.err, /internal error|at .*\.js:\d+/, r.err);
      assert.match(r.err, want, `${name}: ${r.err}`);
      assert.is(r.out, '', `${name}: nothing runs`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // the library refuses it the same way, before running anything
  const bad = { name: 'bad', summary: 'bad', servers: 0, async run() {} } as ScenarioDef;
  let thrown: unknown;
  await runScenario(bad).catch((e: unknown) => (thrown = e));
  assert.ok(thrown instanceof ScenarioDefinitionError);
  assert.match((thrown as Error).message, /servers must be an integer from 1 to 9, got 0/);
});

test('a scenario from a compiled file', () => {
  const r = zksim(['scenario', 'dist/scenarios/naming.js', '--no-color']);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /PASSED naming/);
});

test.run();
