/**
 * The watch checker and watch removal (removeWatches / removeAllWatches): a removed watch is no false alarm, and a
 * server that keeps a watch removeAllWatches dropped (fires it anyway) is caught.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder } from '../check/history.js';
import { checkWatches, formatWatches } from '../check/watches.js';
import { checkOsc, formatOsc } from '../check/osc.js';
import { checkWatchAtMostOnce } from '../explore/light-checks.js';
import { Cluster } from '../sim/cluster.js';
import { AddWatchMode, WatcherType, type ZooKeeperClient } from '../core/client/index.js';

/** A watches /a (zxid 5), removes it (ok), B changes /a (zxid 6), A reads it back (zxid 6). */
function hist(all: boolean, event: boolean, removed = true): HistoryRecorder {
  const r = new HistoryRecorder();
  r.session('A', 'connected', 0, { server: 's1' });
  const g = r.invoke('A', 'getData', { path: '/a', watch: true }, 1);
  r.ok(g, { data: 'x', stat: { version: 0 } }, 2, 5);
  if (removed) {
    const rm = r.invoke('A', 'removeWatches', { path: '/a', watcherType: 'DATA', all, local: false }, 2.5);
    r.ok(rm, {}, 2.6, 5);
  }
  const s = r.invoke('B', 'setData', { path: '/a', data: 'y', version: -1 }, 3);
  r.ok(s, { stat: { version: 1 } }, 4, 6);
  if (event) r.event('A', 'NodeDataChanged', '/a', 5);
  const g2 = r.invoke('A', 'getData', { path: '/a' }, 6);
  r.ok(g2, { data: 'y' }, 7, 6);
  return r;
}

test('removeAllWatches: no event is required any more, and one that comes anyway is caught', () => {
  assert.ok(checkWatches(hist(true, false).events).ok, formatWatches(checkWatches(hist(true, false).events)));
  const kept = checkWatches(hist(true, true).events);
  assert.not.ok(kept.ok);
  assert.match(formatWatches(kept), /one-shot/);
  assert.not.ok(checkWatches(hist(true, false, false).events).ok, 'without the removal the missing event is a violation');
});

test('removeWatches with a watcher (checkWatches): the server may still fire the watch, or not', () => {
  assert.ok(checkWatches(hist(false, true).events).ok);
  assert.ok(checkWatches(hist(false, false).events).ok);
});

test('scripted run: removals under a partition and a leader crash give no false alarm', async () => {
  const cl = new Cluster({ seed: 11, servers: 3 });
  const c1: ZooKeeperClient = cl.client('c1', { timeoutMs: 12_000 });
  const c2: ZooKeeperClient = cl.client('c2', { timeoutMs: 12_000 });
  assert.ok(await cl.ready(60_000));
  for (const p of ['/x', '/y', '/z']) await cl.run(c2.create(p, '0'));
  const w = () => {};
  const settle = async <T>(p: Promise<T>) => {
    try {
      await cl.run(p, 60_000);
    } catch {
      /* NOWATCHER / CONNECTIONLOSS are outcomes too */
    }
  };
  for (let round = 0; round < 6; round++) {
    await settle(c1.getData('/x', w));
    await settle(c1.getChildren('/y', w));
    await settle(c1.exists('/z', w));
    if (round % 3 === 1) cl.world.net.partition([['c1'], cl.serverNames.concat('c2')]);
    await settle(c1.removeAllWatches('/x', WatcherType.Data, round % 2 === 0));
    await settle(c1.removeWatches('/y', w, WatcherType.Children, round % 2 === 1));
    await settle(c2.setData('/x', String(round)));
    await settle(c2.create(`/y/c${round}`));
    await settle(c2.setData('/z', String(round)));
    if (round % 3 === 1) cl.world.net.heal();
    await cl.runFor(3000);
    await settle(c1.getData('/x'));
    await settle(c1.getData('/z'));
  }
  await cl.runFor(5000);
  const r = checkWatches(cl.history.events);
  assert.ok(r.ok, formatWatches(r));
  assert.ok(r.seen.registrations > 6);
  assert.ok(cl.history.events.some((e) => e.kind === 'invoke' && e.op === 'removeWatches'));
  const osc = checkOsc(cl.history.events);
  assert.is(osc.verdict, 'ok', formatOsc(osc));
  assert.not.equal(checkWatchAtMostOnce(cl.history.events).ok, false);
});

