/**
 * Follower and observer (src: Learner, Follower, Observer, FollowerZooKeeperServer, SendAckRequestProcessor).
 *
 * connect to the leader (retry 100 ms apart for initLimit ticks) → FOLLOWERINFO/OBSERVERINFO → LEADERINFO:
 * persist acceptedEpoch (fsync) → ACKEPOCH → DIFF/TRUNC/SNAP + PROPOSAL/COMMIT stream (commits applied in memory)
 * → NEWLEADER: snapshot if SNAP/TRUNC, append every proposal received during sync to the log, persist
 * currentEpoch (written after the txns, so durable only with them), fsync, then ACK NEWLEADER, then ACK the
 * still-uncommitted proposals (the correct order of ZOOKEEPER-4643/4646/4685/4785) → UPTODATE: serve clients.
 * Broadcast: PROPOSAL → append, ACK after fsync (in order); COMMIT must match the head of the pending queue;
 * INFORM (observer) → append and apply. Writes, createSession, closeSession and sync are forwarded (REQUEST);
 * re-attaching clients are REVALIDATEd; session touches go back in PING replies. Silence from the leader for
 * syncLimit ticks (initLimit before NEWLEADER) → LOOKING.
 */
import type { ConnId } from '../port.js';
import type { Txn } from '../txn.js';
import type { ClientCnxn } from './connections.js';
import { ZkDb } from './db.js';
import type { StoredTxn } from './db.js';
import type { ZooKeeperServer } from './index.js';
import type { ForwardedRequest, QuorumMessage } from './quorum-messages.js';
import { epochOf, hex, makeZxid } from './quorum-messages.js';
import { LearnerTouches } from './sessions.js';
import type { TreeSnapshot } from '../datatree.js';

export class Learner {
  conn: ConnId | null = null;
  /**
   * 'epoch-fsync' only with the learner-3.8.0 switch: NEWLEADER arrived and the learner waits for its currentEpoch
   * file to be durable, reading nothing more from the leader meanwhile (see otherMessage's 'newleader').
   */
  phase: 'connecting' | 'discovery' | 'sync' | 'epoch-fsync' | 'newleader' | 'broadcast' = 'connecting';
  readonly touches = new LearnerTouches();
  private startedAt = 0;
  private lastHeard = 0;
  private epoch = -1;
  private mode: 'diff' | 'trunc' | 'snap' | null = null;
  /** Proposals received during sync (before NEWLEADER), and how many of them were committed (applied). */
  private syncProposals: Txn[] = [];
  private syncApplied = 0;
  /** Logged proposals waiting for their COMMIT (after NEWLEADER). */
  private pending: Txn[] = [];
  /** ACKs waiting for durability, in order. */
  private ackQueue = new AckQueue();
  private writeSeq = 0;
  private durableSeq = 0;
  private revalidating = new Map<number, ClientCnxn>();
  private nextCnxnTag = 1;
  private stopped = false;
  /**
   * learner-3.8.0 switch only: the leader's messages that arrived during the phase 'epoch-fsync', in arrival order,
   * handled once the epoch is durable (the real learner thread is blocked in the epoch file's fsync meanwhile, and
   * the packets wait in its socket). Dropped with this Learner on a role change or a crash.
   */
  private held: QuorumMessage[] = [];
  /** A PROPOSAL arrived after NEWLEADER (3.8.0's packetsNotCommitted is not empty: see ZOOKEEPER-4394 below). */
  private proposalSinceNewLeader = false;

  constructor(private s: ZooKeeperServer, readonly leaderSid: number, readonly observer: boolean) {}

  start(): void {
    this.startedAt = this.s.now();
    this.lastHeard = this.startedAt;
    this.connect();
    this.s.setRoleTimer(this.s.tick / 2, 'check');
  }

  private connect(): void {
    this.conn = this.s.connectLearner(this.leaderSid);
  }

  shutdown(): void {
    if (this.phase === 'epoch-fsync') this.bugShutdownInEpochFsync();
    this.stopped = true;
    if (this.conn !== null) this.s.closePeer(this.conn);
    this.conn = null;
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.s.trace('learner', { event: 'lost-leader', leader: this.leaderSid, reason, phase: this.phase });
    this.s.goLooking(reason);
  }

