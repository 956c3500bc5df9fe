/**
 * Client connections of one server and the per-session request pipeline (src: NIOServerCnxn,
 * ZooKeeperServer.processConnectRequest, CommitProcessor's per-session queues, FinalRequestProcessor).
 *
 * - Handshake: refuse (close, no answer) when lastZxidSeen > lastProcessedZxid; clamp the timeout; new session →
 *   the host allocates an id and submits a createSession txn, answered when it is applied; re-attach → close any
 *   other cnxn of that session here, check the password, revalidate through the host (leader/standalone: its
 *   tracker; follower: REVALIDATE) → connectResponse, or timeout 0 + close when the session is gone.
 * - Every packet touches the session. Requests of one cnxn are answered strictly in order: writes and syncs are
 *   submitted at once (pipelined), reads / pings / watch ops run when they reach the head of the queue, i.e. after
 *   every earlier request of the session completed — including a write it sent through its previous server before
 *   it moved here, when that write is still in this server's pipeline (the leader's). Watch events are sent by the
 *   host while it applies a txn, before this queue is pumped, so an event always precedes the replies that reflect
 *   its change.
 * - A frame larger than jute.maxbuffer closes the connection (no zxid consumed).
 */
import { IdMap } from './id-map.js';
import type { ConnId, NodeName, Port } from '../port.js';
import type { ClientMessage, ReplyBody, Request, ServerMessage } from '../protocol.js';
import { sessionPasswd } from './sessions.js';
import { exceedsFrameLimit, requestFrameBytes } from '../txn.js';
import { DEFAULT_AUTH, authText, digestOf, type Id } from '../acl.js';
import { Code } from '../errors.js';

export type RequestClass = 'read' | 'write' | 'sync' | 'local' | 'ping';

export interface PendingRequest {
  xid: number;
  req: Request | null; // null for a ping
  cls: RequestClass;
  submitted: boolean;
  done: boolean;
  err: number;
  body?: ReplyBody;
  /** Close the connection instead of answering (SESSIONMOVED) or right after answering (closeSession). */
  closeInstead?: boolean;
  closeAfter?: boolean;
  /** A request answered here (not submitted) waits until this zxid is applied: the session's last write in the
   * pipeline when it arrived (0: none). */
  after: number;
  /** The zxid for the reply's header when the request was executed before its turn (-1: lastProcessedZxid when the
   * reply is sent). Only the bug switch read-overtakes-sync executes early. */
  zxid: number;
  /** The connection's ids when the request was read (ZooKeeper's Request.authInfo, a copy taken at receipt). */
  auth: readonly Id[];
}

/** A request just received: every field present from the start, so all pending requests share one shape. */
function pending(xid: number, req: Request | null, cls: RequestClass, auth: readonly Id[]): PendingRequest {
  return { xid, req, cls, submitted: false, done: false, err: 0, body: undefined, closeInstead: false, closeAfter: false, after: 0, zxid: -1, auth };
}

export class ClientCnxn {
  sessionId = 0;
  timeout = 0;
  state: 'new' | 'connecting' | 'open' | 'closed' = 'new';
  queue: PendingRequest[] = [];
  /** Requests received before the handshake completed. */
  early: ClientMessage[] = [];
  /**
   * The ids this connection is authenticated as (ServerCnxn.authInfo): ip:127.0.0.1 from the start (every simulated
   * client is on the loopback address, core/acl.ts), plus one digest id per successful addAuth. Replaced, never
   * mutated, so a request keeps the list it was read with.
   */
  auth: readonly Id[] = DEFAULT_AUTH;
  constructor(readonly conn: ConnId, readonly peer: NodeName) {}
}

/** What the connection table needs from the server. */
export interface CnxnHost {
  readonly port: Port<unknown>;
  serving(): boolean;
  lastProcessedZxid(): number;
  /** A client that has seen a zxid newer than lastProcessedZxid is refused (false only with a bug switch). */
  refusesClientAhead(): boolean;
  minSessionTimeout(): number;
  maxSessionTimeout(): number;
  /** New session: allocate an id. */
  newSessionId(): number;
  /** Submit createSession for cnxn.sessionId; `sessionCreated` follows when it is applied. */
  createSession(cnxn: ClientCnxn, timeout: number): void;
  /** Existing session: validate it (maybe asynchronously) and call `finishReattach`. */
  revalidate(cnxn: ClientCnxn, sessionId: number, timeout: number): void;
  /** A packet arrived for the session. */
  touch(sessionId: number, timeout: number): void;
  /** Syncs are forwarded to the leader (learners) rather than answered at the head of the queue. */
  submitsSync(): boolean;
  /** BUG SWITCH read-overtakes-sync: a read held only by the session's pending forwarded syncs is executed at once. */
  readsOvertakeSync(): boolean;
  /** The zxid of the session's last write in this server's pipeline, not applied yet (0: none). */
  lastPendingWrite(sessionId: number): number;
  /** Submit a write (or a forwarded sync); completion comes through `complete`. */
  submit(cnxn: ClientCnxn, p: PendingRequest): void;
  /** Execute a read / local op at the head of the queue: sets p.err and p.body (no result object per read). */
  execute(cnxn: ClientCnxn, p: PendingRequest): void;
  /** The cnxn is gone (drop its watches). */
  cnxnClosed(cnxn: ClientCnxn): void;
}

