/**
 * The checkers and the 3.6+ reads (multiRead, getEphemerals, getAllChildrenNumber): the znode (linearizability)
 * models leave them out (UNMODELLED_READS: sound, a legal order stays legal without some reads) instead of throwing;
 * OSC checks them (more in check-osc-reads36.test.ts); unique-versions uses multiRead's getData results; a recipe
 * issuing them under faults passes every check.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder } from '../check/history.js';
import { checkOsc, formatOsc } from '../check/osc.js';
import { checkEvents } from '../check/run.js';
import { checkUniqueVersions } from '../explore/light-checks.js';
import { checkLinearizable } from '../explore/checks.js';
import { CreateMode, type ZooKeeperClient } from '../core/client/index.js';

/** A writes /a = x (zxid 5), B reads it with the three reads and getData, all ok; `seen` is what B's multiRead saw. */
function history(seen: { data: string; version: number } = { data: 'x', version: 0 }): HistoryRecorder {
  const r = new HistoryRecorder();
  r.session('A', 'connected', 0, { server: 's1' });
  r.session('B', 'connected', 0, { server: 's1' });
  const c = r.invoke('A', 'create', { path: '/a', data: 'x', mode: 'PERSISTENT' }, 1);
  r.ok(c, { path: '/a', stat: { version: 0, mzxid: 5 } }, 2, 5);
  const e = r.invoke('A', 'create', { path: '/a/e', data: null, mode: 'EPHEMERAL' }, 3);
  r.ok(e, { path: '/a/e', stat: { version: 0, mzxid: 6 } }, 4, 6);
  const m = r.invoke('B', 'multiRead', { ops: [{ op: 'getData', path: '/a' }, { op: 'getChildren', path: '/a' }, { op: 'getData', path: '/b' }] }, 5);
  r.ok(m, { results: [{ op: 'getData', data: seen.data, stat: { version: seen.version, mzxid: 5 } }, { op: 'getChildren', children: ['e'] }, { op: 'error', err: -101 }] }, 6, 6);
  const n = r.invoke('B', 'getAllChildrenNumber', { path: '/a' }, 7);
  r.ok(n, { count: 1 }, 8, 6);
  const g = r.invoke('A', 'getEphemerals', { prefix: '/' }, 7.5);
  r.ok(g, { paths: ['/a/e'] }, 8.5, 6);
  const d = r.invoke('B', 'getData', { path: '/a' }, 9);
  r.ok(d, { data: 'x', stat: { version: 0, mzxid: 5 } }, 10, 6);
  return r;
}

test('OSC checks the three reads (no longer left out): 6 operations; a multiRead of data nobody wrote is a violation', () => {
  const r = checkOsc(history().events);
  assert.is(r.verdict, 'ok', formatOsc(r));
  assert.is(r.operations, 6, 'two creates, the three reads and the getData');
  assert.is(checkOsc(history({ data: 'other', version: 0 }).events).verdict, 'violation');
});

test('zksim check --model znode and zookeeper: znode leaves the three reads out, zookeeper (OSC) checks them; not "bad input"', () => {
  const h = history();
  for (const model of ['znode', 'zookeeper'] as const) {
    const rep = checkEvents(h.events, model, 'h.jsonl');
    assert.ok(rep.ok, `${model}: ${rep.text}`);
  }
});

test('explore linearizable: the three reads are not in the model and the verdict says how many were not checked', () => {
  const v = checkLinearizable({ history: history().events, servers: 1, workload: 'module' });
  assert.is(v.ok, true, v.explanation);
  assert.match(v.explanation, /3 multiRead\/getEphemerals\/getAllChildrenNumber read\(s\) not checked/);
});

test('unique-versions reads multiRead getData results: a different value at a version already seen is a lost write', () => {
  assert.is(checkUniqueVersions(history().events).ok, true);
  const bad = checkUniqueVersions(history({ data: 'other', version: 0 }).events);
  assert.is(bad.ok, false, bad.explanation);
  assert.match(bad.explanation, /\/a version 0 holds/);
});

test('a recipe reading with multiRead, getEphemerals and getAllChildrenNumber under faults: every check holds (seeds 1..3)', async () => {
  const { registerRecipe, unregisterRecipe } = await import('../explore/workloads/module.js');
  const { specOf } = await import('../explore/engine.js');
  const { DEFAULT_CONFIG } = await import('../explore/spec.js');
  const { runSpec } = await import('../explore/runner.js');
  let reads = 0;
  const key = registerRecipe(() => {
    const turn = new Map<string, number>();
    return {
      name: 'reads36',
      async step(_ctx: unknown, s: { name: string; client: ZooKeeperClient }) {
        const n = (turn.get(s.name) ?? 0) + 1;
        turn.set(s.name, n);
        const c = s.client;
        const quiet = (p: Promise<unknown>) => p.then(() => true, () => false);
        switch (n % 5) {
          case 0: await quiet(c.create('/r', '0')); await quiet(c.create(`/r/${s.name}`, null, CreateMode.EPHEMERAL)); break;
          case 1: if (await quiet(c.multiRead([{ op: 'getData', path: '/r' }, { op: 'getChildren', path: '/r' }, { op: 'getData', path: `/r/${s.name}` }]))) reads++; break;
          case 2: await quiet(c.setData('/r', String(n))); if (await quiet(c.getAllChildrenNumber('/r'))) reads++; break;
          case 3: if (await quiet(c.getEphemerals('/r'))) reads++; await quiet(c.getData('/r')); break;
          case 4: await quiet(c.delete(`/r/${s.name}`)); if (await quiet(c.multiRead([{ op: 'getData', path: '/r' }]))) reads++; break;
        }
      },
      verdicts() {
        return [{ property: 'reads36', ok: reads > 0 ? true : null, explanation: `${reads} read(s) succeeded` }];
      },
    };
  });
  try {
    for (const seed of [1, 2, 3]) {
      reads = 0;
      const r = await runSpec(specOf({ config: { ...DEFAULT_CONFIG, workload: 'module', workloadModule: key }, workload: 'module' }, seed));
      for (const v of r.verdicts) assert.ok(v.ok !== false, `seed ${seed}: ${v.property}: ${v.explanation}`);
      assert.is(r.verdicts.find((v) => v.property === 'reads36')!.ok, true, `seed ${seed}: no read succeeded`);
      const osc = r.verdicts.find((v) => v.property === 'osc')!;
      assert.ok(osc.ok === true || /not checked/.test(osc.explanation), `seed ${seed}: osc ${osc.explanation}`);
      if (osc.ok) assert.not.match(osc.explanation, /not checked/);
    }
  } finally {
    unregisterRecipe(key);
  }
});

test.run();