  timer(name: string): void {
    if (this.stopped) return;
    const s = this.s;
    const now = s.now();
    if (name === 'retry') {
      if (this.conn === null && this.phase === 'connecting') this.connect();
      return;
    }
    if (name === 'check') {
      if (this.phase === 'connecting' || this.phase === 'discovery') {
        // connectToLeader and registerWithLeader: within initLimit from the start of FOLLOWING, retries included
        if (now - this.startedAt > s.config.initLimit * s.tick) {
          this.fail(this.phase === 'connecting' ? 'cannot connect to leader' : 'no LEADERINFO within initLimit');
          return;
        }
      } else {
        const limit = (this.phase === 'broadcast' || this.phase === 'newleader' ? s.config.syncLimit : s.config.initLimit) * s.tick;
        if (now - this.lastHeard > limit) {
          this.fail('leader silent');
          return;
        }
      }
      s.setRoleTimer(s.tick / 2, 'check');
    }
  }

  connected(conn: ConnId): void {
    if (conn !== this.conn || this.stopped) return;
    this.phase = 'discovery';
    this.lastHeard = this.s.now();
    this.s.sendPeer(conn, { type: 'followerinfo', sid: this.s.myId, acceptedEpoch: this.s.storage.acceptedEpoch, observer: this.observer });
  }

  closed(conn: ConnId): void {
    if (conn !== this.conn || this.stopped) return;
    this.conn = null;
    if (this.phase === 'connecting' || this.phase === 'discovery') {
      // refused, or the peer is not leading yet: retry 100 ms later, within initLimit (Learner.connectToLeader)
      this.phase = 'connecting';
      this.s.setRoleTimer(100, 'retry');
      return;
    }
    this.fail('leader connection closed');
  }

  // ------------------------------------------------------------------ durability-ordered ACKs

  private logTxns(ts: Txn[]): void {
    if (ts.length === 0) return;
    this.s.storage.appendTxns(ts as StoredTxn[]);
    this.s.txnsLogged(ts.length);
    this.writeSeq++;
  }

  /** Request a sync covering everything written so far; flush ACKs that became durable. */
  private syncNow(): void {
    this.s.afterSync(this.durableUpTo, this.writeSeq);
  }

  /** A sync requested at write `seq` completed (one function for every sync, see afterSync). */
  private readonly durableUpTo = (seq: number): void => {
    if (seq > this.durableSeq) this.durableSeq = seq;
    this.flushAcks();
  };

  /**
   * End of the sync phase: the proposals synced but not yet committed wait for their COMMITs (ACKed once durable,
   * participants only); the sync-phase buffers are emptied and a sync covering everything logged is requested.
   */
  private awaitUncommitted(uncommitted: Txn[]): void {
    for (const t of uncommitted) {
      this.pending.push(t);
      if (!this.observer) this.ackQueue.push(this.writeSeq, t.zxid);
    }
    this.syncProposals = [];
    this.syncApplied = 0;
    this.syncNow();
  }

  private queueAck(zxid: number): void {
    if (this.s.bug['ack-before-fsync'] && counterOf0(zxid) !== 0) {
      // BUG SWITCH: ACK a proposal before its log write is durable
      this.sendAck(zxid);
      return;
    }
    this.ackQueue.push(this.writeSeq, zxid);
    this.flushAcks();
  }

  private flushAcks(): void {
    const q = this.ackQueue;
    while (q.count > 0 && q.headSeq() <= this.durableSeq) this.sendAck(q.shift());
  }

  private sendAck(zxid: number): void {
    if (this.conn === null || this.stopped) return;
    if (this.observer && counterOf0(zxid) !== 0) return; // observers never ACK proposals
    this.s.sendPeer(this.conn, { type: 'ack', zxid }, 'ack');
  }

  // ------------------------------------------------------------------ messages from the leader

