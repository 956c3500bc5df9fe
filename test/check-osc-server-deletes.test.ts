/**
 * The servers' own deletes (ZooKeeper's container manager, run by the leader every 60 s of its reign: empty
 * containers that had a child, expired TTL nodes) are transactions no client invoked. They join the history as
 * operations of one more process, taken from the servers' trace (check/history.ts withServerDeletes, explore/checks.ts
 * serverDeletes), as the sessions' closes are: `osc` checks such runs (it said "not checked" before), and
 * `linearizable` keeps container and TTL nodes in scope when the trace names every such delete.
 *
 * Real runs: a recipe of work buckets under CONTAINER nodes, 200 s runs. Over seeds 1..100 (3 servers), osc was not
 * checked on 25 seeds (the servers deleted 9..20 containers each) and holds on all 100 now.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder, SERVERS_PROCESS, pairOperations, withServerDeletes, type HistoryEvent, type ServerDelete } from '../check/history.js';
import { checkOsc, formatOsc } from '../check/osc.js';
import { CreateMode } from '../core/protocol.js';
import { runAllChecks, serverDeletes } from '../explore/checks.js';
import { specOf } from '../explore/engine.js';
import { runSpec } from '../explore/runner.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';
import { registerRecipe, unregisterRecipe, type RecipeFactory } from '../explore/workloads/module.js';
import type { Session } from '../explore/cluster.js';
import type { TraceEvent } from '../sim/trace.js';

// ------------------------------------------------------------------ hand-made histories

type Read = { op: 'exists' | 'getData'; present: boolean; zxid?: number; at?: number; syncFirst?: boolean };

/**
 * A makes the container /c (zxid 1) and a child (2), deletes the child (3); the container manager deletes /c at zxid
 * 4 (proposed at t=10, first applied at t=11); A creates /d (5). Then B reads /c (at t=20 unless `at`, after a sync
 * if `syncFirst`): `present` says whether the read found it.
 */
function container(...reads: Read[]): HistoryEvent[] {
  const h = new HistoryRecorder();
  const t = (op: string, args: unknown, call: number, ret: number, result: unknown, zxid?: number): void => h.ok(h.invoke('A', op, args, call), result, ret, zxid);
  t('create', { path: '/c', data: '', mode: 'CONTAINER' }, 1, 2, { path: '/c' }, 1);
  t('create', { path: '/c/x', data: '', mode: 'PERSISTENT' }, 3, 4, { path: '/c/x' }, 2);
  t('delete', { path: '/c/x', version: -1 }, 5, 6, {}, 3);
  t('create', { path: '/d', data: '', mode: 'PERSISTENT' }, 12, 13, { path: '/d' }, 5);
  for (const read of reads) {
    const at = read.at ?? 20;
    if (read.syncFirst) h.ok(h.invoke('B', 'sync', { path: '/' }, at - 2), {}, at - 1, read.zxid);
    const r = h.invoke('B', read.op, { path: '/c', watch: false }, at);
    if (read.present) h.ok(r, read.op === 'exists' ? { stat: { version: 0 } } : { data: '', stat: { version: 0 } }, at + 1, read.zxid);
    else if (read.op === 'exists') h.ok(r, { stat: null }, at + 1, read.zxid);
    else h.fail(r, { code: -101, name: 'NONODE' }, at + 1, read.zxid);
  }
  return h.events;
}
const deleted: ServerDelete[] = [{ path: '/c', zxid: 4, proposed: 10, applied: 11 }];

test('a container the servers deleted: a read that no longer finds it is legal with the delete from the trace', () => {
  const h = container({ op: 'exists', present: false, zxid: 5 });
  const r = checkOsc(h, { serverDeletes: deleted });
  assert.is(r.verdict, 'ok', formatOsc(r));
  assert.is(r.usedZxids, true);
  assert.is(checkOsc(h, { serverDeletes: deleted, useZxids: false }).verdict, 'ok');
  // without the servers' delete nothing explains the read: the reason osc said "not checked" in such runs
  assert.is(checkOsc(h).verdict, 'violation');
});

