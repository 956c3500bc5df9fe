import { defineScenario } from './api.js';
import { CreateMode, EventType, type WatchedEvent } from '../core/client/index.js';

export default defineScenario({
  name: 'session-expiry',
  summary: 'a paused client\'s session expires: its ephemeral node and its watches are removed',
  servers: 3,
  cluster: { sessionTimeoutMs: 6_000 },
  async run(s) {
    await s.step('a worker registers an ephemeral node and watches the config');
    await s.waitForLeader();
    const worker = s.client('c1');
    const monitor = s.client('c2');
    await s.waitConnected(worker);
    await s.waitConnected(monitor);
    await s.ok(monitor.create('/config', 'v1'));
    await s.ok(worker.create('/alive', 'c1', CreateMode.EPHEMERAL));
    const workerEvents: WatchedEvent[] = [];
    await s.ok(worker.getData('/config', (e) => workerEvents.push(e)));
    const monitorEvents: WatchedEvent[] = [];
    // c2 watches a node c1 just created, maybe through another server: sync first, or exists may not see it yet
    // (and set a watch for its creation instead)
    s.say('The monitor (c2) watches the worker\'s node. Its server may not have applied c1\'s create yet (ZooKeeper\npromises a client its own writes, not another\'s at once): it calls sync() first.');
    await s.ok(monitor.sync('/alive'));
    await s.ok(monitor.exists('/alive', (e) => monitorEvents.push(e)));
    const sid = worker.sessionId;
    const st = await s.stat(monitor, '/alive');
    s.check(st !== null && st.ephemeralOwner === sid, `/alive is owned by c1's session 0x${sid.toString(16)}`);

    await s.step('the worker freezes (a long GC pause) for longer than its session timeout');
    s.say(`c1 negotiated a ${worker.sessionTimeout} ms timeout. Paused, it sends no pings; the leader's session\ntracker expires the session at the next tick bucket after the timeout, in a closeSession transaction that\ndeletes its ephemerals — and the servers drop its watches.`);
    s.pause('c1');
    await s.waitSessionGone(sid, 30_000);
    await s.waitFor('the monitor to see /alive deleted', () => monitorEvents.length > 0, 10_000);
    s.check(monitorEvents[0]!.type === EventType.NodeDeleted, 'the monitor got NodeDeleted /alive');
    s.equal(await s.stat(monitor, '/alive'), null, '/alive is gone on the servers');

    await s.step('the config changes while the worker is still frozen');
    await s.ok(monitor.setData('/config', 'v2'));
    await s.runFor(1_000);

    await s.step('the worker wakes up');
    s.resume('c1');
    await s.waitSessionExpired(worker, 30_000);
    s.check(worker.state === 'CLOSED', 'c1 learns that its session EXPIRED; the handle is closed for good');
    s.check(!workerEvents.some((e) => e.type === EventType.NodeDataChanged), 'its data watch on /config never fired: it died with the session');
    const late = await s.attempt(worker.getData('/config'));
    s.check(!late.ok && late.code === 'SESSIONEXPIRED', `every later call fails with SESSIONEXPIRED (${late.ok ? 'ok' : late.code})`);
    s.say('The application must create a new session (a new handle), re-create its ephemerals and re-register watches.');
  },
});
