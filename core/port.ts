/**
 * The port: everything a ZooKeeper role (server or client) may do to the outside world, and every event the
 * world can hand it. Roles in core/ see nothing else: no clock but `now()`, no socket but a ConnId, no randomness
 * but `random()` (a seeded stream owned by the world), no file but the disk calls here.
 *
 * The same roles could run over real sockets and timers by implementing this port with them.
 */

/** Name of a network endpoint: a server ("s1".."sN") or a client ("c1".."cN"). */
export type NodeName = string;
/** A connection (TCP-like: FIFO, no duplication; behind a partition it goes silent until TCP's retransmission gets through). */
export type ConnId = number;
export type TimerId = number;

/**
 * Trace kinds given by number: the per-operation protocol events (through the Port's trace2..trace4) and the records
 * a host makes of what the Port did (disk writes, fsyncs, their completions, timers, and the host's own scheduled
 * steps). A host folds the number into its run fingerprint instead of looking the kind's name up (about ten records
 * per operation); recorded events still carry the name, TRACE_KIND_NAMES[kind]. A const enum: the numbers are
 * written into the callers. Append new kinds at the end (the numbers are hashed: renumbering changes every hash).
 */
export const enum TraceKind {
  PROPOSE = 1,
  ACK = 2,
  COMMIT = 3,
  APPLY = 4,
  DISK = 5,
  FSYNC = 6,
  SYNCED = 7,
  TIMER = 8,
  DRIVER = 9,
}

/** The name of each TraceKind (the `kind` of its recorded events), indexed by the number. */
export const TRACE_KIND_NAMES: readonly string[] = ['', 'propose', 'ack', 'commit', 'apply', 'disk', 'fsync', 'synced', 'timer', 'driver'];

/** Everything the world can hand a process. */
export type ProcessEvent<M = unknown> =
  /** An outgoing connect(to) succeeded: the connection is open from both sides. */
  | { kind: 'connected'; conn: ConnId; peer: NodeName }
  /** Someone connected to us. */
  | { kind: 'accepted'; conn: ConnId; peer: NodeName }
  /** A message on an open connection. */
  | { kind: 'message'; conn: ConnId; peer: NodeName; msg: M }
  /**
   * The connection is gone: closed by the peer, reset, the peer crashed, or our connect(to) was refused
   * (peer down), or our TCP gave up retransmitting (after about 15 minutes; a connect after 127 s). A connection
   * that is merely silent behind a partition yields no event: use a timeout.
   */
  | { kind: 'closed'; conn: ConnId; peer: NodeName }
  /** A timer set with setTimer fired. `tag` is whatever the role passed. */
  | { kind: 'timer'; id: TimerId; tag: string }
  /** A disk sync requested with sync(tag) completed: everything written before the request is durable. */
  | { kind: 'synced'; tag: string };

/** One file on the simulated disk: an append-only list of records, or a single value that is overwritten. */
export interface DiskPort {
  /** Append records to a log file. Not durable until a later sync completes. */
  append(file: string, records: readonly unknown[]): void;
  /** Replace a file's whole content (an atomic rename in real life). Not durable until a later sync completes. */
  overwrite(file: string, value: unknown): void;
  /** Drop every record at index >= length (truncating a log). Not durable until a later sync completes. */
  truncate(file: string, length: number): void;
  /** Remove a file. Not durable until a later sync completes. */
  remove(file: string): void;
  /**
   * Ask for everything written so far to become durable; a 'synced' event with `tag` follows. A disk completes its
   * syncs in the order they were asked for, so the 'synced' events of one process life come in request order.
   */
  sync(tag: string): void;
  /** Read a log file as this process sees it now (durable plus not yet synced). */
  readLog(file: string): readonly unknown[];
  /** Read an overwritten file, or undefined. */
  readValue(file: string): unknown;
  /** Names of the files present, sorted. */
  files(): string[];
}

export interface Port<M = unknown> {
  /** This endpoint's name. */
  readonly self: NodeName;
  /** Virtual time in milliseconds (integer). */
  now(): number;
  /** A number in [0, 1) from this process's own seeded stream (used e.g. for the client's host shuffle). */
  random(): number;
  /** Open a connection. A 'connected' or 'closed' event follows, or nothing if the peer is unreachable. */
  connect(to: NodeName): ConnId;
  /**
   * Send on an open connection; silently ignored if it is closed. `type`: the message's `type` field, passed by hot
   * send sites that know it as a constant, so that a port which traces messages by type (the simulator) need not
   * read it from a message object of one of many shapes (a megamorphic property load). It must equal msg.type.
   */
  send(conn: ConnId, msg: M, type?: string): void;
  /** Close our side; the peer gets 'closed' after the network delay (if the link is up). */
  close(conn: ConnId): void;
  setTimer(delayMs: number, tag: string): TimerId;
  cancelTimer(id: TimerId): void;
  readonly disk: DiskPort;
  /**
   * Record a protocol event in the trace (election votes, proposals, commits, state changes...).
   * `data` must be plain JSON data; the world hashes it into the trace hash.
   */
  trace(kind: string, data?: Record<string, unknown>): void;
  /**
   * Optional fast forms of trace for the per-operation events: trace2(kind, k1, v1, k2, v2) means exactly
   * trace(TRACE_KIND_NAMES[kind], { [k1]: v1, [k2]: v2 }) (same fields, same order), without the caller building the
   * object, which a port that only hashes the trace need not build at all, and with the kind as a number (see
   * TraceKind). Roles fall back to trace() when a port lacks them.
   */
  trace2?(kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown): void;
  trace3?(kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown): void;
  trace4?(kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown, k4: string, v4: unknown): void;
}

/**
 * A role hosted by the world. `start` is called when the process starts or restarts (its memory is new; the
 * disk holds what survived); `handle` for every event afterwards. A crashed process is simply dropped.
 */
export interface Role<M = unknown> {
  start(port: Port<M>): void;
  handle(event: ProcessEvent<M>): void;
  /**
   * Optional fast forms of handle for the per-operation events, as the Port's trace2..trace4 are of trace:
   * message(conn, peer, msg) means exactly handle({ kind: 'message', conn, peer, msg }), and synced(tag) exactly
   * handle({ kind: 'synced', tag }). The world calls them when a role has them, which spares an event object per
   * message and per completed fsync (nearly every event of a run).
   */
  message?(conn: ConnId, peer: NodeName, msg: M): void;
  synced?(tag: string): void;
}
