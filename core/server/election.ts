/**
 * Fast Leader Election (src: org.apache.zookeeper.server.quorum.FastLeaderElection, Vote; semantics §8.3) as a
 * sans-I/O state machine. No clock, no randomness, no sockets: the host (the ZooKeeper server role) supplies
 * `send`, an explicit single election timer, and hands in every notification it receives.
 *
 * How the server uses it
 * ----------------------
 *  - Create ONE instance per process lifetime (its logicalclock survives across elections of the same process,
 *    like ZooKeeper's FastLeaderElection object; a restarted process makes a new one, logicalclock 0).
 *  - Going LOOKING (startup, or any failure of FOLLOWING/LEADING/OBSERVING): `fle.start(lastLoggedZxid, currentEpoch)`
 *    (= lookForLeader: logicalclock += 1, vote for self, notify every voter). lastLoggedZxid includes logged but
 *    uncommitted txns (§8.3). Calling start() again while LOOKING starts a fresh round.
 *  - `send(toSid, n)`: deliver notification `n` to server `toSid` over the election connection (QuorumCnxManager).
 *    It is never called with toSid === myId: notifications to self are looped back inside this module (ZooKeeper
 *    puts them straight into its own receive queue). If there is no connection to toSid, the server should
 *    (re)connect; the message may then be dropped, PROVIDED the server calls `fle.peerConnected(sid)` whenever an
 *    election connection to sid opens (connected or accepted): that resends our current vote to it, like
 *    QuorumCnxManager resending its last message on a new connection. Without that, a server that starts a little
 *    after the others is not told the votes sent before it was up until their back-off resend (≥ 200 ms later).
 *  - `setTimer(delayMs, token)`: (re)arm THE election timer, replacing any previous one (cancel the old Port timer).
 *    When it fires, call `fle.timeout(token)`. `cancelTimer()`: disarm it. A stale token passed to timeout() is
 *    ignored, so a late-firing cancelled timer is harmless.
 *  - Every notification received (from any server, in any local state) goes to `fle.receive(fromSid, n)`, ALSO
 *    while FOLLOWING/LEADING/OBSERVING: a decided server answers LOOKING peers (and non-voters) with its current
 *    vote, which is how late joiners and restarted servers find the established leader (ZOOKEEPER-975, 1732).
 *  - `onDecision(d)` fires once per round when the vote is final: d.state is LEADING (d.leader === myId), FOLLOWING
 *    or OBSERVING. The module then is in that state until the next start(). The server runs discovery etc.
 *  - When the server persists a new currentEpoch while FOLLOWING/LEADING, call `fle.updateElectionVote(newEpoch)`
 *    (QuorumPeer.updateElectionVote, ZOOKEEPER-1732) so that late joiners compare the right peerEpoch.
 *  - `trace(kind, data)` (optional): 'look' (round started), 'vote' (dir 'send' | 'recv', one per notification),
 *    'decide'. Data is plain JSON. Map it onto Port.trace, e.g. port.trace('fle.' + kind, data).
 *
 * Rules implemented (FastLeaderElection.lookForLeader, WorkerReceiver):
 *  - vote order (peerEpoch, zxid, sid) lexicographic; a non-voter (observer) never wins (weight 0).
 *    Bug switch `ignoreZxid`: order by (peerEpoch, sid) only (zoo bug 'election-ignores-zxid'); `bug1419`: the
 *    ZOOKEEPER-1419 precedence bug (a lower-epoch vote with equal zxid and higher sid wins; order not transitive).
 *  - LOOKING n from a voter: higher electionEpoch → adopt it, clear recvset, proposal := max(n's vote, own initial
 *    vote), resend; lower → ignored (the receiver already answered with our vote); equal and better → adopt, resend.
 *    recvset[n.sid] := n's vote unless ignored. When the voters whose vote equals our proposal
 *    (leader, zxid, electionEpoch, peerEpoch) form a quorum: finalize wait (200 ms of no better notification;
 *    worse/equal ones arriving meanwhile are discarded and restart the wait), then decide.
 *  - FOLLOWING/LEADING n: same electionEpoch → recvset, quorum + checkLeader → follow n.leader; always also
 *    outofelection (compared on leader and peerEpoch only), quorum + checkLeader → logicalclock := n.electionEpoch,
 *    follow. OBSERVING n: ignored.
 *  - poll timeout: 200 ms, doubled after every empty poll up to 60 s; an empty poll resends our notification.
 *    Any notification taken from the queue restarts the poll wait (it is a BlockingQueue.poll per message).
 *  - observers: initial vote (-1, -1, -1), notify voters only, never counted, decide OBSERVING.
 *
 * Deliberate simplifications: a LOOKING server answers a non-voter with its current proposal (ZooKeeper sends its
 * possibly stale `currentVote`); "reconnect to all" on an empty poll with undelivered messages is the server's
 * business (see send); no dynamic reconfiguration (static voters/observers); notification version/config ignored.
 */

