/**
 * Fast Leader Election over the real World (sim/world.ts): its network (packets lost to partitions and retransmitted
 * as TCP does, with backed-off timeouts; refused connects to crashed processes), crashes and restarts.
 *
 * The role here is election-only: FastLeaderElection plus a QuorumCnxManager-lite (one outgoing connection per
 * peer, reconnect when a peer stays silent, pending message flushed on connect, peerConnected on every new
 * connection) and a mini liveness layer standing in for Zab's pings: the leader heartbeats every 250 ms, a
 * follower that hears nothing from its leader for 1500 ms goes LOOKING, a leader that has not heard a quorum for
 * 1500 ms steps down.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConnId, Port, ProcessEvent, Role } from '../core/port.js';
import { FastLeaderElection, type Notification, type ServerState } from '../core/server/election.js';
import { World } from '../sim/world.js';

type Msg = { t: 'fle'; n: Notification } | { t: 'hb'; epoch: number } | { t: 'hback'; epoch: number };

const E = 4294967296;
const name = (sid: number) => `s${sid}`;
const sidOf = (peer: string) => Number(peer.slice(1));

interface OutConn {
  conn: ConnId;
  open: boolean;
  pending: Msg[];
}

class FleNode implements Role<Msg> {
  port!: Port<Msg>;
  fle!: FastLeaderElection;
  private out = new Map<number, OutConn>();
  private silentSends = new Map<number, number>();
  private lastRecv = new Map<number, number>();
  private opened = new Map<number, number>();
  private fleTimer: number | null = null;
  private hbTimer: number | null = null;
  private lastFromLeader = 0;
  private lastAck = new Map<number, number>();
  private since = 0;
  decisions: Array<{ t: number; leader: number; state: string; electionEpoch: number }> = [];

  constructor(
    readonly sid: number,
    readonly voters: number[],
    readonly observers: number[],
    public zxid: number,
    public epoch: number,
    readonly ignoreZxid = false,
  ) {}

  get state(): ServerState {
    return this.fle?.getState() ?? 'LOOKING';
  }
  get leader(): number {
    return this.fle?.currentVote().leader ?? -1;
  }

  start(port: Port<Msg>): void {
    this.port = port;
    this.fle = new FastLeaderElection({
      myId: this.sid,
      voters: this.voters,
      observers: this.observers,
      ignoreZxid: this.ignoreZxid,
      send: (to, n) => this.send(to, { t: 'fle', n }),
      setTimer: (delay, token) => {
        if (this.fleTimer !== null) port.cancelTimer(this.fleTimer);
        this.fleTimer = port.setTimer(delay, `fle:${token}`);
      },
      cancelTimer: () => {
        if (this.fleTimer !== null) port.cancelTimer(this.fleTimer);
        this.fleTimer = null;
      },
      onDecision: (d) => {
        this.decisions.push({ t: port.now(), leader: d.leader, state: d.state, electionEpoch: d.electionEpoch });
        this.since = port.now();
        this.lastFromLeader = port.now();
        this.lastAck.clear();
      },
      trace: (kind, data) => port.trace(`fle.${kind}`, data),
    });
    this.hbTimer = port.setTimer(250, 'hb');
    this.fle.start(this.zxid, this.epoch);
  }

  private others(): number[] {
    return [...this.voters, ...this.observers].filter((s) => s !== this.sid);
  }

  private send(to: number, m: Msg): void {
    const silent = (this.silentSends.get(to) ?? 0) + 1;
    this.silentSends.set(to, silent);
    let o = this.out.get(to);
    if (o && o.open && silent >= 3) {
      // the peer has not said anything for a while: the connection may be waiting out TCP's backed-off retransmission
      this.port.close(o.conn);
      this.out.delete(to);
      this.silentSends.set(to, 1);
      o = undefined;
    }
    if (!o) o = this.open(to);
    if (o.open) this.port.send(o.conn, m);
    else {
      o.pending.push(m);
      if (o.pending.length > 2) o.pending.shift();
    }
  }

  /** Connect to `to`, with a 1 s connect timeout (a SYN lost behind a partition yields no event). */
  private open(to: number, pending: Msg[] = []): OutConn {
    const o: OutConn = { conn: this.port.connect(name(to)), open: false, pending };
    this.out.set(to, o);
    this.opened.set(to, this.port.now());
    this.port.setTimer(1000, `ct:${to}:${o.conn}`);
    return o;
  }

  private goLooking(): void {
    this.fle.start(this.zxid, this.epoch);
  }

  handle(ev: ProcessEvent<Msg>): void {
    switch (ev.kind) {
      case 'connected': {
        for (const [sid, o] of this.out) {
          if (o.conn !== ev.conn) continue;
          o.open = true;
          for (const m of o.pending) this.port.send(o.conn, m);
          o.pending = [];
          this.fle.peerConnected(sid);
        }
        return;
      }
      case 'accepted': {
        // the peer reached us: if our own connection to it is still pending, retry it now
        const from = sidOf(ev.peer);
        const o = this.out.get(from);
        if (o && !o.open) {
          this.port.close(o.conn);
          this.open(from, o.pending);
        }
        this.fle.peerConnected(from);
        return;
      }
      case 'closed': {
        for (const [sid, o] of this.out) if (o.conn === ev.conn) this.out.delete(sid);
        return;
      }
      case 'message': {
        const from = sidOf(ev.peer);
        this.silentSends.set(from, 0);
        this.lastRecv.set(from, this.port.now());
        const m = ev.msg;
        if (m.t === 'fle') this.fle.receive(from, m.n);
        else if (m.t === 'hb') {
          if ((this.state === 'FOLLOWING' || this.state === 'OBSERVING') && this.leader === from) {
            this.lastFromLeader = this.port.now();
            this.send(from, { t: 'hback', epoch: m.epoch });
          }
        } else if (m.t === 'hback' && this.state === 'LEADING') {
          this.lastAck.set(from, this.port.now());
        }
        return;
      }
      case 'timer': {
        if (ev.tag.startsWith('fle:')) {
          this.fleTimer = null;
          this.fle.timeout(Number(ev.tag.slice(4)));
          return;
        }
        if (ev.tag.startsWith('ct:')) {
          const [, sid, conn] = ev.tag.split(':').map(Number);
          const o = this.out.get(sid);
          if (o && o.conn === conn && !o.open) {
            this.port.close(o.conn);
            this.open(sid, o.pending);
          }
          return;
        }
        if (ev.tag === 'hb') {
          this.hbTimer = this.port.setTimer(250, 'hb');
          this.tick();
        }
        return;
      }
      case 'synced':
        return;
    }
  }

  private tick(): void {
    const now = this.port.now();
    // After a long partition TCP's next retransmission can be seconds away (the timeout doubles up to 120 s), longer
    // than this layer's 1500 ms liveness timeouts: reopen a connection on which we keep sending without hearing
    // anything back (peerConnected then resends our vote), as applications with their own timeouts do
    for (const [sid, o] of [...this.out]) {
      if (!o.open || (this.silentSends.get(sid) ?? 0) === 0) continue;
      if (now - (this.lastRecv.get(sid) ?? 0) > 2000 && now - (this.opened.get(sid) ?? 0) > 2000) {
        this.port.close(o.conn);
        this.open(sid, o.pending);
      }
    }
    const st = this.state;
    if (st === 'LEADING') {
      for (const s of this.others()) this.send(s, { t: 'hb', epoch: this.fle.electionEpoch });
      if (now - this.since > 1500) {
        let acks = 1;
        for (const v of this.voters) if (v !== this.sid && now - (this.lastAck.get(v) ?? -Infinity) <= 1500) acks++;
        if (acks < Math.floor(this.voters.length / 2) + 1) this.goLooking();
      }
    } else if (st === 'FOLLOWING' || st === 'OBSERVING') {
      if (now - this.lastFromLeader > 1500) this.goLooking();
    }
  }
}

