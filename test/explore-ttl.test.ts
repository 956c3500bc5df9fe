/**
 * TTL nodes in exploration: the ttl property (explore/light-checks.ts checkTtl) on small histories, the options
 * (--extended-types / extendedTypes, container check interval, kept in repro files), the inventory workload with TTL
 * nodes passing every property, and the zoo bug ttl-from-ctime caught by ttl alone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryEvent, ServerDelete } from '../check/history.js';
import { NO_TTL_NODE, checkTtl } from '../explore/light-checks.js';
import { DEFAULT_TTL_CONTAINER_CHECK_MS, LIBRARY, OptionError, baseFromChoices } from '../explore/options.js';
import { specOf } from '../explore/engine.js';
import { runSpec } from '../explore/runner.js';
import { validateRepro } from '../explore/artefacts.js';
import { runAllChecks } from '../explore/checks.js';
import { zksimVersion } from '../explore/version.js';

let id = 0;
/** An operation of process p invoked at `call` and completed ok at `ret`. */
function op(p: string, name: string, args: Record<string, unknown>, call: number, ret: number, result: unknown = {}): HistoryEvent[] {
  const i = ++id;
  return [
    { kind: 'invoke', id: i, process: p, op: name, args, time: call },
    { kind: 'ok', id: i, process: p, time: ret, result },
  ];
}
const sorted = (evs: HistoryEvent[]): HistoryEvent[] => [...evs].sort((a, b) => a.time - b.time);
const TTL = { mode: 'PERSISTENT_WITH_TTL', ttl: 1000 };

test('ttl: a delete proposed within ttl of a write that completed before it is a violation', () => {
  const h = sorted([...op('c1', 'create', { path: '/t', data: 'a', ...TTL }, 0, 5, { path: '/t' }), ...op('c1', 'setData', { path: '/t', data: 'b', version: -1 }, 1500, 1510)]);
  const early: ServerDelete = { path: '/t', zxid: 9, proposed: 2400, applied: 2405 };
  const v = checkTtl(h, [early]);
  assert.is(v.ok, false);
  assert.match(v.explanation, /only 900 ms after the setData/);
  // proposed more than ttl after the write's invocation: fine
  assert.is(checkTtl(h, [{ ...early, proposed: 2501 }]).ok, true);
  // exactly ttl after it: the container manager needs now − mtime > ttl
  assert.is(checkTtl(h, [{ ...early, proposed: 2500 }]).ok, false);
});

test('ttl: writes in flight at the proposal, deletes never committed and non-TTL paths are not judged', () => {
  const h = sorted([...op('c1', 'create', { path: '/t', data: 'a', ...TTL }, 0, 5, { path: '/t' }), ...op('c2', 'setData', { path: '/t', data: 'b', version: -1 }, 1500, 2500)]);
  // the setData completed after the proposal: it may have been proposed but not committed when the leader looked
  assert.is(checkTtl(h, [{ path: '/t', zxid: 9, proposed: 2000, applied: 2003 }]).ok, true);
  // a delete no server applied (a deposed leader's) is left out
  const h2 = sorted([...op('c1', 'create', { path: '/t', data: 'a', ...TTL }, 0, 5, { path: '/t' }), ...op('c1', 'setData', { path: '/t', data: 'b', version: -1 }, 1500, 1510)]);
  const v = checkTtl(h2, [{ path: '/t', zxid: 9, proposed: 2000 }]);
  assert.is(v.ok, true);
  assert.match(v.explanation, /^0 TTL delete/);
  // a path also created as a container: its deletes may come at any time
  const h3 = sorted([...h2, ...op('c3', 'create', { path: '/t', data: null, mode: 'CONTAINER' }, 3000, 3005, { path: '/t' })]);
  assert.is(checkTtl(h3, [{ path: '/t', zxid: 9, proposed: 2000, applied: 2001 }]).ok, true);
});

