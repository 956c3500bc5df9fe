import { defineScenario } from './api.js';

export default defineScenario({
  name: 'quorum-write',
  summary: 'a write commits only once a quorum has logged it; without a quorum the client gets CONNECTIONLOSS: the outcome is unknown, and the write may still take effect',
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
    s.say(`c2 talks to the leader ${leader} directly. With both followers down, 1 of 3 is no quorum:\nthe leader can propose and log a write, but no follower acks it, so it cannot commit it.`);
    const crashedAt = s.world.now;
    s.crash(followers[0]!);
    const calledAt = s.world.now;
    const w = await s.attempt(c2.setData('/greeting', 'no quorum'), 15_000);
    const mine = (e: { kind: string; node?: unknown; t: number }) => e.node === leader && e.t >= crashedAt;
    const left = s.world.trace.filter((e) => mine(e) && e.kind === 'learner' && (e.event === 'closed' || e.event === 'timeout' || e.event === 'ack-timeout'));
    const down = s.world.trace.find((e) => mine(e) && e.kind === 'stepdown');
    if (down && left.length > 0) {
      const lastLeft = left[left.length - 1]!;
      const how = left.every((e) => e.event === 'closed') ? 'as soon as its connection closed (the crash closed it)' : 'when it timed out';
      s.say(`${leader} dropped its last follower ${how}, at ${lastLeft.t} ms.\nA leader checks once a tick (tickTime ${s.cluster.server(leader)!.config.tickTime} ms) that a quorum is still synced with it: at the next\ncheck, ${down.t - lastLeft.t} ms later, it STEPPED DOWN (${String(down.reason)})\nand went LOOKING, closing its clients' connections.`);
    }
    s.check(!w.ok, `the leader alone cannot complete c2's write: ${w.ok ? 'it returned ok!' : w.pending ? 'still pending after 15 s' : `c2 gets ${w.code}`} — its outcome is unknown, not failed`);
    // The proposal the old leader made for that write, if any: whether it survives is up to the next leader's log.
    const proposal = s.world.trace.find((e) => e.kind === 'propose' && e.node === leader && e.t >= calledAt && e.type === 'setData' && e.session === c2.sessionId);

    await s.step('restart both followers: a quorum forms again');
    s.restart(followers[0]!);
    s.restart(followers[1]!);
    const leader2 = await s.waitForLeader(120_000);
    await s.waitConnected(c2, 120_000);
    await s.ok(c2.sync('/greeting'));
    const after = await s.read(c2, '/greeting');
    if (after === 'no quorum' && proposal) {
      const z = Number(proposal.zxid);
      const syncs = s.world.trace.filter((e) => e.kind === 'sync' && e.node === leader2 && e.t >= calledAt && Number(e.zxid) >= z && Number(e.peerZxid) < z);
      const how = syncs.length ? `,\nand sent it to ${syncs.map((e) => `s${String(e.peer)} (${String(e.mode).toUpperCase()})`).join(' and ')} when they joined` : '';
      s.say(`The write c2 got ${w.ok ? 'ok' : w.code} for took effect after all: ${leader} had logged it as proposal 0x${z.toString(16)}.\nThe election prefers the highest last zxid: ${leader2}${leader2 === leader ? ' (the same server)' : ''} leads with that proposal in its log${how}.\nCONNECTIONLOSS means "unknown": the write may still be applied, as here, or be lost; a client must check.`);
    } else {
      s.say(`The write c2 got ${w.ok ? 'ok' : w.code} for did not take effect: /greeting is ${JSON.stringify(after)}.\n${proposal ? `${leader} had logged it as proposal 0x${Number(proposal.zxid).toString(16)}, but the new leader ${leader2}'s log did not have it.` : `${leader} never proposed it.`}\nCONNECTIONLOSS means "unknown": the write may be applied or lost; a client must check.`);
    }
    s.check(after === 'no quorum' || after === 'still here', `/greeting is ${JSON.stringify(after)}: the unknown write either took effect or did not, never half`);
    await s.ok(c2.setData('/greeting', 'quorum is back'));
    s.equal(await s.read(c2, '/greeting'), 'quorum is back', 'writes commit again once a quorum is back');
  },
});
