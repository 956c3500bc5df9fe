/**
 * OSC checks the 3.6+ reads: a multiRead's reads, a getEphemerals and a getAllChildrenNumber are each one read of the
 * state at one point (check/models/znode.ts). Each violation below is legal for the reads taken one by one, or with
 * the reads left out, so these tests fail when OSC leaves them out again; the legal variants (and the unknown
 * outcomes, closes and unnamed sequential creates) must pass, so they fail on a false alarm. Then the zoo bug
 * forget-ephemerals-on-reload: caught by osc on the inventory workload, and by nothing else.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder, UNMODELLED_READS } from '../check/history.js';
import { checkOsc, formatOsc } from '../check/osc.js';
import { specOf } from '../explore/engine.js';
import { DEFAULT_CONFIG, MIXED_WORKLOADS, WORKLOADS } from '../explore/spec.js';
import { runSpec } from '../explore/runner.js';
import { findBug } from '../explore/bugs.js';

const verdict = (r: HistoryRecorder, useZxids = true): string => checkOsc(r.events, { useZxids }).verdict;
/** The history without the 3.6+ reads (what OSC checked before). */
function withoutReads36(r: HistoryRecorder): HistoryRecorder {
  const out = new HistoryRecorder();
  const drop = new Set<number>();
  for (const e of r.events) {
    if (e.kind === 'invoke' && UNMODELLED_READS.has(e.op)) drop.add(e.id);
    if ('id' in e && drop.has(e.id)) continue;
    out.events.push(e);
  }
  return out;
}

/** A sets /a then /b (zxids 3, 4, after creating both at 1, 2); B multiReads both: `a`, `b` what it saw, at `zxid`. */
function torn(a: string, b: string, zxid?: number): HistoryRecorder {
  const r = new HistoryRecorder();
  let t = 0;
  const w = (op: string, args: unknown, result: unknown, z: number) => {
    const id = r.invoke('A', op, args, t++);
    r.ok(id, result, t++, z);
  };
  w('create', { path: '/a', data: '0' }, { path: '/a' }, 1);
  w('create', { path: '/b', data: '0' }, { path: '/b' }, 2);
  w('setData', { path: '/a', data: '1', version: -1 }, { stat: { version: 1 } }, 3);
  w('setData', { path: '/b', data: '1', version: -1 }, { stat: { version: 1 } }, 4);
  const m = r.invoke('B', 'multiRead', { ops: [{ op: 'getData', path: '/a' }, { op: 'getData', path: '/b' }] }, t++);
  r.ok(m, { results: [{ op: 'getData', data: a, stat: { version: Number(a) } }, { op: 'getData', data: b, stat: { version: Number(b) } }] }, t++, zxid);
  return r;
}

test('multiRead: its reads are of one state (a torn read is a violation, with zxids or without)', () => {
  for (const useZxids of [true, false]) {
    assert.is(verdict(torn('0', '0', 2), useZxids), 'ok');
    assert.is(verdict(torn('1', '0', 3), useZxids), 'ok');
    assert.is(verdict(torn('1', '1', 4), useZxids), 'ok');
    // /b new and /a old: no point of A's order has it (each getData alone would be a legal stale read)
    assert.is(verdict(torn('0', '1', 4), useZxids), 'violation', formatOsc(checkOsc(torn('0', '1', 4).events, { useZxids })));
    assert.is(verdict(withoutReads36(torn('0', '1', 4)), useZxids), 'ok');
  }
  // with zxids: the read is at its zxid exactly (zxid 3 saw /a = 1, /b = 0, not /b = 1)
  assert.is(verdict(torn('1', '1', 3)), 'violation');
});

