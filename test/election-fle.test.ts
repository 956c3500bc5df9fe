/**
 * Fast Leader Election (core/server/election.ts) in a tiny deterministic in-memory network: per-message random
 * latency (seeded), FIFO per directed link like TCP, explicit election timers on a virtual clock.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import {
  FastLeaderElection, totalOrderPredicate, type Decision, type Notification,
} from '../core/server/election.js';

interface Ev {
  t: number;
  seq: number;
  kind: 'msg' | 'timer';
  to: number;
  from: number;
  n?: Notification;
  token?: number;
  gen: number;
}

interface Node {
  sid: number;
  fle: FastLeaderElection;
  alive: boolean;
  gen: number;
  decisions: Decision[];
  timerDelays: number[];
  sent: number;
}

interface SimOpts {
  seed: string;
  voters: number[];
  observers?: number[];
  latency?: [number, number];
  ignoreZxid?: boolean;
  bug1419?: boolean;
  /** QuorumCnxManager's SEND_CAPACITY 1: a new message to a peer replaces one still in flight to it. */
  coalesce?: boolean;
}

class Sim {
  now = 0;
  private seq = 0;
  private events: Ev[] = [];
  readonly nodes = new Map<number, Node>();
  private linkLast = new Map<string, number>();
  private rng: () => number;
  readonly voters: number[];
  readonly observers: number[];
  latency: [number, number];
  ignoreZxid: boolean;
  bug1419: boolean;
  coalesce: boolean;
  traces: Array<{ sid: number; kind: string; data: Record<string, unknown> }> = [];

  constructor(o: SimOpts) {
    this.rng = seedrandom(o.seed);
    this.voters = o.voters;
    this.observers = o.observers ?? [];
    this.latency = o.latency ?? [1, 10];
    this.ignoreZxid = o.ignoreZxid ?? false;
    this.bug1419 = o.bug1419 ?? false;
    this.coalesce = o.coalesce ?? false;
  }

  private push(e: Omit<Ev, 'seq'>): void {
    this.events.push({ ...e, seq: this.seq++ });
  }

  /** Create (or re-create after a crash) a node and start its election. */
  startNode(sid: number, zxid: number, epoch: number): Node {
    const prev = this.nodes.get(sid);
    const gen = (prev?.gen ?? 0) + 1;
    const node: Node = {
      sid, alive: true, gen, decisions: [], timerDelays: [], sent: 0,
      fle: undefined as unknown as FastLeaderElection,
    };
    node.fle = new FastLeaderElection({
      myId: sid,
      voters: this.voters,
      observers: this.observers,
      ignoreZxid: this.ignoreZxid,
      bug1419: this.bug1419,
      send: (to, n) => {
        node.sent += 1;
        this.sendMsg(sid, to, n);
      },
      setTimer: (delay, token) => {
        node.timerDelays.push(delay);
        this.push({ t: this.now + delay, kind: 'timer', to: sid, from: sid, token, gen });
      },
      cancelTimer: () => {},
      onDecision: (d) => node.decisions.push(d),
      trace: (kind, data) => this.traces.push({ sid, kind, data }),
    });
    this.nodes.set(sid, node);
    node.fle.start(zxid, epoch);
    // election connections between the new process and every live peer open: each side's peerConnected()
    for (const p of this.nodes.values()) {
      if (p.sid !== sid && p.alive) {
        p.fle.peerConnected(sid);
        node.fle.peerConnected(p.sid);
      }
    }
    return node;
  }

  crash(sid: number): void {
    const n = this.nodes.get(sid);
    if (n) n.alive = false;
  }

  private sendMsg(from: number, to: number, n: Notification): void {
    assert.ok(to !== from, 'send to self must be looped back inside the module');
    if (this.coalesce) {
      const queued = this.events.find((e) => e.kind === 'msg' && e.from === from && e.to === to);
      if (queued) {
        queued.n = { ...n };
        return;
      }
    }
    const [lo, hi] = this.latency;
    const lat = lo + Math.floor(this.rng() * (hi - lo + 1));
    const key = `${from}>${to}`;
    const t = Math.max(this.now + lat, this.linkLast.get(key) ?? 0);
    this.linkLast.set(key, t);
    this.push({ t, kind: 'msg', to, from, n: { ...n }, gen: this.nodes.get(to)?.gen ?? 0 });
  }