test('a recipe that removes watches under faults: every check holds (seeds 1..4)', async () => {
  const { registerRecipe, unregisterRecipe } = await import('../explore/workloads/module.js');
  const { specOf } = await import('../explore/engine.js');
  const { DEFAULT_CONFIG } = await import('../explore/spec.js');
  const { runSpec } = await import('../explore/runner.js');
  let removed = 0;
  const key = registerRecipe(() => {
    const turn = new Map<string, number>();
    const w = () => {};
    return {
      name: 'watch-removal',
      async step(_ctx: unknown, s: { name: string; client: ZooKeeperClient }) {
        const n = (turn.get(s.name) ?? 0) + 1;
        turn.set(s.name, n);
        const c = s.client;
        const quiet = (p: Promise<unknown>) => p.then(() => true, () => false);
        switch (n % 6) {
          case 0: await quiet(c.create('/w', '0')); await quiet(c.getData('/w', w)); break;
          case 1: await quiet(c.getChildren('/w', w)); await quiet(c.exists('/w/k', w)); break;
          case 2: if (await quiet(c.removeWatches('/w', w, WatcherType.Data, n % 4 === 2))) removed++; break;
          case 3: if (await quiet(c.removeAllWatches('/w', n % 4 === 3 ? WatcherType.Any : WatcherType.Children, n % 8 === 3))) removed++; break;
          case 4: await quiet(c.setData('/w', String(n))); await quiet(c.create('/w/k')); break;
          case 5: await quiet(c.delete('/w/k')); if (await quiet(c.removeAllWatches('/w/k', WatcherType.Data))) removed++; break;
        }
      },
      verdicts() {
        return [{ property: 'removals', ok: removed > 0 ? true : null, explanation: `${removed} removal(s) succeeded` }];
      },
    };
  });
  try {
    for (const seed of [1, 2, 3, 4]) {
      removed = 0;
      const r = await runSpec(specOf({ config: { ...DEFAULT_CONFIG, workload: 'module', workloadModule: key }, workload: 'module' }, seed));
      for (const v of r.verdicts) assert.ok(v.ok !== false, `seed ${seed}: ${v.property}: ${v.explanation}`);
      assert.is(r.verdicts.find((v) => v.property === 'removals')!.ok, true, `seed ${seed}: no removal succeeded`);
      assert.is(r.verdicts.find((v) => v.property === 'watches')?.ok, true, `seed ${seed}: watches checked`);
    }
  } finally {
    unregisterRecipe(key);
  }
});

/**
 * A adds a persistent watch on /p (mode), removes watches of `type` on /p with removeAllWatches (ok), and later gets
 * `events` (each [type, path]); `reconnectBefore`: A reconnects before the events.
 */
function persistentHist(mode: 'PERSISTENT' | 'PERSISTENT_RECURSIVE', type: 'ANY' | 'DATA' | 'CHILDREN' | null, events: Array<[string, string]>, opts: { all?: boolean; reconnectBefore?: boolean } = {}): HistoryRecorder {
  const r = new HistoryRecorder();
  r.session('A', 'connected', 0, { server: 's1' });
  const a = r.invoke('A', 'addWatch', { path: '/p', mode }, 1);
  r.ok(a, {}, 2, 5);
  if (type !== null) {
    const rm = r.invoke('A', 'removeWatches', { path: '/p', watcherType: type, all: opts.all ?? true, local: false }, 3);
    r.ok(rm, {}, 4, 5);
  }
  if (opts.reconnectBefore) {
    r.session('A', 'disconnected', 4.5, { server: 's1' });
    r.session('A', 'connected', 4.6, { server: 's2' });
  }
  let t = 5;
  for (const [ev, path] of events) r.event('A', ev as 'NodeDataChanged', path, t++);
  return r;
}
const watchesOk = (r: HistoryRecorder) => checkWatches(r.events).ok;

test('removeAllWatches ANY drops a persistent watch for good: a later event on its path is caught', () => {
  assert.ok(watchesOk(persistentHist('PERSISTENT', null, [['NodeDataChanged', '/p'], ['NodeChildrenChanged', '/p']])), 'the watch covers both before any removal');
  const kept = checkWatches(persistentHist('PERSISTENT', 'ANY', [['NodeDataChanged', '/p']]).events);
  assert.not.ok(kept.ok);
  assert.match(formatWatches(kept), /one-shot \(W1\).*NodeDataChanged on \/p/);
  assert.not.ok(watchesOk(persistentHist('PERSISTENT_RECURSIVE', 'ANY', [['NodeCreated', '/p/c']])));
  assert.not.ok(watchesOk(persistentHist('PERSISTENT', 'ANY', [['NodeDataChanged', '/p']], { reconnectBefore: true })), 'the client does not add it again');
  assert.ok(watchesOk(persistentHist('PERSISTENT', 'ANY', [['NodeDataChanged', '/p']], { all: false })), 'checkWatches leaves the server its entry');
});