export type ServerState = 'LOOKING' | 'FOLLOWING' | 'LEADING' | 'OBSERVING';
export type DecidedState = 'LEADING' | 'FOLLOWING' | 'OBSERVING';

/** One election notification (§8.3 wire format minus version/config). Plain JSON data. */
export interface Notification {
  state: ServerState;
  /** The proposed (or, when not LOOKING, the followed) leader's sid. */
  leader: number;
  /** The proposed leader's last logged zxid (as known to the sender). */
  zxid: number;
  /** The sender's logicalclock (election round). */
  electionEpoch: number;
  /** The proposed leader's currentEpoch. */
  peerEpoch: number;
  /** The sender. */
  sid: number;
}

/** A vote as kept in recvset / outofelection. */
export interface Vote {
  leader: number;
  zxid: number;
  electionEpoch: number;
  peerEpoch: number;
  state: ServerState;
}

export interface Decision {
  leader: number;
  state: DecidedState;
  /** logicalclock at the decision. */
  electionEpoch: number;
  /** The winning vote's zxid and peerEpoch. */
  zxid: number;
  peerEpoch: number;
}

export interface ElectionOptions {
  myId: number;
  /** Voting members (participants), including myId when this server is a participant. */
  voters: readonly number[];
  /** Observers (non-voting). If myId is among them this instance behaves as an observer. */
  observers?: readonly number[];
  send(toSid: number, n: Notification): void;
  /** (Re)arm the single election timer; call timeout(token) when it fires. */
  setTimer(delayMs: number, token: number): void;
  /** Disarm the election timer. */
  cancelTimer(): void;
  onDecision(d: Decision): void;
  /** Bug switch 'election-ignores-zxid': votes ordered by (peerEpoch, sid) only. */
  ignoreZxid?: boolean;
  /** Bug switch ZOOKEEPER-1419: the pre-3.4.4 operator-precedence bug in totalOrderPredicate (see there). */
  bug1419?: boolean;
  trace?(kind: 'look' | 'vote' | 'decide', data: Record<string, unknown>): void;
  /** finalizeWait and the first poll timeout (ms), default 200. */
  finalizeWaitMs?: number;
  /** maxNotificationInterval (ms), default 60000. */
  maxNotificationIntervalMs?: number;
}

/** Is vote (newId, newZxid, newEpoch) better than (curId, curZxid, curEpoch)? (FastLeaderElection.totalOrderPredicate) */
export function totalOrderPredicate(
  newId: number, newZxid: number, newEpoch: number,
  curId: number, curZxid: number, curEpoch: number,
  isVoter: (sid: number) => boolean = () => true,
  ignoreZxid = false,
  bug1419 = false,
): boolean {
  if (!isVoter(newId)) return false; // weight 0 never wins
  if (bug1419) {
    // ZOOKEEPER-1419 (fixed in 3.4.4): `(newEpoch > curEpoch) || ((newEpoch == curEpoch) && (newZxid > curZxid)) ||
    // (newZxid == curZxid) && (newId > curId)` — the last clause ignores the epoch, so the order is not transitive
    return newEpoch > curEpoch || (newEpoch === curEpoch && newZxid > curZxid) || (newZxid === curZxid && newId > curId);
  }
  if (newEpoch !== curEpoch) return newEpoch > curEpoch;
  if (!ignoreZxid && newZxid !== curZxid) return newZxid > curZxid;
  return newId > curId;
}

type Phase = 'idle' | 'polling' | 'finalizing';

export class FastLeaderElection {
  readonly myId: number;
  readonly voters: readonly number[];
  readonly observers: readonly number[];
  readonly isObserver: boolean;

  private readonly opts: ElectionOptions;
  private readonly voterSet: Set<number>;
  private readonly quorumSize: number;
  private readonly finalizeWait: number;
  private readonly maxInterval: number;

