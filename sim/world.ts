/**
 * The deterministic world: one virtual clock, one event queue, the network, the disks, the processes and the
 * seeded random streams. Every source of nondeterminism in a run goes through here, so a seed and a config decide
 * everything, and the trace hash proves it.
 *
 * Roles (core/) see only their Port. Drivers (tests, workloads, the nemesis, scenarios) use the World directly.
 */
import { TRACE_KIND_NAMES, TraceKind, type ConnId, type NodeName, type Port, type ProcessEvent, type Role, type TimerId, type DiskPort } from '../core/port.js';
import { EventQueue } from './queue.js';
import { RandomStreams, Rng, type Seed } from './random.js';
import { SimDisk } from './disk.js';
import { KIND_CODE_BASE, TraceHash, hashField, hashFields, type TraceEvent } from './trace.js';
import { Network, type Latency, type Conn } from './network.js';

export interface WorldOptions {
  seed: Seed;
  /** Hard limit on processed events: past it, runUntil throws LivelockError instead of hanging. */
  maxEvents?: number;
  /** Keep every trace event in memory (reports, divergence diagnosis). The hash is computed either way. */
  recordTrace?: boolean;
  /**
   * What a recorded trace keeps: 'all' (default) every event; 'protocol' only what processes and the world note
   * (role traces, crashes, restarts, faults, connections), without message, timer, disk and fsync events: what the
   * checkers read, at a fraction of the memory. The hash covers every event either way.
   */
  traceDetail?: 'all' | 'protocol';
  /** Default per-message latency in ms. */
  latency?: Latency;
}


/** An already-fulfilled native promise: `.then` on it queues a microtask. */
const RESOLVED: Promise<void> = Promise.resolve();
/** process.nextTick, looked up once: `process` has too many properties for an inline property load. */
const nextTick = process.nextTick;

/** One World.runAsync call in progress. */
interface AsyncRun {
  limit: number | (() => boolean);
  byTime: boolean;
  /** The limit was reached: resolve once user code has settled. */
  ending: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class LivelockError extends Error {
  override name = 'LivelockError';
}

import { DiskOpCode, EventKind, MsgKind } from './event-kinds.js';

/**
 * One queued event. A single class with optional fields keeps V8's property access fast. Fields are `declare`d and
 * set in the constructor: ES2022 field initializers compile to a separate initializer function (define semantics)
 * that the optimizer does not always inline into the senders, leaving a generic construct call per event.
 */
class Ev {
  declare time: number;
  declare cancelled: boolean;
  /** Deliveries: the message type's trace code, looked up once at send time; syncs: the tag's, at the request. */
  declare typeCode: number;
  /** Stream items of a connection (messages, SYN-ACK, FIN): their sequence number in that direction, else -1. */
  declare nseq: number;
  /** A stream item that reached the receiver's kernel (a paused receiver defers it; it is no longer in the network). */
  declare arrived: boolean;
  declare k: number;
  declare proc: Proc | null;
  declare conn: Conn | null;
  declare side: 0 | 1;
  /**
   * What the event carries, by kind: the message (deliveries), the tag (timers, syncs), a DriverBody (drivers). One
   * field rather than one per kind: every event of every kind is allocated with all of them.
   */
  declare msg: unknown;
  declare inc: number;
  declare id: number;
  constructor(k: number, proc: Proc | null, conn: Conn | null, side: 0 | 1, msg: unknown, inc: number, id: number) {
    this.time = 0;
    this.cancelled = false;
    this.typeCode = 0;
    this.nseq = -1;
    this.arrived = false;
    this.k = k;
    this.proc = proc;
    this.conn = conn;
    this.side = side;
    this.msg = msg;
    this.inc = inc;
    this.id = id;
  }
}

/** A driver event's label (traced) and function. */
interface DriverBody {
  label: string;
  fn: () => void;
}

export interface Proc {
  name: NodeName;
  idx: number;
  factory: () => Role;
  role: Role | null;
  /** Incarnation: bumped at every restart, so events addressed to an older life are dropped. */
  inc: number;
  up: boolean;
  paused: boolean;
  deferred: Ev[];
  port: Port | null;
  disk: SimDisk;
  rng: Rng;
  conns: Set<Conn>;
  lastSyncDone: number;
  /** Crashed with its host (power loss): no FIN went out, and nothing answers its packets until it restarts. */
  hostDown: boolean;
  /**
   * Its role has started (role.start ran) in this life. A boot makes the process up at once but starts its role
   * through the queue: in between, it is not listening yet, and a SYN that reaches it is refused.
   */
  started: boolean;
}

export type DriverHandle = { cancel(): void };

export class World {
  readonly seed: Seed;
  readonly random: RandomStreams;
  readonly net: Network;
  private readonly queue = new EventQueue<Ev>();
  private readonly procs = new Map<NodeName, Proc>();
  private readonly procList: Proc[] = [];
  private readonly timers = new Map<number, Ev>();
  private nextTimerId = 1;
  private clock = 0;
  private events = 0;
  private readonly maxEvents: number;
  private readonly hash = new TraceHash();
  readonly recordTrace: boolean;
  /** recordTrace with traceDetail 'all': message, timer, disk and fsync events are recorded too. */
  private readonly recordAll: boolean;
  readonly trace: TraceEvent[] = [];
  private nextMsgId = 1;
  /** Set by client roles after they resolve a promise user code awaits (see runAsync). */
  private userWoken = false;
  /** Runs waiting for their settle tick, in the order they settled (runAsync). */
  private readonly settling: AsyncRun[] = [];

