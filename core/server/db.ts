/**
 * ZKDatabase: the committed data tree of one server, its watches, lastProcessedZxid and the in-memory
 * committedLog used for DIFF syncs (src: ZKDatabase, commitLogCount 500). Built from the disk by `recover`.
 */
import { DataTree } from '../datatree.js';
import type { TreeSnapshot } from '../datatree.js';
import type { ReplyBody, WatchEventMsg } from '../protocol.js';
import type { Txn } from '../txn.js';
import { WatchManager } from '../watches.js';
import type { LoadResult } from './storage.js';

export type LoggedTxn = Txn;
/** A txn as the storage module stores it (TxnRecord needs an index signature). */
export type StoredTxn = Txn & { [k: string]: unknown };

export const COMMIT_LOG_COUNT = 500;

/** Shared by every apply that triggers no watch (most of them): read only. */
const NO_EVENTS: ReadonlyMap<number, WatchEventMsg[]> = new Map();

/** The outcome of an apply without reply (its err is meaningless: nobody reads it). */
const NO_REPLY: ApplyOutcome = { err: 0, body: undefined, events: NO_EVENTS };

export interface ApplyOutcome {
  err: number;
  body?: ReplyBody;
  /** Watch events per cnxn (ConnId), in the order they must be written. */
  events: ReadonlyMap<number, WatchEventMsg[]>;
}

export class ZkDb {
  tree: DataTree;
  readonly watches = new WatchManager();
  /** Last applied zxid (the leader sets it to epoch << 32 when it starts serving). */
  lastProcessedZxid: number;
  /** Applied txns, newest last; holds between COMMIT_LOG_COUNT and twice that (trimmed in batches). */
  private recentTxns: Txn[] = [];
  /**
   * Trace bookkeeping, not ZooKeeper's: [zxid, sessionId] of the closeSession txns in the tree that this server did
   * not see commit: replayed from its log (`recover`), or inherited from a snapshot (its own, or a leader's SNAP)
   * that lists them. Closes applied on a COMMIT are not listed (their 'apply' names their commit). A leader names
   * these when its history becomes committed ('history-close'), then forgets them, as a learner does at UPTODATE:
   * without the list, a close that only a snapshot holds (a leader restarted from its leader snapshot: seed 84 of
   * a mutex recipe) would commit with no trace record naming it. Kept through snapshots (TreeSnapshot).
   */
  unconfirmedCloses: Array<[number, number]> = [];

  /** The last COMMIT_LOG_COUNT applied txns (for DIFF). */
  get committedLog(): Txn[] {
    const r = this.recentTxns;
    return r.length > COMMIT_LOG_COUNT ? r.slice(-COMMIT_LOG_COUNT) : r;
  }

  constructor(tree?: DataTree, lastZxid?: number) {
    this.tree = tree ?? new DataTree();
    this.lastProcessedZxid = lastZxid ?? this.tree.lastZxid;
  }

  /** Rebuild from a storage load: snapshot, then replay every logged txn (committed or not, §8.8). */
  static recover(r: LoadResult<TreeSnapshot, StoredTxn>): ZkDb {
    const tree = r.snapshot ? DataTree.fromSnapshot(r.snapshot.state) : new DataTree();
    const db = new ZkDb(tree, r.snapshot ? r.snapshot.zxid : 0);
    if (r.snapshot?.state.unconfirmedCloses) db.unconfirmedCloses = r.snapshot.state.unconfirmedCloses.slice();
    for (const t of r.txns) {
      if (t.zxid <= db.lastProcessedZxid) continue;
      db.tree.apply(t);
      db.lastProcessedZxid = t.zxid;
      db.remember(t);
      // committed or not: nothing says (§8.8)
      if (t.type === 'closeSession') db.unconfirmedCloses.push([t.zxid, t.sessionId]);
    }
    return db;
  }

  static fromSnapshot(s: TreeSnapshot, zxid: number): ZkDb {
    const db = new ZkDb(DataTree.fromSnapshot(s), zxid);
    if (s.unconfirmedCloses) db.unconfirmedCloses = s.unconfirmedCloses.slice();
    return db;
  }

  private remember(t: Txn): void {
    this.recentTxns.push(t);
    // Trim in batches: splicing one element off a 500-element array on every commit was a top cost.
    if (this.recentTxns.length > 2 * COMMIT_LOG_COUNT) this.recentTxns = this.recentTxns.slice(-COMMIT_LOG_COUNT);
  }

  /**
   * Apply a committed txn: mutate the tree, collect watch events per cnxn. With `reply` false nobody reads the
   * reply: while no watch is registered either, the tree skips building both (most txns an ensemble member applies
   * are other servers' clients'). The outcome is valid until the next apply.
   */
  apply(t: Txn, reply: boolean): ApplyOutcome {
    if (t.zxid > this.lastProcessedZxid) this.lastProcessedZxid = t.zxid;
    this.remember(t);
    if (!reply && this.watches.isEmpty()) {
      this.tree.applyOnly(t);
      return NO_REPLY;
    }
    const r = this.tree.apply(t);
    const out = this.outcome;
    out.err = r.err;
    out.body = r.body;
    out.events = r.triggers.length > 0 ? this.watches.trigger(r.triggers) : NO_EVENTS;
    return out;
  }

  /**
   * What apply returns when it builds a reply: one object per database, overwritten by every apply (the caller reads
   * it at once), not one per applied txn. body always present (maybe undefined): one object shape.
   */
  private readonly outcome: ApplyOutcome = { err: 0, body: undefined, events: NO_EVENTS };

  get minCommittedLog(): number {
    const r = this.recentTxns;
    return r.length > 0 ? r[Math.max(0, r.length - COMMIT_LOG_COUNT)]!.zxid : this.lastProcessedZxid;
  }
  get maxCommittedLog(): number {
    const r = this.recentTxns;
    return r.length > 0 ? r[r.length - 1]!.zxid : this.lastProcessedZxid;
  }

  snapshot(): TreeSnapshot {
    const snap = this.tree.snapshot();
    if (this.unconfirmedCloses.length > 0) snap.unconfirmedCloses = this.unconfirmedCloses.map(([z, id]) => [z, id]);
    return snap;
  }

  /**
   * The last txn the tree holds: lastProcessedZxid, except after the leader's epoch << 32 (ZooKeeper's
   * startZkServer) reached a learner through SNAP, before the epoch's first commit. A snapshot records it
   * (ServerStorage.writeSnapshot) so that a TRUNC to that txn keeps it.
   */
  get lastTxnZxid(): number {
    return this.tree.lastZxid;
  }

  digest(): number {
    return this.tree.digest();
  }
}
