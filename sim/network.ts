/**
 * The simulated network: TCP-like connections between named endpoints.
 *
 * - FIFO per direction, no duplication, a latency drawn per message from the world's 'net' stream.
 * - Cuts (partitions, one-way cuts) lose packets, and TCP retransmits them, as Linux does: a lost packet is sent
 *   again after the retransmission timeout (200 ms, doubling up to 120 s); once the link carries it, it arrives,
 *   and the receiver hands over what arrived after the gap only then (sequence numbers and a reorder buffer), so
 *   the application sees every message once, in order, late. After 15 retransmissions (about 15 minutes) the
 *   sender gives up: its side gets 'closed'. Applications still see a partition only as silence, and their own
 *   timeouts decide whether they wait or reconnect.
 * - The handshake too: a SYN lost to a cut is sent again after 1, 3, 7, 15, 31, 63 s (the attempt fails with
 *   'closed' at 127 s unless the application gave up first); a lost SYN-ACK is sent again after 1, 3, 7, 15, 31 s
 *   (the acceptor's side closes at 63 s).
 * - A crashed process's connections are closed; its peers get 'closed' (the FIN, retransmitted like data), and
 *   connect() to it is refused ('closed'). A host that went down (power loss) answers nothing: packets and SYNs to it
 *   are lost and retransmitted; after its restart, a packet of an old connection draws a reset ('closed').
 */
import type { NodeName } from '../core/port.js';
import type { Rng } from './random.js';
import type { NetEvent, Proc, World } from './world.js';
import { EventKind, MsgKind } from './event-kinds.js';

/** Linux's retransmission timeout: its floor (TCP_RTO_MIN) and cap (TCP_RTO_MAX), in ms. */
const RTO_MIN_MS = 200;
const RTO_MAX_MS = 120_000;
/** tcp_retries2: retransmissions of data before the sender gives up (about 924.6 s with the timeouts above). */
const DATA_RETRIES = 15;
/** The initial timeout of the handshake (SYN, SYN-ACK): 1 s, doubling. */
const SYN_RTO_MS = 1000;
/** tcp_synack_retries: SYN-ACK retransmissions before the acceptor drops the half-open connection (at 63 s). */
const SYNACK_RETRIES = 5;
/** tcp_syn_retries: SYN retransmissions before connect() fails (at 1+2+…+64 = 127 s). */
const SYN_RETRIES = 6;

export interface Latency {
  min: number;
  max: number;
  /** Probability of an extra long-tail delay (default 1%). */
  tail?: number;
}

/** One end of a connection: its process, what that side knows, and the stream items travelling towards it. */
export interface ConnEnd {
  proc: Proc;
  /** Incarnation of the process when it joined (-1 until accepted); a restarted process does not inherit connections. */
  inc: number;
  /** This side's view: open until it closed or learned that the connection closed. */
  open: boolean;
  /** This side has learned the connection is established (accepted / connected). */
  ready: boolean;
  /** Latest scheduled arrival time towards this side (FIFO). */
  lastArrival: number;
  /** Sequence number of the next stream item (message, SYN-ACK, FIN) sent towards this side. */
  sendSeq: number;
  /** Sequence number this side hands over next; items that arrive early wait in `early`. */
  nextSeq: number;
  /** Items that reached this side after a gap, by sequence number (the receiver's reorder buffer), or null. */
  early: NetEvent[] | null;
  /** Items towards this side lost to a cut, by sequence number, waiting for their retransmission; or null. */
  lost: NetEvent[] | null;
}

/**
 * A connection: end[0] initiated it, end[1] accepted it. Each end's state is one object (not a pair of arrays per
 * field): every message reads and writes several of them, and each array access was a map and a bounds check.
 */
export interface Conn {
  id: number;
  end: [ConnEnd, ConnEnd];
}

function connEnd(proc: Proc, inc: number, open: boolean): ConnEnd {
  return { proc, inc, open, ready: false, lastArrival: 0, sendSeq: 0, nextSeq: 0, early: null, lost: null };
}