  constructor(opts: WorldOptions) {
    this.seed = opts.seed;
    this.random = new RandomStreams(opts.seed);
    this.maxEvents = opts.maxEvents ?? 20_000_000;
    this.recordTrace = opts.recordTrace ?? false;
    this.recordAll = this.recordTrace && (opts.traceDetail ?? 'all') === 'all';
    this.net = new Network(this, this.random.stream('net'), opts.latency ?? { min: 1, max: 5 });
  }

  get now(): number {
    return this.clock;
  }
  get eventCount(): number {
    return this.events;
  }
  get traceHash(): string {
    return this.hash.hex();
  }
  get pendingEvents(): number {
    return this.queue.size;
  }

  rng(name: string): Rng {
    return this.random.stream(name);
  }

  // ---------------------------------------------------------------- processes

  /**
   * Adds a process. Its role object exists at once (role(name)); role.start(port) runs at the current virtual
   * time once the queue reaches it, so that processes added together all exist before any of them runs.
   */
  addProcess(name: NodeName, factory: () => Role): void {
    if (this.procs.has(name)) throw new Error(`process ${name} already exists`);
    const proc: Proc = {
      name,
      idx: this.procList.length,
      factory,
      role: null,
      inc: 0,
      up: false,
      paused: false,
      deferred: [],
      port: null,
      disk: new SimDisk(),
      rng: this.random.stream(`proc:${name}`),
      conns: new Set(),
      lastSyncDone: 0,
      hostDown: false,
      started: false,
    };
    this.procs.set(name, proc);
    this.procList.push(proc);
    this.net.grow(this.procList.length);
    this.boot(proc, 'start');
  }

  /**
   * A new life for the process: a fresh role from the factory and a fresh port. role.start(port) runs through the
   * queue at the current time, so that every process added together exists (and accepts connections) before any
   * of them acts.
   */
  private boot(proc: Proc, how: 'start' | 'restart'): void {
    proc.inc++;
    proc.up = true;
    proc.hostDown = false;
    proc.started = false;
    proc.paused = false;
    proc.deferred = [];
    const inc = proc.inc;
    proc.port = this.makePort(proc, inc);
    proc.role = proc.factory();
    const body: DriverBody = {
      label: `${how} ${proc.name}`,
      fn: () => {
        if (!proc.up || proc.inc !== inc) return;
        this.record(how, proc, { inc });
        proc.started = true;
        proc.role!.start(proc.port!);
      },
    };
    const ev = new Ev(EventKind.DRIVER, null, null, 0, body, 0, 0);
    ev.time = this.clock;
    this.queue.push(ev);
  }