test('multiRead: getChildren, NONODE and NOAUTH results are checked; another error is unconstrained', () => {
  const h = (children: string[], second: unknown): HistoryRecorder => {
    const r = new HistoryRecorder();
    const c = r.invoke('A', 'create', { path: '/p' }, 0);
    r.ok(c, { path: '/p' }, 1, 1);
    const d = r.invoke('A', 'create', { path: '/p/x' }, 2);
    r.ok(d, { path: '/p/x' }, 3, 2);
    const m = r.invoke('A', 'multiRead', { ops: [{ op: 'getChildren', path: '/p' }, { op: 'getData', path: '/p/x' }] }, 4);
    r.ok(m, { results: [{ op: 'getChildren', children }, second] }, 5, 2);
    return r;
  };
  assert.is(verdict(h(['x'], { op: 'getData', data: '', stat: { version: 0 } })), 'ok');
  assert.is(verdict(h([], { op: 'getData', data: '', stat: { version: 0 } })), 'violation', 'its own create is missing from the listing');
  assert.is(verdict(h(['x'], { op: 'error', err: -101 })), 'violation', 'NONODE for a node its session made');
  assert.is(verdict(h(['x'], { op: 'getData', data: 'other', stat: { version: 0 } })), 'violation', 'data nobody wrote');
  assert.is(verdict(h(['x'], { op: 'error', err: -102 })), 'violation', 'NOAUTH for an open node');
  assert.is(verdict(h(['x'], { op: 'error', err: -999 })), 'ok', 'an error the model does not know');
  for (const bad of [h([], { op: 'error', err: -101 }), h(['x'], { op: 'getData', data: 'other', stat: { version: 0 } })]) assert.is(verdict(withoutReads36(bad)), 'ok');
});

/** A creates ephemeral /p/e (and B one of its own, /p/f), then A reads getEphemerals: `seen`. */
function ephemerals(seen: string[], opts: { unknown?: boolean; deleteFirst?: boolean; prefix?: string } = {}): HistoryRecorder {
  const r = new HistoryRecorder();
  r.session('A', 'connected', 0, { sessionId: 1 });
  r.session('B', 'connected', 0, { sessionId: 2 });
  const p = r.invoke('A', 'create', { path: '/p' }, 0);
  r.ok(p, { path: '/p' }, 1, 1);
  const e = r.invoke('A', 'create', { path: '/p/e', mode: 'EPHEMERAL' }, 2);
  if (opts.unknown) r.info(e, 3);
  else r.ok(e, { path: '/p/e' }, 3, 2);
  const f = r.invoke('B', 'create', { path: '/p/f', mode: 'EPHEMERAL' }, 4);
  r.ok(f, { path: '/p/f' }, 5, 3);
  let z = 3;
  if (opts.deleteFirst) {
    const d = r.invoke('A', 'delete', { path: '/p/e', version: -1 }, 6);
    r.ok(d, {}, 7, ++z);
  }
  const g = r.invoke('A', 'getEphemerals', { prefix: opts.prefix ?? '/' }, 8);
  r.ok(g, { paths: seen }, 9, opts.unknown ? undefined : z);
  return r;
}

test("getEphemerals: the caller session's own ephemerals, read-your-writes; an unknown create may or may not be there", () => {
  assert.is(verdict(ephemerals(['/p/e'])), 'ok');
  assert.is(verdict(ephemerals(['/p/e'], { prefix: '/p/e' })), 'ok');
  assert.is(verdict(ephemerals([], { prefix: '/q' })), 'ok');
  assert.is(verdict(ephemerals([])), 'violation', 'forgot its own ephemeral');
  assert.is(verdict(withoutReads36(ephemerals([]))), 'ok');
  assert.is(verdict(ephemerals(['/p/e', '/p/f'])), 'violation', "B's ephemeral is not A's");
  assert.is(verdict(ephemerals([], { deleteFirst: true })), 'ok');
  assert.is(verdict(ephemerals(['/p/e'], { deleteFirst: true })), 'violation', 'deleted by its own session before');
  for (const seen of [[], ['/p/e']]) assert.is(verdict(ephemerals(seen, { unknown: true })), 'ok', `unknown create, saw ${JSON.stringify(seen)}`);
});

test('getEphemerals names an ephemeral-sequential node of unknown outcome (resolveSequentialNames)', () => {
  const r = new HistoryRecorder();
  const p = r.invoke('A', 'create', { path: '/p' }, 0);
  r.ok(p, { path: '/p' }, 1, 1);
  const e = r.invoke('A', 'create', { path: '/p/s-', mode: 'EPHEMERAL_SEQUENTIAL' }, 2);
  r.info(e, 3);
  const g = r.invoke('A', 'getEphemerals', { prefix: '/p' }, 4);
  r.ok(g, { paths: ['/p/s-0000000000'] }, 5, 2);
  assert.is(verdict(r), 'ok', formatOsc(checkOsc(r.events)));
});

