import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// (a time limit: `explore --out /proc/x` once hung at full CPU, see files/dirs.ts)
const zksim = (...args: string[]) => spawnSync(process.execPath, ['dist/bin/zksim.js', ...args], { encoding: 'utf8', timeout: 120_000 });

test('run --json has the ensemble keys (3 servers by default, --servers 1 standalone)', () => {
  const r = zksim('run', '--seed', '3', '--json');
  assert.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  for (const k of ['seed', 'traceHash', 'events', 'simulatedMs', 'wallMs', 'historyOps', 'servers', 'leader', 'epoch', 'verdicts']) assert.ok(k in o, k);
  assert.is(o.servers, 3);
  const s = JSON.parse(zksim('run', '--seed', '3', '--servers', '1', '--json').stdout);
  assert.is(s.servers, 1);
  assert.is(s.leader, 1);
  // the demo stays reachable
  const d = JSON.parse(zksim('run', '--seed', '3', '--demo', '--json').stdout);
  assert.ok(d.traceHash && d.events > 0);
});

test('explore --json: seeds, seedsPerSecond, failures; summary.json written', () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-explore-'));
  const r = zksim('explore', '--count', '3', '--workers', '1', '--duration', '4000', '--skip-check', 'osc', '--json', '--out', out);
  const o = JSON.parse(r.stdout);
  assert.is(o.seeds, 3);
  assert.ok(typeof o.seedsPerSecond === 'number');
  assert.ok(Array.isArray(o.failures));
  assert.is(r.status, o.failures.length ? 1 : 0);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.seedList, [1, 2, 3]);
  // no progress bar when not on a TTY, and nothing but JSON on stdout
  assert.is(r.stdout.trim().split('\n').length, 1);
});

test('--recovery sets the recovery window: a 2-server seed whose election waits out TCP retransmission passes with 60 s', () => {
  // seed 60198: the election connection's retransmission comes about 50 s after the last heal (README, known points)
  const args = ['run', '--seed', '60198', '--servers', '2', '--duration', '60000', '--json'];
  const short = JSON.parse(zksim(...args).stdout);
  const long = JSON.parse(zksim(...args, '--recovery', '60000').stdout);
  const recovery = (o: { verdicts: Array<{ property: string; ok: boolean | null }> }) => o.verdicts.find((v) => v.property === 'recovery')!.ok;
  assert.is(recovery(short), false);
  assert.is(recovery(long), true);
});

/** `zksim run ... --json` that exits 0: its verdict of a property, by name. */
function runVerdicts(...args: string[]): (property: string) => { property: string; ok: boolean | null; explanation: string } | undefined {
  const r = zksim('run', ...args, '--json');
  assert.is(r.status, 0, r.stderr);
  const verdicts: Array<{ property: string; ok: boolean | null; explanation: string }> = JSON.parse(r.stdout).verdicts;
  return (p) => verdicts.find((v) => v.property === p);
}

test("--skip-check takes a recipe's declared property: it is reported not checked, the others still are", () => {
  const of = runVerdicts('--seed', '1', '--workload', 'dist/recipes/mutex.js', '--skip-check', 'mutex-counter,recipe-error');
  assert.is(of('mutex-counter')?.ok, null);
  assert.match(of('mutex-counter')!.explanation, /skipped/);
  assert.is(of('recipe-error')?.ok, null);
  assert.is(of('mutex-exclusive')?.ok, true);
  assert.is(of('osc')?.ok, true);
});

test('--skip-check takes a built-in workload\'s own property (lock-fencing): reported not checked, the others still are', () => {
  // (it was refused as unknown: only zksim's checkers and recipes' declared properties were known)
  const of = runVerdicts('--seed', '1', '--workload', 'lock', '--skip-check', 'lock-fencing');
  assert.is(of('lock-fencing')?.ok, null);
  assert.match(of('lock-fencing')!.explanation, /skipped/);
  assert.is(of('lock-release')?.ok, true);
});

test('bugs --json lists {name, description}', () => {
  const l = JSON.parse(zksim('bugs', '--json').stdout);
  assert.ok(Array.isArray(l) && l.length >= 6);
  for (const b of l) assert.ok(b.name && b.description);
});

