/**
 * Watch tests through the client against the real standalone server: every (operation × watch kind) pair of
 * zookeeper-semantics.md §5.2, client-side fan-out (§5.3), ordering (§5.4) and one-shot behaviour.
 * Watches are registered by c1; the operation is done by c2 (another session), so events travel to c1.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';
import { AddWatchMode, CreateMode, EventType, type WatchedEvent, type ZooKeeperClient } from '../core/client/index.js';

const NAMES: Record<number, string> = { 1: 'NodeCreated', 2: 'NodeDeleted', 3: 'NodeDataChanged', 4: 'NodeChildrenChanged' };

async function setup(seed = 3): Promise<{ cl: Cluster; c1: ZooKeeperClient; c2: ZooKeeperClient }> {
  const cl = new Cluster({ seed, servers: 1 });
  const c1 = cl.client('c1');
  const c2 = cl.client('c2');
  assert.ok(await cl.ready(30_000));
  return { cl, c1, c2 };
}

type Kind = 'data' | 'exist' | 'child';
type Op = 'create' | 'delete' | 'setData' | 'createChild' | 'deleteChild';

/** Registers a watch of `kind` on `path` for c1 (getData / exists / getChildren). */
async function watch(cl: Cluster, c1: ZooKeeperClient, kind: Kind, path: string, out: string[]): Promise<void> {
  const w = (e: WatchedEvent) => out.push(`${NAMES[e.type] ?? e.type} ${e.path}`);
  if (kind === 'data') await cl.run(c1.getData(path, w));
  else if (kind === 'exist') await cl.run(c1.exists(path, w));
  else await cl.run(c1.getChildren(path, w));
}

async function perform(cl: Cluster, c2: ZooKeeperClient, op: Op): Promise<void> {
  switch (op) {
    case 'create':
      await cl.run(c2.create('/x/n', 'v'));
      return;
    case 'delete':
      await cl.run(c2.delete('/x/n'));
      return;
    case 'setData':
      await cl.run(c2.setData('/x/n', 'w'));
      return;
    case 'createChild':
      await cl.run(c2.create('/x/n/k'));
      return;
    case 'deleteChild':
      await cl.run(c2.delete('/x/n/k'));
      return;
  }
}

/**
 * Expected events at c1 for (op, kind, watched path). '/x/n' is the node the op targets; '/x' its parent.
 * Nodes before the op: /x; /x/n exists unless op = create; /x/n/k exists for deleteChild.
 */
const CASES: Array<[Op, Kind, string, string[]]> = [
  // create /x/n
  ['create', 'exist', '/x/n', ['NodeCreated /x/n']],
  ['create', 'child', '/x', ['NodeChildrenChanged /x']],
  ['create', 'data', '/x', []],
  ['create', 'exist', '/x', []],
  // delete /x/n
  ['delete', 'data', '/x/n', ['NodeDeleted /x/n']],
  ['delete', 'exist', '/x/n', ['NodeDeleted /x/n']],
  ['delete', 'child', '/x/n', ['NodeDeleted /x/n']],
  ['delete', 'child', '/x', ['NodeChildrenChanged /x']],
  ['delete', 'data', '/x', []],
  // setData /x/n
  ['setData', 'data', '/x/n', ['NodeDataChanged /x/n']],
  ['setData', 'exist', '/x/n', ['NodeDataChanged /x/n']],
  ['setData', 'child', '/x/n', []],
  ['setData', 'child', '/x', []],
  // create /x/n/k
  ['createChild', 'child', '/x/n', ['NodeChildrenChanged /x/n']],
  ['createChild', 'data', '/x/n', []],
  ['createChild', 'exist', '/x/n/k', ['NodeCreated /x/n/k']],
  // delete /x/n/k
  ['deleteChild', 'child', '/x/n', ['NodeChildrenChanged /x/n']],
  ['deleteChild', 'data', '/x/n', []],
  ['deleteChild', 'data', '/x/n/k', ['NodeDeleted /x/n/k']],
];

for (const [op, kind, path, expected] of CASES) {
  test(`${op} × ${kind} watch on ${path} → ${expected.join(', ') || 'nothing'}`, async () => {
    const { cl, c1, c2 } = await setup();
    await cl.run(c2.create('/x'));
    if (op !== 'create') await cl.run(c2.create('/x/n', 'v'));
    if (op === 'deleteChild') await cl.run(c2.create('/x/n/k'));
    const seen: string[] = [];
    await watch(cl, c1, kind, path, seen);
    await perform(cl, c2, op);
    await cl.runFor(100);
    assert.equal(seen, expected);
    // One-shot: the same kind of change again gives nothing more.
    if (op === 'setData') {
      await cl.run(c2.setData('/x/n', 'again'));
      await cl.runFor(100);
      assert.equal(seen, expected);
    }
    const recorded = cl.history.events.filter((e) => e.kind === 'event' && e.process === 'c1').map((e) => `${(e as { type: string }).type} ${(e as { path: string }).path}`);
    assert.equal(recorded, expected, 'history records the notification frames');
  });
}

