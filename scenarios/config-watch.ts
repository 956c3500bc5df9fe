import { defineScenario } from './api.js';
import { EventType, type WatchedEvent } from '../core/client/index.js';

export default defineScenario({
  name: 'config-watch',
  summary: 'configuration management: one-shot watches fire once and must be re-registered',
  servers: 3,
  async run(s) {
    await s.step('an admin publishes a configuration');
    await s.waitForLeader();
    const admin = s.client('c1');
    const app = s.client('c2');
    await s.waitConnected(admin);
    await s.waitConnected(app);
    await s.ok(admin.create('/config', 'v1'));

    await s.step('the application reads it and sets a watch');
    const same = app.server === admin.server;
    s.say(`The app (c2) is connected to ${app.server}, the admin (c1) to ${admin.server}. ZooKeeper promises a client its own writes\nin order, not another client's at once: a server answers reads from what it has applied, and a follower may\nnot have applied the admin's create yet${same ? ' (here both use the same server, but an app cannot count on that)' : ''}. sync() first makes the app's server catch up with\nthe leader; a read after it sees every write committed before the sync.`);
    await s.ok(app.sync('/config'));
    const seen: WatchedEvent[] = [];
    const watcher = (e: WatchedEvent): void => {
      seen.push(e);
    };
    const r1 = await s.ok(app.getData('/config', watcher));
    s.equal(new TextDecoder().decode(r1.data!), 'v1', 'the app reads v1');

    await s.step('the admin changes it twice; the app re-reads only after the first notification');
    s.say('A watch is one-shot: it fires once, on the first change, and is then gone. The app does not\nre-register yet, so the second change produces no notification at all.');
    await s.ok(admin.setData('/config', 'v2'));
    await s.waitFor('the watch to fire', () => seen.length >= 1, 10_000);
    s.check(seen.length === 1 && seen[0]!.type === EventType.NodeDataChanged, 'the app got one NodeDataChanged for /config');
    await s.ok(admin.setData('/config', 'v3'));
    await s.runFor(2_000);
    s.equal(seen.length, 1, 'no second notification: the watch was used up');

    await s.step('re-register the watch by reading again');
    s.say('The pattern: in the watcher, read again with a new watch. The read returns what the app\'s server has\napplied by then (v3, committed 2 s ago), so the app converges even though it never saw v2 and was not told about v3.');
    const r2 = await s.ok(app.getData('/config', watcher));
    s.equal(new TextDecoder().decode(r2.data!), 'v3', 'the app reads the value its server has now, the latest');
    await s.ok(admin.setData('/config', 'v4'));
    await s.waitFor('the new watch to fire', () => seen.length >= 2, 10_000);
    s.equal(seen.length, 2, 'the re-registered watch fired once for v4');
    const r3 = await s.ok(app.getData('/config', watcher));
    s.equal(new TextDecoder().decode(r3.data!), 'v4', 'and the app converges on v4');
  },
});