for (const [what, args] of [
  ['unknown bug', ['explore', '--bug', 'no-such-bug', '--count', '1']],
  ['unknown fault', ['explore', '--faults', 'crash,meteor', '--count', '1']],
  ['unknown workload', ['explore', '--workload', 'banking', '--count', '1']],
  ['bad range', ['explore', '--seeds', '9..1']],
  ['count and seeds', ['explore', '--count', '3', '--seeds', '1..3']],
  ['bad shard', ['explore', '--shard', '5/4', '--count', '3']],
  ['bad workers', ['explore', '--workers', '0', '--count', '3']],
  ['unknown property', ['explore', '--skip-check', 'nope', '--count', '1']],
  ['a recipe property the recipe does not declare', ['explore', '--workload', 'dist/recipes/mutex.js', '--skip-check', 'mutex-cuonter', '--count', '1']],
  ['bad recovery', ['explore', '--recovery', '20s', '--count', '1']],
  ['run: bad servers', ['run', '--seed', '1', '--servers', 'three']],
  ['replay: missing file', ['replay', '/nonexistent/repro.json']],
  ['replay: missing file without .json', ['replay', '/nonexistent/repro']],
  ['replay: missing file in a folder', ['replay', 'runs/seed-7/repro-shrunk']],
  ['shrink: missing file', ['shrink', '/nonexistent/repro.json']],
  ['merge: not a report folder', ['merge', '/nonexistent']],
  ['replay: empty seed', ['replay', '']],
  ['explore: --out under a file', ['explore', '--count', '1', '--out', 'package.json/runs']],
  ['explore: --out in a pseudo file system', ['explore', '--count', '1', '--out', '/proc/zksim-runs']],
  ['run: --report is a folder', ['run', '--seed', '1', '--report', 'test']],
  ['run: --report where no file can be made', ['run', '--seed', '1', '--report', '/proc/zksim-report.html']],
  ['replay: --save under a file', ['replay', '1', '--save', 'package.json/artefacts']],
  ['scenario: --report under a file', ['scenario', 'quorum-write', '--report', 'package.json/r.html']],
] as const) {
  test(`bad input (${what}) exits 2 with one line and no stack trace`, () => {
    const r = zksim(...args);
    assert.is(r.status, 2, `${r.status} ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.match(r.stderr, /^\s+at .+:\d+/m);
  });
}

// bad input that ran as if it were absent, ran out of memory or crashed with a trace before: one line naming it
for (const [what, args, why] of [
  ['transcript: empty seed', ['transcript', 'fidelity/suite/create.jsonl', '--seed', ''], /--seed must not be empty/],
  ['transcript: empty --against', ['transcript', 'fidelity/suite/create.jsonl', '--against', ''], /--against must not be empty/],
  ['conformance: empty --suite', ['conformance', '--suite', ''], /--suite must not be empty/],
  ['conformance: empty --save', ['conformance', '--random', '2', '--save', ''], /--save must not be empty/],
  ['conformance: empty --against', ['conformance', '--against', ''], /--against must not be empty/],
  ['explore: workers by the thousand', ['explore', '--seeds', '1..3', '--workers', '100000'], /--workers must be at most \d+/],
  ['explore: a fault phase of years', ['explore', '--seeds', '1..2', '--duration', '99999999999'], /--duration must be at most 3600000/],
  ['run: a recovery phase of days', ['run', '--seed', '1', '--recovery', '360000000'], /--recovery must be at most 3600000/],
  ['run --demo with --report', ['run', '--seed', '1', '--demo', '--report', 'x.html'], /--demo runs the kernel demo world \(no ZooKeeper\): --report does not apply/],
  ['run --demo with ensemble options', ['run', '--seed', '1', '--demo', '--bug', 'nope', '--faults', 'crash'], /--faults, --bug do not apply/],
  ['merge: a file', ['merge', 'package.json'], /package\.json: a file, not a folder/],
  ['transcript: an empty file', ['transcript', '/dev/null'], /\/dev\/null: no steps \(a transcript has one JSON step per line\)/],
] as const) {
  test(`bad input (${what}) exits 2 with one line naming it`, () => {
    const r = zksim(...args);
    assert.is(r.status, 2, `${r.status} ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, why);
  });
}

