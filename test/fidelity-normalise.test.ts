import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalise, type OutputStep, type StatJson } from '../fidelity/transcript.js';
import { diffTranscripts } from '../fidelity/diff.js';

function stat(czxid: number, mzxid: number, ctime: number, mtime: number, owner: string, pzxid = czxid): StatJson {
  return { czxid, mzxid, ctime, mtime, version: mzxid === czxid ? 0 : 1, cversion: 0, aversion: 0, ephemeralOwner: owner, dataLength: 1, numChildren: 0, pzxid };
}

/** The same case as two different systems would record it: other absolute zxids, session ids and clocks. */
function fakeRun(base: number, sidA: string, sidB: string, t0: number): OutputStep[] {
  return [
    { case: 'k', session: 'a', op: 'connect', timeoutMs: 4000, result: { ok: true, sessionId: sidA, timeoutMs: 4000 }, zxid: null, events: [{ state: 'SyncConnected' }], baseZxid: base },
    { case: 'k', session: 'b', op: 'connect', timeoutMs: 4000, result: { ok: true, sessionId: sidB, timeoutMs: 4000 }, zxid: null, events: [{ state: 'SyncConnected' }] },
    { case: 'k', session: 'a', op: 'create', path: '/e', data: 'x', mode: 'EPHEMERAL', result: { ok: true, path: '/e', stat: stat(base + 3, base + 3, t0, t0, sidA) }, zxid: base + 3, events: [] },
    { case: 'k', session: 'b', op: 'getData', path: '/e', watch: true, result: { ok: true, data: 'x', stat: stat(base + 3, base + 3, t0, t0, sidA) }, zxid: base + 3, events: [] },
    { case: 'k', session: 'a', op: 'setData', path: '/e', data: 'y', result: { ok: true, stat: stat(base + 3, base + 4, t0, t0 + 7, sidA) }, zxid: base + 4, events: [] },
    { case: 'k', session: 'b', op: 'getChildren', path: '/', result: { ok: true, children: base % 2 ? ['zookeeper', 'e'] : ['e', 'zookeeper'], stat: stat(0, 0, 0, 0, '0x0', base + 3) }, zxid: base + 4, events: [{ type: 'NodeDataChanged', path: '/e' }] },
    { case: 'k', session: 'b', op: 'multi', ops: [{ op: 'check', path: '/e', version: 9 }], result: { ok: false, code: -103, name: 'BADVERSION', results: [{ code: -103 }] }, zxid: base + 5, events: [] },
    { case: 'k', session: 'a', op: 'close', result: { ok: true }, zxid: base + 6, events: [] },
  ];
}

test('two runs with different absolute zxids, session ids and times normalise identically', () => {
  const x = normalise(fakeRun(0x100000004, '0x1000003a2b40000', '0x1000003a2b40001', 1_700_000_000_000));
  const y = normalise(fakeRun(17, '0x200000aa0000005', '0x300000bb0000000', 1_800_000_123_456));
  assert.equal(x, y);
  assert.equal(JSON.stringify(x), JSON.stringify(y));
  assert.equal(diffTranscripts(x, y).map((c) => c.identical), [true]);
});

test('normalised values: offsets, pre, labels, time relations, sorted children', () => {
  const n = normalise(fakeRun(100, '0xa', '0xb', 5000));
  const r = (i: number): Record<string, any> => n[i]!.result as Record<string, any>;
  assert.is(r(0).sessionId, 'a');
  assert.is(r(1).sessionId, 'b');
  assert.equal(r(2).stat, { czxid: 3, mzxid: 3, ctime: 't', mtime: 'ctime', version: 0, cversion: 0, aversion: 0, ephemeralOwner: 'a', dataLength: 1, numChildren: 0, pzxid: 3 });
  assert.is(r(4).stat.mtime, '>=ctime');
  assert.is(r(5).stat.czxid, 'pre');
  assert.is(r(5).stat.ctime, 0);
  assert.is(r(5).stat.ephemeralOwner, 0);
  assert.equal(r(5).children, ['e', 'zookeeper']);
  assert.is(n[5]!.zxid, 4);
  assert.is(n[0]!.zxid, null);
  assert.ok(!('baseZxid' in n[0]!));
  assert.equal(Object.keys(n[2]!), ['case', 'session', 'op', 'path', 'data', 'mode', 'result', 'zxid', 'events']);
});