/**
 * Side `side` of `conn` can still receive: its process is up, in the life that joined the connection, and open.
 * The flags are booleans: tested with === true, one compare each, where a plain truth test compiles to a check of
 * every kind of falsy value (V8 does not always know the field holds a boolean). This runs for every message.
 */
function live(conn: Conn, side: 0 | 1): boolean {
  const e = conn.end[side];
  const p = e.proc;
  return p.up === true && e.inc === p.inc && e.open === true;
}

/** Inserts a stream item into a list kept in sequence order (items mostly come in order: search from the end). */
function insertBySeq(q: NetEvent[], ev: NetEvent): void {
  let i = q.length;
  while (i > 0 && q[i - 1]!.nseq > ev.nseq) i--;
  q.splice(i, 0, ev);
}

export class Network {
  private n = 0;
  private cut = new Uint8Array(0);
  private linkLatency: Array<Latency | undefined> = [];
  private defaultLatency: Latency;
  /** Connections by id (ids are consecutive from 1); a closed one's slot is emptied. An array: send looks one up per message. */
  private readonly conns: Array<Conn | undefined> = [];
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

  /** Removes every cut. What was lost arrives at its next retransmission. */
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
      const other = conn.end[0].proc === pa ? conn.end[1].proc : conn.end[0].proc;
      if (pb && other !== pb) continue;
      for (const side of [0, 1] as const) {
        if (conn.end[side].open) this.world.newNetEvent(EventKind.CLOSED, conn.end[side].proc, conn, side, null, this.world.now);
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
    for (const c of this.conns) if (c && (c.end[0].open || c.end[1].open)) n++;
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
    const conn: Conn = { id: this.nextConn++, end: [connEnd(from, from.inc, true), connEnd(to, -1, false)] };
    this.conns[conn.id] = conn;
    from.conns.add(conn);
    this.sendSyn(conn, 0);
    this.world.record('connect', from, { to: to.name, conn: conn.id });
    return conn.id;
  }

  /** Sends `msg` (its `type`, when the sender passed it: see Port.send) from `from` on connection `connId`. */
  send(from: Proc, connId: number, msg: unknown, type?: string): void {
    const conn = this.conns[connId];
    if (!conn) return;
    const side: 0 | 1 = conn.end[0].proc === from ? 0 : 1;
    const here = conn.end[side];
    if (here.open !== true || here.ready !== true) return; // booleans: one compare each (see live)
    const other = (1 - side) as 0 | 1;
    const to = conn.end[other].proc;
    const mid = this.world.msgId();
    const typeCode = this.world.recordSend(from, to, connId, mid, msg, type);
    this.sendItem(this.world.makeNetEvent(EventKind.DELIVER, to, conn, other, msg, mid, typeCode), from);
  }

  /** Sends a stream item (message, SYN-ACK, FIN) from `from`: numbered in its direction, then on the wire or lost. */
  private sendItem(ev: NetEvent, from: Proc): void {
    const conn = ev.conn!;
    const dest = conn.end[ev.side];
    ev.nseq = dest.sendSeq++;
    if (this.isCutIdx(from, dest.proc)) this.lose(ev);
    else this.transmit(ev, from);
  }

  /** Puts a stream item on the wire from `from`: it arrives after the latency, behind everything sent before it. */
  private transmit(ev: NetEvent, from: Proc): void {
    const conn = ev.conn!;
    const dest = conn.end[ev.side];
    const at = Math.max(this.world.now + this.latency(from, dest.proc), dest.lastArrival);
    dest.lastArrival = at;
    ev.time = at;
    this.world.pushNetEvent(ev);
  }

  close(from: Proc, connId: number): void {
    const conn = this.conns[connId];
    if (!conn) return;
    const side: 0 | 1 = conn.end[0].proc === from ? 0 : 1;
    if (!conn.end[side].open) return;
    conn.end[side].open = false;
    from.conns.delete(conn);
    this.world.record('close', from, { conn: connId });
    this.sendFin(conn, side);
    if (!conn.end[0].open && !conn.end[1].open) this.conns[connId] = undefined;
  }