  names(): NodeName[] {
    return this.procList.map((p) => p.name);
  }

  role<T extends Role = Role>(name: NodeName): T | undefined {
    const p = this.procs.get(name);
    return p && p.up ? (p.role as T) : undefined;
  }

  proc(name: NodeName): Proc {
    const p = this.procs.get(name);
    if (!p) throw new Error(`unknown process ${name}`);
    return p;
  }

  procByIndex(i: number): Proc {
    return this.procList[i]!;
  }

  isUp(name: NodeName): boolean {
    return this.proc(name).up;
  }
  isPaused(name: NodeName): boolean {
    return this.proc(name).paused;
  }

  disk(name: NodeName): SimDisk {
    return this.proc(name).disk;
  }

  /**
   * Memory lost, connections closed, disk keeps only durable writes (or a random prefix of the rest). A process crash
   * (the default) leaves its host running: the kernel closes its connections (peers get a FIN) and refuses new ones.
   * With `hostDown` the machine itself is gone (power loss): peers hear nothing, their packets and SYNs go unanswered
   * until it restarts, and then the first packet of an old connection draws a reset.
   */
  crash(name: NodeName, opts: { tornTail?: boolean; hostDown?: boolean } = {}): void {
    const p = this.proc(name);
    if (!p.up) return;
    p.up = false;
    p.paused = false;
    p.role = null;
    p.port = null;
    p.deferred = [];
    p.hostDown = !!opts.hostDown;
    p.started = false;
    for (const conn of [...p.conns]) this.net.abort(conn, p, p.hostDown);
    p.conns.clear();
    const keep = opts.tornTail ? this.rng(`torn:${name}`).int(0, p.disk.unsyncedWrites + 1) : 0;
    const lost = p.disk.crash(keep);
    this.record('crash', p, { lostWrites: lost, torn: !!opts.tornTail, ...(p.hostDown ? { hostDown: true } : {}) });
  }

  restart(name: NodeName): void {
    const p = this.proc(name);
    if (p.up) return;
    this.boot(p, 'restart');
  }

  /** A GC pause or SIGSTOP: timers and deliveries wait until resume. */
  pause(name: NodeName): void {
    const p = this.proc(name);
    if (!p.up || p.paused) return;
    p.paused = true;
    this.record('pause', p, {});
  }

  resume(name: NodeName): void {
    const p = this.proc(name);
    if (!p.up || !p.paused) return;
    p.paused = false;
    this.record('resume', p, { deferred: p.deferred.length });
    const deferred = p.deferred;
    p.deferred = [];
    // They were due before anything still queued for this instant: keep them first, in their order, so a message
    // arriving right at resume time cannot overtake older ones on the same connection (TCP stays FIFO).
    for (const ev of deferred) ev.time = this.clock;
    this.queue.pushAhead(deferred);
  }

  // ---------------------------------------------------------------- drivers

  /** A world-level event for drivers (workloads, nemesis, scenarios). */
  schedule(delayMs: number, label: string, fn: () => void): DriverHandle {
    const body: DriverBody = { label, fn };
    const ev = new Ev(EventKind.DRIVER, null, null, 0, body, 0, 0);
    ev.time = this.clock + Math.max(0, Math.round(delayMs));
    this.queue.push(ev);
    return { cancel: () => (ev.cancelled = true) };
  }

  cancel(handle: DriverHandle): void {
    handle.cancel();
  }

  /** A world-level trace record (faults, workload phases). */
  note(kind: string, data: Record<string, unknown> = {}): void {
    this.record(kind, null, data);
  }

  /** Client roles call this after resolving a promise that user code awaits. */
  wakeUser(): void {
    this.userWoken = true;
  }

  // ---------------------------------------------------------------- running

  /** Processes one event; false when the queue is empty. */
  step(): boolean {
    const ev = this.queue.pop();
    if (!ev) return false;
    this.runEvent(ev);
    return true;
  }

  /** Runs an event just taken from the queue. */
  private runEvent(ev: Ev): void {
    if (++this.events > this.maxEvents) this.livelock(ev);
    this.clock = ev.time;
    this.dispatch(ev);
  }

