/**
 * The server's durable state on the Port's DiskPort (src: FileTxnSnapLog, FileTxnLog, FileSnap,
 * QuorumPeer.loadDataBase / writeLongToFile; semantics §8.4, §8.8). Pure: no clock, no randomness (the snapshot
 * policy takes a random number from the caller).
 *
 * Files (names like ZooKeeper's, zxids in lower-case hex without 0x):
 *  - `log.<firstZxid>`  append-only txn log; records are the txns themselves (opaque objects with a numeric `zxid`).
 *                        A new log file is started on the first append after construction (process start), after a
 *                        snapshot (log roll) and after a truncation, as ZooKeeper does. A torn tail (crash with
 *                        unsynced appends) loses a suffix of the newest log(s).
 *  - `snapshot.<zxid>`  value `{ zxid, state }` (state opaque to this module: tree + sessions, whatever the
 *                        server puts there; must be plain data). Written with `overwrite` (atomic, and never
 *                        kept by a torn tail before its sync: a torn snapshot is one ZooKeeper skips as invalid).
 *  - `acceptedEpoch`, `currentEpoch`  numbers, written with `overwrite` (atomic rename after an fsync in real life,
 *                        so a crash before the sync completed keeps the old value). Since the
 *                        write is atomic, ZooKeeper's `currentEpoch.tmp` leftover (§8.4) cannot occur here: a
 *                        currentEpoch older than the last zxid's epoch is always the refuse-to-start error.
 *
 * How the server uses it
 * ----------------------
 *  - At start: `const st = new ServerStorage(port.disk); const r = st.load();` If `r.error` is set the server must
 *    refuse to start (ZooKeeper exits): trace it and stay down. Otherwise rebuild memory from `r.snapshot?.state`
 *    then replay `r.txns` (every logged txn with zxid > snapshot zxid, in log order; may include UNCOMMITTED txns,
 *    §8.8); `r.lastLoggedZxid` is the zxid to advertise in election; `r.acceptedEpoch`, `r.currentEpoch`.
 *    If `r.epochFilesInitialised` the module wrote missing epoch files: sync before relying on them.
 *  - PROPOSAL / own proposal: `st.appendTxns([t])` then `st.sync(tag)`; ACK when the Port delivers
 *    `{ kind: 'synced', tag }` (group commit: append several, sync once).
 *  - TRUNC z: `st.truncateAfter(z)` then `st.load()` again to rebuild memory (ZKDatabase.truncateLog), then sync.
 *  - SNAP / NEWLEADER after SNAP or TRUNC / leader start / periodic: `st.writeSnapshot(zxid, state, lastTxnZxid)`
 *    (rolls the log; `lastTxnZxid`, the last txn the state holds, when a SNAP left it below lastProcessedZxid).
 *    Periodic: `const pol = new SnapshotPolicy(snapCount, port.random)`; after logging txns
 *    `if (pol.txnsLogged(k)) st.writeSnapshot(lastProcessedZxid, state)`.
 *  - Discovery: `st.setAcceptedEpoch(e)` / `st.setCurrentEpoch(e)` then sync (Zab persists them at the moments of
 *    §8.4/§8.5; the server decides the order). `st.acceptedEpoch` / `st.currentEpoch` read the in-memory values.
 *  - Optional housekeeping: `st.prune(retainSnapshots)` (ZooKeeper's autopurge, off by default in ZooKeeper).
 *  - `sync(tag)` is DiskPort.sync(tag): everything written before it becomes durable, then 'synced' with the tag.
 */
import type { DiskPort } from '../port.js';

/** A logged txn: opaque payload with a numeric zxid. */
export interface TxnRecord {
  zxid: number;
  [k: string]: unknown;
}

export interface SnapshotFile<S = unknown> {
  zxid: number;
  state: S;
  /**
   * The last txn `state` holds, when lower than `zxid` (absent otherwise): a learner synced by SNAP while the
   * leader's lastProcessedZxid was its new epoch's `epoch << 32` names its snapshot after that zxid (as ZooKeeper
   * does), though the tree ends at the leader's last committed txn of an older epoch. truncateAfter keeps it.
   */
  lastTxnZxid?: number;
}

/** Why a server refuses to start (QuorumPeer.loadDataBase). */
export type StorageError =
  | {
      kind: 'currentEpochOlderThanLastZxid';
      message: string;
      currentEpoch: number;
      lastZxid: number;
    }
  | {
      kind: 'acceptedEpochLessThanCurrentEpoch';
      message: string;
      acceptedEpoch: number;
      currentEpoch: number;
    };