  /** The process at `p` crashed: its connections die; its kernel sends the FINs, unless the whole host went down. */
  abort(conn: Conn, p: Proc, hostDown: boolean): void {
    const side: 0 | 1 = conn.end[0].proc === p ? 0 : 1;
    conn.end[side].open = false;
    if (!hostDown) this.sendFin(conn, side);
  }

  /** Tells the other side that `side` closed, after the network delay, behind every message already in flight. */
  private sendFin(conn: Conn, side: 0 | 1): void {
    const other = (1 - side) as 0 | 1;
    const from = conn.end[side].proc;
    const to = conn.end[other].proc;
    if (!conn.end[other].open && conn.end[other].ready) return;
    if (conn.end[other].inc === -1 && !conn.end[other].ready) {
      // The peer has not accepted yet: the pending accept (or SYN retransmission) will find the initiator gone.
      return;
    }
    this.sendItem(this.world.makeNetEvent(EventKind.CLOSED, to, conn, other, null), from);
  }

  // ---------------------------------------------------------------- retransmission

  /**
   * A stream item lost to a cut (at send, or in flight when the link was cut): the sender keeps it, in sequence
   * order, and its direction's retransmission timer runs (started by the first loss).
   */
  private lose(ev: NetEvent): void {
    const conn = ev.conn!;
    const side = ev.side;
    if (ev.k === EventKind.DELIVER) {
      this.dropped++;
      this.world.recordMessage(MsgKind.DROP, conn.end[1 - side].proc, conn.end[side].proc, conn.id, ev.id, ev.msg, ev.typeCode);
    }
    ev.arrived = false;
    let q = conn.end[side].lost;
    if (q === null) {
      q = conn.end[side].lost = [];
      this.world.newNetEvent(EventKind.RTX, conn.end[side].proc, conn, side, null, this.world.now + this.rtoBase(ev), 0);
    }
    insertBySeq(q, ev);
  }

  /**
   * A packet reached an end that is no longer there: a host that is down loses it (its sender retransmits); a host
   * that restarted since answers a packet of an old connection with a reset, which closes the sender's side.
   */
  private unanswered(ev: NetEvent, p: Proc, conn: Conn, side: 0 | 1): void {
    if (!p.up && p.hostDown) this.lose(ev);
    else if (p.up && conn.end[side].inc !== p.inc) this.reset(conn, (1 - side) as 0 | 1, p);
  }

  /** A reset from `by` reaches the other end's side `side` of `conn`, after the network delay. */
  private reset(conn: Conn, side: 0 | 1, by: Proc): void {
    if (!live(conn, side)) return;
    const p = conn.end[side].proc;
    this.world.newNetEvent(EventKind.CLOSED, p, conn, side, null, this.world.now + this.latency(by, p));
  }

  /** The first timeout of a retransmission: the handshake's for a SYN-ACK, else the floor. */
  private rtoBase(first: NetEvent): number {
    return first.k === EventKind.CONNECTED ? SYN_RTO_MS : RTO_MIN_MS;
  }

  /** A retransmission timer fired (`ev.id` timeouts before it): send what was lost again, or wait longer. */
  private retransmit(ev: NetEvent): void {
    const conn = ev.conn!;
    const side = ev.side;
    const q = conn.end[side].lost;
    if (q === null) return;
    const from = conn.end[1 - side].proc;
    const to = conn.end[side].proc;
    const hostDown = !to.up && to.hostDown;
    if (!hostDown && !live(conn, side)) {
      conn.end[side].lost = null; // nobody left to receive it
      if (to.up && conn.end[side].inc !== to.inc) this.reset(conn, (1 - side) as 0 | 1, to); // it restarted: a reset
      return;
    }
    if (hostDown || this.isCutIdx(from, to)) {
      const tries = ev.id + 1;
      if (tries > (q[0]!.k === EventKind.CONNECTED ? SYNACK_RETRIES : DATA_RETRIES)) {
        conn.end[side].lost = null;
        this.giveUp(conn, (1 - side) as 0 | 1);
        return;
      }
      this.world.newNetEvent(EventKind.RTX, to, conn, side, null, this.world.now + Math.min(this.rtoBase(q[0]!) * 2 ** tries, RTO_MAX_MS), tries);
      return;
    }
    conn.end[side].lost = null;
    this.world.record('retransmit', from, { to: to.name, conn: conn.id, packets: q.length, timeouts: ev.id + 1 });
    for (const e of q) this.transmit(e, from);
  }

