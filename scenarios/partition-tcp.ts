import { defineScenario } from './api.js';

export default defineScenario({
  name: 'partition-tcp',
  summary: 'TCP under a partition: a short cut only delays what it lost; a long one trips the timeouts and the follower resyncs',
  servers: 3,
  cluster: { sessionTimeoutMs: 30_000 },
  async run(s) {
    await s.step('three servers; c1 reads through a follower, c2 writes through the leader');
    const L = await s.waitForLeader();
    const [F, G] = s.servers.filter((n) => n !== L) as [string, string];
    const c1 = s.client('c1', { servers: [F] });
    const c2 = s.client('c2', { servers: [L] });
    await s.waitConnected(c1);
    await s.waitConnected(c2);
    await s.ok(c2.create('/x', 'v1'));
    s.say(`c1 reads what c2 wrote, through another server. ZooKeeper promises each client its own writes in order,\nnot another client's at once: ${F} answers reads from what it has applied, and the COMMIT may still be on its way.\nc1 calls sync() first: ${F} catches up with the leader, and the read after it sees every write committed before.`);
    await s.ok(c1.sync('/x'));
    s.equal(await s.read(c1, '/x'), 'v1', `${F} serves what ${L} committed`);
    const epoch = s.epoch(F);
    // connections F opens to the leader (its learner connection; a new one means it rejoined)
    const learnerConnects = (): number => s.world.trace.filter((e) => e.kind === 'connect' && e.node === F && e.to === L).length;
    const disconnects = (from: number): number => s.cluster.history.events.filter((e) => e.kind === 'session' && e.process === 'c1' && e.time >= from && e.state === 'disconnected').length;

    await s.step(`cut ${F} (and c1) off for 1.5 s while c2 writes`);
    s.say(`A partition loses packets; it does not close connections. ${L} still commits with ${G}'s ack (2 of 3),\nbut its PROPOSAL and COMMIT to ${F} are lost. TCP keeps them and sends them again after 200 ms, 400 ms,\n800 ms, 1.6 s…: the first retransmission after the heal gets through.`);
    const t1 = s.world.now;
    const connectsBefore = learnerConnects();
    s.partition([[F, 'c1'], [L, G, 'c2']]);
    await s.ok(c2.setData('/x', 'v2'));
    await s.runFor(1500);
    s.heal();
    await s.runFor(3000);
    s.check(s.role(F) === 'FOLLOWING' && s.epoch(F) === epoch && learnerConnects() === connectsBefore, `${F} never left: FOLLOWING ${L} in epoch ${epoch}, on the same connection`);
    s.equal(await s.read(c1, '/x'), 'v2', `${F} applied the write whose proposal and commit the cut had lost, once TCP sent them again`);
    s.check(disconnects(t1) === 0, 'c1 never lost its connection: 1.5 s of silence is well within its 20 s read timeout');

    await s.step(`cut ${F} off for 15 s: longer than syncLimit × tickTime (5 × 2 s)`);
    s.say(`Now the silence outlasts the timeouts on both sides: ${F} hears no ping from ${L} for 10 s and goes LOOKING\n(closing c1's connection), and ${L} drops ${F}. TCP would still deliver the old packets, but nobody waits for\nthem: after the heal ${F} finds ${L} again through the election and syncs over a new connection.`);
    const t2 = s.world.now;
    s.partition([[F, 'c1'], [L, G, 'c2']]);
    await s.ok(c2.setData('/x', 'v3'));
    await s.waitFor(`${F} gives up on ${L}`, () => s.role(F) === 'LOOKING', 20_000);
    // The limit counts from the last packet F got from L (a ping comes every half tick), not from the cut.
    const lookingAt = s.world.trace.filter((e) => e.kind === 'state' && e.node === F && e.role === 'LOOKING').pop()!.t;
    const lastHeard = s.world.trace.filter((e) => e.kind === 'recv' && e.node === F && e.from === L && e.t <= lookingAt).pop()?.t ?? t2;
    const srv = s.cluster.server(F)!;
    const limit = srv.config.syncLimit! * srv.config.tickTime;
    s.check(lookingAt - lastHeard > limit, `${F} went LOOKING ${lookingAt - t2} ms into the partition, ${lookingAt - lastHeard} ms after the last packet it got from ${L} (its limit: ${limit} ms of silence)`);
    await s.runFor(t2 + 15_000 - s.world.now);
    s.heal();
    await s.waitFor(`${F} following ${L} again`, () => s.role(F) === 'FOLLOWING' && s.cluster.server(F)!.serving, 60_000);
    await s.waitConnected(c1, 60_000);
    s.check(learnerConnects() > connectsBefore && disconnects(t2) > 0, `${F} rejoined over a new connection, and c1 reconnected`);
    const resync = s.world.trace.filter((e) => e.kind === 'sync' && e.node === L && `s${String(e.peer)}` === F && e.t >= t2).pop();
    s.equal(await s.read(c1, '/x'), 'v3', `${F} caught up with the write it missed (the leader's ${String(resync?.mode ?? 'sync').toUpperCase()} on the new connection)`);
  },
});