  step(): boolean {
    if (this.events.length === 0) return false;
    let best = 0;
    for (let i = 1; i < this.events.length; i++) {
      const a = this.events[i], b = this.events[best];
      if (a.t < b.t || (a.t === b.t && a.seq < b.seq)) best = i;
    }
    const e = this.events.splice(best, 1)[0];
    this.now = Math.max(this.now, e.t);
    const node = this.nodes.get(e.to);
    if (!node || !node.alive) return true;
    if (e.kind === 'timer') {
      if (e.gen !== node.gen) return true;
      node.fle.timeout(e.token);
    } else {
      node.fle.receive(e.from, e.n!);
    }
    return true;
  }

  run(until: () => boolean, maxTime = 120_000): boolean {
    while (this.now <= maxTime) {
      if (until()) return true;
      if (!this.step()) return until();
    }
    return until();
  }

  runFor(ms: number): void {
    const end = this.now + ms;
    while (this.events.length > 0) {
      let min = Infinity;
      for (const e of this.events) min = Math.min(min, e.t);
      if (min > end) break;
      this.step();
    }
    this.now = Math.max(this.now, end);
  }

  live(): Node[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  allDecided(): boolean {
    return this.live().every((n) => n.fle.getState() !== 'LOOKING');
  }
}

const E = 4294967296;

function better(a: [number, number, number], b: [number, number, number]): boolean {
  return totalOrderPredicate(a[2], a[1], a[0], b[2], b[1], b[0]);
}

/** Max (peerEpoch, zxid, sid) among the given (epoch, zxid, sid) triples. */
function maxVote(vs: Array<[number, number, number]>): [number, number, number] {
  let m = vs[0];
  for (const v of vs) if (better(v, m)) m = v;
  return m;
}

function checkOneLeader(sim: Sim, expectedLeader?: number): number {
  const live = sim.live();
  const leaders = live.filter((n) => n.fle.getState() === 'LEADING').map((n) => n.sid);
  assert.equal(leaders.length, 1, `exactly one leader, got ${JSON.stringify(leaders)}`);
  const L = leaders[0];
  for (const n of live) {
    assert.equal(n.fle.currentVote().leader, L, `s${n.sid} follows the leader`);
    const st = n.fle.getState();
    if (n.sid === L) assert.equal(st, 'LEADING');
    else assert.equal(st, sim.observers.includes(n.sid) ? 'OBSERVING' : 'FOLLOWING');
  }
  if (expectedLeader !== undefined) assert.equal(L, expectedLeader);
  return L;
}

// ------------------------------------------------------------------------------------------------ unit

test('vote order: (peerEpoch, zxid, sid) lexicographic; non-voters never win; ignoreZxid', () => {
  assert.ok(totalOrderPredicate(1, 0, 2, 3, 5 * E, 1)); // higher epoch beats higher zxid and sid
  assert.ok(totalOrderPredicate(1, 6, 1, 3, 5, 1)); // higher zxid beats higher sid
  assert.ok(totalOrderPredicate(3, 5, 1, 1, 5, 1)); // tie → sid
  assert.not.ok(totalOrderPredicate(3, 5, 1, 3, 5, 1)); // equal is not better
  assert.not.ok(totalOrderPredicate(9, 100, 9, 1, 0, 0, (s) => s !== 9)); // observer never wins
  assert.ok(totalOrderPredicate(3, 1, 1, 1, 9, 1, undefined, true)); // ignoreZxid: sid decides
});

test('3 fresh voters elect sid 3; everyone decides within ~finalizeWait', () => {
  const sim = new Sim({ seed: 'fresh3', voters: [1, 2, 3] });
  for (const s of [1, 2, 3]) sim.startNode(s, 0, 0);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 3);
  assert.ok(sim.now >= 200 && sim.now < 600, `decided at ${sim.now}`);
  for (const n of sim.live()) {
    assert.equal(n.decisions.length, 1);
    assert.equal(n.decisions[0].electionEpoch, 1);
  }
  const decides = sim.traces.filter((t) => t.kind === 'decide');
  assert.equal(decides.length, 3);
  assert.ok(sim.traces.some((t) => t.kind === 'vote' && t.data.dir === 'send'));
  assert.ok(sim.traces.some((t) => t.kind === 'vote' && t.data.dir === 'recv'));
});

