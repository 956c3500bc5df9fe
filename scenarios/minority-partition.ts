import { defineScenario } from './api.js';

export default defineScenario({
  name: 'minority-partition',
  summary: 'a minority-side leader cannot commit; an isolated follower serves stale reads; sync on the right server fixes it',
  servers: 5,
  cluster: { sessionTimeoutMs: 30_000 },
  async run(s) {
    await s.step('five servers, a leader, and clients pinned to chosen servers');
    const L = await s.waitForLeader();
    const others = s.servers.filter((n) => n !== L);
    const [F, M1, M2, M3] = others as [string, string, string, string];
    const cOld = s.client('c1', { servers: [L] });
    const cNew = s.client('c2', { servers: [M1] });
    await s.waitConnected(cOld);
    await s.waitConnected(cNew);
    await s.ok(cNew.create('/x', 'v1'));
    s.check(true, `${L} leads; /x = v1 everywhere`);

    await s.step(`partition {${L}, ${F}} from {${M1}, ${M2}, ${M3}}`);
    s.say(`The old leader ${L} keeps only ${F}: 2 of 5 is no quorum. It can still PROPOSE, ${F} can still ACK,\nbut it can never COMMIT. The majority side elects a new leader in a higher epoch.`);
    s.partition([[L, F, 'c1'], [M1, M2, M3, 'c2']]);
    const w = await s.attempt(cOld.setData('/x', 'from the old leader'), 20_000);
    s.check(!w.ok, `the old leader cannot commit c1's write (${w.ok ? 'ok!' : w.pending ? 'pending' : w.code})`);
    const L2 = await s.waitForLeader(60_000, { not: L });
    s.check([M1, M2, M3].includes(L2), `${L2} leads the majority side in epoch ${s.epoch(L2)}`);
    await s.ok(cNew.setData('/x', 'v2'));
    s.check(true, 'the majority side commits /x = v2');

    await s.step('heal: the old leader rejoins and drops what it never committed');
    s.heal();
    await s.waitFor(`${L} and ${F} following ${L2}`, () => [L, F].every((n) => s.role(n) === 'FOLLOWING' && s.cluster.server(n)!.serving), 180_000);
    await s.waitConnected(cOld, 180_000);
    await s.ok(cOld.sync('/x'));
    s.equal(await s.read(cOld, '/x'), 'v2', `${L} now serves v2: its uncommitted proposal was truncated away`);

    const leaderNow = s.leader()!;
    const fs = s.servers.filter((n) => n !== leaderNow);
    const iso = fs[fs.length - 1]!;
    const good = fs[0]!;
    await s.step(`isolate one follower, ${iso}, and let a client read from it`);
    const cStale = s.client('c3', { servers: [iso] });
    const cRight = s.client('c4', { servers: [good] });
    await s.waitConnected(cStale);
    await s.waitConnected(cRight);
    s.equal(await s.read(cStale, '/x'), 'v2', `c3 reads v2 from ${iso}`);
    s.say(`Now cut ${iso} off from every other server (clients keep their links). The leader still has a quorum\nand commits at once; ${iso} does not know yet — it only notices after syncLimit ticks without the leader.`);
    s.partition([[iso], s.servers.filter((n) => n !== iso)]);
    await s.ok(cRight.setData('/x', 'v3'));
    s.check(true, `the leader ${s.leader()} commits /x = v3 without ${iso}`);
    const stale = await s.read(cStale, '/x');
    s.equal(stale, 'v2', `STALE READ: ${iso} still answers v2 after v3 was acknowledged (reads are local; ZooKeeper only promises sequential consistency)`);

    await s.step('sync on the wrong server does not help; on the right server it does');
    s.say(`sync(path) asks the server to catch up with the leader before the next read. ${iso} must forward it to\nthe leader, which it cannot reach: the sync does not complete.`);
    const sy = await s.attempt(cStale.sync('/x'), 5_000);
    s.check(!sy.ok, `sync through ${iso} does not complete (${sy.ok ? 'ok!' : sy.pending ? 'still pending after 5 s' : sy.code})`);
    await s.ok(cRight.sync('/x'));
    s.equal(await s.read(cRight, '/x'), 'v3', `sync + read on ${good} (connected to the quorum) returns v3`);

    await s.step('heal: the isolated follower catches up');
    s.heal();
    await s.waitFor(`${iso} serving again`, () => s.role(iso) === 'FOLLOWING' && s.cluster.server(iso)!.serving && cStale.state === 'CONNECTED', 180_000);
    s.say('The isolated follower went LOOKING and dropped its clients; once healed it rejoins, and c3 reconnects\n(its session outlived the partition). A sync may be cut short by that reconnection: retry it.');
    let synced = false;
    for (let i = 0; i < 5 && !synced; i++) {
      await s.waitConnected(cStale, 180_000);
      synced = (await s.attempt(cStale.sync('/x'), 20_000)).ok;
    }
    s.check(synced, `sync through ${iso} completes once it follows the leader again`);
    s.equal(await s.read(cStale, '/x'), 'v3', `after sync, ${iso} returns v3`);
  },
});
