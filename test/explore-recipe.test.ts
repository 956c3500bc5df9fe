/**
 * Your own recipe as a workload (`zksim explore --workload path/to/recipe.js`, explore/workloads/module.ts), with the
 * example recipes of recipes/: a correct leader latch holds its property, the latch that orders by node name is
 * caught; a recipe gets a fresh instance per run (the same seed twice in one thread gives the same run); a broken
 * module is bad input (exit 2, one line); a repro of a recipe run replays with the same trace hash.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { specOf, type ExploreBase } from '../explore/engine.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';
import { runSpec } from '../explore/runner.js';

const zksim = (...args: string[]) => spawnSync(process.execPath, ['dist/bin/zksim.js', ...args], { encoding: 'utf8' });
const LATCH = resolve('dist/recipes/leader-latch.js');
const BY_NAME = resolve('dist/recipes/leader-latch-by-name.js');
const base = (path: string, servers = 3): ExploreBase => ({ config: { ...DEFAULT_CONFIG, servers, workload: 'module', workloadModule: path }, workload: 'module' });
const latchVerdict = (vs: Array<{ property: string; ok: boolean | null; explanation: string }>) => vs.find((v) => v.property === 'latch-single-leader')!;

test('the leader latch holds under faults, and every other property with it', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await runSpec(specOf(base(LATCH), seed));
    for (const v of r.verdicts) assert.ok(v.ok !== false, `seed ${seed}: ${v.property}: ${v.explanation}`);
    const v = latchVerdict(r.verdicts);
    assert.is(v.ok, true);
    assert.ok(Number(/^(\d+) term/.exec(v.explanation)?.[1]) >= 5, v.explanation);
  }
});

test('the latch ordered by node name is caught (seed 1), and the correct one passes the same seed', async () => {
  const bad = await runSpec(specOf(base(BY_NAME), 1));
  const v = latchVerdict(bad.verdicts);
  assert.is(v.ok, false);
  assert.match(v.explanation, /two leaders at once/);
  assert.is(latchVerdict((await runSpec(specOf(base(LATCH), 1))).verdicts).ok, true);
});

test('a fresh recipe per run: the same seed twice in one thread is the same run', async () => {
  const a = await runSpec(specOf(base(BY_NAME), 2));
  const b = await runSpec(specOf(base(BY_NAME), 2));
  assert.is(a.traceHash, b.traceHash);
  assert.equal(a.verdicts, b.verdicts);
});

test('standalone: reads are checked for linearizability, and nodes that multis touch are left out of the model', async () => {
  const r = await runSpec(specOf(base(LATCH, 1), 1));
  const v = r.verdicts.find((x) => x.property === 'linearizable')!;
  assert.is(v.ok, true, v.explanation);
  assert.match(v.explanation, /reads and writes/);
});

test('CLI: explore finds the bug, writes a repro, and replay gives the same trace hash', () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-recipe-'));
  const r = zksim('explore', '--workload', 'dist/recipes/leader-latch-by-name.js', '--seeds', '1..2', '--workers', '1', '--no-shrink', '--json', '--out', out);
  assert.is(r.status, 1, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.is(o.failures[0].property, 'latch-single-leader');
  const rep = zksim('replay', o.failures[0].repro, '--json');
  assert.is(rep.status, 1, rep.stderr);
  assert.is(JSON.parse(rep.stdout).traceHashMatches, true);
  // the story: beside the repro, and told by replay --story (the fenced writes of both leaders are in it)
  const told = readFileSync(join(dirname(o.failures[0].repro), 'story.txt'), 'utf8');
  assert.match(told, /c1 +calls multi \(2 ops\)/);
  assert.match(told, /c2 +calls multi \(2 ops\)/);
  assert.match(told, /COMMITS/);
  const st = zksim('replay', o.failures[0].repro, '--story');
  assert.is(st.status, 1, st.stderr);
  assert.ok(st.stdout.includes('VIOLATED   latch-single-leader'), st.stdout.slice(0, 500));
  assert.ok(st.stdout.split('\n').length > 50);
  assert.match(st.stdout, /PROPOSES/);
});

test('an exception of the recipe\'s own code fails recipe-error; ZooKeeper errors do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-recipe-err-'));
  const file = join(dir, 'typo.mjs');
  // reads a node that never exists (NONODE: a ZooKeeper error, fine), then, after 5 s, a TypeError of its own
  writeFileSync(file, `export default () => ({ name: 'typo', async step(ctx, s) { await s.client.getData('/nosuch').catch((e) => { if (typeof e.code !== 'number') throw e; }); if (ctx.now() > 5000) { const x = null; x.oops(); } }, verdicts: () => [] });`);
  const r = await runSpec(specOf({ config: { ...DEFAULT_CONFIG, faults: [], workload: 'module', workloadModule: file }, workload: 'module' }, 1));
  const v = r.verdicts.find((x) => x.property === 'recipe-error')!;
  assert.is(v.ok, false);
  assert.match(v.explanation, /TypeError/);
  const ok = await runSpec(specOf(base(LATCH), 1));
  assert.is(ok.verdicts.find((x) => x.property === 'recipe-error')!.ok, true);
});

test('bad recipe modules: exit 2 with one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-bad-recipe-'));
  const cases: Array<[string, string, RegExp]> = [
    ['object.mjs', 'export default { name: "x", step() {}, verdicts() { return []; } };', /must default-export a function/],
    ['nostep.mjs', 'export default () => ({ name: "x", verdicts() { return []; } });', /a function "step/],
    ['throws.mjs', 'throw new Error("boom");', /cannot be loaded: boom/],
  ];
  for (const [file, text, why] of cases) {
    writeFileSync(join(dir, file), text);
    const r = zksim('run', '--seed', '1', '--workload', join(dir, file));
    assert.is(r.status, 2, `${file}: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const missing = zksim('explore', '--workload', join(dir, 'nosuch.js'), '--count', '1');
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /does not exist/);
});

test.run();