test('highest zxid wins over highest sid; highest epoch wins over highest zxid', () => {
  let sim = new Sim({ seed: 'z', voters: [1, 2, 3] });
  sim.startNode(1, E + 7, 1);
  sim.startNode(2, E + 4, 1);
  sim.startNode(3, E + 4, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 1);
  const d = sim.nodes.get(2)!.decisions[0];
  assert.equal([d.zxid, d.peerEpoch], [E + 7, 1]);

  sim = new Sim({ seed: 'e', voters: [1, 2, 3, 4, 5] });
  sim.startNode(1, E + 9, 1);
  sim.startNode(2, 2 * E, 2);
  sim.startNode(3, E + 9, 1);
  sim.startNode(4, E + 9, 1);
  sim.startNode(5, E + 3, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 2);
});

test('ignoreZxid (election-ignores-zxid): a lower-zxid server can win', () => {
  const mk = (ignoreZxid: boolean) => {
    const sim = new Sim({ seed: 'ign', voters: [1, 2, 3], ignoreZxid });
    sim.startNode(1, E + 10, 1);
    sim.startNode(2, E + 10, 1);
    sim.startNode(3, E + 5, 1);
    assert.ok(sim.run(() => sim.allDecided()));
    return checkOneLeader(sim);
  };
  assert.equal(mk(false), 2);
  assert.equal(mk(true), 3);
});

test('ZOOKEEPER-1419 switch: the order is not transitive; 5 voters with mixed epochs and equal zxids', () => {
  const Z = E + 5;
  // with the bug, (epoch 1, sid 5) beats (epoch 2, sid 1) and (epoch 2, sid 2) beats (epoch 1, sid 5)
  assert.ok(totalOrderPredicate(5, Z, 1, 1, Z, 2, undefined, false, true));
  assert.ok(totalOrderPredicate(2, Z, 2, 5, Z, 1, undefined, false, true));
  assert.not.ok(totalOrderPredicate(5, Z, 1, 1, Z, 2));
  const outcomes: string[] = [];
  for (const bug1419 of [false, true]) {
    // (without the QCM's capacity-1 send queue the flip-flopping votes would multiply without bound)
    const sim = new Sim({ seed: 'zk1419', voters: [1, 2, 3, 4, 5], bug1419, coalesce: true });
    for (const s of [1, 2, 3, 4, 5]) sim.startNode(s, Z, s <= 2 ? 2 : 1);
    const settled = sim.run(() => sim.allDecided(), 5_000);
    const leaders = sim.live().filter((n) => n.fle.getState() === 'LEADING').map((n) => n.sid);
    outcomes.push(settled ? `leaders ${leaders.join(',')}` : 'never settles');
  }
  assert.equal(outcomes[0], 'leaders 2');
  assert.not.equal(outcomes[1], 'leaders 2'); // this seed: s4 (peerEpoch 1) wins over the epoch-2 servers
});