  /** A SYN retransmission timer fired (`ev.id` retransmissions before it). */
  private resendSyn(ev: NetEvent): void {
    const conn = ev.conn!;
    if (!live(conn, 0)) return; // the initiator gave up
    if (ev.id >= SYN_RETRIES) {
      this.giveUp(conn, 0);
      return;
    }
    this.sendSyn(conn, ev.id + 1);
  }

  /**
   * The initiator sends its SYN (`tries` sent before it): lost behind a cut or to a host that is down (sent again
   * SYN_RTO_MS·2^tries later), refused by a host whose process is down, or on its way to be accepted.
   */
  private sendSyn(conn: Conn, tries: number): void {
    const from = conn.end[0].proc;
    const to = conn.end[1].proc;
    const now = this.world.now;
    if (this.isCutIdx(from, to) || (!to.up && to.hostDown)) {
      this.world.newNetEvent(EventKind.SYN, from, conn, 0, null, now + SYN_RTO_MS * 2 ** tries, tries);
    } else if (!to.up) {
      // Refused: the initiator learns at once-ish (an RST comes back).
      this.world.newNetEvent(EventKind.CLOSED, from, conn, 0, null, now + this.latency(to, from));
    } else {
      this.world.newNetEvent(EventKind.ACCEPT, to, conn, 1, null, now + this.latency(from, to));
    }
  }

  /** The sender's TCP gave up (ETIMEDOUT): its side of the connection closes. */
  private giveUp(conn: Conn, side: 0 | 1): void {
    if (!live(conn, side)) return;
    const p = conn.end[side].proc;
    this.world.record('tcp-timeout', p, { conn: conn.id });
    this.world.newNetEvent(EventKind.CLOSED, p, conn, side, null, this.world.now);
  }

  /**
   * A stream item reached its receiver (checked alive and open): hand it over if it is the next in sequence (then
   * whatever waited behind it), else keep it in the reorder buffer.
   */
  private arrive(ev: NetEvent): void {
    const conn = ev.conn!;
    const side = ev.side;
    const here = conn.end[side];
    if (ev.nseq !== here.nextSeq) {
      insertBySeq((here.early ??= []), ev);
      return;
    }
    this.handOver(ev);
    const q = here.early;
    if (q === null) return;
    while (q.length > 0 && q[0]!.nseq === here.nextSeq) {
      const next = q.shift()!;
      if (!live(conn, side)) return;
      this.handOver(next);
    }
    if (q.length === 0) here.early = null;
  }

  /** The application gets a stream item: a message (the hot case, here), the end of the handshake, or the peer's FIN. */
  private handOver(ev: NetEvent): void {
    const conn = ev.conn!;
    const side = ev.side;
    conn.end[side].nextSeq++;
    if (ev.k !== EventKind.DELIVER) return this.handOverControl(ev, conn, side);
    const p = ev.proc!;
    const from = conn.end[1 - side].proc;
    this.delivered++;
    this.world.recordMessage(MsgKind.RECV, from, p, conn.id, ev.id, ev.msg, ev.typeCode);
    this.world.deliverMessage(p, conn.id, from.name, ev.msg);
  }

  /** handOver of the end of the handshake or of the peer's FIN (apart, to keep the per-message path small for V8). */
  private handOverControl(ev: NetEvent, conn: Conn, side: 0 | 1): void {
    const p = ev.proc!;
    if (ev.k === EventKind.CONNECTED) {
      conn.end[0].ready = true;
      this.world.record('connected', p, { to: conn.end[1].proc.name, conn: conn.id });
      this.world.deliver(p, { kind: 'connected', conn: conn.id, peer: conn.end[1].proc.name });
      return;
    }
    this.closeSide(conn, side);
  }