  private state: ServerState = 'LOOKING';
  private started = false;
  private logicalclock = 0;
  private proposedLeader = -1;
  private proposedZxid = -1;
  private proposedEpoch = -1;
  private initZxid = -1;
  private initEpoch = -1;
  private recvset = new Map<number, Vote>();
  private outofelection = new Map<number, Vote>();
  private notTimeout: number;
  private phase: Phase = 'idle';
  private timerToken = 0;
  private timerArmed = false;
  /** Notifications to self, waiting in the local receive queue. */
  private selfQueue: Notification[] = [];
  private draining = false;
  /** The final vote while FOLLOWING/LEADING/OBSERVING (QuorumPeer.currentVote). */
  private finalVote: Vote | null = null;
  private lastDecision: Decision | null = null;

  constructor(opts: ElectionOptions) {
    this.opts = opts;
    this.myId = opts.myId;
    this.voters = [...opts.voters].sort((a, b) => a - b);
    this.observers = [...(opts.observers ?? [])].sort((a, b) => a - b);
    this.voterSet = new Set(this.voters);
    this.isObserver = !this.voterSet.has(this.myId);
    this.quorumSize = Math.floor(this.voters.length / 2) + 1;
    this.finalizeWait = opts.finalizeWaitMs ?? 200;
    this.maxInterval = opts.maxNotificationIntervalMs ?? 60000;
    this.notTimeout = this.finalizeWait;
  }

  // ---------------------------------------------------------------- public API

  /** lookForLeader(): begin a new election round. */
  start(lastLoggedZxid: number, currentEpoch: number): void {
    this.started = true;
    this.state = 'LOOKING';
    this.finalVote = null;
    this.recvset = new Map();
    this.outofelection = new Map();
    this.selfQueue = [];
    this.notTimeout = this.finalizeWait;
    this.logicalclock += 1;
    this.initZxid = this.isObserver ? -1 : lastLoggedZxid;
    this.initEpoch = this.isObserver ? -1 : currentEpoch;
    this.updateProposal(this.initId(), this.initZxid, this.initEpoch);
    this.opts.trace?.('look', {
      sid: this.myId, electionEpoch: this.logicalclock, zxid: lastLoggedZxid, peerEpoch: currentEpoch,
      observer: this.isObserver,
    });
    this.phase = 'polling';
    this.sendNotifications();
    this.armTimer(this.notTimeout);
    this.drain();
  }

  /** A notification arrived from `fromSid` (over the election connection). Call in every local state. */
  receive(fromSid: number, n: Notification): void {
    if (!this.started) return;
    this.opts.trace?.('vote', { dir: 'recv', from: fromSid, ...n });
    this.workerReceive(fromSid, n);
    this.drain();
  }

  /** The election timer armed with `token` fired. */
  timeout(token?: number): void {
    if (token !== undefined && token !== this.timerToken) return;
    if (!this.timerArmed) return;
    this.timerArmed = false;
    if (this.state !== 'LOOKING') return;
    if (this.phase === 'finalizing') {
      this.finish();
    } else if (this.phase === 'polling') {
      // empty poll: resend, back off
      this.sendNotifications();
      this.notTimeout = Math.min(this.notTimeout * 2, this.maxInterval);
      this.armTimer(this.notTimeout);
    }
    this.drain();
  }

  /**
   * An election connection to `sid` became usable (connected or accepted). QuorumCnxManager's SendWorker then
   * sends the peer the last notification queued for / sent to it, so a peer that was down or unreachable when we
   * sent learns our vote at once (instead of after our next back-off resend). While LOOKING this resends our
   * current proposal to `sid`; otherwise nothing (a LOOKING peer notifies us and gets our vote as the answer).
   */
  peerConnected(sid: number): void {
    if (!this.started || this.state !== 'LOOKING' || sid === this.myId || !this.isVoter(sid)) return;
    this.sendTo(sid, {
      state: 'LOOKING', leader: this.proposedLeader, zxid: this.proposedZxid, electionEpoch: this.logicalclock,
      peerEpoch: this.proposedEpoch, sid: this.myId,
    });
  }

  /** QuorumPeer.updateElectionVote: the server persisted a new currentEpoch while FOLLOWING/LEADING. */
  updateElectionVote(newEpoch: number): void {
    if (this.finalVote) this.finalVote = { ...this.finalVote, peerEpoch: newEpoch };
  }

  /** Current local state as the election sees it. */
  getState(): ServerState {
    return this.state;
  }