interface Cluster {
  world: World;
  voters: number[];
  observers: number[];
  node(sid: number): FleNode | undefined;
  live(): FleNode[];
}

function cluster(
  seed: number | string,
  data: Record<number, [number, number]>, // sid -> [zxid, currentEpoch]
  opts: { observers?: number[]; down?: number[]; ignoreZxid?: boolean } = {},
): Cluster {
  const world = new World({ seed, recordTrace: !!process.env.DEBUG_FLE });
  const all = Object.keys(data).map(Number).sort((a, b) => a - b);
  const observers = opts.observers ?? [];
  const voters = all.filter((s) => !observers.includes(s));
  for (const s of all) {
    world.addProcess(name(s), () => new FleNode(s, voters, observers, data[s][0], data[s][1], opts.ignoreZxid) as Role);
  }
  world.runUntil(world.now); // let every process start
  for (const s of opts.down ?? []) world.crash(name(s));
  return {
    world,
    voters,
    observers,
    node: (sid) => world.role<FleNode>(name(sid)),
    live: () => all.filter((s) => world.isUp(name(s))).map((s) => world.role<FleNode>(name(s))!),
  };
}

/** All live nodes decided, exactly one LEADING, everyone following it. */
function settled(c: Cluster): number | null {
  const live = c.live();
  if (live.some((n) => n.state === 'LOOKING')) return null;
  const leaders = live.filter((n) => n.state === 'LEADING');
  if (leaders.length !== 1) return null;
  const L = leaders[0].sid;
  return live.every((n) => n.leader === L) ? L : null;
}

