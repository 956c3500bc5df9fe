/**
 * The shrinker (explore/shrink.ts): the chunk sweeps it removes faults and operations with, the cuts it makes to a
 * long run (operations that never started, the fault phase cut to where the property still fails), and that the
 * same input and budget give the same result (in a worker thread too); retimed removals of operations.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { retimed, shrink, sizeOf, sweep } from '../explore/shrink.js';
import { runSpec } from '../explore/runner.js';
import { specOf, type ExploreBase } from '../explore/engine.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';
import { findBug } from '../explore/bugs.js';

/** A predicate over sublists of 0..n-1 that holds when every `needed` item is there (monotone). */
function needs(needed: number[]) {
  const calls: number[][] = [];
  const t = async (xs: number[]): Promise<boolean> => {
    calls.push(xs);
    return needed.every((x) => xs.includes(x));
  };
  return { t, calls };
}

test('sweep: a monotone predicate shrinks to exactly the items it needs, in order', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 60 }), fc.array(fc.nat(59), { maxLength: 6 }), async (n, raw) => {
      const items = Array.from({ length: n }, (_, i) => i);
      const needed = [...new Set(raw.filter((x) => x < n))].sort((a, b) => a - b);
      const { t } = needs(needed);
      const out = await sweep(items, t, () => Infinity);
      assert.equal(out, needed);
    }),
    { numRuns: 200 },
  );
});

test('sweep: the result is 1-minimal for a non-monotone predicate, and the predicate holds on it', async () => {
  // Holds when the sum of the kept items is odd and there are at least 3 of them: no single item can go at the end.
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 3, maxLength: 40 }), async (xs) => {
      const p = (ys: number[]) => ys.length >= 3 && ys.reduce((a, b) => a + b, 0) % 2 === 1;
      fc.pre(p(xs));
      const out = await sweep(xs, async (ys) => p(ys), () => Infinity);
      assert.ok(p(out));
      for (let i = 0; i < out.length; i++) assert.not.ok(p([...out.slice(0, i), ...out.slice(i + 1)]), `item ${i} of ${JSON.stringify(out)} could go`);
    }),
    { numRuns: 200 },
  );
});

test('sweep: keeps to its budget, starts no sweep it cannot finish, and costs about two tests per item when nothing goes', async () => {
  let runs = 0;
  // A budget of 10: the empty list (1), halves (2), quarters (4); eighths would need 8 more.
  const out = await sweep(Array.from({ length: 100 }, (_, i) => i), async () => (runs++, false), () => 10 - runs);
  assert.is(runs, 7);
  assert.is(out.length, 100);
  // Every item needed: the empty list, the chunk levels 50, 25, 13, 7, 4, 2 and one sweep of single items.
  const all = Array.from({ length: 100 }, (_, i) => i);
  const { t, calls } = needs(all);
  assert.equal(await sweep(all, t, () => Infinity), all);
  assert.ok(calls.length <= 2 * 100 + 10, `${calls.length} tests`);
  // One removable item: found by the sweep of single items, then one more sweep shows that nothing else can go.
  const { t: t2, calls: calls2 } = needs(all.slice(0, 99));
  assert.equal(await sweep(all, t2, () => Infinity), all.slice(0, 99));
  assert.ok(calls2.length <= 3 * 100 + 10, `${calls2.length} tests`);
});

test('sweep: an odd list also tries its halves split the other way (the first half the larger)', async () => {
  // 0..4 needs 1 and 2: neither end-aligned half goes ([0,1] and [2,3,4] kept), ddmin's split keeps [0,1,2].
  const { t, calls } = needs([1, 2]);
  assert.equal(await sweep([0, 1, 2, 3, 4], t, () => Infinity), [1, 2]);
  assert.equal(calls.slice(0, 5), [[], [0, 1], [2, 3, 4], [3, 4], [0, 1, 2]]);
});

test('sweep with again: after a pass that removed something, another counts its chunks from the start', async () => {
  // Holds on these sets only. The pass from the end tries the chunks of two as [3, 4], [1, 2], [0] while 4 is there
  // and stops at [0, 1, 2, 3], from which no single item can go; the next pass, from the start, removes [0, 1].
  const family = [[0, 1, 2, 3, 4], [0], [2, 3], [0, 1, 2, 3]].map((xs) => JSON.stringify(xs));
  const p = async (xs: number[]) => family.includes(JSON.stringify(xs));
  assert.equal(await sweep([0, 1, 2, 3, 4], p, () => Infinity), [0, 1, 2, 3]);
  assert.equal(await sweep([0, 1, 2, 3, 4], p, () => Infinity, () => true), [2, 3]);
  // again() is asked before each further pass: false gives the single pass.
  assert.equal(await sweep([0, 1, 2, 3, 4], p, () => Infinity, () => false), [0, 1, 2, 3]);
  // A pass that removed nothing ends it, also for one item (a list of one has no halves to split the other way).
  const calls: number[][] = [];
  assert.equal(await sweep([7], async (xs) => (calls.push(xs), xs.length === 1), () => Infinity, () => true), [7]);
  assert.ok(calls.length <= 2, JSON.stringify(calls));
});