test('5 voters with 2 down: the 3 live ones elect the best of them; a lone voter never decides and backs off', () => {
  const sim = new Sim({ seed: 'down', voters: [1, 2, 3, 4, 5] });
  sim.startNode(1, E + 3, 1);
  sim.startNode(2, E + 5, 1);
  sim.startNode(3, E + 4, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 2);

  const lone = new Sim({ seed: 'lone', voters: [1, 2, 3] });
  const n = lone.startNode(1, 0, 0);
  lone.runFor(10 * 60_000);
  assert.equal(n.fle.getState(), 'LOOKING');
  // poll timeouts: 200, 400, ..., capped at 60 s; every empty poll resends to the 2 other voters
  // (each resend includes the notification to self, which comes out of the queue and starts an equal poll)
  const d = n.timerDelays.filter((x, i, a) => i === 0 || a[i - 1] !== x);
  assert.equal(d.slice(0, 6), [200, 400, 800, 1600, 3200, 6400]);
  assert.ok(d.includes(60_000) && Math.max(...d) === 60_000);
  assert.ok(n.sent >= 2 * 10, `resends: ${n.sent}`);
});

test('a stale timer token is ignored', () => {
  const timers: Array<[number, number]> = [];
  const decided: Decision[] = [];
  const fle = new FastLeaderElection({
    myId: 1, voters: [1], send: () => {}, setTimer: (d, t) => timers.push([d, t]), cancelTimer: () => {},
    onDecision: (d) => decided.push(d),
  });
  fle.start(0, 0);
  // single voter: its own vote is a quorum → finalize wait armed
  const [delay, token] = timers[timers.length - 1];
  assert.equal(delay, 200);
  fle.timeout(token - 1);
  assert.equal(decided.length, 0);
  fle.timeout(token);
  assert.equal(decided.length, 1);
  assert.equal(decided[0].state, 'LEADING');
});

test('finalize wait: a better vote arriving within 200 ms changes the outcome', () => {
  const sends: Array<[number, Notification]> = [];
  const timers: Array<[number, number]> = [];
  const decided: Decision[] = [];
  const fle = new FastLeaderElection({
    myId: 2, voters: [1, 2, 3], send: (to, n) => sends.push([to, n]), setTimer: (d, t) => timers.push([d, t]),
    cancelTimer: () => {}, onDecision: (d) => decided.push(d),
  });
  fle.start(5, 1);
  // s1 agrees with s2 → quorum {1, 2} → finalizing
  fle.receive(1, { state: 'LOOKING', leader: 2, zxid: 5, electionEpoch: 1, peerEpoch: 1, sid: 1 });
  assert.equal(timers[timers.length - 1][0], 200);
  // s3 has a better vote → adopted, resent
  sends.length = 0;
  fle.receive(3, { state: 'LOOKING', leader: 3, zxid: 5, electionEpoch: 1, peerEpoch: 1, sid: 3 });
  assert.equal(fle.currentVote().leader, 3);
  assert.equal(sends.map(([to]) => to), [1, 3]);
  fle.receive(1, { state: 'LOOKING', leader: 3, zxid: 5, electionEpoch: 1, peerEpoch: 1, sid: 1 });
  fle.timeout(timers[timers.length - 1][1]);
  assert.equal(decided, [{ leader: 3, state: 'FOLLOWING', electionEpoch: 1, zxid: 5, peerEpoch: 1 }]);
});

test('higher electionEpoch: adopt it, clear recvset, proposal := max(n, own initial vote)', () => {
  const sends: Array<[number, Notification]> = [];
  const fle = new FastLeaderElection({
    myId: 3, voters: [1, 2, 3], send: (to, n) => sends.push([to, n]), setTimer: () => {}, cancelTimer: () => {},
    onDecision: () => {},
  });
  fle.start(7, 1);
  fle.receive(1, { state: 'LOOKING', leader: 1, zxid: 3, electionEpoch: 5, peerEpoch: 1, sid: 1 });
  assert.equal(fle.electionEpoch, 5);
  assert.equal(fle.currentVote().leader, 3, 'own initial vote is better');
  // a LOOKING peer in a lower round gets our vote back immediately
  sends.length = 0;
  fle.receive(2, { state: 'LOOKING', leader: 2, zxid: 9, electionEpoch: 2, peerEpoch: 1, sid: 2 });
  assert.equal(sends.length, 1);
  assert.equal(sends[0][0], 2);
  assert.equal(sends[0][1].electionEpoch, 5);
  assert.equal(fle.currentVote().leader, 3, 'lower-round vote is ignored');
});