test("removeAllWatches DATA / CHILDREN drop that table's part of a persistent watch until the next reconnect", () => {
  // a plain persistent watch: DATA stops NodeCreated / NodeDataChanged, not NodeChildrenChanged; NodeDeleted still fires through the child table
  assert.not.ok(watchesOk(persistentHist('PERSISTENT', 'DATA', [['NodeDataChanged', '/p']])));
  assert.ok(watchesOk(persistentHist('PERSISTENT', 'DATA', [['NodeChildrenChanged', '/p'], ['NodeDeleted', '/p']])));
  assert.not.ok(watchesOk(persistentHist('PERSISTENT', 'CHILDREN', [['NodeChildrenChanged', '/p']])));
  assert.ok(watchesOk(persistentHist('PERSISTENT', 'CHILDREN', [['NodeDataChanged', '/p'], ['NodeDeleted', '/p']])));
  // a recursive watch sits in both tables too (3.8.0 DataTree.addWatch): without its data half it still reports
  // deletes below through the child table (conformance persistent-watches/remove-recursive shows both halves)
  assert.not.ok(watchesOk(persistentHist('PERSISTENT_RECURSIVE', 'DATA', [['NodeCreated', '/p/c']])));
  assert.ok(watchesOk(persistentHist('PERSISTENT_RECURSIVE', 'DATA', [['NodeDeleted', '/p/c']])));
  assert.ok(watchesOk(persistentHist('PERSISTENT_RECURSIVE', 'CHILDREN', [['NodeCreated', '/p/c']])));
  // the client adds what it still holds again at a reconnect
  assert.ok(watchesOk(persistentHist('PERSISTENT', 'DATA', [['NodeDataChanged', '/p']], { reconnectBefore: true })));
  assert.ok(watchesOk(persistentHist('PERSISTENT_RECURSIVE', 'DATA', [['NodeCreated', '/p/c']], { reconnectBefore: true })));
});

test("scripted run: the servers' events after persistent watches are removed agree with the checker (no false alarm, the removed part fires nothing)", async () => {
  const cl = new Cluster({ seed: 5, servers: 3 });
  const c1: ZooKeeperClient = cl.client('c1', { timeoutMs: 12_000 });
  const c2: ZooKeeperClient = cl.client('c2', { timeoutMs: 12_000 });
  assert.ok(await cl.ready(60_000));
  for (const p of ['/d', '/c', '/r', '/a']) await cl.run(c2.create(p, '0'));
  const w = () => {};
  await cl.run(c1.addWatch('/d', AddWatchMode.PERSISTENT, w));
  await cl.run(c1.addWatch('/c', AddWatchMode.PERSISTENT, w));
  await cl.run(c1.addWatch('/r', AddWatchMode.PERSISTENT_RECURSIVE, w));
  await cl.run(c1.addWatch('/a', AddWatchMode.PERSISTENT, w));
  // Java's client answers NOWATCHER when it held no one-shot watcher of the type (it does not count persistent ones),
  // though the server removed its entry: one-shot watches make the removals succeed, as the checker needs
  await cl.run(c1.getData('/d', w));
  await cl.run(c1.getChildren('/c', w));
  await cl.run(c1.exists('/r', w));
  await cl.run(c1.removeAllWatches('/d', WatcherType.Data));
  await cl.run(c1.removeAllWatches('/c', WatcherType.Children));
  await cl.run(c1.removeAllWatches('/r', WatcherType.Data));
  await cl.run(c1.removeAllWatches('/a', WatcherType.Any));
  for (const p of ['/d', '/c', '/r', '/a']) {
    await cl.run(c2.setData(p, '1'));
    await cl.run(c2.create(`${p}/k`));
  }
  await cl.run(c1.sync('/'));
  await cl.run(c1.getData('/d'));
  const got = cl.history.events.filter((e) => e.kind === 'event' && e.process === 'c1').map((e) => `${(e as { type: string }).type} ${(e as { path: string }).path}`);
  // what 3.8's tables leave: /d's child-table entry, /c's data-table entry; nothing of /r or /a
  assert.equal(got, ['NodeChildrenChanged /d', 'NodeDataChanged /c']);
  const r = checkWatches(cl.history.events);
  assert.ok(r.ok, formatWatches(r));
});

test.run();