test('sweep with again: the result is 1-minimal for a non-monotone predicate, and the predicate holds on it', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }), async (xs) => {
      const p = (ys: number[]) => ys.length >= 1 && ys.reduce((a, b) => a + b, 0) % 3 !== 0;
      fc.pre(p(xs));
      const out = await sweep(xs, async (ys) => p(ys), () => Infinity, () => true);
      assert.ok(p(out));
      for (let i = 0; i < out.length; i++) assert.not.ok(p([...out.slice(0, i), ...out.slice(i + 1)]), `item ${i} of ${JSON.stringify(out)} could go`);
    }),
    { numRuns: 200 },
  );
});

// A short zoo failure (commit-before-quorum, seed 4 of its zoo configuration, fails linearizable) and the same seed
// with a fault phase of 120 s: 21 faults and 1,138 planned operations, most of which never start.
const cbq = findBug('commit-before-quorum')!;
const base = (durationMs: number): ExploreBase => ({
  config: { ...DEFAULT_CONFIG, bugs: [cbq.name], faults: [...cbq.faults], servers: cbq.servers, durationMs },
  workload: cbq.workload,
});

test('runSpec reports when each client started its planned operations; the rest never ran', async () => {
  const spec = specOf(base(20_000), 4);
  const o = await runSpec(spec);
  assert.is(o.opsStarted.length, spec.workload.clients.length);
  o.opsStarted.forEach((times, c) => {
    assert.ok(times.length > 0 && times.length < spec.workload.clients[c]!.length, `client ${c}: ${times.length} of ${spec.workload.clients[c]!.length}`);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!);
    assert.ok(times[times.length - 1]! <= Math.max(spec.config.durationMs, ...spec.schedule.map((f) => f.at + f.duration)));
  });
  // Without the operations that never started, the verdicts are the same.
  const trimmed = { ...spec, workload: { ...spec.workload, clients: spec.workload.clients.map((l, c) => l.slice(0, o.opsStarted[c]!.length)) } };
  const o2 = await runSpec(trimmed);
  assert.equal(o2.verdicts.map((v) => [v.property, v.ok]), o.verdicts.map((v) => [v.property, v.ok]));
  assert.equal(o2.opsStarted.map((l) => l.length), o.opsStarted.map((l) => l.length));
});

test('retimed: the first operation kept after removed ones waits until it started in the run; unstarted ones add the gaps', () => {
  const ops = [10, 20, 30, 40, 50, 60].map((gap) => ({ gap, op: 'read' as const }));
  // Started at 10, 50 (op 0 ran 20 ms), 100, 150, 250; op 5 never started.
  const started = [10, 50, 100, 150, 250];
  const gaps = (keep: boolean[]) => retimed(ops, started, keep).map((o) => o.gap);
  assert.equal(gaps([true, true, true, true, true, true]), [10, 20, 30, 40, 50, 60]);
  // Ops 1 and 2 removed: op 3 waits from where op 0 completed (50 - 20 = 30) until 150.
  assert.equal(gaps([true, false, false, true, true, true]), [10, 120, 50, 60]);
  // From the start: op 0's "previous completion" is the start of the run.
  assert.equal(gaps([false, false, true, true, true, true]), [100, 40, 50, 60]);
  // Op 4 removed: op 5 never started, so it gets op 4's gap added to its own.
  assert.equal(gaps([true, true, true, true, false, true]), [10, 20, 30, 40, 110]);
  assert.equal(gaps([true, true, true, true, true, false]), [10, 20, 30, 40, 50]);
  // The kept operations are the same objects where nothing before them went.
  const out = retimed(ops, started, [true, false, true, true, true, true]);
  assert.ok(out[0] === ops[0] && out[2] === ops[3] && out[1] !== ops[2]);
  assert.is(ops[2]!.gap, 30, 'the input is not changed');
});

