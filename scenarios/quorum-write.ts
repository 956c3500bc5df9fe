import { defineScenario } from './api.js';

export default defineScenario({
  name: 'quorum-write',
  summary: 'a write commits only once a quorum has logged it; without a quorum it does not succeed',
  servers: 3,
  cluster: { sessionTimeoutMs: 30_000 },
  async run(s) {
    await s.step('three servers start and elect a leader');
    s.say('Every server starts LOOKING and votes for itself; votes are ordered by (epoch, last zxid, server id),\nso the highest id wins when all logs are empty. A vote is final once a quorum (2 of 3) agrees.');
    const leader = await s.waitForLeader();
    const followers = s.servers.filter((n) => n !== leader);
    s.check(followers.length === 2, `${leader} leads, ${followers.join(' and ')} follow`);

    await s.step('a client writes through a follower');
    const c1 = s.client('c1', { servers: [followers[0]!] });
    await s.waitConnected(c1);
    s.say(`c1 is connected to ${followers[0]}. A follower forwards writes to the leader, which PROPOSES them;\neach follower logs the proposal, fsyncs, and ACKs; the leader COMMITs once a quorum (itself included) acked.`);
    await s.ok(c1.create('/greeting', 'hello'));
    s.equal(await s.read(c1, '/greeting'), 'hello', 'the write is visible on the follower that took it');

    await s.step(`crash ${followers[1]}: 2 of 3 is still a quorum`);
    s.crash(followers[1]!);
    await s.ok(c1.setData('/greeting', 'still here'));
    s.check(true, 'the write committed with the acks of the leader and one follower');

    await s.step('crash the last follower: the leader is alone');
    const c2 = s.client('c2', { servers: [leader] });
    await s.waitConnected(c2);
    s.say(`c2 talks to the leader ${leader} directly. With both followers down, 1 of 3 is no quorum:\nthe leader can propose but nobody acks, so it cannot commit; after syncLimit ticks it steps down.`);
    s.crash(followers[0]!);
    const w = await s.attempt(c2.setData('/greeting', 'no quorum'), 15_000);
    s.check(!w.ok, `without a quorum the write does not succeed (${w.ok ? 'ok!' : w.pending ? 'still pending after 15 s' : w.code})`);

    await s.step('restart both followers: a quorum forms again');
    s.restart(followers[0]!);
    s.restart(followers[1]!);
    const leader2 = await s.waitForLeader(120_000);
    s.say(`${leader2} leads now. The write that did not succeed had an unknown outcome (CONNECTIONLOSS): it may\nhave been logged by the old leader; whether it survives depends on the log the new leader holds.`);
    await s.waitConnected(c2, 120_000);
    await s.ok(c2.setData('/greeting', 'quorum is back'));
    s.equal(await s.read(c2, '/greeting'), 'quorum is back', 'writes commit again once a quorum is back');
  },
});