test('getData on a missing node leaves no watch; exists on a missing node does', async () => {
  const { cl, c1, c2 } = await setup();
  const seen: string[] = [];
  const w = (e: WatchedEvent) => seen.push(`${NAMES[e.type]} ${e.path}`);
  await cl.run(c1.getData('/gone', w)).catch(() => {});
  assert.equal(c1.watchedPaths(), { data: [], exist: [], child: [] });
  await cl.run(c1.exists('/gone', w));
  assert.equal(c1.watchedPaths(), { data: [], exist: ['/gone'], child: [] });
  await cl.run(c2.create('/gone'));
  await cl.runFor(50);
  assert.equal(seen, ['NodeCreated /gone']);
});

test('delete fans one NodeDeleted frame out to data, exist and child watchers, each once', async () => {
  const { cl, c1, c2 } = await setup();
  await cl.run(c2.create('/f'));
  const seen: string[] = [];
  const mk = (tag: string) => (e: WatchedEvent) => seen.push(`${tag}:${NAMES[e.type]}`);
  const both = mk('both');
  await cl.run(c1.getData('/f', mk('data')));
  await cl.run(c1.exists('/f', mk('exist')));
  await cl.run(c1.getChildren('/f', mk('child')));
  await cl.run(c1.getData('/f', both));
  await cl.run(c1.getChildren('/f', both));
  await cl.run(c2.delete('/f'));
  await cl.runFor(50);
  assert.equal(seen.sort(), ['both:NodeDeleted', 'child:NodeDeleted', 'data:NodeDeleted', 'exist:NodeDeleted']);
  const frames = cl.history.events.filter((e) => e.kind === 'event' && e.process === 'c1');
  assert.is(frames.length, 1, 'one frame per connection');
});

test('own write: the watcher runs before the write’s reply; a multi’s events all come before its reply, in sub-op order', async () => {
  const { cl, c1 } = await setup();
  await cl.run(c1.create('/o', '0'));
  const order: string[] = [];
  const w = (e: WatchedEvent) => order.push(`${NAMES[e.type]} ${e.path}`);
  await cl.run(c1.getData('/o', w));
  await cl.run(c1.setData('/o', '1').then(() => order.push('reply')));
  assert.equal(order, ['NodeDataChanged /o', 'reply']);
  order.length = 0;
  await cl.run(c1.exists('/o/a', w));
  await cl.run(c1.getChildren('/o', w));
  await cl.run(c1.getData('/o', w));
  await cl.run(c1.transaction().create('/o/a').setData('/o', '2').commit().then(() => order.push('reply')));
  assert.equal(order, ['NodeCreated /o/a', 'NodeChildrenChanged /o', 'NodeDataChanged /o', 'reply']);
});

test('watch: true goes to the default watcher', async () => {
  const cl = new Cluster({ seed: 4, servers: 1 });
  const seen: Array<[number, string | null]> = [];
  const c1 = cl.client('c1', { watcher: (e) => seen.push([e.type, e.path]) });
  const c2 = cl.client('c2');
  assert.ok(await cl.ready());
  await cl.run(c1.exists('/dw', true));
  await cl.run(c2.create('/dw', null, CreateMode.EPHEMERAL));
  await cl.runFor(50);
  assert.equal(seen, [[EventType.None, null], [EventType.NodeCreated, '/dw']]);
});

test('addWatch PERSISTENT_RECURSIVE: descendants, never NodeChildrenChanged, never consumed', async () => {
  const { cl, c1, c2 } = await setup();
  await cl.run(c2.create('/r'));
  const seen: string[] = [];
  await cl.run(c1.addWatch('/r', AddWatchMode.PERSISTENT_RECURSIVE, (e) => seen.push(`${NAMES[e.type] ?? e.type} ${e.path}`)));
  await cl.run(c2.create('/r/a'));
  await cl.run(c2.setData('/r/a', 'x'));
  await cl.run(c2.create('/r/a/b'));
  await cl.run(c2.delete('/r/a/b'));
  await cl.run(c2.setData('/r', 'y'));
  await cl.runFor(50);
  assert.equal(seen, ['NodeCreated /r/a', 'NodeDataChanged /r/a', 'NodeCreated /r/a/b', 'NodeDeleted /r/a/b', 'NodeDataChanged /r']);
});

