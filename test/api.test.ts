/**
 * zksim as a library (api/index.ts), imported by the package's own name as a user imports it ('zksim': Node resolves
 * it through package.json's "exports", TypeScript to api/index.ts): runSeed equals `zksim run --json`, explore finds
 * a recipe's bug in an in-memory factory and passes the correct recipe, a fast-check property over seeds, repros that
 * `zksim replay` runs, and bad options refused with a one-line reason naming the option.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FAULT_KINDS, Code, ZkError, errorCode, explore, isOutcomeUnknown, runSeed, sequenceNumber, type RecipeFactory, type RunOptions, type RunResult } from 'zksim';
import { latch } from '../recipes/leader-latch.js';

const zksim = (...args: string[]) => spawnSync(process.execPath, ['dist/bin/zksim.js', ...args], { encoding: 'utf8' });
const LATCH = 'dist/recipes/leader-latch.js';
const BY_NAME = 'dist/recipes/leader-latch-by-name.js';
const correct: RecipeFactory = () => latch({ order: 'sequence' });
const byName: RecipeFactory = () => latch({ order: 'name' });

/** `zksim run --json` of the same seed and options, without its wall-clock time. */
function cli(seed: number, ...args: string[]): Record<string, unknown> {
  const r = zksim('run', '--seed', String(seed), '--json', ...args);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const { wallMs, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.type(wallMs, 'number');
  return rest;
}

function sameAsCli(api: RunResult, fromCli: Record<string, unknown>): void {
  const { failure, ...rest } = api;
  assert.equal(rest, fromCli);
  assert.equal(failure, api.verdicts.find((v) => v.ok === false) ?? null);
}

async function rejects(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, Error);
    return (e as Error).message;
  }
  assert.unreachable('expected a rejection');
  return '';
}