export interface LoadResult<S = unknown, T extends TxnRecord = TxnRecord> {
  /** The newest snapshot, if any. */
  snapshot?: SnapshotFile<S>;
  /** Logged txns with zxid > snapshot zxid (all if no snapshot), in log order. */
  txns: T[];
  /** max(snapshot zxid, last replayed txn zxid), 0 for an empty disk. */
  lastLoggedZxid: number;
  acceptedEpoch: number;
  currentEpoch: number;
  /** True when a missing acceptedEpoch/currentEpoch file was created from epoch(lastLoggedZxid). */
  epochFilesInitialised: boolean;
  /** Set when the server must refuse to start. */
  error?: StorageError;
  /** Oddities found (non-increasing zxids in the logs...), for the trace. */
  warnings: string[];
}

const TWO32 = 4294967296;
const epochOfZxid = (z: number): number => Math.floor(z / TWO32);
const hexName = (z: number): string => z.toString(16);

export const ACCEPTED_EPOCH_FILE = 'acceptedEpoch';
export const CURRENT_EPOCH_FILE = 'currentEpoch';
export const LOG_PREFIX = 'log.';
export const SNAPSHOT_PREFIX = 'snapshot.';

function parseSuffix(name: string, prefix: string): number | null {
  if (!name.startsWith(prefix)) return null;
  const s = name.slice(prefix.length);
  if (!/^[0-9a-f]+$/.test(s)) return null;
  return parseInt(s, 16);
}

function isTxn(r: unknown): r is TxnRecord {
  return typeof r === 'object' && r !== null && typeof (r as { zxid?: unknown }).zxid === 'number';
}