test('a non-LOOKING server answers LOOKING peers and non-voters with its current vote, ignores others', () => {
  const sends: Array<[number, Notification]> = [];
  let tok = 0;
  const fle = new FastLeaderElection({
    myId: 1, voters: [1, 2, 3], observers: [7], send: (to, n) => sends.push([to, n]),
    setTimer: (_d, t) => (tok = t), cancelTimer: () => {}, onDecision: () => {},
  });
  fle.start(E, 1);
  fle.receive(3, { state: 'LOOKING', leader: 1, zxid: E, electionEpoch: 1, peerEpoch: 1, sid: 3 });
  fle.timeout(tok);
  assert.equal(fle.getState(), 'LEADING');
  fle.updateElectionVote(2);
  sends.length = 0;
  fle.receive(2, { state: 'FOLLOWING', leader: 1, zxid: 0, electionEpoch: 1, peerEpoch: 1, sid: 2 });
  assert.equal(sends.length, 0);
  fle.receive(7, { state: 'LOOKING', leader: -1, zxid: -1, electionEpoch: 1, peerEpoch: -1, sid: 7 });
  fle.receive(3, { state: 'LOOKING', leader: 3, zxid: 0, electionEpoch: 4, peerEpoch: 0, sid: 3 });
  fle.peerConnected(2);
  const v = { state: 'LEADING', leader: 1, zxid: E, electionEpoch: 1, peerEpoch: 2, sid: 1 };
  assert.equal(sends, [[7, v], [3, v]]);
  assert.equal(fle.getState(), 'LEADING');
});

test('a late joiner follows the established leader (same and older election round)', () => {
  const sim = new Sim({ seed: 'late', voters: [1, 2, 3, 4, 5] });
  sim.startNode(1, E + 1, 1);
  sim.startNode(2, E + 2, 1);
  sim.startNode(3, E + 3, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 3);
  // s5 has the best vote of all but joins late: it must follow 3, not take over
  sim.startNode(5, E + 9, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 3);
  assert.equal(sim.nodes.get(5)!.decisions[0].state, 'FOLLOWING');

  // leader 3 crashes; the others go LOOKING again (round 2) and elect the best remaining: 5
  sim.crash(3);
  for (const s of [1, 2, 5]) sim.nodes.get(s)!.fle.start(s === 5 ? E + 9 : E + s, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 5);
  for (const s of [1, 2, 5]) assert.equal(sim.nodes.get(s)!.fle.electionEpoch, 2);
  // the new epoch is established; the restarted old leader (round 1 < 2) joins via outofelection
  for (const s of [1, 2, 5]) sim.nodes.get(s)!.fle.updateElectionVote(2);
  const n3 = sim.startNode(3, E + 3, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 5);
  assert.equal(n3.decisions[0], { leader: 5, state: 'FOLLOWING', electionEpoch: 2, zxid: E + 9, peerEpoch: 2 });
  // and s4, restarted into an ensemble whose votes say peerEpoch 2
  sim.startNode(4, 2 * E, 2);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 5);
});

test('observers never vote nor win and end up OBSERVING the elected leader', () => {
  const sim = new Sim({ seed: 'obs', voters: [1, 2, 3], observers: [4, 5] });
  sim.startNode(4, E + 100, 1); // best data of all, but an observer
  sim.startNode(1, E + 1, 1);
  sim.startNode(2, E + 2, 1);
  sim.startNode(3, E + 1, 1);
  assert.ok(sim.run(() => sim.allDecided()));
  checkOneLeader(sim, 2);
  assert.equal(sim.nodes.get(4)!.fle.getState(), 'OBSERVING');
  // an observer alone with one voter cannot make a quorum
  const sim2 = new Sim({ seed: 'obs2', voters: [1, 2, 3], observers: [4] });
  sim2.startNode(1, 0, 0);
  sim2.startNode(4, 0, 0);
  sim2.runFor(5000);
  assert.ok(sim2.live().every((n) => n.fle.getState() === 'LOOKING'));
  // a late observer joins the established ensemble
  sim.startNode(5, 0, 0);
  assert.ok(sim.run(() => sim.allDecided()));
  assert.equal(sim.nodes.get(5)!.fle.getState(), 'OBSERVING');
  assert.equal(sim.nodes.get(5)!.fle.currentVote().leader, 2);
});

