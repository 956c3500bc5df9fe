/**
 * The leader (src: Leader, LearnerHandler, PrepRequestProcessor, ProposalRequestProcessor, CommitProcessor), and
 * the standalone server, which is a leader of a one-voter ensemble in epoch 0 without discovery.
 *
 * Discovery: FOLLOWERINFO from a quorum (with the leader) → epoch = 1 + max acceptedEpoch, persist acceptedEpoch,
 * LEADERINFO; ACKEPOCH quorum → persist currentEpoch; "follower ahead of leader" aborts. Sync per learner: DIFF /
 * TRUNC / SNAP from the committedLog, outstanding proposals, NEWLEADER; quorum of NEWLEADER ACKs → serve
 * (lastProcessedZxid = epoch << 32), UPTODATE. Broadcast: Prep on the proposed tree, PROPOSAL, own log+fsync then
 * self-ACK, commit in zxid order on a quorum, COMMIT / INFORM, apply. Liveness: PING every tick/2, quorum of synced
 * learners checked every tick, else step down. Sessions: the tracker expires buckets; touches from local cnxns and
 * from learners' ping replies; REVALIDATE moves ownership.
 */
import { IdMap } from './id-map.js';
import { TraceKind, type ConnId } from '../port.js';
import { Code } from '../errors.js';
import type { DataTree } from '../datatree.js';
import { prepare } from '../txn.js';
import type { PrepContext, PrepRequest, Txn } from '../txn.js';
import type { ZooKeeperServer } from './index.js';
import type { ForwardedRequest, QuorumMessage } from './quorum-messages.js';
import { TWO32, counterOf, epochOf, hasId, hex, makeZxid } from './quorum-messages.js';
import { SessionTracker } from './sessions.js';
import type { StoredTxn } from './db.js';

const CONTAINER_CHECK_MS = 60000;
/**
 * The container manager submits one delete at a time and then waits 60 000 / znode.container.maxPerMinute ms (default
 * 10 000 per minute: 6 ms) before the next (ContainerManager.checkContainers and getMinIntervalMs in 3.8.0's jar).
 */
const CONTAINER_DELETE_INTERVAL_MS = 6;

type HandlerState = 'info' | 'leaderinfo' | 'epochAcked' | 'synced' | 'newleaderAcked' | 'uptodate';

interface Handler {
  conn: ConnId;
  sid: number;
  observer: boolean;
  state: HandlerState;
  acceptedEpoch: number;
  lastZxid: number;
  lastHeard: number;
  /** Receives new PROPOSAL/COMMIT (participants) or INFORM (observers). */
  forwarding: boolean;
}

interface Proposal {
  t: Txn;
  /**
   * The sids that ACKed it, each once, in ascending order (a few: an array is cheaper than a Set per proposal). Kept
   * sorted so that the 'commit' trace takes it as it is; not changed once the proposal is committed. Replaced, never
   * changed in place (see withId): it starts as the shared NO_ACKS.
   */
  acks: readonly number[];
  /** How many of `acks` are voters: the quorum test per ACK is one comparison (s.hasQuorum(acks) walked the list). */
  votes: number;
  at: number;
}

export class Leader {
  phase: 'discovery' | 'sync' | 'broadcast' = 'discovery';
  epoch = -1;
  readonly handlers = new IdMap<Handler>();
  private connecting = new Set<number>();
  private maxAccepted = 0;
  private epochAckers = new Set<number>();
  private newLeaderAckers = new Set<number>();
  private outstanding: Proposal[] = [];
  lastProposed = 0;
  /** The proposed state: committed tree + every outstanding proposal (Prep validates against it). */
  proposed: DataTree | null = null;
  readonly tracker: SessionTracker;
  /**
   * The container manager's current check: its candidates, the next to submit, and when it ran. Its thread submits
   * one delete every CONTAINER_DELETE_INTERVAL_MS; checks that fall due meanwhile run one after the other once this
   * one is done (java.util.Timer at a fixed rate: every late execution runs, as soon as the previous one returns).
   */
  private containerCheck: { paths: string[]; next: number; at: number } | null = null;
  private containerChecksDue = 0;
  private pendingSyncs: Array<{ conn: ConnId; sessionId: number; cxid: number; path: string; zxid: number }> = [];
  private summary = { currentEpoch: 0, lastZxid: 0 };
  private expiryTimerAt = -1;
  private epochDurable = false;
  private currentEpochPending = false;
  private stopped = false;