  /** The current vote: the proposal while LOOKING, the final vote afterwards. */
  currentVote(): Vote {
    if (this.finalVote) return { ...this.finalVote };
    return {
      leader: this.proposedLeader, zxid: this.proposedZxid, electionEpoch: this.logicalclock,
      peerEpoch: this.proposedEpoch, state: this.state,
    };
  }

  get electionEpoch(): number {
    return this.logicalclock;
  }

  /** The last decision (or null before the first one). */
  get decision(): Decision | null {
    return this.lastDecision;
  }

  /** The notification this server would send now (its current vote in its current state). */
  currentNotification(): Notification {
    const v = this.currentVote();
    return {
      state: this.state, leader: v.leader, zxid: v.zxid, electionEpoch: v.electionEpoch, peerEpoch: v.peerEpoch,
      sid: this.myId,
    };
  }

  // ---------------------------------------------------------------- internals

  private initId(): number {
    return this.isObserver ? -1 : this.myId;
  }

  private isVoter = (sid: number): boolean => this.voterSet.has(sid);

  private better(newId: number, newZxid: number, newEpoch: number, curId: number, curZxid: number, curEpoch: number): boolean {
    return totalOrderPredicate(
      newId, newZxid, newEpoch, curId, curZxid, curEpoch, this.isVoter, this.opts.ignoreZxid === true,
      this.opts.bug1419 === true,
    );
  }

  private updateProposal(leader: number, zxid: number, epoch: number): void {
    this.proposedLeader = leader;
    this.proposedZxid = zxid;
    this.proposedEpoch = epoch;
  }

  private armTimer(delay: number): void {
    this.timerToken += 1;
    this.timerArmed = true;
    this.opts.setTimer(delay, this.timerToken);
  }

  private disarmTimer(): void {
    if (this.timerArmed) {
      this.timerArmed = false;
      this.timerToken += 1;
      this.opts.cancelTimer();
    }
  }

  private sendTo(to: number, n: Notification): void {
    this.opts.trace?.('vote', { dir: 'send', to, ...n });
    if (to === this.myId) this.selfQueue.push(n);
    else this.opts.send(to, n);
  }

  /** sendNotifications(): our LOOKING proposal to every voter, self included. */
  private sendNotifications(): void {
    const n: Notification = {
      state: 'LOOKING', leader: this.proposedLeader, zxid: this.proposedZxid, electionEpoch: this.logicalclock,
      peerEpoch: this.proposedEpoch, sid: this.myId,
    };
    for (const v of this.voters) this.sendTo(v, { ...n });
  }

  /** Self-addressed notifications are processed after the current entry point, in FIFO order. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.selfQueue.length > 0) {
        const n = this.selfQueue.shift()!;
        this.opts.trace?.('vote', { dir: 'recv', from: this.myId, ...n });
        this.workerReceive(this.myId, n);
      }
    } finally {
      this.draining = false;
    }
  }

  /** WorkerReceiver: what happens when a notification arrives. */
  private workerReceive(from: number, n: Notification): void {
    if (!this.isVoter(from)) {
      // not a voter: answer with our current vote, do not queue
      if (from !== this.myId) this.sendTo(from, this.currentNotification());
      return;
    }
    if (this.state === 'LOOKING') {
      if (n.state === 'LOOKING' && n.electionEpoch < this.logicalclock && from !== this.myId) {
        this.sendTo(from, {
          state: 'LOOKING', leader: this.proposedLeader, zxid: this.proposedZxid, electionEpoch: this.logicalclock,
          peerEpoch: this.proposedEpoch, sid: this.myId,
        });
      }
      this.poll(n);
    } else if (n.state === 'LOOKING' && from !== this.myId) {
      this.sendTo(from, this.currentNotification());
    }
  }

  /** A notification taken from recvqueue by lookForLeader. */
  private poll(n: Notification): void {
    if (this.phase === 'finalizing') {
      if (this.better(n.leader, n.zxid, n.peerEpoch, this.proposedLeader, this.proposedZxid, this.proposedEpoch)) {
        // re-queue and continue the main loop
        this.phase = 'polling';
        this.armTimer(this.notTimeout);
        this.process(n);
      } else {
        // discarded; the finalize poll starts over
        this.armTimer(this.finalizeWait);
      }
      return;
    }
    // a message came out of the poll: the next poll waits notTimeout again
    this.armTimer(this.notTimeout);
    this.process(n);
  }