test('check of an empty history: trivially correct (exit 0), with a note that it has no operations', () => {
  const r = zksim('check', '/dev/null');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, 'note: /dev/null has no operations\n');
});

test('a repro is replayed as it is: options that would change it and unknown bugs in it are bad input', () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-repro-'));
  assert.is(zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '8..8', '--no-shrink', '--out', out).status, 1);
  const repro = join(out, '8', 'repro.json');
  assert.is(zksim('replay', repro).status, 1);
  const withServers = zksim('replay', repro, '--servers', '5');
  assert.is(withServers.status, 2);
  assert.match(withServers.stderr, /^zksim: a repro carries its own configuration: --servers does not apply to it/);
  const bad = join(out, 'bad.json');
  writeFileSync(bad, readFileSync(repro, 'utf8').replace('"commit-before-quorum"', '"no-such-bug"'));
  const r = zksim('replay', bad);
  assert.is(r.status, 2);
  assert.match(r.stderr, /spec\.config\.bugs: unknown bug 'no-such-bug' \(known: commit-before-quorum, /);
});

test('merge refuses folders of explorations with other configurations; a passing replay --save says it saved nothing', () => {
  const a = mkdtempSync(join(tmpdir(), 'zksim-merge-a-'));
  const b = mkdtempSync(join(tmpdir(), 'zksim-merge-b-'));
  assert.is(zksim('explore', '--seeds', '1..2', '--no-shrink', '--out', a).status, 0);
  assert.is(zksim('explore', '--seeds', '3..4', '--faults', 'crash', '--no-shrink', '--out', b).status, 0);
  const m = zksim('merge', a, b);
  assert.is(m.status, 2);
  assert.match(m.stderr, /ran with another configuration than .* \(faults: \["crash"\] against \[/);
  // a shard that never uploaded: merge says so, and with --complete refuses (exit 2) instead of passing
  const shard = mkdtempSync(join(tmpdir(), 'zksim-merge-shard-'));
  assert.is(zksim('explore', '--seeds', '1..4', '--shard', '1/2', '--no-shrink', '--out', shard).status, 0);
  const partial = zksim('merge', shard);
  assert.is(partial.status, 0);
  assert.match(partial.stdout, /2 seed\(s\) of 1\.\.4 did not run \(first: 2, 4\)/);
  const complete = zksim('merge', shard, '--complete');
  assert.is(complete.status, 2);
  assert.match(complete.stderr, /^zksim: --complete: 2 seed\(s\) of 1\.\.4 did not run \(first: 2, 4\): a shard's report is missing\n$/);
  assert.is(complete.stdout, '');
  const twice = zksim('merge', a, `${a}/.`);
  assert.is(twice.status, 2);
  assert.match(twice.stderr, /given twice/);
  const save = mkdtempSync(join(tmpdir(), 'zksim-save-'));
  const r = zksim('replay', '1', '--save', save);
  assert.is(r.status, 0);
  assert.match(r.stderr, /every property holds, so .* gets no artefacts/);
});

test("explore into a folder that holds an earlier exploration's report says so (its seed folders stay)", () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-earlier-'));
  const first = zksim('explore', '--seeds', '1..2', '--no-shrink', '--out', out);
  assert.is(first.status, 0);
  assert.not.match(first.stderr, /earlier exploration/);
  const again = zksim('explore', '--seeds', '1..2', '--no-shrink', '--out', out);
  assert.is(again.status, 0);
  assert.match(again.stderr, /^note: .* holds an earlier exploration's report; its seed folders stay unless this run fails the same seed/m);
});

test('explore names every failing seed on the console, those beyond --artefacts too (with their repro.json alone)', () => {
  // commit-before-quorum fails 7 of seeds 1..20; with --artefacts 5 the console named 5 and ended "7 failing seed(s)"
  const out = mkdtempSync(join(tmpdir(), 'zksim-artefacts-'));
  const r = zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '1..20', '--workers', '1', '--no-shrink', '--artefacts', '2', '--out', out);
  assert.is(r.status, 1, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { failures: Array<{ seed: number; property: string }> };
  assert.ok(s.failures.length > 2, `${s.failures.length} failing`);
  assert.match(r.stdout, new RegExp(`${s.failures.length} failing seed\\(s\\)`));
  const named = [...r.stdout.matchAll(/^FAIL seed (\d+) /gm)].map((m) => Number(m[1]));
  assert.equal(named, s.failures.slice(0, 2).map((f) => f.seed));
  const rest = s.failures.slice(2);
  assert.ok(r.stdout.includes(`FAIL ${rest.length} more seed(s), repro.json only (--artefacts 2): ${rest.map((f) => `${f.seed} ${f.property}`).join(', ')}\n`), r.stdout);
  for (const f of rest) assert.ok(existsSync(join(out, String(f.seed), 'repro.json')));
});

test('shrink checks that it can write repro-shrunk.json beside the repro before it runs its budget', () => {
  // it ran every candidate and then failed to open the file ("cannot open ...: EISDIR"), the work lost
  const dir = mkdtempSync(join(tmpdir(), 'zksim-shrink-out-'));
  const repro = readFileSync('test/fixtures/' + readdirSync('test/fixtures').find((f) => f.endsWith('.json') && JSON.parse(readFileSync(join('test/fixtures', f), 'utf8')).format === 'zksim-repro')!, 'utf8');
  writeFileSync(join(dir, 'repro.json'), repro);
  mkdirSync(join(dir, 'repro-shrunk.json'));
  const r = zksim('shrink', join(dir, 'repro.json'));
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^zksim: shrink writes .*repro-shrunk\.json: is a folder, not a file$/m);
  assert.is(r.stdout, '');
});

test("shrink's summary says how much of a long explanation it leaves to explanation-shrunk.txt (it stopped at 12 lines without a word)", () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-shrink-long-'));
  assert.is(zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '4..4', '--no-shrink', '--out', out).status, 1);
  const r = zksim('shrink', join(out, '4', 'repro.json'), '--property', 'osc', '--budget', '40');
  assert.is(r.status, 1, r.stderr);
  const text = readFileSync(join(out, '4', 'explanation-shrunk.txt'), 'utf8');
  // the verdict's explanation: from the line after the header's blank line to the blank line before the schedule
  const why = text.split('\n\n')[1]!.split('\n');
  assert.ok(why.length > 12, `${why.length} lines`);
  const lines = r.stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  NOT ordered-sequentially consistent'));
  assert.ok(at > 0, r.stdout);
  assert.equal(lines.slice(at, at + 12), why.slice(0, 12).map((l) => `  ${l}`));
  assert.is(lines[at + 12], `  ... ${why.length - 12} more line(s) in ${join(out, '4', 'explanation-shrunk.txt')}`);
});