test('a read that still sees the container after its delete, by zxid, is VIOLATED', () => {
  const h = container({ op: 'getData', present: true, zxid: 5 });
  const r = checkOsc(h, { serverDeletes: deleted });
  assert.is(r.verdict, 'violation');
  assert.match(formatOsc(r), /getData \{"path":"\/c"/);
  // ... and before it (zxid 3), or with the delete in another order, it is a stale read, which OSC allows
  assert.is(checkOsc(container({ op: 'getData', present: true, zxid: 3 }), { serverDeletes: deleted }).verdict, 'ok');
});

test('without zxids: after a sync invoked once the delete was applied, the container must be gone', () => {
  const strip = (h: HistoryEvent[]): HistoryEvent[] => h.map((e) => ('zxid' in e ? (({ zxid: _z, ...rest }) => rest)(e) : e) as HistoryEvent);
  const synced = strip(container({ op: 'getData', present: true, syncFirst: true }));
  assert.is(checkOsc(synced, { serverDeletes: deleted }).verdict, 'violation');
  // a read with no sync may be stale: it may come before the delete
  assert.is(checkOsc(strip(container({ op: 'getData', present: true })), { serverDeletes: deleted }).verdict, 'ok');
  // a sync invoked before the first apply (t=11) need not order the read after the delete
  assert.is(checkOsc(strip(container({ op: 'getData', present: true, syncFirst: true, at: 11 })), { serverDeletes: deleted }).verdict, 'ok');
  assert.is(checkOsc(strip(container({ op: 'exists', present: false, syncFirst: true })), { serverDeletes: deleted }).verdict, 'ok');
});

test('a delete no server applied in the trace has an unknown outcome: either read is legal, not both in turn', () => {
  const unknown: ServerDelete[] = [{ path: '/c', zxid: 4, proposed: 10 }];
  assert.is(checkOsc(container({ op: 'exists', present: false }), { serverDeletes: unknown, useZxids: false }).verdict, 'ok');
  assert.is(checkOsc(container({ op: 'exists', present: true }), { serverDeletes: unknown, useZxids: false }).verdict, 'ok');
  // gone (after a sync, so after A's create: the delete took effect), then back: nothing creates it again
  const back = container({ op: 'exists', present: false, syncFirst: true }, { op: 'exists', present: true, at: 30 });
  assert.is(checkOsc(back, { serverDeletes: unknown, useZxids: false }).verdict, 'violation');
  assert.is(checkOsc(container({ op: 'exists', present: false, syncFirst: true }, { op: 'exists', present: false, at: 30 }), { serverDeletes: unknown, useZxids: false }).verdict, 'ok');
});

test('withServerDeletes: one process, ids below every other, zxid order kept, unknown ones without zxid', () => {
  const ops = pairOperations(container({ op: 'exists', present: false, zxid: 5 }));
  const out = withServerDeletes(ops, [
    { path: '/b', zxid: 9, proposed: 30, applied: 32 },
    { path: '/a', zxid: 8, proposed: 31, applied: 31 },
    { path: '/e', zxid: 7, proposed: 5 },
  ]);
  const added = out.filter((o) => o.process === SERVERS_PROCESS);
  assert.equal(
    added.map((o) => [o.op, (o.args as { path: string }).path, o.status, o.zxid, o.call, o.ret]),
    [
      ['delete', '/e', 'unknown', undefined, 5, Infinity],
      ['delete', '/a', 'ok', 8, 31, 31],
      ['delete', '/b', 'ok', 9, 31, 32], // proposed at 30, before /a's proposal: its call is raised to /a's
    ],
  );
  const ids = new Set(out.map((o) => o.id));
  assert.is(ids.size, out.length, 'ids stay unique');
  assert.ok(added.every((o) => o.id < Math.min(...ops.map((x) => x.id))));
  assert.is(withServerDeletes(ops, []), ops);
});

// ------------------------------------------------------------------ the trace

test('serverDeletes reads the container manager\'s proposals and first applies from the trace', () => {
  const trace: TraceEvent[] = [
    { t: 10, kind: 'propose', node: 's1', zxid: 4, type: 'delete', session: 0, epoch: 1, path: '/c' },
    { t: 10, kind: 'propose', node: 's1', zxid: 5, type: 'delete', session: 0, epoch: 1, path: '/e' },
    { t: 11, kind: 'apply', node: 's2', zxid: 4, type: 'delete', session: 0, digest: 1, path: '/c' },
    { t: 12, kind: 'apply', node: 's1', zxid: 4, type: 'delete', session: 0, digest: 1, path: '/c' },
    { t: 12, kind: 'apply', node: 's1', zxid: 6, type: 'delete', session: 7, digest: 1 }, // a client's delete
  ];
  assert.equal(serverDeletes(trace), {
    deletes: [
      { path: '/c', zxid: 4, proposed: 10, applied: 11 },
      { path: '/e', zxid: 5, proposed: 10 },
    ],
    unreadable: 0,
  });
  // a trace of an older zksim names no node: the deletes cannot be added
  assert.is(serverDeletes([{ t: 11, kind: 'apply', node: 's2', zxid: 4, type: 'delete', session: 0, digest: 1 }]).unreadable, 1);
  // one zxid applied as two different deletes
  assert.is(serverDeletes([...trace, { t: 13, kind: 'apply', node: 's3', zxid: 4, type: 'delete', session: 0, digest: 1, path: '/x' }]).unreadable, 1);
});

// ------------------------------------------------------------------ real runs

const code = (e: unknown): number => (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 0);

/**
 * Work buckets: each step a client puts an item into the bucket of the current 10 s period (/jobs/b<k>, a CONTAINER
 * under the CONTAINER /jobs), lists the bucket and takes its item out; each step also looks at an older bucket, so the
 * clients see the container manager delete the empty ones.
 */
const buckets: RecipeFactory = () => {
  const count = new Map<string, number>();
  return {
    name: 'container-buckets',
    async step(ctx, s: Session) {
      const k = Math.floor(ctx.now() / 10000);
      const b = `/jobs/b${k}`;
      const n = (count.get(s.name) ?? 0) + 1;
      count.set(s.name, n);
      const name = `${s.name}-${n}`;
      try {
        await s.client.create(`${b}/${name}`, 'x');
      } catch (e) {
        if (code(e) !== -101) throw e;
        await s.client.create('/jobs', null, CreateMode.CONTAINER).catch((e2: unknown) => {
          if (code(e2) !== -110) throw e2;
        });
        await s.client.create(b, null, CreateMode.CONTAINER).catch((e2: unknown) => {
          if (code(e2) !== -110 && code(e2) !== -101) throw e2;
        });
        return;
      }
      await s.client.getChildren(b);
      await s.client.delete(`${b}/${name}`);
      const old = `/jobs/b${k - 1 - (n % 8)}`;
      if (n % 2) await s.client.exists(old);
      else await s.client.getChildren(old).catch((e: unknown) => {
        if (code(e) !== -101) throw e;
      });
    },
    verdicts: () => [],
  };
};

async function bucketsRun(seed: number, servers = 3, skipChecks: string[] = [], recordTrace = true) {
  const key = registerRecipe(buckets);
  try {
    const config = { ...DEFAULT_CONFIG, servers, durationMs: 200_000, workloadModule: key, skipChecks };
    return await runSpec(specOf({ config, workload: 'module' }, seed), { recordTrace, keepHistory: true });
  } finally {
    unregisterRecipe(key);
  }
}

test('container buckets, seed 72: osc checks the run with the servers\' 14 deletes (it said not checked)', async () => {
  const o = await bucketsRun(72);
  const v = Object.fromEntries(o.verdicts.map((x) => [x.property, x]));
  assert.equal(o.verdicts.filter((x) => x.ok === false).map((x) => `${x.property}: ${x.explanation}`), []);
  assert.is(v.osc!.ok, true, v.osc!.explanation);
  assert.match(v.osc!.explanation, /with the servers' 14 own delete\(s\)/);
  const own = serverDeletes(o.trace!);
  assert.is(own.deletes.length, 14);
  assert.ok(own.deletes.every((d) => /^\/jobs\/b\d+$/.test(d.path) && d.applied !== undefined));
  // linearizable keeps the containers: their creates and the servers' deletes are checked too
  assert.is(v.linearizable!.ok, true, v.linearizable!.explanation);
  assert.match(v.linearizable!.explanation, /^826 operations/);
});

test('container buckets, seed 72, with the ensemble checker skipped: the run still keeps the trace osc and linearizable read', async () => {
  // Before, only the ensemble checker kept the trace: without it, osc lacked the servers' 14 deletes and failed.
  const o = await bucketsRun(72, 3, ['ensemble'], false);
  const v = Object.fromEntries(o.verdicts.map((x) => [x.property, x]));
  assert.is(v.ensemble!.ok, null);
  assert.is(v.osc!.ok, true, v.osc!.explanation);
  assert.match(v.osc!.explanation, /with the servers' 14 own delete\(s\)/);
  assert.is(v.linearizable!.ok, true, v.linearizable!.explanation);
  assert.match(v.linearizable!.explanation, /^826 operations/);
});

test('container buckets, seed 72, with one read changed to see a container after the servers deleted it: osc VIOLATED', async () => {
  const o = await bucketsRun(72);
  const own = serverDeletes(o.trace!).deletes;
  const gone = new Map(own.map((d) => [d.path, d.zxid]));
  // the first exists that found a deleted container missing, at a zxid after its delete: make it find the container
  const invokes = new Map(o.history!.filter((e) => e.kind === 'invoke').map((e) => [e.id, e]));
  const i = o.history!.findIndex((e) => {
    if (e.kind !== 'ok' || e.zxid === undefined) return false;
    const inv = invokes.get(e.id);
    const path = (inv?.args as { path?: string } | undefined)?.path;
    return inv?.op === 'exists' && path !== undefined && gone.has(path) && e.zxid > gone.get(path)! && (e.result as { stat: unknown }).stat === null;
  });
  assert.ok(i >= 0, 'such a read');
  const history = o.history!.map((e, k) => (k === i ? { ...e, result: { stat: { version: 0 } } } : e)) as HistoryEvent[];
  const verdicts = runAllChecks({ history, trace: o.trace!, servers: 3, workload: 'module', skip: ['watches', 'ensemble'] });
  const osc = verdicts.find((x) => x.property === 'osc')!;
  assert.is(osc.ok, false, osc.explanation);
  assert.match(osc.explanation, /NOT ordered-sequentially consistent/);
});

test('container buckets on one server, seed 3: linearizable checks reads of the containers the servers deleted', async () => {
  const o = await bucketsRun(3, 1);
  const v = Object.fromEntries(o.verdicts.map((x) => [x.property, x]));
  assert.ok(serverDeletes(o.trace!).deletes.length > 0);
  assert.is(v.linearizable!.ok, true, v.linearizable!.explanation);
  assert.is(v.osc!.ok, true, v.osc!.explanation);
  // a read that sees a deleted container again, with the servers' delete between its call and the read: VIOLATED
  const own = serverDeletes(o.trace!).deletes.filter((d) => d.applied !== undefined);
  const invokes = new Map(o.history!.filter((e) => e.kind === 'invoke').map((e) => [e.id, e]));
  const i = o.history!.findIndex((e) => {
    if (e.kind !== 'ok') return false;
    const inv = invokes.get(e.id);
    const path = (inv?.args as { path?: string } | undefined)?.path;
    return inv?.op === 'exists' && own.some((d) => d.path === path && inv.time > d.applied!) && (e.result as { stat: unknown }).stat === null;
  });
  assert.ok(i >= 0, 'such a read');
  const history = o.history!.map((e, k) => (k === i ? { ...e, result: { stat: { version: 0 } } } : e)) as HistoryEvent[];
  const lin = runAllChecks({ history, trace: o.trace!, servers: 1, workload: 'module', skip: ['osc', 'watches', 'ensemble'] }).find((x) => x.property === 'linearizable')!;
  assert.is(lin.ok, false, lin.explanation);
});

test.run();
