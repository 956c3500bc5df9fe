/**
 * The lock workload (explore/workloads/lock.ts): ZooKeeper's lock recipe guarding fenced writes, under faults.
 * Its properties hold on a correct ensemble, and they catch zoo bugs that break what the recipe relies on: lost
 * acknowledged writes (commit-before-quorum, ack-before-fsync) and ephemerals that outlive their session
 * (keep-ephemerals-on-expiry). The seeds are the first of 1..200 where each bug fails the property (from
 * `zksim explore --bug NAME --workload lock --seeds 1..200`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { specOf, type ExploreBase } from '../explore/engine.js';
import { DEFAULT_CONFIG, MIXED_WORKLOADS, WORKLOADS } from '../explore/spec.js';
import { runSpec } from '../explore/runner.js';
import { checkFencing, sequenceOf } from '../explore/workloads/lock.js';
import { BUG_ZOO } from '../explore/bugs.js';

/** As `zksim explore --bug NAME --workload lock`: the bug's own faults and servers; the default config without one. */
function base(bug?: string, withBug = true): ExploreBase {
  const zoo = BUG_ZOO.find((b) => b.name === bug);
  if (bug && !zoo) throw new Error(`no zoo bug ${bug}`);
  const config = zoo ? { ...DEFAULT_CONFIG, bugs: withBug ? [zoo.name] : [], faults: [...zoo.faults], servers: zoo.servers } : { ...DEFAULT_CONFIG };
  return { config, workload: 'lock' };
}
const verdict = (vs: Array<{ property: string; ok: boolean | null; explanation: string }>, p: string) => vs.find((v) => v.property === p)!;

test('a correct ensemble: fenced writes in lock order, acknowledged ones kept, no stale lock node', async () => {
  for (const seed of [1, 2, 5]) {
    const r = await runSpec(specOf(base(), seed));
    for (const v of r.verdicts) assert.ok(v.ok !== false, `seed ${seed}: ${v.property}: ${v.explanation}`);
    const f = verdict(r.verdicts, 'lock-fencing');
    assert.is(f.ok, true);
    const writes = Number(/^(\d+) fenced write/.exec(f.explanation)?.[1]);
    assert.ok(writes >= 10, `seed ${seed}: only ${writes} fenced writes (${f.explanation})`);
    assert.is(verdict(r.verdicts, 'lock-release').ok, true);
    assert.is(verdict(r.verdicts, 'osc').ok, true, 'OSC decides the multi-heavy history');
  }
});

test('a long run: the audit reads thousands of writes within the recovery window (seed 7, 5 clients, 320 s)', async () => {
  // one getData per write took the audit past the window: `recovery` failed on 6 of seeds 1..30 at 320 s (0.16.0)
  const spec = specOf({ config: { ...DEFAULT_CONFIG, clients: 5, durationMs: 320_000 }, workload: 'lock' }, 7);
  const r = await runSpec(spec);
  for (const v of r.verdicts) assert.ok(v.ok !== false, `${v.property}: ${v.explanation}`);
  assert.is(verdict(r.verdicts, 'recovery').ok, true);
  const f = verdict(r.verdicts, 'lock-fencing');
  const writes = Number(/^(\d+) fenced write/.exec(f.explanation)?.[1]);
  assert.ok(writes > 3000, `the audit saw ${writes} writes (${f.explanation})`);
});

test('commit-before-quorum: an acknowledged fenced write is lost (seed 20)', async () => {
  const r = await runSpec(specOf(base('commit-before-quorum'), 20));
  const f = verdict(r.verdicts, 'lock-fencing');
  assert.is(f.ok, false);
  assert.match(f.explanation, /acknowledged fenced write\(s\) lost/);
  const clean = await runSpec(specOf(base('commit-before-quorum', false), 20));
  assert.is(verdict(clean.verdicts, 'lock-fencing').ok, true, 'the same seed without the bug');
});

test('ack-before-fsync: an acknowledged fenced write is lost (seed 78)', async () => {
  const r = await runSpec(specOf(base('ack-before-fsync'), 78));
  assert.is(verdict(r.verdicts, 'lock-fencing').ok, false);
});

test('keep-ephemerals-on-expiry: an expired holder\'s lock node stays and blocks the lock (seed 7)', async () => {
  const r = await runSpec(specOf(base('keep-ephemerals-on-expiry'), 7));
  const v = verdict(r.verdicts, 'lock-release');
  assert.is(v.ok, false);
  assert.match(v.explanation, /no longer open/);
  assert.is(verdict((await runSpec(specOf(base('keep-ephemerals-on-expiry', false), 7))).verdicts, 'lock-release').ok, true);
});

test('checkFencing: order, loss, and writes acknowledged after the audit', () => {
  const w = (n: number, lock: number) => ({ name: `w-${String(n).padStart(10, '0')}`, by: `_c1_a1_lock-${String(lock).padStart(10, '0')}` });
  const ok = checkFencing([w(0, 3), w(1, 3), w(2, 5)], [{ ...w(1, 3), at: 10 }], 100);
  assert.is(ok.ok, true, ok.explanation);
  const twoHolders = checkFencing([w(0, 3), w(1, 5), w(2, 3)], [], 100);
  assert.is(twoHolders.ok, false);
  assert.match(twoHolders.explanation, /two clients held the lock at once/);
  const lost = checkFencing([w(0, 3)], [{ ...w(1, 3), at: 10 }], 100);
  assert.is(lost.ok, false);
  assert.match(lost.explanation, /1 acknowledged fenced write\(s\) lost: \/resource\/w-0000000001/);
  // acknowledged after the audit's sync was sent: the listing need not show it
  assert.is(checkFencing([w(0, 3)], [{ ...w(1, 3), at: 150 }], 100).ok, true);
  assert.is(sequenceOf('_c2-3_a12_lock-0000000042'), 42);
});

test('standalone: reads are in the linearizability check, and nodes made by multis are out of the model', async () => {
  // Before multis were left out, every standalone lock seed failed 'linearizable': the audit's reads of /resource/w-*
  // saw nodes whose (multi) creates the model did not have.
  const r = await runSpec(specOf({ config: { ...DEFAULT_CONFIG, servers: 1 }, workload: 'lock' }, 1));
  const v = verdict(r.verdicts, 'linearizable');
  assert.is(v.ok, true, v.explanation);
  assert.match(v.explanation, /reads and writes/);
});

test('the lock workload is chosen by name only: mixed keeps its three workloads', () => {
  assert.ok(WORKLOADS.includes('lock'));
  assert.equal([...MIXED_WORKLOADS], ['registers', 'configuration', 'naming']);
});

test.run();