  /**
   * A message from the leader. PROPOSAL and COMMIT while broadcasting are handled here, everything else in
   * otherMessage: V8 inlines callees by bytecode size, so the rare cases stay out of the per-txn path.
   */
  message(conn: ConnId, m: QuorumMessage): void {
    if (conn !== this.conn || this.stopped) return;
    this.lastHeard = this.s.now();
    if (this.phase === 'broadcast') {
      if (m.type === 'proposal') {
        this.proposal(m.t);
        return;
      }
      if (m.type === 'commit') {
        this.commit(m.zxid);
        return;
      }
    }
    this.otherMessage(conn, m);
  }

  /** A proposal (phase newleader or broadcast): logged, ACKed once durable. */
  private proposal(t: Txn): void {
    this.pending.push(t);
    this.logTxns([t]);
    this.queueAck(t.zxid);
    this.syncNow();
  }

  /** A COMMIT (phase newleader or broadcast): it must be the oldest pending proposal. */
  private commit(zxid: number): void {
    const head = this.pending[0];
    if (!head || head.zxid !== zxid) {
      this.commitMismatch(zxid, head);
      return;
    }
    this.pending.shift();
    this.s.applyCommitted(head);
  }

  private commitMismatch(zxid: number, head: Txn | undefined): void {
    this.s.trace('learner', { event: 'commit-mismatch', zxid: hex(zxid), head: head ? hex(head.zxid) : null });
    this.fail('committing zxid does not match the next pending txn');
  }

