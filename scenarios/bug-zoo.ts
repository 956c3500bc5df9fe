import { defineScenario } from './api.js';
import { pairOperations } from '../check/history.js';

export default defineScenario({
  name: 'bug-zoo',
  summary: 'bug zoo: commit-before-quorum lets an isolated leader acknowledge a write that is then lost',
  servers: 3,
  cluster: { sessionTimeoutMs: 30_000, bugs: ['commit-before-quorum'] },
  async run(s) {
    await s.step('an ensemble whose leader has the commit-before-quorum bug');
    s.say('Switched on with config.bugs = ["commit-before-quorum"]: the leader commits a proposal as soon as it has\nlogged it itself, without waiting for a quorum of ACKs. Zab\'s durability rests on that quorum.');
    const L = await s.waitForLeader();
    const [F1] = s.servers.filter((n) => n !== L) as [string];
    const writer = s.client('c1', { servers: [L] });
    const reader = s.client('c2', { servers: [F1] });
    await s.waitConnected(writer);
    await s.waitConnected(reader);
    await s.ok(writer.create('/x', 'v1'));
    await s.ok(reader.sync('/x'));
    s.equal(await s.read(reader, '/x'), 'v1', `${F1} has /x = v1`);

    await s.step(`isolate the leader ${L} with its client`);
    s.partition([[L, 'c1'], s.servers.filter((n) => n !== L).concat('c2')]);
    const w = await s.attempt(writer.setData('/x', 'acknowledged'), 10_000);
    s.check(w.ok, `BUG: the isolated leader acknowledged the write (${w.ok ? 'ok' : w.code}) — a correct leader cannot, with no follower to ACK`);

    await s.step('the majority elects a new leader, which never saw that write');
    const L2 = await s.waitForLeader(60_000, { not: L });
    await s.waitConnected(reader, 60_000);
    await s.ok(reader.sync('/x'));
    const seen = await s.read(reader, '/x');
    s.check(seen === 'v1', `CAUGHT: the new leader ${L2} serves /x = ${JSON.stringify(seen)}; the acknowledged write is lost`);

    await s.step('heal: the old leader is truncated; the loss is permanent');
    s.heal();
    await s.waitFor(`${L} following`, () => s.role(L) === 'FOLLOWING' && s.cluster.server(L)!.serving, 60_000);
    const late = s.client('c3', { servers: [L] });
    await s.waitConnected(late, 60_000);
    await s.ok(late.sync('/x'));
    s.equal(await s.read(late, '/x'), 'v1', `even ${L} now says v1`);
    await s.runFor(5_000);
    const refused = s.world.trace.some((e) => e.kind === 'refuse' && e.peer === 'c1');
    if (refused) s.say('Note the "refuses c1" lines: c1 has seen zxid of the lost write, which no server has any more, so every\nserver refuses it (a client never goes back in time) — another symptom of the lost write.');
    const ops = pairOperations(s.cluster.history.events);
    const lost = ops.find((o) => o.op === 'setData' && o.status === 'ok');
    const reads = ops.filter((o) => o.op === 'getData' && o.status === 'ok' && lost && o.call > lost.ret);
    s.counterexample = {
      property: 'durability (an acknowledged write is never lost)',
      text: `setData /x "acknowledged" returned ok at t=${lost?.ret} (zxid 0x${(lost?.zxid ?? 0).toString(16)}), committed by ${L} alone.\nEvery later read returns "v1": the write was never logged by a quorum, and the new leader ${L2} did not have it.\nWithout the bug, the write would have stayed pending and failed with CONNECTIONLOSS.`,
      opIds: [...(lost ? [lost.id] : []), ...reads.map((o) => o.id)],
    };
    s.say('The checker-level view: the history has an ok write followed by reads that never see it — not\nlinearizable, and a violation of Zab\'s durability guarantee. `zksim explore --bug commit-before-quorum`\nfinds it from random faults; this scenario shows the shortest story.');
  },
});
