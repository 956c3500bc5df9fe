import { defineScenario } from './api.js';
import { CreateMode, EventType, type WatchedEvent } from '../core/client/index.js';

export default defineScenario({
  name: 'naming',
  summary: 'group membership and naming with ephemeral-sequential nodes under /workers',
  servers: 3,
  cluster: { sessionTimeoutMs: 6_000 },
  async run(s) {
    await s.step('a coordinator creates /workers and watches its children');
    await s.waitForLeader();
    const coord = s.client('c0');
    await s.waitConnected(coord);
    await s.ok(coord.create('/workers', null));
    const events: WatchedEvent[] = [];
    const watch = (e: WatchedEvent): void => {
      events.push(e);
    };
    s.equal(await s.ok(coord.getChildren('/workers', watch)), [], 'no workers yet');

    await s.step('three workers register with ephemeral-sequential nodes');
    s.say('EPHEMERAL_SEQUENTIAL: the server appends the parent\'s creation counter, zero-padded to 10 digits, so every\nworker gets a unique, ordered name; the node lives as long as the worker\'s session.');
    const names: string[] = [];
    const workers = ['c1', 'c2', 'c3'].map((n) => s.client(n));
    for (const w of workers) await s.waitConnected(w);
    for (const w of workers) names.push(await s.ok(w.create('/workers/w-', String(w.process), CreateMode.EPHEMERAL_SEQUENTIAL)));
    s.equal(names, ['/workers/w-0000000000', '/workers/w-0000000001', '/workers/w-0000000002'], 'names are unique and ordered');
    await s.waitFor('the coordinator notified', () => events.length >= 1, 10_000);
    s.check(events[0]!.type === EventType.NodeChildrenChanged, 'the coordinator got NodeChildrenChanged (once: the watch is one-shot)');
    s.say('The coordinator\'s server may lag the leader by a few milliseconds (reads are local): it syncs first,\nso that its read reflects every registration acknowledged so far.');
    await s.ok(coord.sync('/workers'));
    const kids = await s.ok(coord.getChildren('/workers', watch));
    s.equal([...kids].sort(), ['w-0000000000', 'w-0000000001', 'w-0000000002'], 'it re-reads the membership (and re-registers)');

    await s.step('worker c2 leaves cleanly, worker c3 dies');
    await s.ok(workers[1]!.close());
    s.crash('c3');
    s.say('c2 closed its session: its node goes at once. c3 crashed: its node goes when its session expires.');
    let view: string[] = [];
    for (let i = 0; i < 20 && view.length !== 1; i++) {
      await s.runFor(1_000);
      await s.ok(coord.sync('/workers'));
      view = await s.ok(coord.getChildren('/workers', watch));
    }
    s.equal(view, ['w-0000000000'], 'only the live worker remains');

    await s.step('a new worker gets the next number: deletions do not reuse names');
    const c4 = s.client('c4');
    await s.waitConnected(c4);
    const n4 = await s.ok(c4.create('/workers/w-', 'c4', CreateMode.EPHEMERAL_SEQUENTIAL));
    s.equal(n4, '/workers/w-0000000003', 'the counter keeps counting');
  },
});