// ------------------------------------------------------------------------------------------------ random orders

for (const size of [3, 5, 7]) {
  test(`${size} voters, 40 seeds of random delivery orders and data: one leader, the best live vote`, () => {
    for (let k = 0; k < 40; k++) {
      const seed = `n${size}-${k}`;
      const r = seedrandom(seed + ':setup');
      const voters = Array.from({ length: size }, (_, i) => i + 1);
      const sim = new Sim({ seed, voters, latency: [1, 1 + Math.floor(r() * 60)] });
      const down = new Set<number>();
      const maxDown = Math.floor((size - 1) / 2);
      while (down.size < Math.floor(r() * (maxDown + 1))) down.add(1 + Math.floor(r() * size));
      const vs: Array<[number, number, number]> = [];
      for (const s of voters) {
        if (down.has(s)) continue;
        const epoch = Math.floor(r() * 3);
        const zxid = epoch * E + Math.floor(r() * 4);
        const peerEpoch = epoch + Math.floor(r() * 2);
        vs.push([peerEpoch, zxid, s]);
      }
      // start in a random order at random times, all within 60 ms: the best vote reaches everyone before any
      // finalize wait (200 ms) can end, so the best live vote must win
      const order = r() < 0.5 ? vs : [...vs].reverse();
      let spread = 0;
      for (const [pe, z, s] of order) {
        const d = Math.floor(r() * 10);
        spread += d;
        sim.runFor(d);
        sim.startNode(s, z, pe);
      }
      assert.ok(sim.run(() => sim.allDecided()), `${seed}: all decide`);
      checkOneLeader(sim, maxVote(vs)[2]);
    }
  });
}

test('property (fast-check): delivery orders x initial (zxid, epoch) vectors → one agreed leader = best live vote', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(3, 5, 7),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1 })), {
        minLength: 7, maxLength: 7,
      }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 150 }),
      fc.string({ maxLength: 6 }),
      fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 7, maxLength: 7 }),
      (size, data, downCount, maxLat, seed, startDelays) => {
        const voters = Array.from({ length: size }, (_, i) => i + 1);
        const sim = new Sim({ seed: 'p' + seed, voters, latency: [1, maxLat] });
        const down = Math.min(downCount, Math.floor((size - 1) / 2));
        const vs: Array<[number, number, number]> = [];
        for (const s of voters.slice(down)) {
          const [epoch, counter, bump] = data[s - 1];
          vs.push([epoch + bump, epoch * E + counter, s]);
        }
        for (let i = 0; i < vs.length; i++) {
          sim.runFor(startDelays[i]);
          sim.startNode(vs[i][2], vs[i][1], vs[i][0]);
        }
        if (!sim.run(() => sim.allDecided())) return false;
        // one leader everyone agrees on
        const L = checkOneLeader(sim);
        // when every start and the slowest message fit in the finalize wait, the leader is the best live vote;
        // otherwise a quorum may settle before a later or slower server is heard, which then follows: the leader
        // is at least the best vote of a quorum (everyone that adopted it had a vote no better)
        const best = maxVote(vs)[2];
        const spread = startDelays.slice(0, vs.length).reduce((a, b) => a + b, 0);
        if (maxLat + spread < 150) assert.equal(L, best);
        const lv = vs.find((v) => v[2] === L)!;
        const beaten = vs.filter((v) => !better(v, lv)).length; // voters whose vote is not better than L's
        assert.ok(beaten >= Math.floor(size / 2) + 1, 'the leader is the best of a quorum of live voters');
        return true;
      },
    ),
    { seed: 20261125, numRuns: Number(process.env.FLE_RUNS ?? 200) },
  );
});

test.run();