  constructor(private s: ZooKeeperServer, readonly electionEpoch: number) {
    this.tracker = new SessionTracker(s.tick);
  }

  /** The leader's own ACK once its log write of a proposal is durable (one function for all, see afterSync). */
  private readonly selfAck = (zxid: number): void => this.processAck(zxid, this.s.myId);

  // ------------------------------------------------------------------ start

  startStandalone(): void {
    this.s.db.unconfirmedCloses = []; // every logged txn is committed (no record names those the log replayed)
    this.epoch = 0;
    this.phase = 'broadcast';
    this.beginBroadcast();
  }

  startEnsemble(): void {
    const s = this.s;
    this.summary = { currentEpoch: s.storage.currentEpoch, lastZxid: s.db.lastProcessedZxid };
    // ZooKeeper's leader takes a snapshot when it loads its database
    s.writeDbSnapshot();
    s.storage.prune(3);
    s.port.disk.sync('leader-snapshot');
    this.maxAccepted = s.storage.acceptedEpoch;
    this.connecting.add(s.myId);
    s.setRoleTimer(s.config.initLimit * s.tick, 'init-limit');
    s.setRoleTimer(s.tick / 2, 'ping');
    s.setRoleTimer(s.tick, 'check');
    this.maybeDecideEpoch();
  }

  private maybeDecideEpoch(): void {
    if (this.epoch >= 0 || !this.s.hasQuorum(this.connecting)) return;
    const s = this.s;
    this.epoch = this.maxAccepted + 1;
    this.lastProposed = makeZxid(this.epoch, 0);
    // acceptedEpoch is written and fsynced before LEADERINFO goes out (QuorumPeer.writeLongToFile)
    s.storage.setAcceptedEpoch(this.epoch);
    s.afterSync(() => {
      this.epochDurable = true;
      s.trace('epoch', { accepted: this.epoch, role: 'leader' });
      for (const h of this.handlers.values()) if (h.state === 'info') this.sendLeaderInfo(h);
      this.epochAckers.add(s.myId);
      this.maybeEpochQuorum();
    }, 0);
  }

  private sendLeaderInfo(h: Handler): void {
    h.state = 'leaderinfo';
    this.s.sendPeer(h.conn, { type: 'leaderinfo', epoch: this.epoch });
  }

  private maybeEpochQuorum(): void {
    if (this.phase !== 'discovery' || this.currentEpochPending || !this.s.hasQuorum(this.epochAckers)) return;
    const s = this.s;
    this.currentEpochPending = true;
    s.storage.setCurrentEpoch(this.epoch);
    s.afterSync(() => {
      s.fle?.updateElectionVote(this.epoch);
      s.trace('epoch', { current: this.epoch, role: 'leader' });
      this.phase = 'sync';
      for (const h of this.handlers.values()) if (h.state === 'epochAcked') this.syncLearner(h);
      this.maybeNewLeaderQuorum();
    }, 0);
  }

