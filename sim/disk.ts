/**
 * A simulated disk for one process. Writes are visible to the process at once but durable only after a sync
 * completes; a crash keeps the durable state (and, for a torn tail, a random prefix of the writes that were not
 * yet durable). The disk outlives the process: a restart reads what survived.
 *
 * Records are stored by reference: roles must not mutate a record after writing it.
 */

export type DiskOp =
  | { op: 'append'; file: string; records: readonly unknown[] }
  | { op: 'overwrite'; file: string; value: unknown }
  | { op: 'truncate'; file: string; length: number }
  | { op: 'remove'; file: string };

type FileContent = { type: 'log'; records: unknown[] } | { type: 'value'; value: unknown };

/**
 * A durable log file: the first `length` records of `records`. The array is usually the visible file's own: the
 * visible view only ever appends to a log's array (a truncate gives it a new one), so a prefix of it never changes,
 * and a completed sync of an append moves `length` forward instead of copying every record a second time.
 */
type DurableLog = { type: 'log'; records: unknown[]; length: number };
type DurableContent = DurableLog | { type: 'value'; value: unknown };

/**
 * A Map of files that remembers its last hit: a process appends to one log file over and over, and every write and
 * every completed sync looked that file up (a string-keyed Map lookup cost more than the rest of the write).
 */
class FileMap<V> extends Map<string, V> {
  private lastKey: string | null = null;
  private lastValue: V | undefined = undefined;
  override get(key: string): V | undefined {
    if (key === this.lastKey) return this.lastValue;
    const v = super.get(key);
    if (v !== undefined) {
      this.lastKey = key;
      this.lastValue = v;
    }
    return v;
  }
  override set(key: string, value: V): this {
    this.lastKey = key;
    this.lastValue = value;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    if (key === this.lastKey) {
      this.lastKey = null;
      this.lastValue = undefined;
    }
    return super.delete(key);
  }
  override clear(): void {
    this.lastKey = null;
    this.lastValue = undefined;
    super.clear();
  }
}

/** A write, as the visible view sees it. */
function applyOp(files: Map<string, FileContent>, op: DiskOp): void {
  switch (op.op) {
    case 'append': {
      let f = files.get(op.file);
      if (!f || f.type !== 'log') {
        f = { type: 'log', records: [] };
        files.set(op.file, f);
      }
      const records = f.records;
      const recs = op.records;
      // One record (nearly every append: a server logs each txn as it comes) by push(), the indexed store below kept
      // for batches: in the fidelity loop about 200 instr/op fewer (mean of 9 runs 27,779 against 4 runs 27,977 of
      // the store alone; single runs vary by about ±300 on a loaded machine).
      if (recs.length === 1) {
        records.push(recs[0]);
        return;
      }
      let n = records.length;
      for (let i = 0; i < recs.length; i++) records[n++] = recs[i];
      return;
    }
    case 'overwrite':
      files.set(op.file, { type: 'value', value: op.value });
      return;
    case 'truncate': {
      // A shorter copy, not in place: the durable view may share this array.
      const f = files.get(op.file);
      if (f && f.type === 'log' && f.records.length > op.length) files.set(op.file, { type: 'log', records: f.records.slice(0, op.length) });
      return;
    }
    case 'remove':
      files.delete(op.file);
      return;
  }
}

/** `arr` holds `recs` at `at` (same references): a durable prefix of `arr` of length `at` extends over them. */
function holdsAt(arr: readonly unknown[], at: number, recs: readonly unknown[]): boolean {
  if (arr.length < at + recs.length) return false;
  for (let i = 0; i < recs.length; i++) if (!Object.is(arr[at + i], recs[i])) return false;
  return true;
}

