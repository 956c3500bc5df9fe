/**
 * The simulated network: TCP-like connections between named endpoints.
 *
 * - FIFO per direction, no duplication, a latency drawn per message from the world's 'net' stream.
 * - Cuts (partitions, one-way cuts) lose messages. A connection that lost a message stalls silently in that
 *   direction from then on (like a TCP connection whose peer vanished behind a partition): nothing after a gap is
 *   ever delivered, and the endpoints learn of it only through their own timeouts.
 * - A crashed process's connections are closed; its peers get 'closed' (unless the link is cut).
 * - connect() to a crashed process is refused ('closed'); to a cut link it gets no answer at all.
 */
import type { NodeName } from '../core/port.js';
import type { Rng } from './random.js';
import type { NetEvent, Proc, World } from './world.js';
import { K_DELIVER, K_ACCEPT, K_CONNECTED, K_CLOSED } from './event-kinds.js';

export interface Latency {
  min: number;
  max: number;
  /** Probability of an extra long-tail delay (default 1%). */
  tail?: number;
}

export interface Conn {
  id: number;
  /** ends[0] initiated the connection, ends[1] accepted it. */
  ends: [Proc, Proc];
  /** Incarnation of each end when it joined; a restarted process does not inherit connections. */
  incs: [number, number];
  /** Each side's view: open until it closed or learned that the connection closed. */
  open: [boolean, boolean];
  /** Each side has learned the connection is established (accepted / connected). */
  ready: [boolean, boolean];
  /** Direction from side i lost a message: nothing more flows that way. */
  stalled: [boolean, boolean];
  /** Latest scheduled arrival time towards side i (FIFO). */
  lastArrival: [number, number];
}