  private maybeNewLeaderQuorum(): void {
    if (this.phase !== 'sync' || !this.s.hasQuorum([this.s.myId, ...this.newLeaderAckers])) return;
    const s = this.s;
    this.phase = 'broadcast';
    const historyZxid = s.db.maxCommittedLog;
    s.db.lastProcessedZxid = makeZxid(this.epoch, 0);
    s.trace('leader', { epoch: this.epoch, zxid: s.db.lastProcessedZxid, historyZxid });
    // Its whole history is committed from now on, including closeSession txns that a previous leader proposed and no
    // server applied in broadcast: they commit only now, through this log. Named so that checkers learn the zxid of
    // those sessions' ends (the others they learn from 'apply'); repeats of earlier closes are harmless.
    const named = new Set<number>();
    for (const t of s.db.committedLog) if (t.type === 'closeSession') { s.trace('history-close', { zxid: t.zxid, session: t.sessionId }); named.add(t.zxid); }
    // and the closes it holds without having seen them commit that are older than its committedLog: it recovered
    // them from a snapshot (its leader snapshot of an attempt that never served, say), no record names them else
    for (const [zxid, session] of s.db.unconfirmedCloses) if (!named.has(zxid)) s.trace('history-close', { zxid, session });
    s.db.unconfirmedCloses = [];
    s.trace('state', { role: 'LEADING', epoch: this.epoch, phase: 'broadcast' });
    this.beginBroadcast();
    for (const h of this.handlers.values()) if (h.state === 'newleaderAcked') this.sendUpToDate(h);
  }

  private beginBroadcast(): void {
    const s = this.s;
    if (this.epoch === 0) this.lastProposed = s.db.lastProcessedZxid;
    this.proposed = s.db.tree.clone();
    // re-arm every known session with a full timeout (src: session tracker built from the DB's session table)
    const now = s.now();
    for (const [id, timeout] of s.db.tree.sessions()) this.tracker.add(id, timeout, now, null);
    this.armExpiry();
    s.setRoleTimer(s.config.containerCheckIntervalMs ?? CONTAINER_CHECK_MS, 'containers');
    s.setServing(true);
  }

  private sendUpToDate(h: Handler): void {
    h.state = 'uptodate';
    this.s.sendPeer(h.conn, { type: 'uptodate' });
  }

  shutdown(): void {
    this.stopped = true;
    for (const h of this.handlers.values()) this.s.closePeer(h.conn);
    this.handlers.clear();
  }

  // ------------------------------------------------------------------ timers

  /**
   * Drops the learners that have not ACKed `oldest` in time. Apart from timer, which runs several times a second:
   * this rare branch, compiled into it, read txns of any type (`oldest.t.zxid`) and learners it had not seen yet, and
   * each new shape threw out timer's optimized code for a recompile.
   */
  private dropAckTimeouts(oldest: Proposal): void {
    const s = this.s;
    for (const h of [...this.handlers.values()]) {
      if (h.observer || !h.forwarding || oldest.acks.includes(h.sid)) continue;
      s.trace('learner', { event: 'ack-timeout', sid: h.sid, zxid: oldest.t.zxid });
      this.handlers.delete(h.conn);
      s.closePeer(h.conn);
    }
  }

  timer(name: string): void {
    const s = this.s;
    if (this.stopped) return;
    switch (name) {
      case 'init-limit':
        if (this.phase !== 'broadcast') {
          s.trace('stepdown', { reason: `no quorum in ${this.phase} within initLimit`, epoch: this.epoch });
          s.goLooking('leader-init-timeout');
        }
        return;
      case 'ping': {
        // a learner that has not ACKed the oldest outstanding proposal within syncLimit ticks is dropped
        const oldest = this.outstanding[0];
        if (oldest && s.now() - oldest.at > s.config.syncLimit * s.tick) this.dropAckTimeouts(oldest);
        for (const h of this.handlers.values()) s.sendPeer(h.conn, { type: 'ping', zxid: this.lastProposed });
        s.setRoleTimer(s.tick / 2, 'ping');
        return;
      }
      case 'check': {
        const now = s.now();
        for (const h of [...this.handlers.values()]) {
          const limit = (h.state === 'newleaderAcked' || h.state === 'uptodate' ? s.config.syncLimit : s.config.initLimit) * s.tick;
          if (now - h.lastHeard > limit) {
            s.trace('learner', { event: 'timeout', sid: h.sid });
            this.handlers.delete(h.conn);
            s.closePeer(h.conn);
          }
        }
        if (this.phase === 'broadcast') {
          const synced = [s.myId];
          for (const h of this.handlers.values()) {
            if ((h.state === 'newleaderAcked' || h.state === 'uptodate') && now - h.lastHeard <= s.config.syncLimit * s.tick) synced.push(h.sid);
          }
          if (!s.hasQuorum(synced)) {
            s.trace('stepdown', { reason: 'not sufficient followers synced', epoch: this.epoch, synced });
            s.goLooking('leader-lost-quorum');
            return;
          }
        }
        s.setRoleTimer(s.tick, 'check');
        return;
      }
      case 'expire':
        this.expiryTimerAt = -1;
        this.expireSessions();
        return;
      case 'containers':
        // ContainerManager: every checkIntervalMs (default 60 000), at a fixed rate
        if (this.containerCheck) this.containerChecksDue++;
        else this.checkContainers();
        s.setRoleTimer(s.config.containerCheckIntervalMs ?? CONTAINER_CHECK_MS, 'containers');
        return;
      case 'container-delete':
        this.nextContainerDelete();
        return;
    }
  }