test("the package's own name resolves to the library (exports map)", async () => {
  const viaName = await import('zksim');
  const viaPath = await import('../api/index.js');
  assert.is(viaName.runSeed, viaPath.runSeed);
  assert.ok(FAULT_KINDS.includes('crash'));
  assert.is(Code.NONODE, -101);
  // "exports" hides the package's insides from deep imports, and the declarations it names were emitted
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types: string }> };
  assert.ok(existsSync(pkg.exports['.']!.types), pkg.exports['.']!.types);
  let code: unknown;
  await import('zksim/dist/explore/runner.js' as string).catch((e: { code?: unknown }) => (code = e.code));
  assert.is(code, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test('runSeed equals `zksim run --json`: default options, and a built-in workload with options', async () => {
  sameAsCli(await runSeed(7), cli(7));
  const opts: RunOptions = { workload: 'naming', servers: 5, clients: 4, faults: ['crash', 'partition'], durationMs: 8000, recoveryMs: 15000 };
  sameAsCli(await runSeed(11, opts), cli(11, '--workload', 'naming', '--servers', '5', '--clients', '4', '--faults', 'crash,partition', '--duration', '8000', '--recovery', '15000'));
});

test('runSeed equals `zksim run --json` for a recipe module, and a failing zoo-bug run names its first failure', async () => {
  sameAsCli(await runSeed(3, { workload: LATCH }), cli(3, '--workload', LATCH));
  const bug = await runSeed(1, { bug: 'read-uncommitted' });
  sameAsCli(bug, cli(1, '--bug', 'read-uncommitted'));
  assert.is(bug.ok, false);
  assert.is(bug.failure?.property, 'osc');
});

test('a recipe factory function is the same run as its module', async () => {
  const fromFile = await runSeed(2, { workload: BY_NAME });
  const inMemory = await runSeed(2, { workload: byName });
  assert.is(inMemory.traceHash, fromFile.traceHash);
  assert.equal(inMemory.verdicts, fromFile.verdicts);
});

test('explore with an in-memory recipe: the latch ordered by name is caught, the correct latch passes the same seeds', async () => {
  const seeds = { from: 1, to: 4 };
  const bad = await explore({ seeds, workload: byName });
  assert.is(bad.ok, false);
  assert.ok(bad.summary.failingSeeds.length >= 2, String(bad.summary.failingSeeds));
  assert.equal(bad.summary.failingSeeds, bad.results.filter((r) => r.failure).map((r) => r.seed));
  assert.is(bad.summary.properties['latch-single-leader']!.failed, bad.summary.failingSeeds.length);
  assert.equal(bad.summary.workloads, { 'module:leader-latch-by-name': 4 });
  assert.ok(bad.failures.every((f) => f.property === 'latch-single-leader' && f.repro === null && /two leaders at once/.test(f.explanation)));

  const good = await explore({ seeds, workload: correct });
  assert.is(good.ok, true);
  assert.equal(good.results.map((r) => r.seed), [1, 2, 3, 4]);
  assert.equal(good.summary.properties['latch-single-leader'], { passed: 4, failed: 0, notChecked: 0 });

  const first = await explore({ seeds: [4, 3, 2, 1], workload: byName, maxFailures: 1 });
  assert.is(first.results.length, 1);
  assert.is(first.results[0]!.seed, 4);
});

test("a recipe whose own code throws a TypeError fails recipe-error; ZooKeeper's errors do not", async () => {
  const typo: RecipeFactory = () => ({
    name: 'typo',
    async step(ctx, s) {
      await s.client.getData('/nosuch').catch((e: { code?: unknown }) => {
        if (e.code !== Code.NONODE && typeof e.code !== 'number') throw e;
      });
      if (ctx.now() > 3000) (null as unknown as { oops(): void }).oops();
    },
    verdicts: () => [],
  });
  const r = await runSeed(1, { workload: typo, faults: 'none' });
  assert.is(r.failure?.property, 'recipe-error');
  assert.match(r.failure!.explanation, /TypeError/);
  const quiet = await runSeed(1, { workload: () => ({ ...typo(), step: (_c, s) => s.client.getData('/nosuch').catch(() => null) }), faults: 'none' });
  assert.is(quiet.verdicts.find((v) => v.property === 'recipe-error')?.ok, true);
});

test("skipChecks takes the property names a recipe declares, refuses others, and a verdict under an undeclared name fails recipe-error", async () => {
  const declared: RecipeFactory = () => ({
    name: 'declared',
    properties: ['always-false'],
    step: (_c, s) => s.client.exists('/'),
    verdicts: () => [{ property: 'always-false', ok: false, explanation: 'fails on purpose' }],
  });
  assert.is((await runSeed(1, { workload: declared, faults: 'none' })).failure?.property, 'always-false');
  const skipped = await runSeed(1, { workload: declared, faults: 'none', skipChecks: ['always-false'] });
  assert.ok(skipped.ok, skipped.failure?.explanation);
  assert.is(skipped.verdicts.find((v) => v.property === 'always-false')?.ok, null);
  assert.match(await rejects(runSeed(1, { workload: declared, skipChecks: ['always-flase'] })), /^zksim runSeed: skipChecks: unknown property 'always-flase' \(known: .*; the recipe's: always-false, recipe-error\)$/);
  const undeclared: RecipeFactory = () => ({ ...declared(), properties: undefined });
  assert.match(await rejects(runSeed(1, { workload: undeclared, skipChecks: ['always-false'] })), /the recipe declares no properties of its own/);
  const listsTooFew: RecipeFactory = () => ({ ...declared(), properties: ['something-else'] });
  const r = await runSeed(1, { workload: listsTooFew, faults: 'none' });
  const e = r.verdicts.find((v) => v.property === 'recipe-error');
  assert.is(e?.ok, false);
  assert.match(e?.explanation ?? '', /verdict 'always-false' is not among the recipe's declared properties/);
  // the declared property the recipe gave no verdict for is there, not checked
  assert.is(r.verdicts.find((v) => v.property === 'something-else')?.ok, null);
});

test('fast-check: the leader latch holds for any seed and fault kinds; the latch by name does not', async () => {
  const arbitrary = { seed: fc.integer({ min: 1, max: 1_000_000 }), faults: fc.subarray([...FAULT_KINDS]) };
  await fc.assert(
    fc.asyncProperty(arbitrary.seed, arbitrary.faults, async (seed, faults) => {
      const r = await runSeed(seed, { workload: correct, faults });
      assert.ok(r.ok, `seed ${seed} ${faults.join(',')}: ${r.failure?.property}: ${r.failure?.explanation}`);
    }),
    { numRuns: 6, seed: 42 },
  );
  const found = await fc.check(
    fc.asyncProperty(arbitrary.seed, async (seed) => (await runSeed(seed, { workload: byName })).ok),
    { numRuns: 10, seed: 42, endOnFailure: true },
  );
  assert.is(found.failed, true);
  const [seed] = found.counterexample!;
  assert.is((await runSeed(seed, { workload: byName })).failure?.property, 'latch-single-leader');
});

test('explore({ out }) writes repros that `zksim replay` runs; a module path may use workers, with the same results', async () => {
  const out = mkdtempSync(join(tmpdir(), 'zksim-api-'));
  const r = await explore({ seeds: [1, 2], workload: BY_NAME, out, artefacts: 1 });
  assert.is(r.failures.length, 2);
  const [a, b] = r.failures;
  assert.is(a!.repro, join(out, '1', 'repro.json'));
  assert.ok(existsSync(join(out, '1', 'story.txt')), 'full artefacts for the first');
  assert.ok(existsSync(b!.repro!) && !existsSync(join(out, '2', 'story.txt')), 'a repro alone beyond artefacts');
  for (const f of r.failures) {
    const rep = zksim('replay', f.repro!, '--json');
    assert.is(rep.status, 1, rep.stderr);
    const o = JSON.parse(rep.stdout) as { traceHashMatches: boolean; traceHash: string };
    assert.is(o.traceHashMatches, true);
    assert.is(o.traceHash, r.results.find((x) => x.seed === f.seed)!.traceHash);
  }
  const threaded = await explore({ seeds: [1, 2], workload: resolve(BY_NAME), workers: 2 });
  assert.equal(threaded.results, r.results);
});

test('bad options are refused with one line naming the option', async () => {
  const cases: Array<[RunOptions | Record<string, unknown>, RegExp]> = [
    [{ servers: 0 }, /^zksim runSeed: servers must be a positive integer, got 0$/],
    [{ servers: 10 }, /^zksim runSeed: servers must be at most 9$/],
    [{ clients: 2.5 }, /^zksim runSeed: clients must be a positive integer, got 2\.5$/],
    [{ durationMs: '5000' }, /^zksim runSeed: durationMs must be a positive integer, got '5000'$/],
    [{ workload: 'nosuch' }, /^zksim runSeed: workload: unknown workload 'nosuch'/],
    [{ workload: 'nosuch.js' }, /^zksim runSeed: workload module nosuch\.js does not exist$/],
    [{ workload: 42 }, /^zksim runSeed: workload must be .* or a recipe factory function, got number$/],
    [{ workload: () => ({ name: 'x' }) }, /^zksim runSeed: workload \(a recipe factory\): the recipe it returns must have a function "step/],
    [{ faults: ['crash', 'flood'] }, /^zksim runSeed: faults: unknown fault 'flood' \(known: partition/],
    [{ faults: 'crash' }, /^zksim runSeed: faults must be a list of fault kinds, 'all' or 'none', got 'crash'$/],
    [{ bug: 'nosuch' }, /^zksim runSeed: bug: unknown bug 'nosuch' \(known: commit-before-quorum/],
    [{ skipChecks: ['latency'] }, /^zksim runSeed: skipChecks: unknown property 'latency'/],
    [{ server: 3 }, /^zksim runSeed: unknown option 'server' \(known: servers,/],
  ];
  for (const [opts, re] of cases) {
    const msg = await rejects(runSeed(1, opts as RunOptions));
    assert.match(msg, re);
    assert.not.match(msg, /\n/);
  }
  assert.match(await rejects(runSeed('', {})), /^zksim runSeed: seed must not be empty$/);
  assert.match(await rejects(explore({ seeds: { from: 5, to: 1 } })), /^zksim explore: seeds must be /);
  assert.match(await rejects(explore({ seeds: [] })), /^zksim explore: seeds must not be an empty list$/);
  assert.match(await rejects(runSeed(2 ** 53 + 10, {})), /seed must be a safe integer/);
  assert.match(await rejects(explore({ seeds: [1], workers: 0 })), /^zksim explore: workers must be a positive integer, got 0$/);
  assert.match(await rejects(explore({ seeds: [1], workload: correct, workers: 2 })), /^zksim explore: workers: a recipe factory function runs in this thread only/);
  assert.match(await rejects(explore({ seeds: [1], workload: correct, out: tmpdir() })), /^zksim explore: out: no repro of a recipe factory function can be written/);
});

test('runs started together (Promise.all, as concurrent tests do) give what they give one after another', async () => {
  // Runs share this thread: their recipes are registered side by side, and nothing of one may leak into another
  // (module-level memos, registered recipes). (A run's loop hands over through process.nextTick, which drains before
  // the other run's promise jobs, so in practice the runs go one after another.)
  const runs: Array<[number, RunOptions]> = [[1, {}], [2, { workload: byName, servers: 1 }], [3, { workload: correct }], [4, { workload: 'naming' }]];
  const alone: RunResult[] = [];
  for (const [seed, o] of runs) alone.push(await runSeed(seed, o));
  const together = await Promise.all(runs.map(([seed, o]) => runSeed(seed, o)));
  assert.equal(together, alone);
  assert.ok(new Set(alone.map((r) => r.traceHash)).size === runs.length);
});

test('recipe helpers: errorCode, isOutcomeUnknown and sequenceNumber', () => {
  assert.is(errorCode(new ZkError(Code.NONODE, '/a')), Code.NONODE);
  assert.is(errorCode(new TypeError('x')), 0, "an error of the recipe's own code is not ZooKeeper's");
  assert.is(errorCode(Object.assign(new Error('socket'), { code: 'ECONNRESET' })), 0);
  assert.is(errorCode(null), 0);
  assert.ok(isOutcomeUnknown(new ZkError(Code.CONNECTIONLOSS)));
  assert.ok(isOutcomeUnknown(new ZkError(Code.OPERATIONTIMEOUT)));
  assert.not.ok(isOutcomeUnknown(new ZkError(Code.SESSIONEXPIRED)), 'an expired session is a known failure of the call');
  assert.is(sequenceNumber('_c1_lock-0000000042'), 42);
  assert.is(sequenceNumber('lock--000000001'), -1, 'the counter wraps to negative numbers, as ZooKeeper formats them');
});

test("a recipe given as a function: recipe-error names the place in the test's own file where it threw", async () => {
  const thrower: RecipeFactory = () => ({
    name: 'thrower',
    async step(_ctx, s) {
      await s.client.exists('/');
      throw new TypeError('thrown on purpose');
    },
    verdicts: () => [],
  });
  const r = await runSeed(1, { workload: thrower, faults: 'none' });
  const v = r.verdicts.find((x) => x.property === 'recipe-error')!;
  assert.is(v.ok, false);
  assert.match(v.explanation, /TypeError: thrown on purpose \(at api\.test\.js:\d+:\d+\)/);
});

test.run();