/** A creates /p, /p/x, /p/x/y (and B ephemeral /p/e, whose session then expires); C counts below /p: `count`. */
function counted(count: number, opts: { afterClose?: boolean; unnamed?: boolean } = {}): HistoryRecorder {
  const r = new HistoryRecorder();
  let t = 0;
  let z = 0;
  const w = (proc: string, path: string, mode?: string) => {
    const id = r.invoke(proc, 'create', { path, ...(mode ? { mode } : {}) }, t++);
    r.ok(id, { path }, t++, ++z);
  };
  r.session('B', 'connected', t, { sessionId: 7 });
  w('A', '/p');
  w('A', '/p/x');
  w('A', '/p/x/y');
  w('B', '/p/e', 'EPHEMERAL');
  if (opts.unnamed) {
    const u = r.invoke('A', 'create', { path: '/p/x/s-', mode: 'PERSISTENT_SEQUENTIAL' }, t++);
    r.info(u, t++);
  }
  if (opts.afterClose) r.session('B', 'expired', t++);
  const c = r.invoke('C', 'getAllChildrenNumber', { path: '/p' }, t++);
  r.ok(c, { count }, t++, opts.afterClose ? undefined : z);
  return r;
}

test('getAllChildrenNumber counts every node below, at one point; closes and unnamed sequential creates allowed for', () => {
  assert.is(verdict(counted(3)), 'ok');
  assert.is(verdict(counted(2)), 'violation', 'one node short');
  assert.is(verdict(counted(4)), 'violation', 'one node too many');
  assert.is(verdict(withoutReads36(counted(2))), 'ok');
  // after B's session ended its ephemeral may be gone (the close's time is known only from the client's view here)
  assert.is(verdict(counted(2, { afterClose: true })), 'ok');
  assert.is(verdict(counted(3, { afterClose: true })), 'ok');
  // a sequential create of unknown outcome that no read named: the count is not constrained (no false alarm)
  assert.is(verdict(counted(4, { unnamed: true })), 'ok');
  const r = new HistoryRecorder();
  const c = r.invoke('A', 'getAllChildrenNumber', { path: '/nothing' }, 0);
  r.fail(c, { code: -101, name: 'NONODE' }, 1);
  assert.is(verdict(r), 'ok');
});

test("inventory is a built-in workload that 'mixed' does not pick", () => {
  assert.ok((WORKLOADS as readonly string[]).includes('inventory'));
  assert.not.ok(MIXED_WORKLOADS.includes('inventory'));
});

test('inventory without bugs: every property holds (seeds 1..4), osc checks the 3.6+ reads', async () => {
  for (const seed of [1, 2, 3, 4]) {
    const r = await runSpec(specOf({ config: { ...DEFAULT_CONFIG, workload: 'inventory' }, workload: 'inventory' }, seed), { keepHistory: true });
    for (const v of r.verdicts) assert.ok(v.ok !== false, `seed ${seed}: ${v.property}: ${v.explanation}`);
    const osc = r.verdicts.find((v) => v.property === 'osc')!;
    assert.is(osc.ok, true, osc.explanation);
    const reads = new Set(r.history!.filter((e) => e.kind === 'invoke' && UNMODELLED_READS.has(e.op)).map((e) => (e as { op: string }).op));
    assert.equal([...reads].sort(), ['getAllChildrenNumber', 'getEphemerals', 'multiRead']);
  }
});

test('zoo bug forget-ephemerals-on-reload: osc catches it on inventory (seed 7), nothing else does, and seed 7 passes without it', async () => {
  const bug = findBug('forget-ephemerals-on-reload')!;
  assert.is(bug.workload, 'inventory');
  const config = { ...DEFAULT_CONFIG, workload: 'inventory' as const, faults: [...bug.faults], servers: bug.servers, bugs: [bug.name] };
  const r = await runSpec(specOf({ config, workload: 'inventory' }, 7));
  const failed = r.verdicts.filter((v) => v.ok === false).map((v) => v.property);
  assert.equal(failed, ['osc']);
  assert.match(r.verdicts.find((v) => v.property === 'osc')!.explanation, /getEphemerals/);
  const clean = await runSpec(specOf({ config: { ...config, bugs: [] }, workload: 'inventory' }, 7));
  assert.ok(clean.verdicts.every((v) => v.ok !== false));
});

test.run();