  /** One check of the container manager: its candidates from the committed tree now, deleted one by one. */
  private checkContainers(): void {
    const s = this.s;
    if (this.phase !== 'broadcast') return;
    const paths = s.db.tree.containerCandidates(s.now(), s.bug['ttl-from-ctime']);
    if (paths.length === 0) return;
    this.containerCheck = { paths, next: 0, at: s.now() };
    this.nextContainerDelete();
  }

  /** Submits the check's next delete and waits the interval; after the last one's wait, a check that fell due runs. */
  private nextContainerDelete(): void {
    const c = this.containerCheck;
    if (!c) return;
    if (c.next === c.paths.length) {
      this.containerCheck = null;
      while (this.containerChecksDue > 0 && !this.containerCheck) {
        this.containerChecksDue--;
        this.checkContainers(); // (one with no candidate returns at once: the next due one runs)
      }
      return;
    }
    // a deposed leader's role stops (its timers with it); prep of the delete decides whether the node still qualifies
    this.processRequest({ kind: 'deleteContainer', path: c.paths[c.next++]!, checked: c.at }, this.s.myId);
    this.s.setRoleTimer(CONTAINER_DELETE_INTERVAL_MS, 'container-delete');
  }

  // ------------------------------------------------------------------ learner messages

  handlerClosed(conn: ConnId): void {
    const h = this.handlers.get(conn);
    if (!h) return;
    this.handlers.delete(conn);
    this.s.trace('learner', { event: 'closed', sid: h.sid });
  }

  /** A learner's message. ACKs and forwarded requests are handled here, the rest in otherMessage (kept small, see ZooKeeperServer.handle). */
  message(conn: ConnId, sid: number, m: QuorumMessage): void {
    const h = this.handlers.get(conn);
    if (!h) {
      this.firstMessage(conn, m);
      return;
    }
    h.lastHeard = this.s.now();
    if (m.type === 'ack') {
      if (m.zxid === makeZxid(this.epoch, 0) && counterOf(m.zxid) === 0) this.newLeaderAck(h);
      else if (!h.observer && (h.state === 'newleaderAcked' || h.state === 'uptodate')) this.processAck(m.zxid, h.sid);
      return;
    }
    if (m.type === 'request') {
      if (h.state === 'uptodate' || h.state === 'newleaderAcked') this.processRequest(m.r, h.sid, h.conn);
      return;
    }
    this.otherMessage(h, m);
  }

  /** A message on a connection without handler yet: a learner's FOLLOWERINFO. */
  private firstMessage(conn: ConnId, m: QuorumMessage): void {
    const s = this.s;
    if (m.type !== 'followerinfo') {
      s.closePeer(conn);
      return;
    }
    // one handler per sid: a reconnecting learner replaces its old handler
    for (const old of [...this.handlers.values()]) {
      if (old.sid === m.sid) {
        this.handlers.delete(old.conn);
        s.closePeer(old.conn);
      }
    }
    const h: Handler = { conn, sid: m.sid, observer: m.observer, state: 'info', acceptedEpoch: m.acceptedEpoch, lastZxid: 0, lastHeard: s.now(), forwarding: false };
    this.handlers.set(conn, h);
    s.trace('learner', { event: 'info', sid: m.sid, acceptedEpoch: m.acceptedEpoch, observer: m.observer });
    if (this.epochDurable) this.sendLeaderInfo(h);
    else {
      if (m.acceptedEpoch > this.maxAccepted) this.maxAccepted = m.acceptedEpoch;
      if (!m.observer) this.connecting.add(m.sid);
      this.maybeDecideEpoch();
    }
  }

