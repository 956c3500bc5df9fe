import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runSpec, specForSeed } from '../explore/runner.js';
import { DEFAULT_CONFIG, type ExploreConfig } from '../explore/spec.js';
import { explain, makeRepro, readRepro, validateRepro, writeFailure } from '../explore/artefacts.js';
import { generateSchedule } from '../explore/nemesis.js';
import { checkSpecDeterminism } from '../explore/determinism.js';

const cfg = (over: Partial<ExploreConfig> = {}): ExploreConfig => ({ ...DEFAULT_CONFIG, durationMs: 6000, recoveryMs: 10000, ...over });
const zksim = (...args: string[]) => spawnSync(process.execPath, ['dist/bin/zksim.js', ...args], { encoding: 'utf8' });

test('the schedule and workload are pure functions of the seed', () => {
  assert.equal(specForSeed(3, cfg()), specForSeed(3, cfg()));
  assert.not.equal(generateSchedule(3, cfg()), generateSchedule(4, cfg()));
  // every fault heals before the end of the fault phase
  for (let s = 1; s <= 30; s++) for (const f of generateSchedule(s, cfg())) assert.ok(f.at + f.duration <= 6000, JSON.stringify(f));
});

test('a spec replays to the identical trace hash (and recording the trace does not change it)', async () => {
  for (const servers of [1, 3]) {
    const spec = specForSeed(11, cfg({ servers }));
    const a = await runSpec(spec);
    const b = await runSpec(spec, { recordTrace: true, keepHistory: true });
    assert.is(a.traceHash, b.traceHash);
    assert.is(a.events, b.events);
    assert.ok(b.history!.length > 0);
  }
  const c = await runSpec(specForSeed(12, cfg()));
  assert.is.not(c.traceHash, (await runSpec(specForSeed(11, cfg()))).traceHash);
});

test('a worker thread gives the same trace hash', async () => {
  const r = await checkSpecDeterminism(specForSeed(5, cfg({ workload: 'configuration' })));
  assert.ok(r.same, JSON.stringify(r));
});

test('a repro file round-trips and `zksim replay` reproduces its trace hash', async () => {
  const spec = specForSeed(9, cfg({ workload: 'naming' }));
  const o = await runSpec(spec, { recordTrace: true, keepHistory: true });
  const dir = mkdtempSync(join(tmpdir(), 'zksim-replay-'));
  const path = writeFailure(dir, spec, o, { property: 'recovery', ok: false, explanation: 'test' });
  const back = readRepro(path);
  assert.equal(back.spec, JSON.parse(JSON.stringify(spec)));
  const r = zksim('replay', path, '--json');
  const out = JSON.parse(r.stdout);
  assert.is(out.traceHash, o.traceHash);
  assert.is(out.traceHashMatches, true);
  for (const f of ['history.jsonl', 'trace.jsonl', 'explanation.txt']) assert.ok(readFileSync(join(dir, f), 'utf8').length > 0, f);
});

