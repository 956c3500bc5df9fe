import { defineScenario } from './api.js';

export default defineScenario({
  name: 'leader-election',
  summary: 'the leader crashes; the others elect a new leader in a higher epoch that holds every acknowledged write',
  servers: 3,
  cluster: { sessionTimeoutMs: 30_000 },
  async run(s) {
    await s.step('elect a leader and write');
    const leader = await s.waitForLeader();
    const epoch1 = s.epoch(leader);
    const c1 = s.client('c1');
    await s.waitConnected(c1);
    for (let i = 1; i <= 3; i++) await s.ok(c1.create(`/item-${i}`, `value ${i}`));
    s.check(true, `three writes acknowledged by ${leader}'s ensemble in epoch ${epoch1}`);

    await s.step(`crash the leader ${leader}`);
    const crashedAt = s.world.now;
    s.crash(leader);
    const followers = s.servers.filter((n) => n !== leader);
    await s.waitFor('the followers to go LOOKING', () => followers.every((n) => s.role(n) !== 'FOLLOWING'), 60_000);
    // Why they left: the followers' own words in the trace (learner lost-leader events since the crash).
    const reasons = new Set(s.world.trace.filter((e) => e.t >= crashedAt && e.kind === 'learner' && e.event === 'lost-leader').map((e) => String(e.reason)));
    const lookingAt = Math.max(...followers.map((n) => s.world.trace.find((e) => e.t >= crashedAt && e.kind === 'state' && e.node === n && e.role === 'LOOKING')?.t ?? s.world.now));
    const lookingAfter = lookingAt - crashedAt;
    if (reasons.size === 1 && reasons.has('leader connection closed')) {
      s.say(`A crashed process's sockets are closed by its operating system, so the followers saw their connection to\n${leader} close and went LOOKING at once (${lookingAfter} ms after the crash). Had ${leader} gone silent instead (a partition,\na power loss), they would have waited syncLimit ticks without a packet from it.`);
    } else {
      s.say(`The followers went LOOKING ${lookingAfter} ms after the crash (${[...reasons].join('; ') || 'no reason recorded'}).`);
    }
    s.say('They run Fast Leader Election: each votes for the server with the highest (epoch, last zxid, id) it has\nheard of; a server decides once a quorum agrees with its vote and no better vote came within 200 ms.');
    const leader2 = await s.waitForLeader(60_000, { not: leader });
    const epoch2 = s.epoch(leader2);
    s.check(leader2 !== leader, `${leader2} is the new leader`);
    s.check(epoch2 > epoch1, `the new leader's epoch ${epoch2} is higher than ${epoch1}: old proposals cannot be confused with new ones`);

    await s.step('every acknowledged write survived');
    await s.waitConnected(c1, 60_000);
    s.say(`c1's session survives: it reconnects to a live server within its timeout.`);
    for (let i = 1; i <= 3; i++) s.equal(await s.read(c1, `/item-${i}`), `value ${i}`, `/item-${i} is still there`);
    const st = await s.stat(c1, '/item-1');
    s.check(st !== null && Math.floor(st.czxid / 2 ** 32) === epoch1, `/item-1 was created in epoch ${epoch1} (czxid 0x${(st?.czxid ?? 0).toString(16)})`);
    await s.ok(c1.create('/after', 'new epoch'));
    const st2 = await s.stat(c1, '/after');
    s.check(st2 !== null && Math.floor(st2.czxid / 2 ** 32) === epoch2, `a new write gets a zxid in epoch ${epoch2} (0x${(st2?.czxid ?? 0).toString(16)})`);

    await s.step(`restart ${leader}: it rejoins as a follower`);
    s.restart(leader);
    await s.waitFor(`${leader} following ${leader2}`, () => s.role(leader) === 'FOLLOWING' && s.cluster.server(leader)!.serving, 60_000);
    s.check(s.leader() === leader2, `${leader2} still leads; ${leader} follows and caught up`);
  },
});