  /** The ACK of NEWLEADER. */
  private newLeaderAck(h: Handler): void {
    if (h.state !== 'synced') return; // the final ACK after UPTODATE is ignored
    h.state = 'newleaderAcked';
    if (!h.observer) this.newLeaderAckers.add(h.sid);
    this.s.trace('learner', { event: 'newleader-ack', sid: h.sid });
    if (this.phase === 'sync') this.maybeNewLeaderQuorum();
    else if (this.phase === 'broadcast') this.sendUpToDate(h);
  }

  private otherMessage(h: Handler, m: QuorumMessage): void {
    const s = this.s;
    switch (m.type) {
      case 'ackepoch': {
        if (h.state !== 'leaderinfo') return;
        h.lastZxid = m.lastZxid;
        h.state = 'epochAcked';
        // src: Leader.waitForEpochAck: checked only until the epoch quorum is reached; the learner's handler dies
        if (m.currentEpoch !== -1 && this.phase === 'discovery') {
          // BUG SWITCH 'election-ignores-zxid' also drops this safety net, so the stale leader truncates the others
          const ahead = !s.bug['election-ignores-zxid'] && m.currentEpoch > this.summary.currentEpoch ||
            (!s.bug['election-ignores-zxid'] && m.currentEpoch === this.summary.currentEpoch && m.lastZxid > this.summary.lastZxid);
          if (ahead) {
            s.trace('learner', { event: 'follower-ahead', sid: h.sid, lastZxid: m.lastZxid, currentEpoch: m.currentEpoch });
            this.handlers.delete(h.conn);
            s.closePeer(h.conn);
            return;
          }
          if (!h.observer) this.epochAckers.add(h.sid);
        }
        if (this.phase === 'discovery') this.maybeEpochQuorum();
        else this.syncLearner(h);
        return;
      }
      case 'pingReply': {
        const now = s.now();
        for (const [id, timeout] of m.touches) this.tracker.touch(id, now, timeout);
        this.armExpiry();
        return;
      }
      case 'revalidate': {
        const valid = this.tracker.touch(m.sessionId, s.now(), m.timeout);
        if (valid) {
          const t = this.tracker.sessions.get(m.sessionId)!;
          t.owner = h.sid;
          this.armExpiry();
        }
        s.trace('session', { id: m.sessionId, event: valid ? 'revalidate' : 'revalidate-invalid', via: h.sid });
        s.sendPeer(h.conn, { type: 'revalidateReply', sessionId: m.sessionId, valid, timeout: m.timeout, cnxnTag: m.cnxnTag });
        return;
      }
      default:
        return;
    }
  }

