/**
 * removeWatches / removeAllWatches through the client against the simulated server, as ZooKeeper 3.8.0 does them
 * (ZooKeeper.removeWatches → OpCode.checkWatches 17, removeAllWatches → OpCode.removeWatches 18; ZKWatchManager
 * removeWatcher / containsWatcher; ClientCnxn.finishPacket queues the WatchRemoved events before the reply callback).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AddWatchMode, Code, EventType, KeeperState, WatcherType, type WatchedEvent } from '../core/client/index.js';
import { code, standalone } from './client-helpers.js';
import { WatchManager } from '../core/watches.js';

const NAMES: Record<number, string> = {
  [-1]: 'None', 1: 'NodeCreated', 2: 'NodeDeleted', 3: 'NodeDataChanged', 4: 'NodeChildrenChanged',
  5: 'DataWatchRemoved', 6: 'ChildWatchRemoved', 7: 'PersistentWatchRemoved',
};

const rec = (out: string[], tag = '') => (e: WatchedEvent) => out.push(`${tag}${NAMES[e.type] ?? e.type} ${e.path}`);

test('removeWatches(Data): DataWatchRemoved before the reply, no NodeDataChanged after; the server keeps its entry (checkWatches)', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/a', 'v'));
  const out: string[] = [];
  const w = rec(out);
  await cl.run(c1.getData('/a', w));
  await cl.run(c1.removeWatches('/a', w, WatcherType.Data).then(() => out.push('reply')));
  assert.equal(out, ['DataWatchRemoved /a', 'reply']);
  assert.equal(c1.watchedPaths().data, []);
  // checkWatches removes nothing on the server: the frame still comes, but no watcher is left to run
  assert.is(cl.server('s1')!.db.watches.count().data, 1);
  await cl.run(c2.setData('/a', 'w'));
  await cl.runFor(50);
  assert.equal(out, ['DataWatchRemoved /a', 'reply']);
});

test('removeWatches with a watcher leaves the other watchers of the path', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/a', 'v'));
  const out: string[] = [];
  const w1 = rec(out, '1:');
  const w2 = rec(out, '2:');
  await cl.run(c1.getData('/a', w1));
  await cl.run(c1.exists('/a', w2));
  await cl.run(c1.removeWatches('/a', w1, WatcherType.Any));
  await cl.run(c2.setData('/a', 'w'));
  await cl.runFor(50);
  assert.equal(out, ['1:DataWatchRemoved /a', '2:NodeDataChanged /a']);
});

test('removeAllWatches(Children): every child watcher gets ChildWatchRemoved; the server drops the watch', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/p'));
  const out: string[] = [];
  await cl.run(c1.getChildren('/p', rec(out, '1:')));
  await cl.run(c1.getChildren('/p', rec(out, '2:')));
  const before = cl.server('s1')!.db.watches.count().child;
  await cl.run(c1.removeAllWatches('/p', WatcherType.Children).then(() => out.push('reply')));
  assert.equal(out, ['1:ChildWatchRemoved /p', '2:ChildWatchRemoved /p', 'reply']);
  assert.is(cl.server('s1')!.db.watches.count().child, before - 1);
  await cl.run(c2.create('/p/c'));
  await cl.runFor(50);
  assert.is(out.length, 3);
});

test('Any removes data and child watches (ChildWatchRemoved, then DataWatchRemoved); Data keeps the child watch', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/b', 'v'));
  const out: string[] = [];
  const w = rec(out);
  await cl.run(c1.getData('/b', w));
  await cl.run(c1.getChildren('/b', w));
  await cl.run(c1.removeWatches('/b', w, WatcherType.Data));
  assert.equal(out, ['DataWatchRemoved /b']);
  assert.equal(c1.watchedPaths().child, ['/b']);
  await cl.run(c1.getData('/b', w));
  out.length = 0;
  await cl.run(c1.removeAllWatches('/b', WatcherType.Any));
  assert.equal(out, ['ChildWatchRemoved /b', 'DataWatchRemoved /b']);
  assert.equal(c1.watchedPaths(), { data: [], exist: [], child: [] });
});

test('NOWATCHER: nothing to remove (client side), or the server has nothing (removeAllWatches after the watch fired elsewhere)', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/n', 'v'));
  const w = () => {};
  assert.is(await code(cl, c1.removeWatches('/n', w, WatcherType.Data)), Code.NOWATCHER);
  assert.is(await code(cl, c1.removeAllWatches('/n', WatcherType.Any)), Code.NOWATCHER);
  await cl.run(c1.getData('/n', w));
  assert.is(await code(cl, c1.removeWatches('/n', w, WatcherType.Children)), Code.NOWATCHER);
  assert.is(await code(cl, c1.removeWatches('/n', () => {}, WatcherType.Data)), Code.NOWATCHER, 'another watcher');
  assert.equal(c1.watchedPaths().data, ['/n']);
  // a persistent watch: Children and Data find it (containsWatcher) but remove nothing (3.8.0) → NOWATCHER; Any removes it
  const out: string[] = [];
  const pw = rec(out);
  await cl.run(c1.addWatch('/n', AddWatchMode.PERSISTENT, pw));
  assert.is(await code(cl, c1.removeWatches('/n', pw, WatcherType.Children)), Code.NOWATCHER);
  await cl.run(c1.removeWatches('/n', pw, WatcherType.Any));
  assert.equal(out, ['PersistentWatchRemoved /n']);
  assert.is(c1.watchedPaths().persistent, undefined);
});

test('server side: checkWatches of a path without a leading "/" answers as 3.8.0 (MARSHALLINGERROR where it throws)', () => {
  // what a live 3.8.0 answered (transcript --against): its path iterator takes substring(0, lastIndexOf('/')) of a path
  // before looking at it, and walks the ancestors only while the table holds a recursive watch
  const wm = new WatchManager();
  assert.is(wm.checkWatches('bad', WatcherType.Data), Code.MARSHALLINGERROR); // always
  assert.is(wm.checkWatches('a/b', WatcherType.Data), Code.NOWATCHER); // no recursive watch: the leaf only
  assert.is(wm.checkWatches('/x', WatcherType.Any), Code.NOWATCHER);
  wm.register('persistent', 'bad', 1);
  assert.is(wm.checkWatches('bad', WatcherType.Data), Code.MARSHALLINGERROR, 'it throws before it looks at the entry');
  wm.register('persistentRecursive', '/', 2);
  assert.is(wm.checkWatches('a/b', WatcherType.Data), Code.MARSHALLINGERROR); // its ancestor "a" throws
  assert.is(wm.checkWatches('a/b', WatcherType.Any), Code.MARSHALLINGERROR);
  assert.is(wm.checkWatches('/x/y', WatcherType.Data), Code.NOWATCHER, 'an absolute path walks up to "/" without a throw');
  assert.is(wm.checkWatches('/', WatcherType.Children), Code.OK);
  // a recursive watch taken out of the data table only: that table walks the leaf alone again, the child table does not
  assert.is(wm.removeWatches('/', 2, 2), Code.OK);
  assert.is(wm.checkWatches('a/b', WatcherType.Data), Code.NOWATCHER);
  assert.is(wm.checkWatches('a/b', WatcherType.Children), Code.MARSHALLINGERROR);
  wm.removeCnxn(2);
  assert.is(wm.checkWatches('a/b', WatcherType.Any), Code.NOWATCHER);
});

test('server side: checkWatches answers OK when any session watches the path (3.8.0), removeWatches only for its own', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/s', 'v'));
  await cl.run(c1.getData('/s', true));
  const wm = cl.server('s1')!.db.watches;
  assert.is(wm.checkWatches('/s', WatcherType.Data), Code.OK);
  assert.is(wm.checkWatches('/s', WatcherType.Children), Code.NOWATCHER);
  assert.is(wm.checkWatches('/s', WatcherType.Any), Code.OK);
  // c2 holds no watch: the client's containsWatcher answers NOWATCHER after the reply, local or not
  assert.is(await code(cl, c2.removeAllWatches('/s', WatcherType.Data, true)), Code.NOWATCHER);
  assert.is(wm.count().data, 1, 'c1 keeps its watch');
});

test('a removed watch is not re-registered by setWatches after a reconnect', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/r', 'v'));
  const out: string[] = [];
  await cl.run(c1.getData('/r', rec(out)));
  await cl.run(c1.removeAllWatches('/r', WatcherType.Data));
  cl.world.net.resetConnections('c1', 's1');
  assert.ok(await cl.until(() => c1.state === 'CONNECTING', 5000));
  assert.ok(await cl.until(() => c1.state === 'CONNECTED', 10_000));
  assert.is(cl.server('s1')!.db.watches.count().data, 0);
  await cl.run(c2.setData('/r', 'w'));
  await cl.runFor(50);
  assert.equal(out.filter((x) => !x.startsWith('None')), ['DataWatchRemoved /r']);
});

test('local = true while disconnected: removed locally on connection loss, event state Disconnected', async () => {
  const { cl, c1, c2 } = await standalone(3);
  await cl.run(c2.create('/l', 'v'));
  const seen: WatchedEvent[] = [];
  const w = (e: WatchedEvent) => seen.push(e);
  await cl.run(c1.getData('/l', w));
  cl.world.net.partition([['c1'], ['s1', 'c2']]);
  const p = c1.removeWatches('/l', w, WatcherType.Data, true);
  await cl.run(p, 60_000);
  const removed = seen.filter((e) => e.type === EventType.DataWatchRemoved);
  assert.is(removed.length, 1);
  assert.is(removed[0]!.state, KeeperState.Disconnected);
  assert.equal(c1.watchedPaths().data, []);
  // without local the same loss fails the call and keeps the watch
  cl.world.net.heal();
  assert.ok(await cl.until(() => c1.state === 'CONNECTED', 30_000));
  await cl.run(c1.getData('/l', w));
  cl.world.net.partition([['c1'], ['s1', 'c2']]);
  assert.is(await code(cl, c1.removeWatches('/l', w, WatcherType.Data)), Code.CONNECTIONLOSS);
  assert.equal(c1.watchedPaths().data, ['/l']);
});

test.run();