function asEpoch(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export class ServerStorage<S = unknown, T extends TxnRecord = TxnRecord> {
  private readonly disk: DiskPort;
  /** The log file new txns go to; null → the next append starts `log.<its zxid>`. */
  private currentLog: string | null = null;
  private lastLogged = 0;
  private accepted = 0;
  private current = 0;

  constructor(disk: DiskPort) {
    this.disk = disk;
  }

  // ------------------------------------------------------------------ reads

  /** Log files sorted by first zxid. */
  logFiles(): { name: string; firstZxid: number }[] {
    const out: { name: string; firstZxid: number }[] = [];
    for (const f of this.disk.files()) {
      const z = parseSuffix(f, LOG_PREFIX);
      if (z !== null) out.push({ name: f, firstZxid: z });
    }
    return out.sort((a, b) => a.firstZxid - b.firstZxid);
  }

  /** Snapshot files sorted by zxid (oldest first). */
  snapshotFiles(): { name: string; zxid: number }[] {
    const out: { name: string; zxid: number }[] = [];
    for (const f of this.disk.files()) {
      const z = parseSuffix(f, SNAPSHOT_PREFIX);
      if (z !== null) out.push({ name: f, zxid: z });
    }
    return out.sort((a, b) => a.zxid - b.zxid);
  }

  /** The newest readable snapshot. */
  latestSnapshot(): SnapshotFile<S> | undefined {
    const snaps = this.snapshotFiles();
    for (let i = snaps.length - 1; i >= 0; i--) {
      const v = this.disk.readValue(snaps[i].name) as SnapshotFile<S> | undefined;
      if (v && typeof v === 'object' && typeof v.zxid === 'number') return v;
    }
    return undefined;
  }

  /** Every logged txn with zxid > afterZxid, in log order (files by first zxid, records in order). */
  readTxnsAfter(afterZxid: number, warnings: string[] = []): T[] {
    const out: T[] = [];
    let highest = -1;
    for (const { name } of this.logFiles()) {
      for (const r of this.disk.readLog(name)) {
        if (!isTxn(r)) {
          warnings.push(`${name}: record without a numeric zxid`);
          continue;
        }
        if (r.zxid <= afterZxid) continue;
        if (r.zxid <= highest) warnings.push(`${name}: zxid 0x${hexName(r.zxid)} after 0x${hexName(highest)}`);
        else highest = r.zxid;
        out.push(r as T);
      }
    }
    return out;
  }

  get lastLoggedZxid(): number {
    return this.lastLogged;
  }
  get acceptedEpoch(): number {
    return this.accepted;
  }
  get currentEpoch(): number {
    return this.current;
  }

  /**
   * Read everything back (startup, or after truncateAfter). Also performs QuorumPeer.loadDataBase's epoch checks:
   * a missing epoch file is initialised (written, not synced) from epoch(lastLoggedZxid);
   * currentEpoch < epoch(lastLoggedZxid) → error (ZOOKEEPER-1653 message); acceptedEpoch < currentEpoch → error.
   */
  load(): LoadResult<S, T> {
    const warnings: string[] = [];
    const snapshot = this.latestSnapshot();
    const snapZxid = snapshot ? snapshot.zxid : 0;
    const txns = this.readTxnsAfter(snapshot ? snapshot.zxid : -1, warnings);
    let last = snapZxid;
    for (const t of txns) if (t.zxid > last) last = t.zxid;
    this.lastLogged = last;
    this.currentLog = null;

    const epochOfLast = epochOfZxid(last);
    let initialised = false;
    let current = asEpoch(this.disk.readValue(CURRENT_EPOCH_FILE));
    if (current === undefined) {
      current = epochOfLast;
      this.disk.overwrite(CURRENT_EPOCH_FILE, current);
      initialised = true;
    }
    let error: StorageError | undefined;
    if (epochOfLast > current) {
      error = {
        kind: 'currentEpochOlderThanLastZxid',
        message: `The current epoch, ${current}, is older than the last zxid, 0x${hexName(last)}`,
        currentEpoch: current,
        lastZxid: last,
      };
    }
    let accepted = asEpoch(this.disk.readValue(ACCEPTED_EPOCH_FILE));
    if (error === undefined) {
      if (accepted === undefined) {
        accepted = epochOfLast;
        this.disk.overwrite(ACCEPTED_EPOCH_FILE, accepted);
        initialised = true;
      }
      if (accepted < current) {
        error = {
          kind: 'acceptedEpochLessThanCurrentEpoch',
          message: `The accepted epoch, ${accepted}, is less than the current epoch, ${current}`,
          acceptedEpoch: accepted,
          currentEpoch: current,
        };
      }
    }
    this.current = current;
    this.accepted = accepted ?? epochOfLast;
    const r: LoadResult<S, T> = {
      txns,
      lastLoggedZxid: last,
      acceptedEpoch: this.accepted,
      currentEpoch: this.current,
      epochFilesInitialised: initialised,
      warnings,
    };
    if (snapshot) r.snapshot = snapshot;
    if (error) r.error = error;
    return r;
  }

  // ------------------------------------------------------------------ writes

  /** Append txns to the current log (starting `log.<first zxid>` when needed). Not durable until sync. */
  appendTxns(txns: readonly T[]): void {
    if (txns.length === 0) return;
    // (once per log file: out of line, like the indexed loop below keeps this small enough for V8 to inline)
    const log = this.currentLog ?? this.startLog(txns[0].zxid);
    this.disk.append(log, txns);
    for (let i = 0; i < txns.length; i++) if (txns[i].zxid > this.lastLogged) this.lastLogged = txns[i].zxid;
  }

  /** The name of a new log file, starting at `zxid` (if a file of that name exists already, disk.append simply continues it). */
  private startLog(zxid: number): string {
    this.currentLog = LOG_PREFIX + hexName(zxid);
    return this.currentLog;
  }

  /**
   * TRUNC: drop every logged txn with zxid > `zxid` (FileTxnLog.truncate) and every snapshot holding a txn newer
   * than `zxid` (ZooKeeper's FileTxnSnapLog.truncateLog keeps every snapshot and reloads the newest; removing those
   * that hold truncated txns keeps such a snapshot from resurrecting them). A snapshot named after a zxid above
   * `zxid` but holding nothing newer (`lastTxnZxid` ≤ `zxid`, a SNAP-synced learner's) is kept, as in ZooKeeper:
   * it may be the only copy of the txns it holds. Returns how many txns were dropped. The next append starts a new
   * log file. Not durable until sync.
   */
  truncateAfter(zxid: number): { droppedTxns: number; removedFiles: string[] } {
    let dropped = 0;
    const removed: string[] = [];
    for (const { name, firstZxid } of this.logFiles()) {
      const recs = this.disk.readLog(name);
      if (firstZxid > zxid) {
        dropped += recs.length;
        this.disk.remove(name);
        removed.push(name);
        continue;
      }
      let keep = recs.length;
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i];
        if (isTxn(r) && r.zxid > zxid) {
          keep = i;
          break;
        }
      }
      if (keep < recs.length) {
        dropped += recs.length - keep;
        this.disk.truncate(name, keep);
      }
    }
    for (const { name, zxid: z } of this.snapshotFiles()) {
      if (z <= zxid) continue;
      const v = this.disk.readValue(name) as SnapshotFile<S> | undefined;
      if (v && typeof v === 'object' && typeof v.lastTxnZxid === 'number' && v.lastTxnZxid <= zxid) continue;
      this.disk.remove(name);
      removed.push(name);
    }
    this.currentLog = null;
    if (this.lastLogged > zxid) this.lastLogged = zxid;
    return { droppedTxns: dropped, removedFiles: removed };
  }

  /**
   * Write `snapshot.<zxid>` ({zxid, state}, and `lastTxnZxid` when the state's last txn is older than `zxid`) and
   * roll the log. Not durable until sync.
   */
  writeSnapshot(zxid: number, state: S, lastTxnZxid = zxid): string {
    const name = SNAPSHOT_PREFIX + hexName(zxid);
    const v: SnapshotFile<S> = lastTxnZxid < zxid ? { zxid, state, lastTxnZxid } : { zxid, state };
    this.disk.overwrite(name, v);
    this.currentLog = null;
    if (zxid > this.lastLogged) this.lastLogged = zxid;
    return name;
  }

  /** Roll the log: the next append starts a new `log.<zxid>` file. */
  rollLog(): void {
    this.currentLog = null;
  }

  setAcceptedEpoch(e: number): void {
    this.accepted = e;
    this.disk.overwrite(ACCEPTED_EPOCH_FILE, e);
  }

  setCurrentEpoch(e: number): void {
    this.current = e;
    this.disk.overwrite(CURRENT_EPOCH_FILE, e);
  }

  /** DiskPort.sync: everything written so far becomes durable; the Port then delivers {kind:'synced', tag}. */
  sync(tag: string): void {
    this.disk.sync(tag);
  }

  /**
   * PurgeTxnLog: keep the newest `retainSnapshots` snapshots (at least 1) and the log files that may hold txns
   * after the oldest kept snapshot (the newest log starting at or before it, and every later one).
   */
  prune(retainSnapshots = 3): string[] {
    const keepN = Math.max(1, retainSnapshots);
    const snaps = this.snapshotFiles();
    if (snaps.length <= keepN) return [];
    const removed: string[] = [];
    const kept = snaps.slice(snaps.length - keepN);
    const oldestKept = kept[0].zxid;
    for (const s of snaps.slice(0, snaps.length - keepN)) {
      this.disk.remove(s.name);
      removed.push(s.name);
    }
    const logs = this.logFiles();
    // the newest log whose first zxid <= oldestKept + 1 holds the txns right after the snapshot
    let boundary = -1;
    for (let i = 0; i < logs.length; i++) if (logs[i].firstZxid <= oldestKept + 1) boundary = i;
    for (let i = 0; i < boundary; i++) {
      if (logs[i].name === this.currentLog) continue;
      this.disk.remove(logs[i].name);
      removed.push(logs[i].name);
    }
    return removed;
  }
}

/**
 * ZooKeeper's periodic snapshot rule (SyncRequestProcessor.shouldSnapshot): after snapCount/2 + random(snapCount/2)
 * logged txns, roll the log and snapshot; the random roll is drawn again after each snapshot.
 * `random` must be the process's seeded stream (Port.random), never Math.random.
 */
export class SnapshotPolicy {
  private readonly snapCount: number;
  private readonly random: () => number;
  private logCount = 0;
  private randRoll: number;

  constructor(snapCount = 100000, random: () => number) {
    this.snapCount = Math.max(2, snapCount);
    this.random = random;
    this.randRoll = this.roll();
  }

  private roll(): number {
    return Math.floor(this.random() * Math.floor(this.snapCount / 2));
  }

  /** Count `n` logged txns; true when a snapshot is due now (the counter then restarts). */
  txnsLogged(n = 1): boolean {
    this.logCount += n;
    if (this.logCount > Math.floor(this.snapCount / 2) + this.randRoll) {
      this.logCount = 0;
      this.randRoll = this.roll();
      return true;
    }
    return false;
  }
}