function runSettled(c: Cluster, withinMs: number): number {
  const end = c.world.now + withinMs;
  c.world.runUntil(() => settled(c) !== null || c.world.now > end);
  const L = settled(c);
  if (L === null && process.env.DEBUG_FLE) {
    const looking = c.live().filter((n) => n.state === 'LOOKING').map((n) => name(n.sid));
    const evs = c.world.trace.filter((e) => looking.includes(e.node ?? '') && e.kind.startsWith('fle.'));
    for (const e of evs.slice(-40)) console.log(JSON.stringify(e));
  }
  assert.ok(L !== null, `not settled by ${c.world.now}: ${c.live().map((n) => `s${n.sid}:${n.state}->${n.leader}`).join(' ')}`);
  // stays settled (no flapping) for a while
  c.world.runUntil(c.world.now + 3000);
  assert.equal(settled(c), L, 'stable');
  return L!;
}

test('world: 5 fresh voters elect s5 (same data), every node agrees; same seed → same trace hash', () => {
  const data = { 1: [0, 0], 2: [0, 0], 3: [0, 0], 4: [0, 0], 5: [0, 0] } as Record<number, [number, number]>;
  const c = cluster(1, data);
  assert.equal(runSettled(c, 2000), 5);
  const c2 = cluster(1, data);
  runSettled(c2, 2000);
  assert.equal(c2.world.traceHash, c.world.traceHash);
});

test('world: the best (peerEpoch, zxid, sid) wins; with election-ignores-zxid a lower zxid can win', () => {
  const data = { 1: [E + 9, 1], 2: [E + 9, 1], 3: [E + 4, 1] } as Record<number, [number, number]>;
  assert.equal(runSettled(cluster('z', data), 2000), 2);
  assert.equal(runSettled(cluster('z', data, { ignoreZxid: true }), 2000), 3);
  const d2 = { 1: [2 * E, 2], 2: [E + 9, 1], 3: [E + 9, 1] } as Record<number, [number, number]>;
  assert.equal(runSettled(cluster('z', d2), 2000), 1);
});

test('world: 2 of 5 voters crashed from the start; the 3 live ones elect; the late best one follows', () => {
  const data = { 1: [E + 1, 1], 2: [E + 2, 1], 3: [E + 2, 1], 4: [E + 5, 1], 5: [E + 3, 1] } as Record<
    number,
    [number, number]
  >;
  const c = cluster(7, data, { down: [4, 5] });
  assert.equal(runSettled(c, 3000), 3);
  c.world.restart('s4'); // best data of all, but the ensemble is established
  assert.equal(runSettled(c, 5000), 3);
  assert.equal(c.node(4)!.decisions[0].state, 'FOLLOWING');
  c.world.restart('s5');
  assert.equal(runSettled(c, 5000), 3);
});

test('world: only 2 of 5 voters up → nobody decides; a third one arriving completes the quorum', () => {
  const data = { 1: [0, 0], 2: [0, 0], 3: [0, 0], 4: [0, 0], 5: [0, 0] } as Record<number, [number, number]>;
  const c = cluster(3, data, { down: [3, 4, 5] });
  c.world.runUntil(20_000);
  assert.ok(c.live().every((n) => n.state === 'LOOKING' && n.decisions.length === 0));
  c.world.restart('s3');
  // the two have backed off to multi-second resends, but the new connections carry their votes at once
  assert.equal(runSettled(c, 2000), 3);
});