  private otherMessage(conn: ConnId, m: QuorumMessage): void {
    const s = this.s;
    if (this.phase === 'epoch-fsync') {
      this.held.push(m);
      return;
    }
    switch (m.type) {
      case 'leaderinfo': {
        if (this.phase !== 'discovery') return;
        const accepted = s.storage.acceptedEpoch;
        this.epoch = m.epoch;
        if (m.epoch > accepted) {
          s.storage.setAcceptedEpoch(m.epoch);
          const lastZxid = s.storage.lastLoggedZxid;
          const current = s.storage.currentEpoch;
          s.afterSync(() => {
            s.trace('epoch', { accepted: m.epoch, role: 'learner' });
            if (this.conn !== null && !this.stopped) s.sendPeer(this.conn, { type: 'ackepoch', lastZxid, currentEpoch: current });
          }, 0);
        } else if (m.epoch === accepted) {
          s.sendPeer(conn, { type: 'ackepoch', lastZxid: s.storage.lastLoggedZxid, currentEpoch: -1 });
        } else {
          this.fail(`leader epoch ${m.epoch} < acceptedEpoch ${accepted}`);
          return;
        }
        this.phase = 'sync';
        return;
      }
      case 'diff':
        this.mode = 'diff';
        s.trace('learner', { event: 'diff', zxid: hex(m.zxid) });
        return;
      case 'trunc': {
        this.mode = 'trunc';
        const r0 = s.storage.truncateAfter(m.zxid);
        const r = s.storage.load();
        s.setDb(ZkDb.recover(r));
        // Learner.syncWithLeader: after truncateLog, setlastProcessedZxid(TRUNC zxid). The reload alone can leave it
        // above: a kept snapshot is named after a SNAP packet's new-epoch zxid though its tree ends at an older txn.
        s.db.lastProcessedZxid = m.zxid;
        s.trace('recover', { zxid: r.lastLoggedZxid, txns: r.txns.length, snapshot: r.snapshot?.zxid ?? null, acceptedEpoch: r.acceptedEpoch, currentEpoch: r.currentEpoch, reason: 'trunc' });
        s.trace('learner', { event: 'trunc', zxid: hex(m.zxid), dropped: r0.droppedTxns, lastZxid: hex(s.db.lastProcessedZxid) });
        return;
      }
      case 'snap': {
        this.mode = 'snap';
        s.setDb(ZkDb.fromSnapshot(m.snapshot as TreeSnapshot, m.zxid));
        s.trace('learner', { event: 'snap', zxid: hex(m.zxid) });
        return;
      }
      case 'proposal': {
        if (this.phase === 'sync') {
          this.syncProposals.push(m.t);
          return;
        }
        if (this.phase !== 'newleader' && this.phase !== 'broadcast') return;
        if (this.phase === 'newleader') this.proposalSinceNewLeader = true;
        this.proposal(m.t);
        return;
      }
      case 'commit': {
        if (this.phase === 'sync') {
          const t = this.syncProposals[this.syncApplied];
          if (!t || t.zxid !== m.zxid) {
            this.fail(`commit ${hex(m.zxid)} does not match the next synced proposal`);
            return;
          }
          this.syncApplied++;
          s.applyCommitted(t);
          return;
        }
        if (this.phase === 'newleader' && s.bug['learner-3.8.0'] && !this.proposalSinceNewLeader) {
          // BUG SWITCH: ZOOKEEPER-4394, COMMIT after the NEWLEADER ACK and before UPTODATE → NullPointerException:
          // 3.8.0 peeks packetsNotCommitted (emptied at NEWLEADER) and dereferences its head, so only while no
          // PROPOSAL came after NEWLEADER (a COMMIT of a proposal that came before it)
          s.trace('learner', { event: 'crash', reason: 'NullPointerException (ZOOKEEPER-4394)', zxid: hex(m.zxid) });
          this.fail('ZOOKEEPER-4394');
          return;
        }
        this.commit(m.zxid);
        return;
      }
      case 'inform': {
        if (this.phase !== 'newleader' && this.phase !== 'broadcast') return;
        this.logTxns([m.t]);
        this.syncNow();
        s.applyCommitted(m.t);
        return;
      }
      case 'newleader': {
        if (this.phase !== 'sync') return;
        const epoch = epochOf(m.zxid);
        // (0) SNAP/TRUNC: persist the synced state as a snapshot
        if (this.mode === 'snap' || this.mode === 'trunc') s.writeDbSnapshot();
        if (s.bug['learner-3.8.0']) {
          // BUG SWITCH (3.8.0 Learner.syncWithLeader, ZOOKEEPER-4643 / 4646 / 4785): currentEpoch first, written and
          // fsynced (QuorumPeer.setCurrentEpoch, AtomicFileWritingIdiom) while the learner reads nothing more from
          // the leader; then the synced txns are only handed to the log and NEWLEADER is ACKed at once (bugEpochDurable)
          s.storage.setCurrentEpoch(epoch);
          s.fle?.updateElectionVote(epoch);
          this.phase = 'epoch-fsync';
          s.afterSync(() => this.bugEpochDurable(epoch), 0);
          return;
        }
        // (1) log every proposal received during the sync, then (2) currentEpoch, then fsync, (3) ACK NEWLEADER,
        // (4) ACKs of the still-uncommitted ones
        const committed = this.syncProposals.slice(0, this.syncApplied);
        const uncommitted = this.syncProposals.slice(this.syncApplied);
        this.logTxns(committed.filter((t) => t.zxid > 0));
        this.logTxns(uncommitted);
        s.storage.setCurrentEpoch(epoch);
        this.writeSeq++;
        s.fle?.updateElectionVote(epoch);
        s.afterSync(() => s.trace('epoch', { current: epoch, role: 'learner' }), 0);
        this.phase = 'newleader';
        this.ackQueue.push(this.writeSeq, makeZxid(epoch, 0));
        this.awaitUncommitted(uncommitted);
        return;
      }
      case 'uptodate': {
        if (this.phase !== 'newleader') return;
        this.phase = 'broadcast';
        // the leader serves: its history, which holds this state, is committed (and the closes in it are named)
        s.db.unconfirmedCloses = [];
        s.trace('state', { role: this.observer ? 'OBSERVING' : 'FOLLOWING', epoch: s.storage.currentEpoch, leader: this.leaderSid, phase: 'broadcast', zxid: s.db.lastProcessedZxid });
        s.setServing(true);
        return;
      }
      case 'ping': {
        s.sendPeer(conn, { type: 'pingReply', touches: this.touches.drain() });
        return;
      }
      case 'revalidateReply': {
        const c = this.revalidating.get(m.cnxnTag);
        if (!c) return;
        this.revalidating.delete(m.cnxnTag);
        s.cnxns.finishReattach(c, m.valid, m.timeout);
        return;
      }
      case 'sync': {
        s.syncDone(m.sessionId, m.cxid, m.path);
        return;
      }
      default:
        return;
    }
  }