test('shrink --property names a property the run does not have: bad input that says so (it read "does not fail in this run")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-shrink-prop-'));
  const fixture = readdirSync('test/fixtures').find((f) => f.endsWith('.json') && JSON.parse(readFileSync(join('test/fixtures', f), 'utf8')).format === 'zksim-repro')!;
  writeFileSync(join(dir, 'repro.json'), readFileSync(join('test/fixtures', fixture), 'utf8'));
  const r = zksim('shrink', join(dir, 'repro.json'), '--property', 'linearizible');
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /--property linearizible: this run has no such property \(its properties: no-exception, .*linearizable/);
  const held = zksim('shrink', join(dir, 'repro.json'), '--property', 'no-exception');
  assert.is(held.status, 2);
  assert.match(held.stderr, /property 'no-exception' does not fail in this run/);
});

test('explore --artefacts 0: the failing seeds are named, and the first is said not to be shrunk (it was skipped without a word)', () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-artefacts0-'));
  const r = zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '1..6', '--workers', '1', '--artefacts', '0', '--out', out);
  assert.is(r.status, 1, r.stderr);
  assert.ok(r.stdout.includes('FAIL 2 seed(s), repro.json only (--artefacts 0): 4 linearizable, 5 linearizable\n'), r.stdout);
  assert.ok(r.stdout.includes(`  (not shrunk: --artefacts 0; npx zksim shrink ${join(out, '4', 'repro.json')} shrinks the first)\n`), r.stdout);
  assert.not.ok(existsSync(join(out, '4', 'repro-shrunk.json')));
  const quiet = zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '1..6', '--workers', '1', '--artefacts', '0', '--no-shrink', '--out', out);
  assert.not.match(quiet.stdout, /not shrunk/);
});

