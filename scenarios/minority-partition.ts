import { defineScenario } from './api.js';
import { pairOperations } from '../check/history.js';

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
    const healedAt = s.world.now;
    s.heal();
    await s.waitFor(`${L} and ${F} following ${L2}`, () => [L, F].every((n) => s.role(n) === 'FOLLOWING' && s.cluster.server(n)!.serving), 180_000);
    // How the leader brought the old leader up to date: DIFF, TRUNC, or SNAP (its sync record for that peer).
    const lid = Number(L.slice(1));
    const sync = s.world.trace.filter((e) => e.kind === 'sync' && e.t >= healedAt && e.peer === lid).pop();
    const mode = String(sync?.mode ?? '?');
    const had = sync ? `0x${Number(sync.peerZxid).toString(16)}` : '?';
    const epochOf = (z: number): number => Math.floor(z / 2 ** 32);
    // the txn that follows the old leader's last zxid in the new leader's log (it decides TRUNC or SNAP)
    const log = sync ? s.cluster.server(String(sync.node))?.db.committedLog ?? [] : [];
    const next = log.find((t) => t.zxid > Number(sync?.peerZxid));
    const missing = sync !== undefined && !log.some((t) => t.zxid === Number(sync.peerZxid));
    if (mode === 'snap' && next && missing && epochOf(next.zxid) !== epochOf(Number(sync!.peerZxid))) {
      s.say(`${L}'s log ends at ${had}, a txn of epoch ${epochOf(Number(sync!.peerZxid))} that ${String(sync!.node)}'s log does not have. ${String(sync!.node)} cannot TRUNC it away:\nthe txn after that point in its log, 0x${next.zxid.toString(16)}, is of epoch ${epochOf(next.zxid)}, and ZooKeeper 3.8 truncates only within an epoch.\nIt sends a SNAP instead, a copy of its whole tree, which replaces ${L}'s state.`);
    } else if (mode === 'snap') {
      s.say(`${L} had logged up to ${had}; ${String(sync!.node)} sends it a SNAP, a copy of its whole tree, which replaces ${L}'s state.`);
    } else if (mode === 'trunc') {
      s.say(`${L}'s log ends at ${had}, which ${String(sync!.node)}'s log does not have: it sends a TRUNC, and ${L} cuts its log back.`);
    }
    await s.waitConnected(cOld, 180_000);
    await s.ok(cOld.sync('/x'));
    const gone = mode === 'snap' ? ': its uncommitted proposal is gone, replaced by the leader\'s snapshot (SNAP)' : mode === 'trunc' ? ': its uncommitted proposal was truncated away (TRUNC)' : ` (synced by ${mode.toUpperCase()})`;
    s.equal(await s.read(cOld, '/x'), 'v2', `${L} now serves v2${gone}`);

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
    s.say(`Now cut ${iso} off from every other server (clients keep their links). The leader still has a quorum\nand commits at once. ${iso} does not know: a partition loses packets without closing connections, so a follower\nnotices only after syncLimit ticks (${s.cluster.server(iso)!.config.syncLimit! * s.cluster.server(iso)!.config.tickTime} ms) without a packet from the leader.`);
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
    const cut = s.world.trace.filter((e) => e.kind === 'partition').pop()!; // the cut of step 4
    const heal2 = s.world.now;
    s.heal();
    await s.waitFor(`${iso} serving again`, () => s.role(iso) === 'FOLLOWING' && s.cluster.server(iso)!.serving && cStale.state === 'CONNECTED', 180_000);
    const srv = s.cluster.server(iso)!;
    const limit = srv.config.syncLimit! * srv.config.tickTime;
    const wentLooking = s.world.trace.some((e) => e.kind === 'state' && e.node === iso && e.role === 'LOOKING' && e.t >= cut.t);
    const dropped = s.cluster.history.events.some((e) => e.kind === 'session' && e.process === 'c3' && e.state === 'disconnected' && e.time >= cut.t);
    if (wentLooking) {
      s.say(`The cut lasted ${heal2 - cut.t} ms, past ${iso}'s limit of ${limit} ms (syncLimit × tickTime) without a packet from the leader:\n${iso} went LOOKING${dropped ? ' and closed its clients\' connections' : ''}.\nHealed, it rejoins the leader${dropped ? ', and c3 reconnects (its session outlived the partition)' : ''}.`);
    } else {
      s.say(`The cut lasted ${heal2 - cut.t} ms, within ${iso}'s limit of ${limit} ms (syncLimit × tickTime) without a packet from the leader:\n${iso} stayed FOLLOWING on the same connection${dropped ? '' : ' and c3 stayed connected'}.\nTCP sends again what the cut lost, and the leader's proposals and commits reach ${iso}.`);
    }
    let synced = false;
    for (let i = 0; i < 5 && !synced; i++) {
      await s.waitConnected(cStale, 180_000);
      const a = await s.attempt(cStale.sync('/x'), 20_000);
      synced = a.ok;
      if (!a.ok) s.say(`The sync was cut short (${a.code}${a.pending ? ' after 20 s' : ': its connection closed'}): retry it.`);
    }
    if (!sy.ok && sy.pending) {
      const ops = pairOperations(s.cluster.history.events).filter((o) => o.process === 'c3' && o.op === 'sync');
      const first = ops[0];
      if (first && first.status === 'ok') s.say(`The sync c3 sent in step 5 completed too, at ${first.ret} ms. ZooKeeper has no per-request timeout: a request\nwaits for its answer (this one got through once the link was back) or fails when its connection closes.`);
      else if (first && first.status !== 'ok') s.say(`The sync c3 sent in step 5 ended with ${first.status === 'fail' ? first.error?.name ?? 'an error' : 'an unknown outcome'}: its connection closed before the answer came.`);
    }
    s.check(synced, `sync through ${iso} completes once it follows the leader again`);
    s.equal(await s.read(cStale, '/x'), 'v3', `after sync, ${iso} returns v3`);
  },
});