export function classify(req: Request): RequestClass {
  switch (req.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'setACL':
    case 'multi':
    case 'closeSession':
      return 'write';
    case 'exists':
    case 'getData':
    case 'getChildren':
    case 'multiRead':
    case 'getEphemerals':
    case 'getAllChildrenNumber':
    case 'getACL':
    case 'whoAmI': // Request.isQuorum false: a local read after the session's earlier requests (CommitProcessor)
      return 'read';
    case 'sync':
      return 'sync';
    default:
      return 'local';
  }
}

/**
 * The last request of `queue` (just pushed) waits only for submitted syncs: some earlier request is not done, and
 * every earlier request not done is a forwarded sync.
 */
function heldOnlyBySyncs(queue: readonly PendingRequest[]): boolean {
  let held = false;
  for (let i = 0; i < queue.length - 1; i++) {
    const q = queue[i]!;
    if (q.done) continue;
    if (q.cls !== 'sync' || !q.submitted) return false;
    held = true;
  }
  return held;
}

/** Jute frame length of a request (core/txn.ts), re-exported for the server's frame limit check. */
export { requestFrameBytes };

export class CnxnTable {
  readonly byConn = new IdMap<ClientCnxn>();
  readonly bySession = new IdMap<ClientCnxn>();

  /** The host's port, read once: a server makes its table when it starts on its port. */
  private readonly port: Port<unknown>;
  /** The host's read-overtakes-sync bug switch, read once. */
  private readonly overtake: boolean;

  constructor(private host: CnxnHost) {
    this.port = host.port;
    this.overtake = host.readsOvertakeSync();
  }

  accepted(conn: ConnId, peer: NodeName): void {
    this.byConn.set(conn, new ClientCnxn(conn, peer));
  }

  has(conn: ConnId): boolean {
    return this.byConn.has(conn);
  }

  /** Close every client connection (server going LOOKING / shutting down). */
  closeAll(): void {
    for (const c of [...this.byConn.values()]) this.close(c);
  }

  close(c: ClientCnxn): void {
    if (c.state === 'closed') return;
    c.state = 'closed';
    this.byConn.delete(c.conn);
    if (c.sessionId !== 0 && this.bySession.get(c.sessionId) === c) this.bySession.delete(c.sessionId);
    c.queue = [];
    this.port.close(c.conn);
    this.host.cnxnClosed(c);
  }

  /** The peer closed the connection. */
  closed(conn: ConnId): void {
    const c = this.byConn.get(conn);
    if (!c) return;
    c.state = 'closed';
    this.byConn.delete(conn);
    if (c.sessionId !== 0 && this.bySession.get(c.sessionId) === c) this.bySession.delete(c.sessionId);
    c.queue = [];
    this.host.cnxnClosed(c);
  }

  /** Sends to the client; hot senders pass the message's type (see Port.send), which the compiler checks against m. */
  private send<T extends ServerMessage>(c: ClientCnxn, m: T, type?: T['type']): void {
    if (c.state === 'closed') return;
    this.port.send(c.conn, m, type);
  }

  sendEvent(c: ClientCnxn, m: ServerMessage): void {
    this.send(c, m);
  }

  message(conn: ConnId, msg: ClientMessage): void {
    const c = this.byConn.get(conn);
    if (!c || c.state === 'closed') return;
    if (c.state === 'new') {
      if (msg.type !== 'connect') {
        this.close(c);
        return;
      }
      this.connect(c, msg);
      return;
    }
    if (msg.type === 'connect') {
      this.close(c);
      return;
    }
    if (c.state === 'connecting') {
      c.early.push(msg);
      return;
    }
    this.packet(c, msg);
  }