/** The first `n` records of `a` and `b` are the same references. */
function samePrefix(a: readonly unknown[], b: readonly unknown[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * A synced write, as the durable view sees it: the same effect as applyOp, on DurableLogs. An append extends the
 * log's array when that array already holds the records right after the durable prefix (the visible view put
 * them there), else it takes the visible file's array if that one does, else a copy of its own.
 */
function applyDurable(durable: Map<string, DurableContent>, visible: Map<string, FileContent>, op: DiskOp): void {
  switch (op.op) {
    case 'append': {
      const recs = op.records;
      let d = durable.get(op.file);
      if (!d || d.type !== 'log') {
        d = { type: 'log', records: [], length: 0 };
        durable.set(op.file, d);
      }
      if (holdsAt(d.records, d.length, recs)) {
        d.length += recs.length;
        return;
      }
      const v = visible.get(op.file);
      if (v && v.type === 'log' && samePrefix(v.records, d.records, d.length) && holdsAt(v.records, d.length, recs)) {
        d.records = v.records;
        d.length += recs.length;
        return;
      }
      const own = d.records.slice(0, d.length);
      for (let i = 0; i < recs.length; i++) own.push(recs[i]);
      d.records = own;
      d.length = own.length;
      return;
    }
    case 'overwrite':
      durable.set(op.file, { type: 'value', value: op.value });
      return;
    case 'truncate': {
      const d = durable.get(op.file);
      if (d && d.type === 'log' && d.length > op.length) d.length = op.length;
      return;
    }
    case 'remove':
      durable.delete(op.file);
      return;
  }
}

export interface SyncLatency {
  min: number;
  max: number;
}

export class SimDisk {
  /** What survives a crash. */
  private durable = new FileMap<DurableContent>();
  /** What the running process sees. */
  private visible: Map<string, FileContent> = new FileMap<FileContent>();
  /**
   * Writes since the last completed sync. Their sequence numbers are consecutive and end at `seq` (the oldest is
   * seq - (pending count) + 1), so they are not stored. They are the entries of `queue` in [head, len): a sync that
   * covers only the older ones moves `head` instead of shifting the rest down (splice). The array is reused (slots
   * at or past `len`, and covered ones, hold undefined): emptying it at every sync meant growing a new one at the
   * next write.
   */
  private queue: Array<DiskOp | undefined> = [];
  private head = 0;
  private len = 0;
  private seq = 0;
  syncLatency: SyncLatency = { min: 1, max: 5 };
  /** Counters for reports and benches. */
  writes = 0;
  syncs = 0;

  setSyncLatency(l: SyncLatency): void {
    this.syncLatency = { ...l };
  }

  write(op: DiskOp): void {
    this.queue[this.len++] = op;
    this.seq++;
    applyOp(this.visible, op);
    this.writes++;
  }

  /** Sequence number of the latest write: a sync requested now makes everything up to it durable. */
  get lastSeq(): number {
    return this.seq;
  }

  /** A sync requested when lastSeq was `upTo` completed: those writes are now durable. */
  completeSync(upTo: number): void {
    const queue = this.queue;
    const head = this.head;
    const pending = this.len - head;
    const done = Math.min(pending, upTo - (this.seq - pending));
    for (let i = head; i < head + done; i++) {
      applyDurable(this.durable, this.visible, queue[i]!);
      queue[i] = undefined; // durable now: the list no longer holds it
    }
    if (done === pending) {
      // Usually every pending write is covered: the list is empty.
      this.head = 0;
      this.len = 0;
    } else if (done > 0) {
      this.head = head + done;
      // Syncs that keep lagging behind the writes never empty the list: drop the covered entries now and then.
      if (this.head >= 1024) {
        queue.splice(0, this.head);
        this.len -= this.head;
        this.head = 0;
      }
    }
    this.syncs++;
  }

  /** Number of writes not yet durable. */
  get unsyncedWrites(): number {
    return this.len - this.head;
  }

  /**
   * The process crashed: keep the durable state plus the first `keepPending` of the non-durable writes
   * (0 for a clean loss; a random count for a torn tail), except overwrites. Returns how many writes were lost.
   *
   * An overwrite stands for ZooKeeper's atomic file replacement (AtomicFileOutputStream: write a temporary file,
   * fsync it, then rename it over the old one), so it never reaches the disk before its sync completes: a torn tail
   * keeps the appends around it and the file's old value. (Keeping it let a learner's new currentEpoch survive a
   * crash during its fsync, which 3.8.0 cannot do.)
   */
  crash(keepPending = 0): number {
    const kept = (this.queue.slice(this.head, Math.min(this.head + keepPending, this.len)) as DiskOp[]).filter((op) => op.op !== 'overwrite');
    for (const op of kept) applyDurable(this.durable, this.visible, op);
    const lost = this.len - this.head - kept.length;
    this.queue = [];
    this.head = 0;
    this.len = 0;
    // The visible view restarts from the durable one; each log's array is shared by both again.
    const visible = new FileMap<FileContent>();
    for (const [name, d] of this.durable) {
      if (d.type === 'log') {
        d.records = d.records.slice(0, d.length);
        visible.set(name, { type: 'log', records: d.records });
      } else visible.set(name, { type: 'value', value: d.value });
    }
    this.visible = visible;
    return lost;
  }

  readLog(file: string): readonly unknown[] {
    const f = this.visible.get(file);
    return f && f.type === 'log' ? f.records : [];
  }

  readValue(file: string): unknown {
    const f = this.visible.get(file);
    return f && f.type === 'value' ? f.value : undefined;
  }

  files(): string[] {
    return [...this.visible.keys()].sort();
  }

  /** Durable view, for tests and checkers. */
  durableLog(file: string): readonly unknown[] {
    const d = this.durable.get(file);
    if (!d || d.type !== 'log') return [];
    return d.length === d.records.length ? d.records : d.records.slice(0, d.length);
  }
  durableValue(file: string): unknown {
    const f = this.durable.get(file);
    return f && f.type === 'value' ? f.value : undefined;
  }
}