  /** Choose DIFF / TRUNC / SNAP (src: LearnerHandler.syncFollower), send it, then NEWLEADER. */
  private syncLearner(h: Handler): void {
    const s = this.s;
    const db = s.db;
    const peer = h.lastZxid;
    const last = db.lastProcessedZxid;
    const log = db.committedLog;
    const min = db.minCommittedLog;
    const max = db.maxCommittedLog;
    const packets: QuorumMessage[] = [];
    let mode: 'diff' | 'trunc' | 'snap' = 'snap';
    let opZxid = last;
    const queueFrom = (i: number) => {
      for (let j = i; j < log.length; j++) {
        const t = log[j]!;
        packets.push({ type: 'proposal', t });
        packets.push({ type: 'commit', zxid: t.zxid });
      }
    };
    if (peer === last) {
      mode = 'diff';
      opZxid = peer;
    } else if (peer > max && counterOf(peer) !== 0) {
      mode = 'trunc';
      opZxid = max;
    } else if (log.length > 0 && min <= peer && peer <= max) {
      const idx = log.findIndex((t) => t.zxid >= peer);
      const t0 = log[idx]!;
      if (t0.zxid === peer) {
        mode = 'diff';
        opZxid = max;
        queueFrom(idx + 1);
      } else if (counterOf(peer) === 0) {
        mode = 'diff';
        opZxid = max;
        queueFrom(idx);
      } else if (epochOf(t0.zxid) === epochOf(peer)) {
        mode = 'trunc';
        opZxid = idx > 0 ? log[idx - 1]!.zxid : min; // previous proposal
        queueFrom(idx);
      } else {
        mode = 'snap';
      }
    } else if (log.length === 0 && peer < last && counterOf(peer) === 0) {
      mode = 'snap';
    }
    if (mode === 'snap') {
      opZxid = last;
      s.sendPeer(h.conn, { type: 'snap', zxid: last, snapshot: s.dbSnapshot() });
    } else if (mode === 'diff') {
      s.sendPeer(h.conn, { type: 'diff', zxid: opZxid });
    } else {
      s.sendPeer(h.conn, { type: 'trunc', zxid: opZxid });
    }
    for (const p of packets) s.sendPeer(h.conn, p);
    s.trace('sync', { peer: h.sid, mode, zxid: opZxid, peerZxid: peer, txns: packets.length / 2 });
    // startForwarding: outstanding proposals (participants only)
    if (!h.observer) for (const p of this.outstanding) s.sendPeer(h.conn, { type: 'proposal', t: p.t });
    s.sendPeer(h.conn, { type: 'newleader', zxid: makeZxid(this.epoch, 0) });
    h.state = 'synced';
    h.forwarding = true;
  }

  // ------------------------------------------------------------------ broadcast