  private connect(c: ClientCnxn, msg: Extract<ClientMessage, { type: 'connect' }>): void {
    const port = this.port;
    if (!this.host.serving()) {
      this.close(c);
      return;
    }
    const last = this.host.lastProcessedZxid();
    if (msg.lastZxidSeen > last && this.host.refusesClientAhead()) {
      port.trace('refuse', { peer: c.peer, sessionId: msg.sessionId, clientZxid: msg.lastZxidSeen, zxid: last });
      this.close(c);
      return;
    }
    const timeout = Math.max(this.host.minSessionTimeout(), Math.min(this.host.maxSessionTimeout(), msg.timeoutMs));
    c.timeout = timeout;
    c.state = 'connecting';
    if (msg.sessionId === 0) {
      const id = this.host.newSessionId();
      c.sessionId = id;
      this.bySession.set(id, c);
      this.host.createSession(c, timeout);
      return;
    }
    // re-attach: close any other cnxn of this session on this server
    const other = this.bySession.get(msg.sessionId);
    if (other && other !== c) this.close(other);
    if (msg.passwd !== sessionPasswd(msg.sessionId)) {
      this.send(c, { type: 'connectResponse', timeoutMs: 0, sessionId: 0, passwd: '' });
      this.close(c);
      return;
    }
    c.sessionId = msg.sessionId;
    this.bySession.set(msg.sessionId, c);
    this.host.revalidate(c, msg.sessionId, timeout);
  }

  /** createSession txn applied (on the server holding the cnxn). */
  sessionCreated(sessionId: number): void {
    const c = this.bySession.get(sessionId);
    if (!c || c.state !== 'connecting') return;
    this.open(c);
  }

  /** Revalidation result for a re-attaching cnxn. */
  finishReattach(c: ClientCnxn, valid: boolean, timeout?: number): void {
    if (c.state !== 'connecting') return;
    if (!valid) {
      this.port.trace('session', { id: c.sessionId, event: 'reattach-expired' });
      this.send(c, { type: 'connectResponse', timeoutMs: 0, sessionId: 0, passwd: '' });
      this.close(c);
      return;
    }
    if (timeout !== undefined && timeout > 0) c.timeout = timeout;
    this.open(c);
  }

  private open(c: ClientCnxn): void {
    c.state = 'open';
    this.send(c, { type: 'connectResponse', timeoutMs: c.timeout, sessionId: c.sessionId, passwd: sessionPasswd(c.sessionId) });
    this.port.trace('session', { id: c.sessionId, event: 'connected', peer: c.peer });
    const early = c.early;
    c.early = [];
    for (const m of early) if (c.state === 'open') this.packet(c, m);
  }

  private packet(c: ClientCnxn, msg: ClientMessage): void {
    this.host.touch(c.sessionId, c.timeout);
    if (msg.type === 'ping') {
      const ping = pending(-2, null, 'ping', c.auth);
      ping.after = this.host.lastPendingWrite(c.sessionId);
      c.queue.push(ping);
      this.pump(c);
      return;
    }
    if (msg.type !== 'request') return;
    if (exceedsFrameLimit(msg.req)) {
      this.port.trace('frame-too-large', { peer: c.peer, sessionId: c.sessionId });
      this.close(c);
      return;
    }
    if (msg.req.op === 'auth') {
      this.auth(c, msg.req.scheme, msg.req.auth);
      return;
    }
    const p = pending(msg.xid, msg.req, classify(msg.req), c.auth);
    c.queue.push(p);
    if (p.cls === 'write' || (p.cls === 'sync' && this.host.submitsSync())) {
      p.submitted = true;
      this.host.submit(c, p);
    } else {
      p.after = this.host.lastPendingWrite(c.sessionId);
      // BUG SWITCH read-overtakes-sync: a read that only the session's pending forwarded syncs hold is executed now,
      // from this server's state before the syncs' replies came back; its reply still goes out in order (with the
      // zxid it was executed at), so the client cannot tell from the xids.
      if (this.overtake && p.cls === 'read' && p.after === 0 && heldOnlyBySyncs(c.queue)) {
        this.host.execute(c, p);
        p.done = true;
        p.zxid = this.host.lastProcessedZxid();
      }
    }
    this.pump(c);
  }

