/**
 * Your own recipe as a workload (`zksim explore --workload path/to/recipe.js`, explore/workloads/module.ts), with the
 * example recipes of recipes/: a correct leader latch holds its property, the latch that orders by node name is
 * caught; a recipe gets a fresh instance per run (the same seed twice in one thread gives the same run); a broken
 * module is bad input (exit 2, one line); a repro of a recipe run replays with the same trace hash.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** A recipe module written to a temporary file, run once without faults (seed 1). */
async function runText(name: string, text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'zksim-recipe-')), name);
  writeFileSync(file, text);
  return runSpec(specOf({ config: { ...DEFAULT_CONFIG, faults: [], workload: 'module', workloadModule: file }, workload: 'module' }, 1));
}
const verdictOf = (r: { verdicts: Array<{ property: string; ok: boolean | null; explanation: string }> }, p: string) => r.verdicts.find((v) => v.property === p);
const STEP = `async step(ctx, s) { await s.client.exists('/'); }`;

test("a verdicts() that throws or returns no list fails recipe-error, with where it threw; the recipe's properties show as not checked", async () => {
  const threw = await runText('threw.mjs', `export default () => ({ name: 'v', properties: ['p'], ${STEP},\n  verdicts() { return [{ property: 'p', ok: finalvalue > 0, explanation: '' }]; } });`);
  const e = verdictOf(threw, 'recipe-error')!;
  assert.is(e.ok, false, e.explanation);
  assert.match(e.explanation, /verdicts\(\): ReferenceError: finalvalue is not defined \(at threw\.mjs:2:\d+\)/);
  assert.is(verdictOf(threw, 'p')!.ok, null);
  assert.match(verdictOf(threw, 'p')!.explanation, /no verdict under this declared property/);
  assert.is(verdictOf(threw, 'harness'), undefined);
  const notList = await runText('notlist.mjs', `export default () => ({ name: 'v', ${STEP}, verdicts() { return { property: 'p', ok: true, explanation: '' }; } });`);
  assert.match(verdictOf(notList, 'recipe-error')!.explanation, /verdicts\(\) returned object, not a list/);
  assert.is(verdictOf(notList, 'recipe-error')!.ok, false);
  const malformed = await runText('malformed.mjs', `export default () => ({ name: 'v', ${STEP}, verdicts() { return [{ property: 'p', ok: 'yes', explanation: '' }]; } });`);
  assert.is(verdictOf(malformed, 'recipe-error')!.ok, false);
  assert.match(verdictOf(malformed, 'recipe-error')!.explanation, /a verdict needs property/);
  const undeclared = await runText('undeclared.mjs', `export default () => ({ name: 'v', properties: ['p'], ${STEP}, verdicts() { return [{ property: 'p', ok: true, explanation: '' }, { property: 'q', ok: true, explanation: '' }]; } });`);
  assert.is(verdictOf(undeclared, 'recipe-error')!.ok, false);
  assert.match(verdictOf(undeclared, 'recipe-error')!.explanation, /verdict 'q' is not among the recipe's declared properties \(p\)/);
  // a recipe that reports all it declares: no extra row, recipe-error holds
  const fine = await runText('fine.mjs', `export default () => ({ name: 'v', properties: ['p'], ${STEP}, verdicts() { return [{ property: 'p', ok: true, explanation: 'fine' }]; } });`);
  assert.equal(fine.verdicts.filter((v) => v.property === 'p').map((v) => v.ok), [true]);
  assert.is(verdictOf(fine, 'recipe-error')!.ok, true);
});

test("a final that gets a ZooKeeper answer runs once and the slot is served; one that throws fails recipe-error once, not recovery", async () => {
  const nonode = await runText('nonode.mjs', `let finals = 0; export default () => { finals = 0; return { name: 'f', ${STEP}, async final(ctx, s) { finals++; await s.client.getData('/never'); }, verdicts() { return [{ property: 'finals', ok: finals === 3, explanation: String(finals) }]; } }; };`);
  assert.is(verdictOf(nonode, 'recovery')!.ok, true, verdictOf(nonode, 'recovery')!.explanation);
  assert.is(verdictOf(nonode, 'finals')!.explanation, '3'); // one final per client slot, none repeated
  assert.is(verdictOf(nonode, 'recipe-error')!.ok, true);
  const threw = await runText('final-throws.mjs', `export default () => ({ name: 'f', ${STEP}, async final(ctx, s) { await s.client.exists('/'); throw { reason: 'mine' }; }, verdicts: () => [] });`);
  assert.is(verdictOf(threw, 'recovery')!.ok, true, verdictOf(threw, 'recovery')!.explanation);
  const e = verdictOf(threw, 'recipe-error')!;
  assert.is(e.ok, false);
  assert.match(e.explanation, /failed 3 time\(s\)/); // once per client slot
  assert.match(e.explanation, /final of c1 \(c1\): a thrown Object: \{"reason":"mine"\}/);
});

test("a watcher's exception, or its rejection (an async watcher), fails recipe-error: a recipe's assertions often sit in watchers", async () => {
  const body = (watcher: string) => `export default () => ({ name: 'w', async step(ctx, s) { await s.client.exists('/w', ${watcher}); await s.client.create('/w', null).catch(() => {}); await s.client.delete('/w').catch(() => {}); }, verdicts: () => [] });`;
  const sync = await runText('watch-throws.mjs', body(`() => { throw new Error('assertion failed in my watcher'); }`));
  const e = verdictOf(sync, 'recipe-error')!;
  assert.is(e.ok, false);
  assert.match(e.explanation, /a watcher of c\d: Error: assertion failed in my watcher \(at watch-throws\.mjs:1:\d+\)/);
  const rejected: unknown[] = [];
  const onRejection = (r: unknown) => rejected.push(r);
  process.on('unhandledRejection', onRejection);
  try {
    const async = await runText('watch-rejects.mjs', body(`async () => { throw new Error('assertion in an async watcher'); }`));
    assert.is(verdictOf(async, 'recipe-error')!.ok, false);
    assert.match(verdictOf(async, 'recipe-error')!.explanation, /a watcher of c\d: Error: assertion in an async watcher/);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  assert.equal(rejected, []);
});

test("a repro of a recipe made elsewhere (the module's path is another machine's) replays with --workload naming the module here", () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-moved-'));
  const text = `export default () => ({ name: 'always-false', properties: ['always-false'], async step(ctx, s) { await s.client.exists('/'); }, verdicts: () => [{ property: 'always-false', ok: false, explanation: 'on purpose' }] });`;
  writeFileSync(join(dir, 'ci.mjs'), text);
  const out = join(dir, 'runs');
  assert.is(zksim('explore', '--workload', join(dir, 'ci.mjs'), '--seeds', '1..1', '--no-shrink', '--out', out).status, 1);
  writeFileSync(join(dir, 'here.mjs'), text);
  rmSync(join(dir, 'ci.mjs')); // the CI runner's checkout is gone
  const repro = join(out, '1', 'repro.json');
  const gone = zksim('replay', repro);
  assert.is(gone.status, 2);
  assert.match(gone.stderr, /must name an existing recipe module .*give the module's place here with --workload FILE/);
  const moved = zksim('replay', repro, '--workload', join(dir, 'here.mjs'), '--json');
  assert.is(moved.status, 1, moved.stderr);
  assert.is(JSON.parse(moved.stdout).traceHashMatches, true);
  const builtIn = zksim('replay', repro.replace('1/repro.json', 'nope.json'), '--workload', join(dir, 'here.mjs'));
  assert.is(builtIn.status, 2);
});

test('run --check-determinism still checks the run: a violating seed exits 1, with the verdicts and the determinism line', () => {
  const r = zksim('run', '--seed', '1', '--workload', BY_NAME, '--check-determinism');
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, /VIOLATED +latch-single-leader/);
  assert.match(r.stdout, /^deterministic: seed 1 gives trace hash [0-9a-f]{16} in the main thread and in a worker$/m);
  const j = zksim('run', '--seed', '1', '--workload', BY_NAME, '--check-determinism', '--json');
  assert.is(j.status, 1, j.stderr);
  const o = JSON.parse(j.stdout);
  assert.is(o.deterministic, true);
  assert.equal(o.hashes, [o.traceHash, o.traceHash]);
  assert.is(o.divergence, null);
  assert.is(o.ok, false);
  assert.ok(o.verdicts.some((v: { property: string; ok: boolean }) => v.property === 'latch-single-leader' && v.ok === false));
});

test('bad recipe modules: exit 2 with one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-bad-recipe-'));
  const cases: Array<[string, string, RegExp]> = [
    ['object.mjs', 'export default { name: "x", step() {}, verdicts() { return []; } };', /must default-export a function/],
    ['nostep.mjs', 'export default () => ({ name: "x", verdicts() { return []; } });', /a function "step/],
    ['throws.mjs', 'throw new Error("boom");', /cannot be loaded: boom/],
    ['syntax.mjs', 'export default () => ({\n  name: "x",\n  step() {}}\n});', /cannot be loaded: Unexpected token '\}' \(\S*syntax\.mjs:4\)/],
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