  /** Side `side` learns that the connection closed. */
  private closeSide(conn: Conn, side: 0 | 1): void {
    const p = conn.end[side].proc;
    conn.end[side].open = false;
    p.conns.delete(conn);
    if (!conn.end[0].open && !conn.end[1].open) this.conns[conn.id] = undefined;
    this.world.record('closed', p, { peer: conn.end[1 - side].proc.name, conn: conn.id });
    this.world.deliver(p, { kind: 'closed', conn: conn.id, peer: conn.end[1 - side].proc.name });
  }

  // ---------------------------------------------------------------- event dispatch

  /** A message reached its receiver (World.dispatch tests for messages first and hands them here). */
  message(ev: NetEvent): void {
    this.streamItem(ev, ev.proc!, ev.conn!, ev.side);
  }

  /** Every other network event: SYN-ACKs and FINs (stream items, like messages), then control(). */
  dispatch(ev: NetEvent): void {
    // Stream items are the hot ones: the rest lives in control(), which keeps this function small enough for V8 to
    // inline it and the delivery path into its callers.
    const k = ev.k;
    if (k === EventKind.CONNECTED || (k === EventKind.CLOSED && ev.nseq >= 0)) {
      this.streamItem(ev, ev.proc!, ev.conn!, ev.side); // a CLOSED with a sequence number is the peer's FIN
      return;
    }
    this.control(ev);
  }

  /** The events that are not stream items: local close notifications, accepts, retransmission and SYN timers. */
  private control(ev: NetEvent): void {
    const conn = ev.conn!;
    const p = ev.proc!;
    const side = ev.side;
    switch (ev.k) {
      case EventKind.CLOSED:
        // a local notification: refused, reset, or our own TCP gave up
        if (!live(conn, side)) return;
        if (!this.world.deferOrRun(p, ev)) return;
        this.closeSide(conn, side);
        return;
      case EventKind.ACCEPT: {
        const initiator = conn.end[0].proc;
        if (!conn.end[0].open) return; // the initiator gave up (closed or crashed) before the SYN arrived
        if (!ev.arrived && (this.isCutIdx(initiator, p) || (!p.up && p.hostDown))) {
          // cut while the SYN was in flight, or its host went down: the initiator sends it again
          this.world.newNetEvent(EventKind.SYN, initiator, conn, 0, null, this.world.now + SYN_RTO_MS, 0);
          return;
        }
        if (!p.up || !p.started) {
          // the process is down, or booted but not listening yet (its role starts through the queue): refused
          this.world.newNetEvent(EventKind.CLOSED, initiator, conn, 0, null, this.world.now + this.latency(p, initiator));
          return;
        }
        ev.arrived = true;
        if (!this.world.deferOrRun(p, ev)) return;
        conn.end[1].inc = p.inc;
        conn.end[1].open = true;
        conn.end[1].ready = true;
        p.conns.add(conn);
        this.world.record('accept', p, { from: initiator.name, conn: conn.id });
        this.sendItem(this.world.makeNetEvent(EventKind.CONNECTED, initiator, conn, 0, null), p);
        this.world.deliver(p, { kind: 'accepted', conn: conn.id, peer: initiator.name });
        return;
      }
      case EventKind.RTX:
        this.retransmit(ev);
        return;
      case EventKind.SYN:
        this.resendSyn(ev);
        return;
    }
  }

  /**
   * A message, SYN-ACK or FIN reaches side `side` of `conn`: dropped if that side is gone; lost if the link was cut
   * while it was in flight; held while the receiver is paused; then handed over in sequence.
   */
  private streamItem(ev: NetEvent, p: Proc, conn: Conn, side: 0 | 1): void {
    if (!live(conn, side)) {
      if (!ev.arrived) this.unanswered(ev, p, conn, side);
      return;
    }
    if (!ev.arrived) {
      if (this.isCutIdx(conn.end[1 - side].proc, p)) {
        this.lose(ev);
        return;
      }
      ev.arrived = true;
    }
    if (!this.world.deferOrRun(p, ev)) return;
    this.arrive(ev);
  }
}