test('retimed operations start when they started in the run (the prefix before them is the same run)', async () => {
  const spec = specOf(base(20_000), 4);
  const o = await runSpec(spec);
  const c = o.opsStarted.findIndex((l) => l.length >= 12);
  assert.ok(c >= 0);
  const ops = spec.workload.clients[c]!;
  // Ops 3..7 of client c removed: op 8 starts when it did; a plain removal starts it earlier.
  const keep = ops.map((_o, k) => k < 3 || k > 7);
  const run = async (l: typeof ops) => (await runSpec({ ...spec, workload: { ...spec.workload, clients: spec.workload.clients.map((x, i) => (i === c ? l : x)) } })).opsStarted[c]!;
  const kept = await run(retimed(ops, o.opsStarted[c]!, keep));
  assert.equal(kept.slice(0, 4), [...o.opsStarted[c]!.slice(0, 3), o.opsStarted[c]![8]]);
  const plain = await run(ops.filter((_o, k) => keep[k]));
  assert.ok(plain[3]! < o.opsStarted[c]![8]!, `${plain[3]} vs ${o.opsStarted[c]![8]}`);
});

test('shrink: a long run is cut to where the property still fails, with only operations that start', async () => {
  const spec = specOf(base(120_000), 4);
  const property = 'linearizable';
  const before = await runSpec(spec);
  assert.ok(before.verdicts.some((v) => v.property === property && v.ok === false));
  const s = await shrink(spec, property, { budget: 150 });
  assert.ok(s.runs <= 151);
  assert.ok(s.spec.config.durationMs < 60_000, `fault phase ${s.spec.config.durationMs} ms`);
  assert.ok(s.spec.schedule.every((f) => f.at < s.spec.config.durationMs));
  assert.ok(s.after.faults < s.before.faults && s.after.ops * 4 < s.before.ops, JSON.stringify([s.before, s.after]));
  const again = await runSpec(s.spec);
  assert.is(again.traceHash, s.traceHash);
  assert.ok(again.verdicts.some((v) => v.property === property && v.ok === false));
  // Every planned operation that is left starts.
  assert.equal(again.opsStarted.map((l) => l.length), s.spec.workload.clients.map((l) => l.length));
});

test('shrink: removed operations keep the later ones where they were, so more of them go', async () => {
  // Before retimed removals and time windows this ended at 2 faults and 29 operations in 191 runs.
  const spec = specOf(base(20_000), 4);
  const s = await shrink(spec, 'linearizable', { budget: 300 });
  assert.ok(s.after.ops <= 6 && s.after.faults <= 2, JSON.stringify(s.after));
  assert.ok(s.runs <= 300);
  const again = await runSpec(s.spec);
  assert.is(again.traceHash, s.traceHash);
  assert.ok(again.verdicts.some((v) => v.property === 'linearizable' && v.ok === false));
});

test('shrink sizes: a run whose last fault heals after the fault phase lasts until that heal plus the recovery', async () => {
  // The shrinker cuts config.durationMs below a fault that started before the cut; the runner then ends the fault
  // phase at the fault's heal. `zksim shrink` printed "run 40000 -> 21757 ms" for a run of 23663 ms (seed 4, osc).
  const spec = specOf(base(20_000), 4);
  const f = spec.schedule.find((x) => x.at + x.duration > 5_000 && x.at < 15_000)!;
  assert.ok(f, 'a fault to cut through');
  const cut = { ...spec, config: { ...spec.config, durationMs: f.at + 1 }, schedule: spec.schedule.filter((x) => x.at <= f.at) };
  const o = await runSpec(cut);
  assert.ok(o.simulatedMs > cut.config.durationMs + cut.config.recoveryMs, `${o.simulatedMs}`);
  assert.is(sizeOf(cut).durationMs, o.simulatedMs);
  assert.is(sizeOf(spec).durationMs, (await runSpec(spec)).simulatedMs);
});

test('shrink: the same spec and budget give the same result', async () => {
  const spec = specOf(base(20_000), 4);
  const a = await shrink(spec, 'linearizable', { budget: 60 });
  const b = await shrink(spec, 'linearizable', { budget: 60 });
  assert.is(JSON.stringify(a.spec), JSON.stringify(b.spec));
  assert.is(a.traceHash, b.traceHash);
  assert.is(a.runs, b.runs);
  assert.ok(a.runs <= 61);
  // And in a worker thread (explore shrinks its first failure in whichever thread found it).
  const shrinkJs = new URL('../explore/shrink.js', import.meta.url).href;
  const w = new Worker(
    `import { workerData, parentPort } from 'node:worker_threads';
     const { shrink } = await import(workerData.shrinkJs);
     const s = await shrink(workerData.spec, 'linearizable', { budget: 60 });
     parentPort.postMessage({ spec: JSON.stringify(s.spec), traceHash: s.traceHash, runs: s.runs });`,
    { eval: true, workerData: { spec, shrinkJs } },
  );
  const c = await new Promise<{ spec: string; traceHash: string; runs: number }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  assert.equal(c, { spec: JSON.stringify(a.spec), traceHash: a.traceHash, runs: a.runs });
});

test.run();
