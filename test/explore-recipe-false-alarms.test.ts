/**
 * Recipes whose correct runs raised false alarms before 0.8.0:
 * - persistent watches (addWatch, ZooKeeper 3.6+) and writes of '/': watch-at-most-once judged a persistent watch's
 *   events as one-shot ones, linearizable's znode model started '/' absent, and osc threw on addWatch (not checked);
 * - an ephemeral node re-created after its session closed: linearizable and unique-versions saw it vanish and come
 *   back at version 0 with other data, with no delete in the history;
 * - a container deleted by the leader's container manager (once empty, every 60 s): the same, and osc too (which
 *   checks such runs since, with the servers' deletes taken from the trace).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AddWatchMode, CreateMode, dataText, runSeed, type RecipeFactory } from 'zksim';
import type { HistoryEvent } from '../check/history.js';
import { checkWatchAtMostOnce } from '../explore/light-checks.js';

const persistentWatchers: RecipeFactory = () => {
  let calls = 0;
  return {
    name: 'persistent-watchers',
    async step(ctx, session, slot) {
      const zk = session.client;
      if (slot === 0) {
        await zk.setData('/', String(ctx.now())).catch(() => undefined);
        await zk.create('/a', 'x').catch(() => undefined);
        await zk.setData('/a', String(ctx.now())).catch(() => undefined);
        return;
      }
      await zk.addWatch(slot === 1 ? '/' : '/a', slot === 1 ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT, () => void calls++);
      await zk.getData('/a', true).catch(() => undefined);
    },
    verdicts: () => [{ property: 'watchers-called', ok: calls > 0, explanation: `${calls} watcher calls` }],
  };
};

test('a recipe with persistent and recursive watches, writing /: every property holds and osc is checked', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await runSeed(seed, { workload: persistentWatchers });
    const verdict = (p: string) => r.verdicts.find((v) => v.property === p);
    assert.equal(r.verdicts.filter((v) => v.ok === false).map((v) => `${v.property}: ${v.explanation}`), [], `seed ${seed}`);
    for (const p of ['osc', 'watch-at-most-once', 'linearizable', 'watchers-called']) assert.is(verdict(p)?.ok, true, `seed ${seed} ${p}: ${verdict(p)?.explanation}`);
  }
});

test('an ephemeral leader node re-created after its holder closed its session: no false alarm', async () => {
  // seed 1: c2 holds /leader ("c2" at version 0) and closes; c3 then holds it ("c3" at version 0)
  const ephemeralLeader: RecipeFactory = () => ({
    name: 'ephemeral-leader',
    async step(ctx, session) {
      const zk = session.client;
      await zk.create('/leader', session.name, CreateMode.EPHEMERAL).catch(() => undefined);
      const r = await zk.getData('/leader').catch(() => null);
      if (r && dataText(r.data) === session.name && ctx.now() % 3 === 0) await zk.close();
    },
    verdicts: () => [],
  });
  const r = await runSeed(1, { workload: ephemeralLeader });
  assert.equal(r.verdicts.filter((v) => v.ok === false).map((v) => `${v.property}: ${v.explanation}`), []);
  assert.is(r.verdicts.find((v) => v.property === 'osc')?.ok, true, 'osc, which follows the sessions\' ephemerals, still checks the run');
});

test('containers the leader deletes once empty: no false alarm; osc and linearizable follow the deletes from the trace', async () => {
  const containers: RecipeFactory = () => ({
    name: 'containers',
    async step(_ctx, session, slot) {
      const zk = session.client;
      await zk.create('/c', 'x', CreateMode.CONTAINER).catch(() => undefined);
      await zk.create(`/c/k${slot}`, 'y').catch(() => undefined);
      await zk.delete(`/c/k${slot}`).catch(() => undefined);
      await zk.getData('/c').catch(() => undefined);
    },
    verdicts: () => [],
  });
  // 200 s without faults: the container manager (every 60 s on the leader) deletes /c while it is empty
  const r = await runSeed(1, { workload: containers, durationMs: 200_000, faults: 'none' });
  assert.equal(r.verdicts.filter((v) => v.ok === false).map((v) => `${v.property}: ${v.explanation}`), []);
  // (until 0.8.0 osc said "not checked" here: it did not follow the servers' own deletes)
  const osc = r.verdicts.find((v) => v.property === 'osc')!;
  assert.is(osc.ok, true, osc.explanation);
  assert.match(osc.explanation, /with the servers' \d+ own delete\(s\) of container or TTL nodes/);
  assert.is(r.verdicts.find((v) => v.property === 'linearizable')?.ok, true, 'linearizable checks /c too');
});

const inv = (id: number, process: string, op: string, args: object, time: number): HistoryEvent => ({ kind: 'invoke', id, process, op, args, time }) as HistoryEvent;
const ok = (id: number, process: string, time: number): HistoryEvent => ({ kind: 'ok', id, process, time, result: null }) as HistoryEvent;
const ev = (process: string, type: string, path: string, time: number): HistoryEvent => ({ kind: 'event', process, type, path, time }) as HistoryEvent;

test('watch-at-most-once: events a persistent watch covers are not judged; a one-shot watch elsewhere still fires once', () => {
  const recursive = [inv(1, 'c1', 'addWatch', { path: '/a', mode: 'PERSISTENT_RECURSIVE' }, 1), ok(1, 'c1', 2)];
  // three changes under /a, no one-shot registration: a recursive watch delivers them all
  assert.is(checkWatchAtMostOnce([...recursive, ev('c1', 'NodeDataChanged', '/a/b', 3), ev('c1', 'NodeDataChanged', '/a/b', 4), ev('c1', 'NodeCreated', '/a', 5)]).ok, true);
  // /ab is not below /a, nor is it covered by a PERSISTENT watch of /a
  assert.is(checkWatchAtMostOnce([...recursive, ev('c1', 'NodeDataChanged', '/ab', 3)]).ok, false);
  const plain = [inv(1, 'c1', 'addWatch', { path: '/a', mode: 'PERSISTENT' }, 1), ok(1, 'c1', 2)];
  assert.is(checkWatchAtMostOnce([...plain, ev('c1', 'NodeDataChanged', '/a/b', 3)]).ok, false);
  // a one-shot data watch on /b fires twice: caught, persistent watch on /a or not
  const twice = [inv(2, 'c1', 'getData', { path: '/b', watch: true }, 3), ok(2, 'c1', 4), ev('c1', 'NodeDataChanged', '/b', 5), ev('c1', 'NodeDataChanged', '/b', 6)];
  assert.is(checkWatchAtMostOnce([...recursive, ...twice]).ok, false);
  // another session's persistent watch covers nothing of c2's; a closed session's no longer counts
  assert.is(checkWatchAtMostOnce([...recursive, ev('c2', 'NodeDataChanged', '/a', 3)]).ok, false);
  assert.is(checkWatchAtMostOnce([...recursive, { kind: 'session', process: 'c1', state: 'closed', time: 3 } as HistoryEvent, ev('c1', 'NodeDataChanged', '/a', 4)]).ok, false);
});

test.run();