export class Network {
  private n = 0;
  private cut = new Uint8Array(0);
  private linkLatency: Array<Latency | undefined> = [];
  private defaultLatency: Latency;
  private readonly conns = new Map<number, Conn>();
  private nextConn = 1;
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    latency: Latency,
  ) {
    this.defaultLatency = { ...latency };
  }

  /** @internal the world grows the link tables as processes are added. */
  grow(n: number): void {
    const cut = new Uint8Array(n * n);
    const lat: Array<Latency | undefined> = new Array(n * n).fill(undefined);
    for (let i = 0; i < this.n; i++)
      for (let j = 0; j < this.n; j++) {
        cut[i * n + j] = this.cut[i * this.n + j]!;
        lat[i * n + j] = this.linkLatency[i * this.n + j];
      }
    this.n = n;
    this.cut = cut;
    this.linkLatency = lat;
  }

  // ---------------------------------------------------------------- faults

  /** Cuts every link between nodes of different groups, both ways. Nodes not named keep their links. */
  partition(groups: NodeName[][]): void {
    const idx = groups.map((g) => g.map((name) => this.world.proc(name).idx));
    for (let a = 0; a < idx.length; a++)
      for (let b = 0; b < idx.length; b++) {
        if (a === b) continue;
        for (const i of idx[a]!) for (const j of idx[b]!) this.cut[i * this.n + j] = 1;
      }
    this.world.note('partition', { groups });
  }

  /** Messages from `from` to `to` are lost; the other direction still flows. */
  cutOneWay(from: NodeName, to: NodeName): void {
    this.cut[this.world.proc(from).idx * this.n + this.world.proc(to).idx] = 1;
    this.world.note('cut', { from, to });
  }

  /** Removes every cut. Connections that stalled stay stalled (their endpoints must reconnect). */
  heal(): void {
    this.cut.fill(0);
    this.world.note('heal', {});
  }

  isCut(from: NodeName, to: NodeName): boolean {
    return this.cut[this.world.proc(from).idx * this.n + this.world.proc(to).idx] === 1;
  }

  /** A TCP reset of every open connection between a and b (or every connection of a): both sides get 'closed'. */
  resetConnections(a: NodeName, b?: NodeName): void {
    const pa = this.world.proc(a);
    const pb = b === undefined ? undefined : this.world.proc(b);
    this.world.note('reset', { a, b: b ?? null });
    for (const conn of [...pa.conns]) {
      const other = conn.ends[0] === pa ? conn.ends[1] : conn.ends[0];
      if (pb && other !== pb) continue;
      for (const side of [0, 1] as const) {
        if (conn.open[side]) this.world.newNetEvent(K_CLOSED, conn.ends[side], conn, side, null, this.world.now);
      }
    }
  }

  setLinkLatency(a: NodeName, b: NodeName, latency: Latency | null): void {
    const i = this.world.proc(a).idx;
    const j = this.world.proc(b).idx;
    this.linkLatency[i * this.n + j] = latency ?? undefined;
    this.linkLatency[j * this.n + i] = latency ?? undefined;
    this.world.note('link-latency', { a, b, latency });
  }

  setDefaultLatency(latency: Latency): void {
    this.defaultLatency = { ...latency };
    this.world.note('default-latency', { latency });
  }

  openConnections(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.open[0] || c.open[1]) n++;
    return n;
  }

  // ---------------------------------------------------------------- port operations

  private latency(from: Proc, to: Proc): number {
    const l = this.linkLatency[from.idx * this.n + to.idx] ?? this.defaultLatency;
    return this.rng.latency(l.min, l.max, l.tail ?? 0.01);
  }

  private isCutIdx(from: Proc, to: Proc): boolean {
    return this.cut[from.idx * this.n + to.idx] === 1;
  }

  connect(from: Proc, to: Proc): number {
    const conn: Conn = {
      id: this.nextConn++,
      ends: [from, to],
      incs: [from.inc, -1],
      open: [true, false],
      ready: [false, false],
      stalled: [false, false],
      lastArrival: [0, 0],
    };
    this.conns.set(conn.id, conn);
    from.conns.add(conn);
    const now = this.world.now;
    if (!to.up) {
      // Refused: the initiator learns at once-ish (an RST comes back).
      this.world.newNetEvent(K_CLOSED, from, conn, 0, null, now + this.latency(to, from));
    } else if (this.isCutIdx(from, to) || this.isCutIdx(to, from)) {
      conn.stalled[0] = conn.stalled[1] = true; // the SYN or its answer is lost: no event, only the caller's timeout
    } else {
      this.world.newNetEvent(K_ACCEPT, to, conn, 1, null, now + this.latency(from, to));
    }
    this.world.record('connect', from, { to: to.name, conn: conn.id });
    return conn.id;
  }

  send(from: Proc, connId: number, msg: unknown): void {
    const conn = this.conns.get(connId);
    if (!conn) return;
    const side: 0 | 1 = conn.ends[0] === from ? 0 : 1;
    if (!conn.open[side] || !conn.ready[side]) return;
    const other = (1 - side) as 0 | 1;
    const to = conn.ends[other];
    const mid = this.world.msgId();
    const typeCode = this.world.recordMessage('send', from, to, connId, mid, msg);
    if (conn.stalled[side] || this.isCutIdx(from, to)) {
      conn.stalled[side] = true;
      this.dropped++;
      this.world.recordMessage('drop', from, to, connId, mid, msg, typeCode);
      return;
    }
    const at = Math.max(this.world.now + this.latency(from, to), conn.lastArrival[other]);
    conn.lastArrival[other] = at;
    this.world.newNetEvent(K_DELIVER, to, conn, other, msg, at, mid, typeCode);
  }

  close(from: Proc, connId: number): void {
    const conn = this.conns.get(connId);
    if (!conn) return;
    const side: 0 | 1 = conn.ends[0] === from ? 0 : 1;
    if (!conn.open[side]) return;
    conn.open[side] = false;
    from.conns.delete(conn);
    this.world.record('close', from, { conn: connId });
    this.sendFin(conn, side);
    if (!conn.open[0] && !conn.open[1]) this.conns.delete(connId);
  }

  /** The process at `p` crashed: its connections die; peers hear of it unless the link is cut. */
  abort(conn: Conn, p: Proc): void {
    const side: 0 | 1 = conn.ends[0] === p ? 0 : 1;
    conn.open[side] = false;
    this.sendFin(conn, side);
  }

  /** Tells the other side that `side` closed, after the network delay, behind every message already in flight. */
  private sendFin(conn: Conn, side: 0 | 1): void {
    const other = (1 - side) as 0 | 1;
    const from = conn.ends[side];
    const to = conn.ends[other];
    if (!conn.open[other] && conn.ready[other]) return;
    if (conn.stalled[side] || this.isCutIdx(from, to)) return;
    if (conn.incs[other] === -1 && !conn.ready[other]) {
      // The peer has not accepted yet: the pending accept will find the initiator gone.
      return;
    }
    const at = Math.max(this.world.now + this.latency(from, to), conn.lastArrival[other]);
    conn.lastArrival[other] = at;
    this.world.newNetEvent(K_CLOSED, to, conn, other, null, at);
  }

  // ---------------------------------------------------------------- event dispatch

  dispatch(ev: NetEvent): void {
    const conn = ev.conn!;
    const p = ev.proc!;
    const side = ev.side;
    switch (ev.k) {
      case K_DELIVER: {
        if (!p.up || conn.incs[side] !== p.inc || !conn.open[side]) return;
        const from = conn.ends[1 - side]!;
        if (this.isCutIdx(from, p) || conn.stalled[1 - side]) {
          // The link was cut while the message was in flight: lost, and the direction stalls.
          conn.stalled[1 - side] = true;
          this.dropped++;
          this.world.recordMessage('drop', from, p, conn.id, ev.id, ev.msg, ev.typeCode);
          return;
        }
        if (!this.world.deferOrRun(p, ev)) return;
        this.delivered++;
        this.world.recordMessage('recv', from, p, conn.id, ev.id, ev.msg, ev.typeCode);
        this.world.deliver(p, { kind: 'message', conn: conn.id, peer: from.name, msg: ev.msg });
        return;
      }
      case K_ACCEPT: {
        const initiator = conn.ends[0];
        if (!conn.open[0]) return; // the initiator gave up (closed or crashed) before the SYN arrived
        if (!p.up) {
          this.world.newNetEvent(K_CLOSED, initiator, conn, 0, null, this.world.now + this.latency(p, initiator));
          return;
        }
        if (!this.world.deferOrRun(p, ev)) return;
        conn.incs[1] = p.inc;
        conn.open[1] = true;
        conn.ready[1] = true;
        p.conns.add(conn);
        this.world.record('accept', p, { from: initiator.name, conn: conn.id });
        if (this.isCutIdx(p, initiator)) {
          conn.stalled[1] = true;
        } else {
          const at = this.world.now + this.latency(p, initiator);
          conn.lastArrival[0] = at;
          this.world.newNetEvent(K_CONNECTED, initiator, conn, 0, null, at);
        }
        this.world.deliver(p, { kind: 'accepted', conn: conn.id, peer: initiator.name });
        return;
      }
      case K_CONNECTED: {
        if (!p.up || conn.incs[0] !== p.inc || !conn.open[0]) return;
        if (!this.world.deferOrRun(p, ev)) return;
        conn.ready[0] = true;
        this.world.record('connected', p, { to: conn.ends[1].name, conn: conn.id });
        this.world.deliver(p, { kind: 'connected', conn: conn.id, peer: conn.ends[1].name });
        return;
      }
      case K_CLOSED: {
        if (!p.up || (conn.incs[side] !== p.inc && side === 1) || !conn.open[side]) return;
        if (side === 0 && conn.incs[0] !== p.inc) return;
        if (!this.world.deferOrRun(p, ev)) return;
        conn.open[side] = false;
        p.conns.delete(conn);
        if (!conn.open[0] && !conn.open[1]) this.conns.delete(conn.id);
        this.world.record('closed', p, { peer: conn.ends[1 - side]!.name, conn: conn.id });
        this.world.deliver(p, { kind: 'closed', conn: conn.id, peer: conn.ends[1 - side]!.name });
        return;
      }
    }
  }
}
