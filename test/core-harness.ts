/**
 * Test harness for core/ database tests: a single-replica "server" that assigns zxids and times the way a leader
 * does (one zxid per prepared txn, failed or not), prepares against the tree and applies at once.
 */
import { DataTree } from '../core/datatree.js';
import type { ApplyResult } from '../core/datatree.js';
import { prepare } from '../core/txn.js';
import type { PrepContext, PrepRequest, Txn } from '../core/txn.js';
import type { Data, MultiOp } from '../core/protocol.js';
import { WatchManager, serveRead } from '../core/watches.js';
import type { WatchEventMsg, ReadRequest } from '../core/protocol.js';

export const S1 = 0x0100000000000 + 1;
export const S2 = 0x0100000000000 + 2;

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface Written {
  txn: Txn;
  r: ApplyResult;
  /** Watch events per cnxn produced by this txn. */
  events: ReadonlyMap<number, WatchEventMsg[]>;
}

export class Db {
  tree = new DataTree();
  watches = new WatchManager();
  zxid = 0;
  time = 1_000_000;
  txns: Txn[] = [];

  constructor(sessions: number[] = [S1, S2]) {
    for (const s of sessions) this.write({ op: 'createSession', timeoutMs: 6000 }, s);
  }

  write(req: PrepRequest, sessionId = S1, extra: Partial<PrepContext> = {}): Written {
    this.zxid += 1;
    this.time += 7;
    const txn = prepare(this.tree, req, { sessionId, zxid: this.zxid, time: this.time, ...extra });
    this.txns.push(txn);
    const r = this.tree.apply(txn);
    const events = this.watches.trigger(r.triggers);
    return { txn, r, events };
  }

  /** Convenience writers returning the apply result. */
  create(path: string, data: Data = null, mode: 0 | 1 | 2 | 3 | 4 | 5 | 6 = 0, sessionId = S1, extra: Partial<PrepContext> = {}): ApplyResult {
    return this.write({ op: 'create', path, data, mode }, sessionId, extra).r;
  }
  del(path: string, version = -1, sessionId = S1): ApplyResult {
    return this.write({ op: 'delete', path, version }, sessionId).r;
  }
  set(path: string, data: Data, version = -1, sessionId = S1): ApplyResult {
    return this.write({ op: 'setData', path, data, version }, sessionId).r;
  }
  multi(ops: MultiOp[], sessionId = S1): ApplyResult {
    return this.write({ op: 'multi', ops }, sessionId).r;
  }
  read(req: ReadRequest, cnxn = 1) {
    return serveRead(this.tree, this.watches, req, cnxn);
  }
  stat(path: string) {
    const s = this.tree.statOf(path);
    if (!s) throw new Error(`no node ${path}`);
    return s;
  }
}