test('a failure saved for a property that fails after others: its report highlights that property, and replay --save and --report keep it', async () => {
  // commit-before-quorum seed 5 fails linearizable, unique-versions, osc and ensemble; `zksim shrink --property
  // unique-versions` wrote a report titled "unique-versions FAILED" whose counterexample box was linearizable's
  const spec = specForSeed(5, { ...DEFAULT_CONFIG, bugs: ['commit-before-quorum'], faults: ['crash', 'isolate-leader', 'partition', 'pause-server', 'power-loss'], workload: 'registers' });
  const o = await runSpec(spec, { recordTrace: true, keepHistory: true });
  const failing = o.verdicts.filter((v) => v.ok === false).map((v) => v.property);
  assert.ok(failing.length >= 2 && failing[0] !== 'ensemble' && failing.includes('ensemble'), failing.join());
  const dir = mkdtempSync(join(tmpdir(), 'zksim-cx-'));
  const ensemble = o.verdicts.find((v) => v.property === 'ensemble')!;
  const path = writeFailure(dir, spec, o, ensemble);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<title>zksim seed 5 — ensemble FAILED<\/title>/);
  assert.match(html, /Counterexample: ensemble</);
  assert.not.match(html, new RegExp(`Counterexample: ${failing[0]}<`));
  // replay --save of that repro saves it for ensemble again (it saved the first failing property), and --report
  // highlights ensemble too
  const saved = mkdtempSync(join(tmpdir(), 'zksim-cx-save-'));
  const r = zksim('replay', path, '--save', saved, '--report', join(saved, 'r.html'));
  assert.is(r.status, 1, r.stderr);
  assert.is(readRepro(join(saved, 'repro.json')).property, 'ensemble');
  assert.match(readFileSync(join(saved, 'report.html'), 'utf8'), /Counterexample: ensemble</);
  assert.match(readFileSync(join(saved, 'r.html'), 'utf8'), /Counterexample: ensemble</);
  // a seed (no repro, so no property of its own) still saves and highlights the first failing one
  const bySeed = mkdtempSync(join(tmpdir(), 'zksim-cx-seed-'));
  assert.is(zksim('replay', '5', '--bug', 'commit-before-quorum', '--save', bySeed).status, 1);
  assert.is(readRepro(join(bySeed, 'repro.json')).property, failing[0]);
});

test('explanation.txt says how many faults and server states it leaves out of a long run (it stopped at 200 without a word)', async () => {
  const spec = specForSeed(3, cfg());
  const o = await runSpec(spec, { recordTrace: true, keepHistory: true });
  const listed = o.trace!.filter((e) => e.kind === 'fault' || e.kind === 'state' || e.kind === 'fault-heal');
  const v = { property: 'recovery', ok: false, explanation: 'test' };
  const short = explain(spec, o, v);
  assert.ok(listed.length < 200);
  assert.not.match(short, /more, the last at/);
  // the same run with its state records repeated past the limit
  const many = Array.from({ length: 250 }, (_, i) => ({ t: i, kind: 'state', node: 's1', role: 'LOOKING', epoch: i }));
  const long = explain(spec, { ...o, trace: many }, v);
  const tail = long.trimEnd().split('\n').slice(-2);
  assert.match(tail[0]!, /t=199 state @s1/);
  assert.is(tail[1], '  ... and 50 more, the last at t=249 (trace.jsonl has every one)');
});

test('malformed repros and repros of another version are refused with exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-bad-'));
  const good = makeRepro(specForSeed(1, cfg()));
  const cases: Array<[string, unknown]> = [
    ['other-version', { ...good, zksimVersion: '99.0.0' }],
    ['other-format', { ...good, version: 99 }],
    ['no-spec', { ...good, spec: undefined }],
    ['bad-fault', { ...good, spec: { ...good.spec, schedule: [{ at: 1, duration: 1, fault: { kind: 'meteor' } }] } }],
    ['bad-workload', { ...good, spec: { ...good.spec, workload: { ...good.spec.workload, name: 'nope' } } }],
  ];
  for (const [name, value] of cases) {
    const p = join(dir, `${name}.json`);
    writeFileSync(p, JSON.stringify(value));
    assert.throws(() => validateRepro(JSON.parse(readFileSync(p, 'utf8'))));
    const r = zksim('replay', p);
    assert.is(r.status, 2, `${name}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  writeFileSync(join(dir, 'garbage.json'), '{ not json');
  assert.is(zksim('replay', join(dir, 'garbage.json')).status, 2);
  assert.is(zksim('shrink', join(dir, 'garbage.json')).status, 2);
});

test('the repro fixtures in test/fixtures are this zksim\'s: `zksim replay` accepts each one', () => {
  const dir = new URL('../../test/fixtures/', import.meta.url);
  const repros = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f, JSON.parse(readFileSync(new URL(f, dir), 'utf8'))] as const).filter(([, v]) => v.format === 'zksim-repro');
  assert.ok(repros.length >= 3, `found ${repros.length}`);
  for (const [f, v] of repros) {
    try {
      validateRepro(v, f);
    } catch (e) {
      assert.unreachable(`${f}: ${(e as Error).message} (a version bump: update its zksimVersion, and its traceHash if runs changed)`);
    }
  }
});

test.run();
