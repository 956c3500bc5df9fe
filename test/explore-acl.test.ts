/**
 * The acl workload (explore/workloads/acl.ts) under the default faults: every seed passes on a correct ensemble,
 * with osc deciding every run and the history full of what it judges (NOAUTH, INVALIDACL, setACL, getACL); and the
 * zoo bug acl-not-in-snapshot (snapshots write every node open) is caught by osc. The counts are from
 * `zksim explore --workload acl --seeds 1..500` (0 failing) and `zksim explore --bug acl-not-in-snapshot --seeds
 * 1..500` (osc fails 220 seeds; the first are 10 and 13).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { specOf, type ExploreBase } from '../explore/engine.js';
import { DEFAULT_CONFIG, MIXED_WORKLOADS, WORKLOADS } from '../explore/spec.js';
import { runSpec } from '../explore/runner.js';
import { findBug } from '../explore/bugs.js';
import { loadCheckers } from '../explore/checks.js';

const verdict = (vs: Array<{ property: string; ok: boolean | null; explanation: string }>, p: string) => vs.find((v) => v.property === p)!;

test('acl is a workload by name only (the seeds of mixed keep their meaning)', () => {
  assert.ok(WORKLOADS.includes('acl'));
  assert.not.ok(MIXED_WORKLOADS.includes('acl'));
});

test('a correct ensemble: seeds 1..8 pass, osc decides each, and the histories exercise ACLs', async () => {
  await loadCheckers();
  const seen: Record<string, number> = {};
  for (let seed = 1; seed <= 8; seed++) {
    for (const servers of [3, 1]) {
      const base: ExploreBase = { config: { ...DEFAULT_CONFIG, servers }, workload: 'acl' };
      const r = await runSpec(specOf(base, seed), { keepHistory: true });
      for (const v of r.verdicts) assert.ok(v.ok !== false, `seed ${seed}, ${servers} server(s): ${v.property}: ${v.explanation}`);
      assert.is(verdict(r.verdicts, 'osc').ok, true, `seed ${seed}: osc decided`);
      for (const e of r.history!) {
        if (e.kind === 'invoke') seen[e.op] = (seen[e.op] ?? 0) + 1;
        if (e.kind === 'fail') seen[e.error.name] = (seen[e.error.name] ?? 0) + 1;
      }
    }
  }
  // (INVALIDACL: a creator-all ACL from a client without identity, 1 in 10 creates of a quarter of the clients)
  const least: Record<string, number> = { addAuth: 16, setACL: 50, getACL: 50, NOAUTH: 50, INVALIDACL: 1, BADVERSION: 5 };
  for (const [k, n] of Object.entries(least)) assert.ok((seen[k] ?? 0) >= n, `${k}: ${seen[k] ?? 0} in 16 runs`);
});

test('zoo bug acl-not-in-snapshot: osc catches it (seeds 10, 13), and those seeds pass without it', async () => {
  await loadCheckers();
  const bug = findBug('acl-not-in-snapshot')!;
  assert.is(bug.workload, 'acl');
  for (const seed of [10, 13]) {
    const config = { ...DEFAULT_CONFIG, faults: [...bug.faults], servers: bug.servers };
    const bad = await runSpec(specOf({ config: { ...config, bugs: [bug.name] }, workload: 'acl' }, seed));
    assert.is(verdict(bad.verdicts, 'osc').ok, false, `seed ${seed} with the bug: ${verdict(bad.verdicts, 'osc').explanation}`);
    const good = await runSpec(specOf({ config, workload: 'acl' }, seed));
    for (const v of good.verdicts) assert.ok(v.ok !== false, `seed ${seed} without the bug: ${v.property}: ${v.explanation}`);
  }
});

test.run();