test('world: the leader crashes; the survivors elect a new one; the old leader restarts and follows', () => {
  const data = { 1: [E + 3, 1], 2: [E + 3, 1], 3: [E + 3, 1], 4: [E + 3, 1], 5: [E + 3, 1] } as Record<
    number,
    [number, number]
  >;
  const c = cluster(11, data);
  assert.equal(runSettled(c, 2000), 5);
  c.world.crash('s5');
  const t0 = c.world.now;
  assert.equal(runSettled(c, 5000), 4);
  const d = c.node(1)!.decisions;
  assert.equal(d.length, 2);
  assert.ok(d[1].t - t0 < 2500, `re-elected ${d[1].t - t0} ms after the crash`);
  assert.ok(d[1].electionEpoch > d[0].electionEpoch);
  c.world.restart('s5');
  assert.equal(runSettled(c, 5000), 4, 'a restarted old leader does not take over');
  const s5 = c.node(5)!;
  assert.equal(s5.decisions.length, 1);
  assert.equal(s5.decisions[0].state, 'FOLLOWING');
});

test('world: leader in a minority partition steps down; majority elects; after heal all follow the new one', () => {
  const data = { 1: [E + 3, 1], 2: [E + 3, 1], 3: [E + 3, 1], 4: [E + 3, 1], 5: [E + 3, 1] } as Record<
    number,
    [number, number]
  >;
  const c = cluster(21, data);
  assert.equal(runSettled(c, 2000), 5);
  c.world.net.partition([['s4', 's5'], ['s1', 's2', 's3']]);
  const end = c.world.now + 6000;
  c.world.runUntil(() => c.world.now > end);
  const maj = [1, 2, 3].map((s) => c.node(s)!);
  assert.equal(maj.filter((n) => n.state === 'LEADING').map((n) => n.sid), [3]);
  assert.ok(maj.every((n) => n.leader === 3 && n.state !== 'LOOKING'));
  assert.equal(c.node(5)!.state, 'LOOKING', 'the old leader stepped down');
  assert.equal(c.node(4)!.state, 'LOOKING');
  c.world.net.heal();
  // the minority backs off up to 60 s between resends; healing lets the next resend (or reconnect) through
  assert.equal(runSettled(c, 70_000), 3);
});

test('world: one voter cut off one-way and a flapping link still end in one leader', () => {
  const data = { 1: [0, 0], 2: [0, 0], 3: [0, 0] } as Record<number, [number, number]>;
  const c = cluster(5, data);
  c.world.net.cutOneWay('s3', 's1');
  c.world.net.cutOneWay('s3', 's2');
  // s3's notifications never arrive: s1 and s2 settle on s2, s3 hears them but nobody answers its vote
  c.world.runUntil(5000);
  assert.equal(c.node(1)!.leader, 2);
  assert.equal(c.node(2)!.state, 'LEADING');
  c.world.net.heal();
  assert.equal(runSettled(c, 70_000), 2);
});

test('world: observers follow the elected leader and never lead', () => {
  const data = { 1: [E + 1, 1], 2: [E + 2, 1], 3: [E + 1, 1], 4: [E + 99, 1] } as Record<number, [number, number]>;
  const c = cluster(9, data, { observers: [4] });
  assert.equal(runSettled(c, 3000), 2);
  assert.equal(c.node(4)!.state, 'OBSERVING');
});

test('world: 30 seeds of random crashes, restarts and partitions; once healed, 5 voters settle on one leader', () => {
  for (let seed = 100; seed < 100 + Number(process.env.FLE_SEEDS ?? 30); seed++) {
    const data: Record<number, [number, number]> = {};
    const c0 = new World({ seed: `setup${seed}` });
    const r = c0.rng('data');
    for (let s = 1; s <= 5; s++) {
      const ep = r.int(1, 3);
      data[s] = [ep * E + r.int(0, 4), ep];
    }
    const c = cluster(seed, data);
    const f = c.world.rng('faults');
    for (let k = 0; k < 6; k++) {
      c.world.runUntil(c.world.now + f.int(100, 3000));
      const s = `s${f.int(1, 6)}`;
      switch (f.int(0, 4)) {
        case 0:
          c.world.crash(s);
          break;
        case 1:
          c.world.restart(s);
          break;
        case 2: {
          const g = f.shuffle(['s1', 's2', 's3', 's4', 's5']);
          const cut = f.int(1, 3);
          c.world.net.partition([g.slice(0, cut), g.slice(cut)]);
          break;
        }
        default:
          c.world.net.heal();
      }
    }
    c.world.net.heal();
    for (let s = 1; s <= 5; s++) c.world.restart(`s${s}`);
    const L = runSettled(c, 70_000);
    assert.ok(L >= 1 && L <= 5);
  }
});

test.run();