test('addWatch PERSISTENT: all types at the path, children events too, survives a reconnect', async () => {
  const { cl, c1, c2 } = await setup();
  await cl.run(c2.create('/p'));
  const seen: string[] = [];
  await cl.run(c1.addWatch('/p', AddWatchMode.PERSISTENT, (e) => seen.push(`${NAMES[e.type] ?? e.type} ${e.path}`)));
  await cl.run(c2.create('/p/c'));
  await cl.run(c2.create('/p/c/d'));
  await cl.run(c2.setData('/p', '1'));
  await cl.run(c2.setData('/p', '2'));
  await cl.runFor(50);
  assert.equal(seen, ['NodeChildrenChanged /p', 'NodeDataChanged /p', 'NodeDataChanged /p']);
  seen.length = 0;
  cl.world.net.resetConnections('c1', 's1');
  assert.ok(await cl.until(() => c1.state === 'CONNECTING', 5000));
  assert.ok(await cl.until(() => c1.state === 'CONNECTED', 10_000));
  await cl.run(c2.delete('/p/c/d'));
  await cl.run(c2.delete('/p/c'));
  await cl.run(c2.delete('/p'));
  await cl.run(c2.create('/p'));
  await cl.runFor(50);
  assert.equal(seen.filter((x) => !x.startsWith('-1')), ['NodeChildrenChanged /p', 'NodeDeleted /p', 'NodeCreated /p']);
});

test('reconnect: SetWatches with lastZxidSeen; the server fires what was missed (ensemble)', async () => {
  const cl = new Cluster({ seed: 6, servers: 3 });
  const c1 = cl.client('c1', { timeoutMs: 12_000 });
  const c2 = cl.client('c2', { timeoutMs: 12_000 });
  assert.ok(await cl.ready(60_000));
  await cl.run(c2.create('/w', 'a'));
  await cl.run(c2.create('/same', 'a'));
  await cl.run(c2.create('/rc', 'a'));
  const seen: string[] = [];
  const w = (e: WatchedEvent) => e.type !== EventType.None && seen.push(`${NAMES[e.type]} ${e.path}`);
  await cl.run(c1.getData('/w', w));
  await cl.run(c1.getData('/same', w)); // unchanged: re-registered, no event
  await cl.run(c1.exists('/new', w));
  await cl.run(c1.getChildren('/', w));
  await cl.run(c1.getData('/rc', w)); // deleted and re-created while away: NodeDataChanged (ZooKeeper's blind spot)
  const others = cl.serverNames.concat('c2');
  cl.world.net.partition([['c1'], others]);
  assert.ok(await cl.until(() => c1.state === 'CONNECTING', 20_000));
  await cl.run(c2.setData('/w', 'b'));
  await cl.run(c2.create('/new'));
  await cl.run(c2.delete('/rc'));
  await cl.run(c2.create('/rc', 'again'));
  await cl.runFor(100);
  assert.equal(seen, []);
  cl.world.net.heal();
  assert.ok(await cl.until(() => c1.state === 'CONNECTED', 20_000));
  await cl.runFor(100);
  assert.equal(seen.slice().sort(), ['NodeChildrenChanged /', 'NodeCreated /new', 'NodeDataChanged /rc', 'NodeDataChanged /w']);
  // Catch-up comes grouped data → exist → child.
  assert.equal(seen.map((x) => x.split(' ')[0]), ['NodeDataChanged', 'NodeDataChanged', 'NodeCreated', 'NodeChildrenChanged']);
  seen.length = 0;
  await cl.run(c2.setData('/same', 'b'));
  await cl.runFor(100);
  assert.equal(seen, ['NodeDataChanged /same'], 'the unchanged watch was re-registered');
});

test('a server drops events on nodes the session may not READ (3.8.0 NIOServerCnxn.process checks READ; conformance persistent-watches/acl-*): the one-shot watch is used up silently', async () => {
  const { cl, c1, c2 } = await setup(11);
  const seen: string[] = [];
  const w = (tag: string) => (e: WatchedEvent) => seen.push(`${tag} ${NAMES[e.type] ?? e.type} ${e.path}`);
  await cl.run(c2.create('/h', 'x', CreateMode.PERSISTENT, undefined, [{ perms: 30, scheme: 'world', id: 'anyone' }]));
  await cl.run(c1.exists('/h', w('exists')));
  await cl.run(c2.setData('/h', 'y'));
  await cl.run(c1.sync('/'));
  assert.equal(seen, []);
  await cl.run(c2.setACL('/h', [{ perms: 31, scheme: 'world', id: 'anyone' }]));
  await cl.run(c2.setData('/h', 'z'));
  await cl.run(c1.sync('/'));
  assert.equal(seen, [], 'the server consumed the exists watch with the dropped event');
  await cl.run(c2.setACL('/h', [{ perms: 30, scheme: 'world', id: 'anyone' }]));
  await cl.run(c1.addWatch('/', AddWatchMode.PERSISTENT_RECURSIVE, w('recursive')));
  await cl.run(c2.setData('/h', 'y'));
  await cl.run(c2.create('/h/k'));
  await cl.run(c2.create('/open'));
  await cl.run(c1.sync('/'));
  assert.equal(seen, ['recursive NodeCreated /h/k', 'recursive NodeCreated /open']);
});

test.run();
