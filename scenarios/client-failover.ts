import { defineScenario } from './api.js';
import { CreateMode } from '../core/client/index.js';

export default defineScenario({
  name: 'client-failover',
  summary: 'a client whose server dies reconnects to another server and keeps its session and ephemerals',
  servers: 3,
  cluster: { sessionTimeoutMs: 12_000 },
  async run(s) {
    await s.step('a client connects and creates an ephemeral node');
    const leader = await s.waitForLeader();
    const follower = s.servers.find((n) => n !== leader)!;
    const c1 = s.client('c1', { servers: [follower, ...s.servers.filter((n) => n !== follower)] });
    await s.waitFor(`c1 connected to ${follower}`, () => c1.state === 'CONNECTED' && c1.server === follower, 60_000).catch(async () => {
      await s.waitConnected(c1);
    });
    const server1 = c1.server!;
    const sid = c1.sessionId;
    await s.ok(c1.create('/owner', 'c1', CreateMode.EPHEMERAL));
    s.check(true, `c1 is connected to ${server1} with session 0x${sid.toString(16)}`);

    await s.step(`crash ${server1}, the client's server`);
    s.say('The client notices (connection closed, or no reply within 2/3 of the timeout), tries the next server in\nits list, and presents its session id and password. The session lives on the leader, not on one server.');
    s.crash(server1);
    await s.waitFor('c1 connected to another server', () => c1.state === 'CONNECTED' && c1.server !== null && c1.server !== server1, 60_000);
    s.check(c1.server !== server1, `c1 moved to ${c1.server}`);
    s.equal(`0x${c1.sessionId.toString(16)}`, `0x${sid.toString(16)}`, 'same session id');

    await s.step('the session and its ephemeral node survived');
    const st = await s.stat(c1, '/owner');
    s.check(st !== null && st.ephemeralOwner === sid, `/owner still exists, owned by the same session (ephemeralOwner 0x${(st?.ephemeralOwner ?? 0).toString(16)})`);
    await s.ok(c1.setData('/owner', 'c1 again'));
    s.equal(await s.read(c1, '/owner'), 'c1 again', 'and the client keeps working');
    s.restart(server1);
  },
});