  /**
   * learner-3.8.0 switch: the new currentEpoch is durable. As 3.8.0 goes on after setCurrentEpoch: the synced txns
   * are handed to the log (FollowerZooKeeperServer.logRequest: the SyncRequestProcessor appends them and flushes
   * once its queue is empty, here the next group-commit flush, which starts as this one's callbacks end), NEWLEADER
   * is ACKed at once, without waiting for that flush, and the packets that arrived meanwhile are read, in order. A
   * crash before the flush completes leaves the new epoch without those txns. (Dropped by afterSync if the role
   * changed meanwhile; `held` goes with this Learner.)
   */
  private bugEpochDurable(epoch: number): void {
    if (this.stopped) return;
    this.s.trace('epoch', { current: epoch, role: 'learner' });
    this.phase = 'newleader';
    this.awaitUncommitted(this.bugLogSynced());
    this.sendAck(makeZxid(epoch, 0));
    const held = this.held;
    this.held = [];
    for (const m of held) {
      if (this.stopped || this.conn === null) return;
      this.message(this.conn, m);
    }
  }

  /** learner-3.8.0 switch: hands the proposals of the sync phase to the log; returns the uncommitted ones. */
  private bugLogSynced(): Txn[] {
    const uncommitted = this.syncProposals.slice(this.syncApplied);
    this.logTxns(this.syncProposals.slice(0, this.syncApplied));
    this.logTxns(uncommitted);
    return uncommitted;
  }

  /**
   * learner-3.8.0 switch: the learner leaves its role (the leader's connection closed) while it waits for its epoch
   * fsync. In 3.8.0 that fsync runs to its end, logRequest still queues the synced txns, the ACK's write then fails,
   * and the follower's shutdown flushes the SyncRequestProcessor's queue: the txns are logged after the epoch and
   * made durable. So here: logged now (behind the epoch write, whose flush is already requested) and flushed.
   */
  private bugShutdownInEpochFsync(): void {
    this.bugLogSynced();
    this.s.afterSync(NO_SYNC_CALLBACK, 0);
  }

  // ------------------------------------------------------------------ client side

  forward(r: ForwardedRequest): void {
    if (this.conn === null || this.phase !== 'broadcast') return;
    this.s.sendPeer(this.conn, { type: 'request', r }, 'request');
  }

  revalidate(c: ClientCnxn, sessionId: number, timeout: number): void {
    if (this.conn === null || this.phase !== 'broadcast') {
      this.s.cnxns.close(c);
      return;
    }
    const tag = this.nextCnxnTag++;
    this.revalidating.set(tag, c);
    this.s.sendPeer(this.conn, { type: 'revalidate', sessionId, timeout, cnxnTag: tag });
  }
}

/**
 * ACKs waiting for durability: (write seq, zxid) pairs, oldest first, in a ring (one per proposal: no object per
 * ACK, and no array emptied and grown again every time).
 */
class AckQueue {
  private seqs = new Float64Array(16);
  private zxids = new Float64Array(16);
  private head = 0;
  count = 0;

  push(seq: number, zxid: number): void {
    if (this.count === this.seqs.length) this.grow();
    const i = (this.head + this.count) & (this.seqs.length - 1);
    this.seqs[i] = seq;
    this.zxids[i] = zxid;
    this.count++;
  }

  /** The oldest entry's seq (count > 0). */
  headSeq(): number {
    return this.seqs[this.head]!;
  }

  /** Removes the oldest entry (count > 0); returns its zxid. */
  shift(): number {
    const zxid = this.zxids[this.head]!;
    this.head = (this.head + 1) & (this.seqs.length - 1);
    this.count--;
    return zxid;
  }

  private grow(): void {
    const n = this.seqs.length;
    const seqs = new Float64Array(2 * n);
    const zxids = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      const j = (this.head + k) & (n - 1);
      seqs[k] = this.seqs[j]!;
      zxids[k] = this.zxids[j]!;
    }
    this.seqs = seqs;
    this.zxids = zxids;
    this.head = 0;
  }
}

const NO_SYNC_CALLBACK = (): void => undefined;

function counterOf0(zxid: number): number {
  return zxid % 4294967296;
}