test("explore's shrunk line names the run's length, and it is the shrunk repro's length", () => {
  // it read "servers 3 -> 3, 40000 -> 27899 ms", the number unnamed
  const out = mkdtempSync(join(tmpdir(), 'zksim-shrunk-line-'));
  const r = zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '4..4', '--out', out);
  assert.is(r.status, 1, r.stderr);
  const m = /^ {2}shrunk in \d+ runs: faults \d+ -> \d+, ops \d+ -> \d+, clients \d+ -> \d+, servers \d+ -> \d+, run 40000 -> (\d+) ms$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  const replay = JSON.parse(zksim('replay', join(out, '4', 'repro-shrunk.json'), '--json').stdout);
  assert.is(replay.simulatedMs, Number(m![1]));
});

test("replay --save into a folder that holds another run's repro.json is bad input (it replaced the unshrunk repro)", () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-save-over-'));
  assert.is(zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '4..4', '--out', out).status, 1);
  const dir = join(out, '4');
  const before = readFileSync(join(dir, 'repro.json'), 'utf8');
  const r = zksim('replay', join(dir, 'repro-shrunk.json'), '--save', dir);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /--save .*: it holds the repro\.json of another run, which --save would replace/);
  assert.is(readFileSync(join(dir, 'repro.json'), 'utf8'), before);
  // the same run saved again where it is: allowed
  assert.is(zksim('replay', join(dir, 'repro.json'), '--save', dir).status, 1);
  assert.equal(JSON.parse(readFileSync(join(dir, 'repro.json'), 'utf8')).spec, JSON.parse(before).spec);
});

test('replay --story with --json is bad input (the story was left out of the JSON without a word)', () => {
  const r = zksim('replay', '1', '--story', '--json');
  assert.is(r.status, 2, r.stdout);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /--story .* does not go with --json/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test('--max-failures gives the same seeds and failures with 2 workers as with 1 (a serial run stopped there)', () => {
  const runWith = (workers: string) => {
    const r = zksim('explore', '--bug', 'commit-before-quorum', '--seeds', '1..200', '--max-failures', '3', '--no-shrink', '--json', '--workers', workers, '--out', mkdtempSync(join(tmpdir(), 'zksim-mf-')));
    assert.is(r.status, 1, r.stderr);
    const o = JSON.parse(r.stdout);
    return { seeds: o.seeds, failures: o.failures.map((f: { seed: number }) => f.seed) };
  };
  const serial = runWith('1');
  assert.is(serial.failures.length, 3);
  assert.is(serial.seeds, serial.failures[2]);
  assert.equal(runWith('2'), serial);
});

for (const workers of ['1', '2']) {
  test(`an interrupted explore (SIGINT, ${workers} worker(s)) saves what ran: summary.json marked interrupted, the failures' repros; exit 130`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'zksim-intr-'));
    const child = spawn(process.execPath, ['dist/bin/zksim.js', 'explore', '--bug', 'commit-before-quorum', '--seeds', '1..100000', '--no-shrink', '--workers', workers, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    // interrupt once it has started (its first line on stderr)
    child.stderr.on('data', (d) => {
      const first = stderr === '';
      stderr += d;
      if (first) child.kill('SIGINT');
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.is(status, 130, stderr);
    assert.match(stderr, /explore: SIGINT: finishing the seeds that are running, then saving what ran/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.is(summary.interrupted, 'SIGINT');
    assert.ok(summary.seeds >= 0 && summary.seeds < 100000, String(summary.seeds));
    assert.equal(summary.seedList, Array.from({ length: summary.seeds }, (_, i) => i + 1)); // a prefix of the range
    for (const f of summary.failures) assert.ok(existsSync(f.repro), f.repro);
    assert.match(stdout, new RegExp(`interrupted \\(SIGINT\\): ${summary.seeds} of 100000 seed\\(s\\) ran`));
  });
}

test.run();
