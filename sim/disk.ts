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

function applyOp(files: Map<string, FileContent>, op: DiskOp): void {
  switch (op.op) {
    case 'append': {
      let f = files.get(op.file);
      if (!f || f.type !== 'log') {
        f = { type: 'log', records: [] };
        files.set(op.file, f);
      }
      const records = f.records;
      for (let i = 0; i < op.records.length; i++) records.push(op.records[i]);
      return;
    }
    case 'overwrite':
      files.set(op.file, { type: 'value', value: op.value });
      return;
    case 'truncate': {
      const f = files.get(op.file);
      if (f && f.type === 'log' && f.records.length > op.length) f.records.length = op.length;
      return;
    }
    case 'remove':
      files.delete(op.file);
      return;
  }
}

function cloneFiles(files: Map<string, FileContent>): Map<string, FileContent> {
  const out = new Map<string, FileContent>();
  for (const [name, f] of files) out.set(name, f.type === 'log' ? { type: 'log', records: f.records.slice() } : { type: 'value', value: f.value });
  return out;
}

export interface SyncLatency {
  min: number;
  max: number;
}

export class SimDisk {
  /** What survives a crash. */
  private durable = new Map<string, FileContent>();
  /** What the running process sees. */
  private visible = new Map<string, FileContent>();
  /**
   * Writes since the last completed sync. Their sequence numbers are consecutive and end at `seq` (the oldest is
   * seq - pending.length + 1), so they are not stored.
   */
  private pending: DiskOp[] = [];
  private seq = 0;
  syncLatency: SyncLatency = { min: 1, max: 5 };
  /** Counters for reports and benches. */
  writes = 0;
  syncs = 0;

  setSyncLatency(l: SyncLatency): void {
    this.syncLatency = { ...l };
  }

  write(op: DiskOp): void {
    this.pending.push(op);
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
    const pending = this.pending;
    const done = Math.min(pending.length, upTo - (this.seq - pending.length));
    for (let i = 0; i < done; i++) applyOp(this.durable, pending[i]!);
    // Usually every pending write is covered: empty the list without splice's copy.
    if (done === pending.length) pending.length = 0;
    else if (done > 0) pending.splice(0, done);
    this.syncs++;
  }

  /** Number of writes not yet durable. */
  get unsyncedWrites(): number {
    return this.pending.length;
  }

  /**
   * The process crashed: keep the durable state plus the first `keepPending` of the non-durable writes
   * (0 for a clean loss; a random count for a torn tail). Returns how many writes were lost.
   */
  crash(keepPending = 0): number {
    const kept = this.pending.slice(0, keepPending);
    for (const op of kept) applyOp(this.durable, op);
    const lost = this.pending.length - kept.length;
    this.pending = [];
    this.visible = cloneFiles(this.durable);
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
    const f = this.durable.get(file);
    return f && f.type === 'log' ? f.records : [];
  }
  durableValue(file: string): unknown {
    const f = this.durable.get(file);
    return f && f.type === 'value' ? f.value : undefined;
  }
}