  /** runEvent past the event limit (apart: the hot path stays small enough for V8 to inline). */
  private livelock(ev: Ev): never {
    throw new LivelockError(`event limit of ${this.maxEvents} reached at virtual time ${ev.time} ms: the run does not settle (livelock?)`);
  }

  /** Runs until virtual time `limit` (events at <= limit, then the clock is set to it) or until a predicate holds. */
  runUntil(limit: number | (() => boolean)): void {
    if (typeof limit === 'number') {
      for (;;) {
        const top = this.queue.peek();
        if (!top || top.time > limit) break;
        this.step();
      }
      if (this.clock < limit) this.clock = limit;
      return;
    }
    while (!limit() && this.step()) {
      /* keep going */
    }
  }

  /**
   * Like runUntil, but lets promise continuations of user code (workloads, scenarios, recipes) settle after any
   * event that woke them, before taking the next event. Microtasks run in a deterministic order; we never yield to
   * a real timer or I/O, so the interleaving is decided by the event order alone.
   *
   * Settling: after an event woke user code, the world continues from a process.nextTick callback queued by a
   * microtask. Node runs queued ticks only once the microtask queue is empty, so every continuation of user code has
   * run, however long its chain of awaits, and nothing else runs in between (no timer, no I/O: both queues are FIFO
   * and fed only by this process's code). The tick is queued from a microtask because a tick queued from a tick
   * callback runs before the microtasks. (A fixed number of yielded microtask turns, as before, left a chain of
   * more than ~14 awaits waiting for the next wake-up, which may never come: see test/sim-settle.test.ts.)
   */
  runAsync(limit: number | (() => boolean)): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.runLoop({ limit, byTime: typeof limit === 'number', ending: false, resolve, reject });
    });
  }

  /**
   * A run steps events until user code was woken (then it settles and continues from `drained`), the limit is
   * reached or the queue is empty. The settle path uses the world's own functions, the same for every run: closures
   * made per run were new call targets at every runAsync, and each new target threw out the optimized code of Node's
   * tick loop (which inlines them) for a recompile. For the same reason every run resolves from one call site, so
   * that it sees many targets (one per run) early and stays generic.
   */
  private runLoop(run: AsyncRun): void {
    const limit = run.limit;
    const byTime = run.byTime;
    try {
      if (!run.ending) {
        for (;;) {
          if (this.userWoken) return this.settle(run);
          if (!byTime && (limit as () => boolean)()) break;
          const top = this.queue.peek();
          if (!top || (byTime && top.time > (limit as number))) {
            if (byTime && this.clock < (limit as number)) this.clock = limit as number;
            run.ending = true;
            if (this.userWoken) return this.settle(run);
            break;
          }
          this.queue.popTop(); // step() without peeking again
          this.runEvent(top);
        }
      }
      run.resolve();
    } catch (e) {
      run.reject(e);
    }
  }

  /**
   * Continues `run` once user code has settled: from a microtask, queue the tick (a tick queued from a tick callback
   * would run before the microtasks). Microtasks and ticks run in order, so the ticks take the settling runs in
   * the order they settled.
   */
  private settle(run: AsyncRun): void {
    this.settling.push(run);
    RESOLVED.then(this.queueTick);
  }

  private readonly queueTick = (): void => {
    nextTick(this.drained);
  };

  private readonly drained = (): void => {
    const run = this.settling.shift()!;
    this.userWoken = false;
    this.runLoop(run);
  };

  /**
   * Runs one event by kind. Each kind's body is a method of its own: this function sits on the path of every event,
   * and V8 inlines it (and what it calls) into the event loop only while its bytecode stays small.
   */
  private dispatch(ev: Ev): void {
    const k = ev.k;
    // Messages first: they are about four in five events (the rest are mostly fsync completions).
    if (k === EventKind.DELIVER) this.net.message(ev as unknown as NetEvent);
    else if (k === EventKind.SYNCED) this.syncDone(ev);
    else if (k === EventKind.TIMER) this.timerFired(ev);
    else if (k === EventKind.DRIVER) this.runDriver(ev);
    else this.net.dispatch(ev as unknown as NetEvent);
  }

  private runDriver(ev: Ev): void {
    const body = ev.msg as DriverBody;
    this.record1(TraceKind.DRIVER, null, 'label', body.label, 0);
    body.fn();
  }

  private timerFired(ev: Ev): void {
    const p = ev.proc!;
    if (p.up !== true || p.inc !== ev.inc) return; // a boolean: one compare (see makePort's alive)
    if (p.paused) {
      p.deferred.push(ev);
      return;
    }
    this.timers.delete(ev.id);
    const tag = ev.msg as string;
    this.record1(TraceKind.TIMER, p, 'tag', tag, 0);
    this.deliver(p, { kind: 'timer', id: ev.id, tag });
  }

  private syncDone(ev: Ev): void {
    const p = ev.proc!;
    if (p.up !== true || p.inc !== ev.inc) return; // crashed before the sync completed: nothing became durable
    // The disk completes the sync even while the process is paused; only the notification waits.
    if (ev.id >= 0) {
      p.disk.completeSync(ev.id);
      ev.id = -1;
    }
    if (p.paused) {
      p.deferred.push(ev);
      return;
    }
    const tag = ev.msg as string;
    this.record1(TraceKind.SYNCED, p, 'tag', tag, ev.typeCode);
    const role = p.role!;
    if (role.synced !== undefined) role.synced(tag);
    else role.handle({ kind: 'synced', tag });
  }

  /** Hands an event to a live, running process (callers checked up/inc/paused). */
  deliver(p: Proc, event: ProcessEvent): void {
    p.role!.handle(event);
  }

  /** deliver(p, { kind: 'message', conn, peer, msg }), through the role's fast form when it has one. */
  deliverMessage(p: Proc, conn: number, peer: NodeName, msg: unknown): void {
    const role = p.role!;
    if (role.message !== undefined) role.message(conn, peer, msg);
    else role.handle({ kind: 'message', conn, peer, msg });
  }

  // ---------------------------------------------------------------- used by the network

  /** @internal */
  newNetEvent(k: number, proc: Proc, conn: Conn, side: 0 | 1, msg: unknown, time: number, id = 0, typeCode = 0): void {
    const ev = this.makeNetEvent(k, proc, conn, side, msg, id, typeCode);
    ev.time = time;
    this.pushNetEvent(ev);
  }
  /** @internal A network event not queued yet (a packet lost on its way, queued again when retransmitted). */
  makeNetEvent(k: number, proc: Proc, conn: Conn, side: 0 | 1, msg: unknown, id = 0, typeCode = 0): NetEvent {
    const ev = new Ev(k, proc, conn, side, msg, proc.inc, id);
    ev.typeCode = typeCode;
    return ev;
  }
  /** @internal Queues a network event made by makeNetEvent (its time set by the caller). */
  pushNetEvent(ev: NetEvent): void {
    this.queue.push(ev as unknown as Ev);
  }
  /** @internal */
  deferOrRun(p: Proc, ev: NetEvent): boolean {
    if (p.paused) {
      p.deferred.push(ev as unknown as Ev);
      return false;
    }
    return true;
  }
  /** @internal */
  msgId(): number {
    return this.nextMsgId++;
  }

  // ---------------------------------------------------------------- trace

  /**
   * Folds an event into the hash (and the recorded trace). The process is hashed by its index (its name is fixed by
   * the index), which keeps names out of the per-event cost.
   */
  record(kind: string, p: Proc | null, data: Record<string, unknown>): void {
    this.hash.head(this.clock, this.hash.code(kind), p === null ? 0 : p.idx + 1);
    if (this.recordTrace) this.recordObj(kind, p, data);
    else hashFields(this.hash, data);
  }

  /**
   * record's recorded branch, after the head is hashed: hashes the fields as hashFields does while copying them into
   * the event, in one pass. Stores rather than `{ t, kind, node, ...data }`: a spread after other properties is a
   * runtime call that copies property by property, and it was the top cost of recording in exploration. Same keys,
   * same order (a field named like a head field overwrites it in place, as the spread did).
   */
  private recordObj(kind: string, p: Proc | null, data: Record<string, unknown>): void {
    const h = this.hash;
    const e: TraceEvent = p === null ? { t: this.clock, kind } : { t: this.clock, kind, node: p.name };
    let n = 0;
    for (const k in data) {
      const v = data[k];
      hashField(h, v);
      e[k] = v;
      n++;
    }
    h.small(n); // the field count, as hashFields ends
    this.trace.push(e);
  }

  /**
   * The head of a record whose kind is given by number (see TraceKind): the number is hashed, not the name (a string
   * lookup per record, about ten per operation).
   */
  private hashHead(kind: TraceKind, p: Proc | null): void {
    this.hash.head(this.clock, KIND_CODE_BASE + kind, p === null ? 0 : p.idx + 1);
  }

  /**
   * record(name, p, { [key]: value }) for one string field, without building the object unless it is recorded.
   * Returns the value's string code (0 when recorded, or past the code table's cap), which a later record of the same
   * value may pass as `code` to spare the lookup (an fsync's completion hashes its request's tag: str(value) is
   * small(code(value)), so the hash is the same either way).
   */
  record1(kind: TraceKind, p: Proc | null, key: string, value: string, code: number): number {
    if (this.recordAll) {
      this.hashHead(kind, p);
      return this.recordObj1(kind, p, key, value);
    }
    const h = this.hash;
    // With the value's code known (passed, or in the cache: looking it up there hashes nothing), head, code and
    // field count in one call; else one by one (a first appearance hashes the value's characters after the head).
    const known = code !== 0 ? code : h.cached(value);
    if (known !== 0) {
      h.head2(this.clock, KIND_CODE_BASE + kind, p === null ? 0 : p.idx + 1, known, 1); // 1 field, as hashFields ends
      return known;
    }
    this.hashHead(kind, p);
    const c = h.code(value);
    h.small(c);
    h.small(1); // as hashFields hashes { [key]: value }
    return c;
  }

  /**
   * record(DISK, p, { op, file }) for a disk write, without building the object unless it is recorded: the op is one
   * of a fixed set, hashed as its DiskOpCode rather than by a string lookup.
   */
  recordDisk(p: Proc, code: DiskOpCode, op: string, file: string): void {
    const h = this.hash;
    const fc = h.cached(file); // hashes nothing; 0 when not in the cache (see record1)
    if (fc !== 0) h.head3(this.clock, KIND_CODE_BASE + TraceKind.DISK, p.idx + 1, code, fc, 2);
    else {
      this.hashHead(TraceKind.DISK, p);
      h.small(code);
      h.str(file);
      h.small(2); // the field count, as for any record
    }
    if (this.recordAll) this.trace.push({ t: this.clock, kind: TRACE_KIND_NAMES[TraceKind.DISK]!, node: p.name, op, file });
  }

  /**
   * record(name, p, { [k1]: v1, .. [kn]: vn }) for n (2..4) fields, the Port's trace2..trace4: hashes the values as
   * hashFields would hash that object, and builds the object only when the trace is recorded (checkers and reports
   * read it). Fields past n are ignored.
   */
  recordFields(kind: TraceKind, p: Proc, n: number, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown, k4: string, v4: unknown): void {
    this.hashHead(kind, p);
    if (this.recordTrace) return this.recordObjN(kind, p, n, k1, v1, k2, v2, k3, v3, k4, v4);
    const h = this.hash;
    // The per-operation shapes in one call each, as hashField would hash them: ACK's two integers; PROPOSE's and
    // APPLY's integer, string (its code from the cache), integer, integer.
    if (typeof v1 === 'number' && Number.isInteger(v1)) {
      if (n === 2) {
        if (typeof v2 === 'number' && Number.isInteger(v2)) return h.int2w(v1, v2, 2);
      } else if (n === 4 && typeof v2 === 'string' && typeof v3 === 'number' && Number.isInteger(v3) && typeof v4 === 'number' && Number.isInteger(v4)) {
        const c = h.cached(v2);
        if (c !== 0) return h.iwiiw(v1, c, v3, v4, 4);
      }
    }
    hashField(h, v1);
    hashField(h, v2);
    if (n >= 3) hashField(h, v3);
    if (n >= 4) hashField(h, v4);
    h.small(n); // the field count, as hashFields ends
  }

  // The recorded-trace branches of record1 and recordFields (the head already hashed), kept out of them:
  // they build objects with computed keys, whose bytecode would count against V8's inlining budget on every hot
  // caller. The recorded event carries the kind's name.
  private recordObj1(kind: TraceKind, p: Proc | null, key: string, value: string): number {
    this.recordObj(TRACE_KIND_NAMES[kind]!, p, { [key]: value });
    return 0;
  }
  /** Builds the event itself (no data object to hash and copy), with the keys in the order record would give. */
  private recordObjN(kind: TraceKind, p: Proc, n: number, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown, k4: string, v4: unknown): void {
    const h = this.hash;
    const e: TraceEvent = { t: this.clock, kind: TRACE_KIND_NAMES[kind]!, node: p.name };
    e[k1] = v1;
    e[k2] = v2;
    hashField(h, v1);
    hashField(h, v2);
    if (n >= 3) {
      e[k3] = v3;
      hashField(h, v3);
    }
    if (n >= 4) {
      e[k4] = v4;
      hashField(h, v4);
    }
    h.small(n);
    this.trace.push(e);
  }

  /**
   * A message sent: recorded (traceDetail 'all'), not hashed. Each sent message is later received or dropped, and that
   * record hashes the same message id, sender, receiver and type; hashing the send too was about 2.5% of a run. (A
   * message still in flight when its receiver crashes or the run ends leaves no hashed record: the crash is hashed,
   * and what it lost follows from the rest of the run.) Returns the type's code, which the receive or drop hashes:
   * looked up here, once per message.
   */
  recordSend(from: Proc, to: Proc, conn: number, mid: number, msg: unknown, type: string | undefined): number {
    const code = this.hash.code(type !== undefined ? type : messageType(msg));
    if (this.recordAll) this.recordSendAll(from, to, conn, mid, msg, type);
    return code;
  }

  /**
   * recordSend's recorded event. A recorded run also checks the sender's `type` against the message (the hash takes
   * the passed one, the recorded event the message's own): core's send helpers have the compiler check it, a Port
   * user may not.
   */
  private recordSendAll(from: Proc, to: Proc, conn: number, mid: number, msg: unknown, type: string | undefined): void {
    if (type !== undefined && type !== messageType(msg)) throw new Error(`${from.name} sent a message of type ${messageType(msg)} as type ${type}`);
    this.traceMessage(MsgKind.SEND, from, to, conn, mid, msg);
  }

  /** Hot-path trace of a message received or dropped: hashes numbers only (typeCode from recordSend). */
  recordMessage(kind: MsgKind, from: Proc, to: Proc, conn: number, mid: number, msg: unknown, typeCode: number): void {
    // kind (2 bits), sender and receiver (15 bits each: process indices are far fewer) in one word
    this.hash.int3(this.clock, kind | (from.idx << 2) | (to.idx << 17), mid, typeCode);
    if (this.recordAll) this.traceMessage(kind, from, to, conn, mid, msg);
  }

  /** recordMessage's recorded event (apart, to keep the per-message path short for V8's inliner). */
  private traceMessage(kind: MsgKind, from: Proc, to: Proc, conn: number, mid: number, msg: unknown): void {
    const k = kind === MsgKind.SEND ? 'send' : kind === MsgKind.RECV ? 'recv' : 'drop';
    const node = kind === MsgKind.RECV ? to.name : from.name;
    this.trace.push({ t: this.clock, kind: k, node, from: from.name, to: to.name, conn, mid, type: messageType(msg), msg });
  }

  // ---------------------------------------------------------------- ports

  private makePort(p: Proc, inc: number): Port {
    const world = this;
    // p.up is a boolean: === true is one compare, a plain truth test checks every kind of falsy value (every port
    // call runs this).
    const alive = (): boolean => p.up === true && p.inc === inc;
    const disk = p.disk;
    const write = (code: DiskOpCode, op: Parameters<SimDisk['write']>[0]): void => {
      if (!alive()) return;
      disk.write(op);
      world.recordDisk(p, code, op.op, op.file);
    };
    let diskRng: Rng | null = null; // world.rng(`disk:${name}`), looked up once
    const diskPort: DiskPort = {
      append: (file, records) => write(DiskOpCode.APPEND, { op: 'append', file, records }),
      overwrite: (file, value) => write(DiskOpCode.OVERWRITE, { op: 'overwrite', file, value }),
      truncate: (file, length) => write(DiskOpCode.TRUNCATE, { op: 'truncate', file, length }),
      remove: (file) => write(DiskOpCode.REMOVE, { op: 'remove', file }),
      sync: (tag) => {
        if (!alive()) return;
        const lat = (diskRng ??= world.rng(`disk:${p.name}`)).latency(disk.syncLatency.min, disk.syncLatency.max, 0.02);
        // fsyncs of one disk complete in the order they were requested.
        const at = Math.max(world.clock + lat, p.lastSyncDone);
        p.lastSyncDone = at;
        const ev = new Ev(EventKind.SYNCED, p, null, 0, tag, inc, disk.lastSeq);
        ev.time = at;
        // the completion's record hashes the tag by the code this one finds
        ev.typeCode = world.record1(TraceKind.FSYNC, p, 'tag', tag, 0);
        world.queue.push(ev);
      },
      readLog: (file) => disk.readLog(file),
      readValue: (file) => disk.readValue(file),
      files: () => disk.files(),
    };
    return {
      self: p.name,
      now: () => world.clock,
      random: () => p.rng.next(),
      connect: (to: NodeName): ConnId => {
        if (!alive()) return -1;
        return world.net.connect(p, world.proc(to));
      },
      send: (conn: ConnId, msg: unknown, type?: string) => {
        if (!alive()) return;
        world.net.send(p, conn, msg, type);
      },
      close: (conn: ConnId) => {
        if (!alive()) return;
        world.net.close(p, conn);
      },
      setTimer: (delayMs: number, tag: string): TimerId => {
        const id = world.nextTimerId++;
        if (!alive()) return id;
        const ev = new Ev(EventKind.TIMER, p, null, 0, tag, inc, id);
        ev.time = world.clock + Math.max(0, Math.round(delayMs));
        world.queue.push(ev);
        world.timers.set(id, ev);
        return id;
      },
      cancelTimer: (id: TimerId) => {
        const ev = world.timers.get(id);
        if (ev) {
          ev.cancelled = true;
          world.timers.delete(id);
        }
      },
      disk: diskPort,
      trace: (kind: string, data: Record<string, unknown> = {}) => {
        if (!alive()) return;
        world.record(kind, p, data);
      },
      trace2: (kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown) => {
        if (!alive()) return;
        world.recordFields(kind, p, 2, k1, v1, k2, v2, '', undefined, '', undefined);
      },
      trace3: (kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown) => {
        if (!alive()) return;
        world.recordFields(kind, p, 3, k1, v1, k2, v2, k3, v3, '', undefined);
      },
      trace4: (kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown, k4: string, v4: unknown) => {
        if (!alive()) return;
        world.recordFields(kind, p, 4, k1, v1, k2, v2, k3, v3, k4, v4);
      },
    };
  }
}

/** The type field of a message, for traces and pictures. */
export function messageType(msg: unknown): string {
  if (typeof msg === 'object' && msg !== null) {
    // One load of `type` (messages have many shapes: each load is a megamorphic lookup, once per send).
    const type = (msg as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return typeof msg;
}

/** Network events share the world's Ev shape (see network.ts). */
export interface NetEvent {
  time: number;
  cancelled: boolean;
  k: number;
  proc: Proc | null;
  conn: Conn | null;
  side: 0 | 1;
  msg: unknown;
  inc: number;
  id: number;
  typeCode: number;
  nseq: number;
  arrived: boolean;
}
