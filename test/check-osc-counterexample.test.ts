/**
 * OSC's counterexample: the longest legal order the search found (`prefix`) is kept up to date at each dead end from
 * the frames pushed since the one before (check/osc.ts, lowWater), not copied whole. Whatever the search backtracked
 * through, the prefix must be an order of the history: no operation twice, and each process's operations in it the
 * first ones of that process, in its order; the blocked operations are each session's next one after it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { checkOsc } from '../check/osc.js';
import { pairOperations, type Operation, type Process } from '../check/history.js';
import { hist, type Spec } from './check-helpers.js';

const PROCS = ['C1', 'C2', 'C3'];

/** A history of three processes on /x and /y, each process's operations one after the other, values from {0,1,2}. */
const histories = fc
  .array(fc.record({ proc: fc.integer({ min: 0, max: 2 }), write: fc.boolean(), y: fc.boolean(), v: fc.integer({ min: 0, max: 2 }), len: fc.integer({ min: 1, max: 6 }), gap: fc.integer({ min: 0, max: 3 }) }), { minLength: 4, maxLength: 14 })
  .map((steps) => {
    const rows: Spec[] = [
      ['C0', 'create', { path: '/x', data: '0' }, -10, -9, { ok: { path: '/x' } }],
      ['C0', 'create', { path: '/y', data: '0' }, -8, -7, { ok: { path: '/y' } }],
    ];
    const free = [0, 0.25, 0.5]; // each process's next free time (distinct fractions: no two events at one time)
    for (const s of steps) {
      const call = free[s.proc]! + s.gap;
      const ret = call + s.len;
      free[s.proc] = ret + 1;
      const path = s.y ? '/y' : '/x';
      rows.push(s.write ? [PROCS[s.proc]!, 'setData', { path, data: String(s.v), version: -1 }, call, ret, { ok: {} }] : [PROCS[s.proc]!, 'getData', { path }, call, ret, { ok: { data: String(s.v) } }]);
    }
    return hist(...rows);
  });

test('property: a violation’s prefix is an order of the history, and the blocked operations come right after it', () => {
  let violations = 0;
  fc.assert(
    fc.property(histories, (h) => {
      const r = checkOsc(h);
      if (r.verdict !== 'violation') return;
      violations++;
      const byProc = new Map<Process, Operation[]>();
      for (const o of pairOperations(h)) {
        if (!byProc.has(o.process)) byProc.set(o.process, []);
        byProc.get(o.process)!.push(o);
      }
      const ids = r.prefix!.map((o) => o.id);
      assert.is(new Set(ids).size, ids.length, 'an operation twice in the prefix');
      const seen = new Map<Process, number>();
      for (const o of r.prefix!) {
        const k = seen.get(o.process) ?? 0;
        assert.is(byProc.get(o.process)![k]!.id, o.id, `process ${o.process}: operation ${o.id} out of its order in the prefix`);
        seen.set(o.process, k + 1);
      }
      for (const b of r.blocked!) assert.is(byProc.get(b.op.process)![seen.get(b.op.process) ?? 0]!.id, b.op.id, 'a blocked operation is not its session’s next');
    }),
    { seed: 3030, numRuns: 400 },
  );
  assert.ok(violations > 50, `only ${violations} violations among 400 histories`);
});

test.run();