  /**
   * An auth packet (ZooKeeperServer.processPacket, 3.8.0): handled as soon as it is read, answered at once with xid -4
   * and zxid 0, ahead of replies still pending. The `digest` scheme adds the id "user:base64(sha1(auth))" (no other
   * check: any text authenticates); any other scheme has no provider: AUTHFAILED, then the server closes the
   * connection (closeConn; the session lives on until it expires).
   */
  private auth(c: ClientCnxn, scheme: string, auth: Uint8Array): void {
    if (scheme === 'digest') {
      const id = digestOf(authText(auth));
      if (!c.auth.some((x) => x.scheme === 'digest' && x.id === id)) c.auth = [...c.auth, { scheme: 'digest', id }];
      this.port.trace('auth', { sessionId: c.sessionId, scheme, ok: true });
      this.send(c, { type: 'reply', xid: -4, zxid: 0, err: 0 });
      return;
    }
    this.port.trace('auth', { sessionId: c.sessionId, scheme, ok: false });
    this.send(c, { type: 'reply', xid: -4, zxid: 0, err: Code.AUTHFAILED });
    this.close(c);
  }

  /** The open cnxn of a session on this server, if any (the one `complete` answers on). */
  openSession(sessionId: number): ClientCnxn | undefined {
    const c = this.bySession.get(sessionId);
    return c !== undefined && c.state === 'open' ? c : undefined;
  }

  /** A submitted write/sync of `sessionId` with xid `cxid` completed (txn applied / SYNC received). */
  complete(sessionId: number, cxid: number, err: number, body: ReplyBody | undefined, closeInstead: boolean, closeAfter: boolean): void {
    const c = this.openSession(sessionId);
    if (c !== undefined) this.completeOn(c, cxid, err, body, closeInstead, closeAfter);
  }

  /** `complete` on the session's cnxn, found by openSession. */
  // (no default parameters and an indexed loop, not for-of: both add bytecode, and V8 inlines small functions only)
  completeOn(c: ClientCnxn, cxid: number, err: number, body: ReplyBody | undefined, closeInstead: boolean, closeAfter: boolean): void {
    if (c.state !== 'open') return;
    let p: PendingRequest | undefined;
    const queue = c.queue;
    for (let i = 0; i < queue.length; i++) {
      const q = queue[i]!;
      if (q.submitted && !q.done && q.xid === cxid) {
        p = q;
        break;
      }
    }
    if (!p) {
      // A write of this session that came by another connection (before it moved here) may have held its queue. Not
      // when it closed the session (an expiry): the cnxn closes next, and what waited behind the close goes with it
      // unanswered, as in ZooKeeper (the close's FinalRequestProcessor closes the cnxn first).
      if (!closeAfter) this.pump(c);
      return;
    }
    p.done = true;
    p.err = err;
    p.body = body;
    if (closeInstead) p.closeInstead = true;
    if (closeAfter) p.closeAfter = true;
    this.pump(c);
  }

  /** Answer every request at the head of the queue that can be answered now. */
  pump(c: ClientCnxn): void {
    while (c.state === 'open' && c.queue.length > 0) {
      const p = c.queue[0]!;
      if (!p.done) {
        if (p.cls === 'write' || (p.cls === 'sync' && p.submitted)) return; // waits for its txn / SYNC
        // waits for the session's earlier writes in the pipeline, also one sent through its previous server
        if (p.after !== 0 && this.host.lastProcessedZxid() < p.after) return;
        if (p.cls === 'ping') {
          c.queue.shift();
          this.send(c, { type: 'pong', zxid: this.host.lastProcessedZxid() });
          continue;
        }
        this.host.execute(c, p);
        p.done = true;
      }
      c.queue.shift();
      if (p.closeInstead) {
        this.close(c);
        return;
      }
      const zxid = p.zxid >= 0 ? p.zxid : this.host.lastProcessedZxid();
      // one object shape per reply kind (adding body afterwards changed the shape of every read's reply)
      const reply: Extract<ServerMessage, { type: 'reply' }> = p.body !== undefined && (p.err === 0 || p.body.op === 'multi')
        ? { type: 'reply', xid: p.xid, zxid, err: p.err, body: p.body }
        : { type: 'reply', xid: p.xid, zxid, err: p.err };
      this.send(c, reply, 'reply');
      if (p.closeAfter) {
        this.close(c);
        return;
      }
    }
  }

  /** The session was closed/expired by a committed closeSession: close its cnxn here. */
  sessionClosed(sessionId: number): void {
    const c = this.bySession.get(sessionId);
    if (!c) return;
    // the requester's own closeSession reply is sent by pump (closeAfter); anything else: close now
    if (c.state === 'open' && c.queue.some((p) => p.closeAfter)) return;
    this.close(c);
  }
}
