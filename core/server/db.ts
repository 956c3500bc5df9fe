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

export interface ApplyOutcome {
  err: number;
  body?: ReplyBody;
  /** Watch events per cnxn (ConnId), in the order they must be written. */
  events: Map<number, WatchEventMsg[]>;
}

export class ZkDb {
  tree: DataTree;
  readonly watches = new WatchManager();
  /** Last applied zxid (the leader sets it to epoch << 32 when it starts serving). */
  lastProcessedZxid: number;
  /** The last COMMIT_LOG_COUNT applied txns (for DIFF). */
  committedLog: Txn[] = [];

  constructor(tree?: DataTree, lastZxid?: number) {
    this.tree = tree ?? new DataTree();
    this.lastProcessedZxid = lastZxid ?? this.tree.lastZxid;
  }

  /** Rebuild from a storage load: snapshot, then replay every logged txn (committed or not, §8.8). */
  static recover(r: LoadResult<TreeSnapshot, StoredTxn>): ZkDb {
    const tree = r.snapshot ? DataTree.fromSnapshot(r.snapshot.state) : new DataTree();
    const db = new ZkDb(tree, r.snapshot ? r.snapshot.zxid : 0);
    for (const t of r.txns) {
      if (t.zxid <= db.lastProcessedZxid) continue;
      db.tree.apply(t);
      db.lastProcessedZxid = t.zxid;
      db.remember(t);
    }
    return db;
  }

  static fromSnapshot(s: TreeSnapshot, zxid: number): ZkDb {
    return new ZkDb(DataTree.fromSnapshot(s), zxid);
  }

  private remember(t: Txn): void {
    this.committedLog.push(t);
    if (this.committedLog.length > COMMIT_LOG_COUNT) this.committedLog.splice(0, this.committedLog.length - COMMIT_LOG_COUNT);
  }

  /** Apply a committed txn: mutate the tree, collect watch events per cnxn. */
  apply(t: Txn): ApplyOutcome {
    const r = this.tree.apply(t);
    if (t.zxid > this.lastProcessedZxid) this.lastProcessedZxid = t.zxid;
    this.remember(t);
    const events = r.triggers.length > 0 ? this.watches.trigger(r.triggers) : new Map<number, WatchEventMsg[]>();
    const out: ApplyOutcome = { err: r.err, events };
    if (r.body !== undefined) out.body = r.body;
    return out;
  }

  get minCommittedLog(): number {
    return this.committedLog.length > 0 ? this.committedLog[0]!.zxid : this.lastProcessedZxid;
  }
  get maxCommittedLog(): number {
    return this.committedLog.length > 0 ? this.committedLog[this.committedLog.length - 1]!.zxid : this.lastProcessedZxid;
  }

  snapshot(): TreeSnapshot {
    return this.tree.snapshot();
  }

  digest(): string {
    return this.tree.digest();
  }
}