  /** Prep + propose a request (leader-local cnxns pass owner = myId; learners their sid). */
  processRequest(r: ForwardedRequest, owner: number, fromConn?: ConnId): void {
    const s = this.s;
    if (this.phase !== 'broadcast' || this.stopped) return;
    if (r.kind === 'op' && r.req.op === 'sync') {
      this.processSync(r.sessionId, r.cxid, r.req.path, fromConn);
      return;
    }
    if (counterOf(this.lastProposed) >= TWO32 - 2 && this.epoch > 0) {
      this.rollover();
      return;
    }
    const zxid = this.lastProposed + 1;
    const now = s.now();
    let req: PrepRequest;
    let ctx: PrepContext;
    if (r.kind === 'op') {
      req = r.req as PrepRequest;
      ctx = { sessionId: r.sessionId, zxid, time: now, cxid: r.cxid };
      if (r.auth !== undefined) ctx.auth = r.auth;
      if (r.req.op === 'closeSession') {
        this.tracker.setClosing(r.sessionId);
      } else {
        const e = this.tracker.check(r.sessionId, this.s.standalone ? null : owner);
        if (e !== 0) ctx.sessionError = e;
      }
    } else {
      req = this.internalRequest(r, owner, now);
      ctx = { sessionId: r.kind === 'deleteContainer' ? 0 : r.sessionId, zxid, time: now, cxid: r.kind === 'createSession' ? r.cxid : -1 };
    }
    if (s.config.extendedTypesEnabled) ctx.extendedTypesEnabled = true;
    if (s.bug['seq-from-child-count']) ctx.seqFromChildCount = true; // BUG SWITCH: see prepCreate
    const t = prepare(this.proposed!, req, ctx);
    this.proposed!.applyOnly(t); // Prep's state only: no reply, no watches
    this.lastProposed = zxid;
    const p: Proposal = { t, acks: NO_ACKS, votes: 0, at: now };
    this.outstanding.push(p);
    // the container manager's deletes (session 0) name their node: the checkers add them to the history
    // (check/history.ts withServerDeletes)
    // (with the time of the check that chose the node: the ttl property judges from then)
    if (ctx.sessionId === 0 && t.type === 'delete') s.trace('propose', { zxid, type: t.type, session: 0, epoch: this.epoch, path: t.path, ...(r.kind === 'deleteContainer' ? { checked: r.checked } : {}) });
    else s.trace4(TraceKind.PROPOSE, 'zxid', zxid, 'type', t.type, 'session', ctx.sessionId, 'epoch', this.epoch);
    // one message object for every learner (nothing mutates a message once sent)
    const m = { type: 'proposal', t } as const satisfies QuorumMessage;
    const hs = this.handlers.list(); // sending changes no handler
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i]!;
      if (h.forwarding && !h.observer) s.sendPeer(h.conn, m, 'proposal');
    }
    s.storage.appendTxns([t as StoredTxn]);
    s.txnsLogged(1);
    if (s.bug['commit-before-quorum']) this.commitAtOnce(p);
    else s.afterSync(this.selfAck, zxid);
  }

  // The rare cases of processRequest, out of it so that it stays small (see ZooKeeperServer.handle).

  /** A learner's sync: answered after the last proposed zxid commits (src: Leader.processSync). */
  private processSync(sessionId: number, cxid: number, path: string, fromConn: ConnId | undefined): void {
    if (fromConn === undefined) return;
    const p = { conn: fromConn, sessionId, cxid, path, zxid: this.lastProposed };
    if (this.outstanding.length === 0) this.s.sendPeer(fromConn, { type: 'sync', sessionId: p.sessionId, cxid: p.cxid, path: p.path });
    else this.pendingSyncs.push(p);
  }

  private rollover(): void {
    this.s.trace('stepdown', { reason: 'zxid counter rollover', zxid: hex(this.lastProposed) });
    this.s.goLooking('xid-rollover');
  }

  /** The request of a server-made txn (createSession, session expiry, container deletion). */
  private internalRequest(r: Exclude<ForwardedRequest, { kind: 'op' }>, owner: number, now: number): PrepRequest {
    if (r.kind === 'createSession') {
      this.tracker.add(r.sessionId, r.timeout, now, owner);
      this.armExpiry();
      return { op: 'createSession', timeoutMs: r.timeout };
    }
    if (r.kind === 'deleteContainer') return { op: 'deleteContainer', path: r.path };
    return { op: 'closeSession' };
  }

  /** BUG SWITCH 'commit-before-quorum': commit without waiting for a quorum of ACKs (nor the own fsync). */
  private commitAtOnce(p: Proposal): void {
    this.s.port.disk.sync('bug-commit');
    p.acks = this.s.voters.slice();
    p.votes = p.acks.length;
    this.tryCommit();
  }

  private processAck(zxid: number, sid: number): void {
    let p: Proposal | undefined;
    const out = this.outstanding;
    for (let i = 0; i < out.length; i++) {
      if (out[i]!.t.zxid === zxid) {
        p = out[i];
        break;
      }
    }
    if (!p) return;
    if (!hasId(p.acks, sid)) {
      p.acks = withId(p.acks, sid);
      if (this.s.isVoter(sid)) p.votes++;
    }
    this.s.trace2(TraceKind.ACK, 'zxid', zxid, 'from', sid);
    this.tryCommit();
  }

  private tryCommit(): void {
    const s = this.s;
    while (this.outstanding.length > 0 && this.outstanding[0]!.votes >= s.quorumSize && !this.stopped) {
      const p = this.outstanding.shift()!;
      const t = p.t;
      const commit = { type: 'commit', zxid: t.zxid } as const satisfies QuorumMessage; // one for every follower, as the proposal
      const hs = this.handlers.list(); // sending changes no handler
      for (let i = 0; i < hs.length; i++) {
        const h = hs[i]!;
        if (!h.forwarding) continue;
        if (h.observer) s.sendPeer(h.conn, { type: 'inform', t });
        else s.sendPeer(h.conn, commit, 'commit');
      }
      s.trace3(TraceKind.COMMIT, 'zxid', t.zxid, 'epoch', this.epoch, 'acks', p.acks);
      s.applyCommitted(t);
      if (this.pendingSyncs.length > 0) this.releaseSyncs(t.zxid);
    }
  }

  /** Answer the learners' syncs waiting for `zxid` to commit. */
  private releaseSyncs(zxid: number): void {
    const ready = this.pendingSyncs.filter((q) => q.zxid <= zxid);
    this.pendingSyncs = this.pendingSyncs.filter((q) => q.zxid > zxid);
    for (const q of ready) if (this.handlers.has(q.conn)) this.s.sendPeer(q.conn, { type: 'sync', sessionId: q.sessionId, cxid: q.cxid, path: q.path });
  }

  /**
   * The zxid of the session's last write in the pipeline (proposed, not yet committed), or 0. Requests of the
   * session that arrive now wait for it, wherever it came from: a write forwarded by the server the session was on before it moved here is in the
   * same per-session queue (src: CommitProcessor.pendingRequests, keyed by session, fed by local and learner requests).
   */
  lastPendingWrite(sessionId: number): number {
    const out = this.outstanding;
    for (let i = out.length - 1; i >= 0; i--) if (out[i]!.t.sessionId === sessionId) return out[i]!.t.zxid;
    return 0;
  }

  // ------------------------------------------------------------------ sessions

  sessionCommitted(_sessionId: number): void {}

  sessionClosedCommitted(sessionId: number): void {
    this.tracker.remove(sessionId);
  }

  /** 0 if the session may issue requests, else SESSIONEXPIRED (closing or unknown). */
  sessionState(sessionId: number): number {
    const t = this.tracker.session(sessionId);
    if (!t || t.closing) return Code.SESSIONEXPIRED;
    return 0;
  }

  touchLocal(sessionId: number, timeout: number): void {
    if (this.phase !== 'broadcast') return;
    if (this.tracker.touch(sessionId, this.s.now(), timeout)) this.armExpiry();
  }

  /** A client re-attaches on the leader itself. */
  revalidateLocal(sessionId: number, timeout: number): boolean {
    const valid = this.tracker.touch(sessionId, this.s.now(), timeout);
    if (valid) {
      this.tracker.sessions.get(sessionId)!.owner = this.s.myId;
      this.armExpiry();
    }
    return valid;
  }

  private armExpiry(): void {
    const next = this.tracker.nextExpiry();
    if (next === undefined) return;
    if (this.expiryTimerAt !== -1 && this.expiryTimerAt <= next) return;
    this.expiryTimerAt = next;
    this.s.setRoleTimer(next - this.s.now(), 'expire');
  }

  private expireSessions(): void {
    const s = this.s;
    if (this.phase !== 'broadcast' || this.stopped) return;
    const now = s.now();
    const due = this.tracker.expireDue(now);
    for (const t of due) {
      s.trace('session', { id: t.id, event: 'expire', timeout: t.timeout });
      if (s.bug['keep-ephemerals-on-expiry']) {
        // BUG SWITCH: the expirer forgets the session without a closeSession txn: its ephemerals stay forever
        this.tracker.remove(t.id);
        continue;
      }
      this.processRequest({ kind: 'expire', sessionId: t.id }, s.myId);
    }
    this.armExpiry();
  }
}

/** A proposal's acks before the first ACK: one shared empty list (never changed: withId makes a new one). */
const NO_ACKS: readonly number[] = [];

/**
 * The ascending `ids` with `id` (not in it) added, as a new list of just that length. Every proposal gets two or
 * three ACKs: an empty list per proposal that then grew in place took a backing store of 17 slots at the first.
 */
function withId(ids: readonly number[], id: number): number[] {
  const n = ids.length;
  if (n === 0) return [id];
  if (n === 1) {
    const a = ids[0]!;
    return a < id ? [a, id] : [id, a];
  }
  const out = ids.slice();
  insertSorted(out, id);
  return out;
}

/** Inserts `id` (not in `ids`) into the ascending `ids`, in place. */
function insertSorted(ids: number[], id: number): void {
  let i = ids.length;
  while (i > 0 && ids[i - 1]! > id) {
    ids[i] = ids[i - 1]!;
    i--;
  }
  ids[i] = id;
}
