/**
 * Random transcripts (fidelity/random.ts) and `zksim conformance --random`: the generator is a function of its seed,
 * its steps are valid transcript steps, bad input exits 2 with one line, and a fixed batch runs identically on zksim
 * and on a live real ZooKeeper when the Debian package is installed (CI installs it; skipped with a line otherwise).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRandomCases } from '../fidelity/random.js';
import { checkSessions } from '../fidelity/runner.js';
import { groupCases, parseTranscriptText, toJsonLines, CREATE_MODES } from '../fidelity/transcript.js';
import { repoRoot } from '../fidelity/suite.js';
import { realZooKeeperAvailable } from '../fidelity/realzk.js';
import { randomConformance } from '../cli/commands/conformance.js';
import { formatDiff } from '../fidelity/diff.js';

const bin = join(repoRoot(), 'dist', 'bin', 'zksim.js');
function cli(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
}

test('generator: the same seed gives the same JSONL, another seed other cases; case i does not depend on N', () => {
  const a = toJsonLines(generateRandomCases(7, 30));
  const b = toJsonLines(generateRandomCases(7, 30));
  assert.is(a, b);
  assert.is.not(toJsonLines(generateRandomCases(8, 30)), a);
  assert.is.not(toJsonLines(generateRandomCases('7', 30)), a, 'seed 7 and seed "7" are distinct, as in RandomStreams');
  const five = generateRandomCases(7, 5);
  const names = new Set(five.map((s) => s.case));
  assert.equal(five, generateRandomCases(7, 30).filter((s) => names.has(s.case)));
});

test('generator: every step parses with the transcript parser; cases start with reset, connect 1-3 sessions, run 10-40 steps', () => {
  const steps = generateRandomCases(3, 200);
  const text = toJsonLines(steps);
  const parsed = parseTranscriptText(text, 'random.jsonl');
  assert.is(parsed.length, steps.length);
  assert.equal(checkSessions(parsed, 1), []);
  const cases = groupCases(parsed);
  assert.is(cases.length, 200);
  const ops = new Set<string>();
  const modes = new Set<string>();
  for (const c of cases) {
    assert.is(c.steps[0]!.op, 'reset');
    const firstConnects = c.steps.slice(1).findIndex((s) => s.op !== 'connect');
    assert.ok(firstConnects >= 1 && firstConnects <= 3, `${c.name}: ${firstConnects} sessions`);
    const rest = c.steps.length - 1 - firstConnects;
    assert.ok(rest >= 10 && rest <= 40, `${c.name}: ${rest} steps`);
    for (const s of c.steps) {
      ops.add(s.op);
      if (s.op === 'create') modes.add(s.mode ?? 'PERSISTENT');
      if (s.op === 'multi') for (const o of s.ops) ops.add(`multi.${o.op}`);
    }
  }
  for (const op of ['create', 'delete', 'setData', 'exists', 'getData', 'getChildren', 'multi', 'multiRead', 'sync', 'getEphemerals', 'getAllChildrenNumber', 'close', 'addWatch', 'removeWatches', 'multi.check', 'multi.create', 'multi.delete', 'multi.setData']) {
    assert.ok(ops.has(op), `no ${op} in 200 cases`);
  }
  for (const m of CREATE_MODES.filter((m) => !m.includes('TTL'))) assert.ok(modes.has(m), `no create mode ${m}`);
});

test('generator: fresh=false (an external server) makes no quotas and leaves every node readable and deletable by anyone', () => {
  const fresh = toJsonLines(generateRandomCases(3, 200));
  assert.ok(fresh.includes('/zookeeper/quota/'), 'quotas with fresh servers');
  const ext = generateRandomCases(3, 200, { fresh: false });
  assert.not.ok(toJsonLines(ext).includes('/zookeeper/quota'));
  const acls = ext.flatMap((s) => (s.op === 'create' || s.op === 'setACL' ? [s.acl] : s.op === 'multi' ? s.ops.map((o) => (o.op === 'create' ? o.acl : undefined)) : []));
  for (const acl of acls) {
    if (acl === undefined) continue;
    const world = acl.filter((a) => a.scheme === 'world').reduce((p, a) => p | a.perms, 0);
    const open = acl.some((a) => a.scheme === 'ip' && a.perms === 31);
    assert.ok(open || (world & 9) === 9, JSON.stringify(acl));
  }
});

test('cli: bad --random / --seed / --against and misuse exit 2 with one line', () => {
  for (const args of [
    ['--random', '0'],
    ['--random', 'x'],
    ['--random', '-3'],
    ['--random', '1.5'],
    ['--random', '5', '--seed', ''],
    ['--random', '5', '--suite', 'multi'],
    ['--save', '/tmp/x.jsonl'],
    ['--random', '2', '--against', 'localhost:1'],
    ['--random', '2', '--against', 'nonsense'],
    ['--random', '2', '--config', 'cluster'],
  ]) {
    const r = cli('conformance', ...args);
    assert.is(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stdout, '');
  }
});

test('cli: without --against, zksim against itself under another simulation seed; --save writes the input transcript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-random-'));
  const file = join(dir, 'r.jsonl');
  const r = cli('conformance', '--random', '3', '--seed', '11', '--save', file);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /conformance \(zksim\(seed 11\/2\) vs zksim\(seed 11\)\): 3 identical, 0 differing/);
  assert.is(readFileSync(file, 'utf8'), toJsonLines(generateRandomCases(11, 3)));
});

if (!realZooKeeperAvailable()) {
  console.log('SKIPPED: real ZooKeeper not installed (apt-get install -y zookeeper); the random batch against the real server did not run');
} else {
  test('30 random cases (seed 1) on a live real ZooKeeper 3.8 and on zksim: identical (about 40 s: a server restart per case, one expiry)', async () => {
    const report = await randomConformance({ random: '30', seed: '1', against: 'local' });
    assert.is(report.expected, 'real');
    console.log(`random conformance against the live server: ${report.identical} identical, ${report.differing} differing`);
    assert.equal(report.cases.filter((c) => !c.identical).map((c) => `${c.case}: ${c.diffs.map(formatDiff).join('; ')}`), []);
    assert.is(report.identical, 30);
  });
}

test.run();