test('ttl: sequential TTL creates are named by their result; multi writes count; no TTL node / no trace', () => {
  const h = sorted([
    ...op('c1', 'create', { path: '/q-', data: 'a', mode: 'PERSISTENT_SEQUENTIAL_WITH_TTL', ttl: 500 }, 0, 4, { path: '/q-0000000000' }),
    ...op('c1', 'multi', { ops: [{ op: 'setData', path: '/q-0000000000', data: 'x', version: -1 }] }, 800, 806, { results: [{ op: 'setData' }] }),
  ]);
  assert.is(checkTtl(h, [{ path: '/q-0000000000', zxid: 5, proposed: 1200, applied: 1201 }]).ok, false);
  assert.is(checkTtl(h, [{ path: '/q-0000000000', zxid: 5, proposed: 1301, applied: 1302 }]).ok, true);
  assert.is(checkTtl(h, undefined).ok, null);
  assert.is(checkTtl(sorted(op('c1', 'create', { path: '/p', data: 'a', mode: 'PERSISTENT' }, 0, 4, { path: '/p' })), []), NO_TTL_NODE);
  // runAllChecks leaves the verdict out of runs without TTL nodes (their verdict lists stay as they were)
  const vs = runAllChecks({ history: sorted(op('c1', 'create', { path: '/p', data: 'a', mode: 'PERSISTENT' }, 0, 4, { path: '/p' })), servers: 1, workload: 'registers' });
  assert.not.ok(vs.some((v) => v.property === 'ttl'));
});

test('options: extendedTypes (default container check 1000 ms), containerCheckMs, the zoo bug, repro validation', () => {
  const plain = baseFromChoices({ workload: 'inventory' }, LIBRARY);
  assert.is(plain.config.extendedTypes, undefined);
  assert.is(plain.config.containerCheckMs, undefined);
  const ext = baseFromChoices({ workload: 'inventory', extendedTypes: true }, LIBRARY);
  assert.is(ext.config.extendedTypes, true);
  assert.is(ext.config.containerCheckMs, DEFAULT_TTL_CONTAINER_CHECK_MS);
  assert.is(baseFromChoices({ extendedTypes: true, containerCheckMs: 250 }, LIBRARY).config.containerCheckMs, 250);
  assert.throws(() => baseFromChoices({ extendedTypes: 'yes' as unknown as boolean }, LIBRARY), (e: unknown) => e instanceof OptionError);
  assert.throws(() => baseFromChoices({ containerCheckMs: 0 }, LIBRARY), (e: unknown) => e instanceof OptionError);
  const bug = baseFromChoices({ bug: 'ttl-from-ctime' }, LIBRARY);
  assert.is(bug.workload, 'inventory');
  assert.is(bug.config.extendedTypes, true);
  assert.is(bug.config.containerCheckMs, DEFAULT_TTL_CONTAINER_CHECK_MS);
  const spec = specOf(ext, 1);
  const repro = JSON.parse(JSON.stringify({ format: 'zksim-repro', version: 1, zksimVersion: zksimVersion(), spec }));
  assert.is(validateRepro(repro).spec.config.extendedTypes, true);
  assert.throws(() => validateRepro({ ...repro, spec: { ...repro.spec, config: { ...repro.spec.config, containerCheckMs: -1 } } }));
});

test('inventory with TTL nodes passes every property; ttl-from-ctime is caught by ttl alone', async () => {
  const base = baseFromChoices({ workload: 'inventory', extendedTypes: true, faults: 'none' }, LIBRARY);
  const ok = await runSpec(specOf(base, 1));
  const ttl = ok.verdicts.find((v) => v.property === 'ttl');
  assert.ok(ttl && ttl.ok === true, ttl?.explanation);
  assert.match(ttl!.explanation, /^[1-9]\d* TTL delete/);
  for (const v of ok.verdicts) assert.ok(v.ok !== false, `${v.property}: ${v.explanation}`);
  const bugged = await runSpec(specOf({ ...base, config: { ...base.config, bugs: ['ttl-from-ctime'] } }, 1));
  const failed = bugged.verdicts.filter((v) => v.ok === false).map((v) => v.property);
  assert.equal(failed, ['ttl']);
});

test.run();