test('an unknown session id becomes "other"; a same-txn mtime mismatch is spelled out', () => {
  const run = fakeRun(0, '0x1', '0x2', 1000);
  (run[2]!.result as any).stat.ephemeralOwner = '0x99';
  (run[3]!.result as any).stat.mtime = 1001;
  const n = normalise(run);
  assert.is((n[2]!.result as any).stat.ephemeralOwner, 'other');
  assert.is((n[3]!.result as any).stat.mtime, '!=ctime');
});

test('the diff reports each differing field with its path', () => {
  const x = normalise(fakeRun(0, '0x1', '0x2', 1000));
  const run = fakeRun(0, '0x1', '0x2', 1000);
  (run[4]!.result as any).stat.version = 2;
  run[5]!.events = [];
  run[6]!.result = { ok: false, code: -101, name: 'NONODE', results: [{ code: -101 }] };
  const d = diffTranscripts(x, normalise(run));
  assert.is(d.length, 1);
  assert.is(d[0]!.identical, false);
  const fields = d[0]!.diffs.map((f) => `${f.step}:${f.field}`);
  assert.equal(fields, ['4:result.stat.version', '5:events[0].type', '5:events[0].path', '5:events', '6:result.code', '6:result.name', '6:result.results[0].code']);
});

test('a race step is compared on ok and error code only; a missing case is reported', () => {
  const a = fakeRun(0, '0x1', '0x2', 1000);
  const b = fakeRun(0, '0x1', '0x2', 1000);
  a[3]!.race = true;
  b[3]!.race = true;
  (b[3]!.result as any).data = 'old';
  b[3]!.zxid = 2;
  assert.equal(diffTranscripts(normalise(a), normalise(b)).map((c) => c.identical), [true]);
  const other = normalise(b).map((s) => ({ ...s, case: 'other' }));
  const d = diffTranscripts(normalise(a), other);
  assert.equal(d.map((c) => [c.case, c.identical]), [['k', false], ['other', false]]);
});

test('multiRead results (data, children sorted, stat), getEphemerals paths (sorted) and counts normalise', () => {
  const run = (base: number, sid: string, order: boolean): OutputStep[] => [
    { case: 'r', session: 'a', op: 'connect', timeoutMs: 4000, result: { ok: true, sessionId: sid, timeoutMs: 4000 }, zxid: null, events: [], baseZxid: base },
    {
      case: 'r', session: 'a', op: 'multiRead', ops: [{ op: 'getData', path: '/e' }, { op: 'getChildren', path: '/' }, { op: 'getData', path: '/x' }],
      result: { ok: true, results: [{ code: 0, data: 'x', stat: stat(base + 1, base + 1, 9, 9, sid) }, { code: 0, children: order ? ['zookeeper', 'e'] : ['e', 'zookeeper'] }, { code: -101 }] },
      zxid: base + 1, events: [],
    },
    { case: 'r', session: 'a', op: 'getEphemerals', prefix: '/', result: { ok: true, paths: order ? ['/e', '/d'] : ['/d', '/e'] }, zxid: base + 1, events: [] },
    { case: 'r', session: 'a', op: 'getAllChildrenNumber', path: '/', result: { ok: true, count: 5 }, zxid: base + 1, events: [] },
  ];
  const x = normalise(run(10, '0x5', true));
  const y = normalise(run(99, '0x77', false));
  assert.equal(JSON.stringify(x), JSON.stringify(y));
  const r = (i: number): Record<string, any> => x[i]!.result as Record<string, any>;
  assert.equal(r(1).results[0], { code: 0, data: 'x', stat: { czxid: 1, mzxid: 1, ctime: 't', mtime: 'ctime', version: 0, cversion: 0, aversion: 0, ephemeralOwner: 'a', dataLength: 1, numChildren: 0, pzxid: 1 } });
  assert.equal(r(1).results[1], { code: 0, children: ['e', 'zookeeper'] });
  assert.equal(r(2).paths, ['/d', '/e']);
  assert.equal(Object.keys(x[2]!), ['case', 'session', 'op', 'prefix', 'result', 'zxid', 'events']);
  assert.is(r(3).count, 5);
});

test.run();