  private process(n: Notification): void {
    if (!(this.isVoter(n.sid) && this.isVoter(n.leader))) return;
    switch (n.state) {
      case 'LOOKING': {
        if (n.zxid === -1) return;
        if (n.electionEpoch > this.logicalclock) {
          this.logicalclock = n.electionEpoch;
          this.recvset = new Map();
          if (this.better(n.leader, n.zxid, n.peerEpoch, this.initId(), this.initZxid, this.initEpoch)) {
            this.updateProposal(n.leader, n.zxid, n.peerEpoch);
          } else {
            this.updateProposal(this.initId(), this.initZxid, this.initEpoch);
          }
          this.sendNotifications();
        } else if (n.electionEpoch < this.logicalclock) {
          return;
        } else if (this.better(n.leader, n.zxid, n.peerEpoch, this.proposedLeader, this.proposedZxid, this.proposedEpoch)) {
          this.updateProposal(n.leader, n.zxid, n.peerEpoch);
          this.sendNotifications();
        }
        this.recvset.set(n.sid, {
          leader: n.leader, zxid: n.zxid, electionEpoch: n.electionEpoch, peerEpoch: n.peerEpoch, state: 'LOOKING',
        });
        const proposal: Vote = {
          leader: this.proposedLeader, zxid: this.proposedZxid, electionEpoch: this.logicalclock,
          peerEpoch: this.proposedEpoch, state: 'LOOKING',
        };
        if (this.hasQuorum(this.recvset, proposal)) {
          this.phase = 'finalizing';
          this.armTimer(this.finalizeWait);
        }
        return;
      }
      case 'OBSERVING':
        return;
      case 'FOLLOWING':
      case 'LEADING': {
        const v: Vote = {
          leader: n.leader, zxid: n.zxid, electionEpoch: n.electionEpoch, peerEpoch: n.peerEpoch, state: n.state,
        };
        if (n.electionEpoch === this.logicalclock) {
          this.recvset.set(n.sid, v);
          if (this.hasQuorum(this.recvset, v) && this.checkLeader(this.recvset, n.leader, n.electionEpoch)) {
            this.decide(n.leader, n.zxid, n.peerEpoch, 'recvset');
            return;
          }
        }
        this.outofelection.set(n.sid, v);
        if (this.hasQuorum(this.outofelection, v) && this.checkLeader(this.outofelection, n.leader, n.electionEpoch)) {
          this.logicalclock = n.electionEpoch;
          this.decide(n.leader, n.zxid, n.peerEpoch, 'outofelection');
        }
        return;
      }
    }
  }

  /** Vote.equals as used by getVoteTracker. */
  private static voteEquals(a: Vote, b: Vote): boolean {
    if (a.state === 'LOOKING' || b.state === 'LOOKING') {
      return a.leader === b.leader && a.zxid === b.zxid && a.electionEpoch === b.electionEpoch &&
        a.peerEpoch === b.peerEpoch;
    }
    return a.leader === b.leader && a.peerEpoch === b.peerEpoch;
  }

  private hasQuorum(votes: Map<number, Vote>, target: Vote): boolean {
    let acks = 0;
    for (const [sid, v] of votes) {
      if (this.isVoter(sid) && FastLeaderElection.voteEquals(target, v)) acks += 1;
    }
    return acks >= this.quorumSize;
  }

  private checkLeader(votes: Map<number, Vote>, leader: number, electionEpoch: number): boolean {
    if (leader !== this.myId) {
      const v = votes.get(leader);
      return v !== undefined && v.state === 'LEADING';
    }
    return this.logicalclock === electionEpoch;
  }

  /** The finalize wait ran out with no better vote. */
  private finish(): void {
    this.decide(this.proposedLeader, this.proposedZxid, this.proposedEpoch, 'finalize');
  }

  private decide(leader: number, zxid: number, peerEpoch: number, via: string): void {
    const state: DecidedState = leader === this.myId ? 'LEADING' : this.isObserver ? 'OBSERVING' : 'FOLLOWING';
    this.disarmTimer();
    this.phase = 'idle';
    this.state = state;
    this.selfQueue = []; // leaveInstance: recvqueue.clear()
    this.finalVote = { leader, zxid, electionEpoch: this.logicalclock, peerEpoch, state };
    const d: Decision = { leader, state, electionEpoch: this.logicalclock, zxid, peerEpoch };
    this.lastDecision = d;
    this.opts.trace?.('decide', { sid: this.myId, ...d, via });
    this.opts.onDecision({ ...d });
  }
}
