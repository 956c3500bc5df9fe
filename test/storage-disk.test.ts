/**
 * core/server/storage.ts over a tiny fake DiskPort that keeps durable and not-yet-durable writes apart:
 * sync makes everything written before it durable, crash() keeps only the durable state (or, with `keep`, a
 * prefix of the unsynced operations: a torn tail).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { DiskPort } from '../core/port.js';
import { ServerStorage, SnapshotPolicy, type TxnRecord } from '../core/server/storage.js';

type FileState = { kind: 'log'; recs: unknown[] } | { kind: 'value'; value: unknown };
type Op =
  | { op: 'append'; file: string; records: unknown[] }
  | { op: 'overwrite'; file: string; value: unknown }
  | { op: 'truncate'; file: string; length: number }
  | { op: 'remove'; file: string };

function applyOp(files: Map<string, FileState>, o: Op): void {
  switch (o.op) {
    case 'append': {
      const f = files.get(o.file);
      if (f && f.kind === 'log') f.recs.push(...o.records);
      else files.set(o.file, { kind: 'log', recs: [...o.records] });
      break;
    }
    case 'overwrite':
      files.set(o.file, { kind: 'value', value: structuredClone(o.value) });
      break;
    case 'truncate': {
      const f = files.get(o.file);
      if (f && f.kind === 'log') f.recs.length = Math.min(f.recs.length, o.length);
      break;
    }
    case 'remove':
      files.delete(o.file);
      break;
  }
}

function cloneFiles(m: Map<string, FileState>): Map<string, FileState> {
  const out = new Map<string, FileState>();
  for (const [k, v] of m) out.set(k, v.kind === 'log' ? { kind: 'log', recs: [...v.recs] } : { ...v });
  return out;
}

class FakeDisk implements DiskPort {
  durable = new Map<string, FileState>();
  pending: Op[] = [];
  synced: string[] = [];

  private view(): Map<string, FileState> {
    const v = cloneFiles(this.durable);
    for (const o of this.pending) applyOp(v, o);
    return v;
  }
  private push(o: Op): void {
    this.pending.push(o);
  }
  append(file: string, records: readonly unknown[]): void {
    this.push({ op: 'append', file, records: records.map((r) => structuredClone(r)) });
  }
  overwrite(file: string, value: unknown): void {
    this.push({ op: 'overwrite', file, value: structuredClone(value) });
  }
  truncate(file: string, length: number): void {
    this.push({ op: 'truncate', file, length });
  }
  remove(file: string): void {
    this.push({ op: 'remove', file });
  }
  sync(tag: string): void {
    for (const o of this.pending) applyOp(this.durable, o);
    this.pending = [];
    this.synced.push(tag);
  }
  readLog(file: string): readonly unknown[] {
    const f = this.view().get(file);
    return f && f.kind === 'log' ? f.recs : [];
  }
  readValue(file: string): unknown {
    const f = this.view().get(file);
    return f && f.kind === 'value' ? f.value : undefined;
  }
  files(): string[] {
    return [...this.view().keys()].sort();
  }
  /** Crash: unsynced writes are lost, except a prefix of `keep` of them (torn tail). */
  crash(keep = 0): void {
    for (const o of this.pending.slice(0, keep)) applyOp(this.durable, o);
    this.pending = [];
  }
}

const E = 4294967296;
const tx = (zxid: number, extra: Record<string, unknown> = {}): TxnRecord => ({ zxid, type: 'create', ...extra });
const zx = (ts: readonly TxnRecord[]) => ts.map((t) => t.zxid);

test('empty disk: no snapshot, no txns, epochs initialised to 0 and flagged', () => {
  const d = new FakeDisk();
  const r = new ServerStorage(d).load();
  assert.equal(r.snapshot, undefined);
  assert.equal(r.txns, []);
  assert.equal([r.lastLoggedZxid, r.acceptedEpoch, r.currentEpoch], [0, 0, 0]);
  assert.ok(r.epochFilesInitialised);
  assert.equal(r.error, undefined);
  assert.equal(d.readValue('acceptedEpoch'), 0);
  assert.equal(d.readValue('currentEpoch'), 0);
  // a second load finds the files
  assert.not.ok(new ServerStorage(d).load().epochFilesInitialised);
});

test('sync makes writes durable; a crash drops unsynced appends', () => {
  const d = new FakeDisk();
  const st = new ServerStorage(d);
  st.load();
  st.appendTxns([tx(E + 1), tx(E + 2)]);
  st.sync('a');
  assert.equal(d.synced, ['a']);
  st.appendTxns([tx(E + 3)]);
  assert.equal(st.lastLoggedZxid, E + 3);
  assert.equal(zx(new ServerStorage(d).load().txns), [E + 1, E + 2, E + 3], 'visible before sync');
  d.crash();
  const r = new ServerStorage(d).load();
  assert.equal(zx(r.txns), [E + 1, E + 2]);
  assert.equal(r.lastLoggedZxid, E + 2);
  assert.equal(d.files(), ['acceptedEpoch', 'currentEpoch', 'log.100000001']);
});

test('torn tail: a crash keeps only a prefix of the unsynced appends', () => {
  const d = new FakeDisk();
  const st = new ServerStorage(d);
  st.load();
  st.setAcceptedEpoch(1);
  st.setCurrentEpoch(1);
  st.sync('e');
  for (let i = 1; i <= 5; i++) st.appendTxns([tx(E + i)]);
  d.crash(3);
  assert.equal(zx(new ServerStorage(d).load().txns), [E + 1, E + 2, E + 3]);
});

test('a new log file per process start and per snapshot; snapshot + log replay', () => {
  const d = new FakeDisk();
  let st = new ServerStorage<{ nodes: number }>(d);
  st.load();
  st.setAcceptedEpoch(1);
  st.setCurrentEpoch(1);
  st.appendTxns([tx(E + 1), tx(E + 2)]);
  st.appendTxns([tx(E + 3)]);
  assert.equal(st.writeSnapshot(E + 3, { nodes: 3 }), 'snapshot.100000003');
  st.appendTxns([tx(E + 4), tx(E + 5)]);
  st.sync('s');
  assert.equal(d.files(), ['acceptedEpoch', 'currentEpoch', 'log.100000001', 'log.100000004', 'snapshot.100000003']);
  // restart
  st = new ServerStorage<{ nodes: number }>(d);
  let r = st.load();
  assert.equal(r.snapshot, { zxid: E + 3, state: { nodes: 3 } });
  assert.equal(zx(r.txns), [E + 4, E + 5]);
  assert.equal(r.lastLoggedZxid, E + 5);
  assert.equal([r.acceptedEpoch, r.currentEpoch], [1, 1]);
  st.appendTxns([tx(E + 6)]);
  st.sync('t');
  assert.ok(d.files().includes('log.100000006'), 'new process → new log file');
  r = new ServerStorage<{ nodes: number }>(d).load();
  assert.equal(zx(r.txns), [E + 4, E + 5, E + 6]);
  assert.equal(r.txns[0], { zxid: E + 4, type: 'create' }, 'payload kept');
});

test('a snapshot whose log records were not synced: replay starts after the snapshot', () => {
  const d = new FakeDisk();
  const st = new ServerStorage(d);
  st.load();
  st.appendTxns([tx(1), tx(2)]);
  st.writeSnapshot(2, 'S');
  st.sync('x');
  st.appendTxns([tx(3)]);
  d.crash();
  const r = new ServerStorage(d).load();
  assert.equal(r.snapshot?.zxid, 2);
  assert.equal(r.txns, []);
  assert.equal(r.lastLoggedZxid, 2);
});

test('truncateAfter (TRUNC): drops logged txns above zxid, later logs and newer snapshots', () => {
  const d = new FakeDisk();
  const st = new ServerStorage(d);
  st.load();
  st.setAcceptedEpoch(2);
  st.setCurrentEpoch(2);
  st.appendTxns([tx(E + 1), tx(E + 2), tx(E + 3)]);
  st.writeSnapshot(E + 3, 'snap3');
  st.appendTxns([tx(E + 4), tx(2 * E + 1)]);
  st.sync('1');
  const res = st.truncateAfter(E + 2);
  assert.equal(res.droppedTxns, 3);
  assert.equal(res.removedFiles.sort(), ['log.100000004', 'snapshot.100000003']);
  assert.equal(st.lastLoggedZxid, E + 2);
  // visible at once, durable only after sync
  assert.equal(zx(new ServerStorage(d).load().txns), [E + 1, E + 2]);
  st.appendTxns([tx(2 * E + 1, { v: 'new' })]);
  st.sync('2');
  d.crash();
  const r = new ServerStorage(d).load();
  assert.equal(r.snapshot, undefined);
  assert.equal(zx(r.txns), [E + 1, E + 2, 2 * E + 1]);
  assert.equal(r.txns[2].v, 'new');
  // truncation not synced is undone by a crash
  const st2 = new ServerStorage(d);
  st2.load();
  st2.truncateAfter(E + 1);
  d.crash();
  assert.equal(zx(new ServerStorage(d).load().txns), [E + 1, E + 2, 2 * E + 1]);
});

test('truncateAfter keeps a snapshot named above zxid that holds no txn above it (a SNAP-synced learner\'s)', () => {
  const d = new FakeDisk();
  const st = new ServerStorage(d);
  st.load();
  st.setAcceptedEpoch(3);
  st.setCurrentEpoch(3);
  st.appendTxns([tx(E + 1), tx(E + 2)]);
  // SNAP at 0x300000000 of a tree ending at 0x20000000b, then the new epoch's first proposal
  st.writeSnapshot(3 * E, 'epoch-2 state', 2 * E + 11);
  st.appendTxns([tx(3 * E + 1)]);
  // a snapshot whose state does hold txns above the truncation point still goes
  st.writeSnapshot(3 * E + 1, 'with 0x300000001', 3 * E + 1);
  st.sync('1');
  const res = st.truncateAfter(2 * E + 11);
  assert.equal(res.removedFiles.sort(), ['log.300000001', 'snapshot.300000001']);
  const r = new ServerStorage(d).load();
  assert.equal(r.snapshot?.zxid, 3 * E);
  assert.equal(r.snapshot?.state, 'epoch-2 state');
  assert.equal(r.txns, []);
  // without lastTxnZxid (state as new as its name) the snapshot is removed as before
  const d2 = new FakeDisk();
  const st2 = new ServerStorage(d2);
  st2.load();
  st2.writeSnapshot(3 * E, 'x');
  st2.truncateAfter(2 * E + 11);
  assert.equal(new ServerStorage(d2).load().snapshot, undefined);
});

test('epoch files: persisted by overwrite, survive restart only when synced', () => {
  const d = new FakeDisk();
  let st = new ServerStorage(d);
  st.load();
  st.sync('init');
  st.setAcceptedEpoch(3);
  assert.equal(st.acceptedEpoch, 3);
  st.sync('acc');
  st.setCurrentEpoch(3);
  d.crash();
  st = new ServerStorage(d);
  const r = st.load();
  assert.equal([r.acceptedEpoch, r.currentEpoch], [3, 0]);
  assert.equal(r.error, undefined);
});

test('startup checks (§8.4): missing files from epoch(last zxid); currentEpoch too old; accepted < current', () => {
  // missing epoch files: initialised from the last zxid's epoch
  let d = new FakeDisk();
  let st = new ServerStorage(d);
  st.appendTxns([tx(3 * E + 1)]);
  st.sync('x');
  let r = new ServerStorage(d).load();
  assert.equal([r.acceptedEpoch, r.currentEpoch, r.epochFilesInitialised], [3, 3, true]);
  assert.equal(r.error, undefined);

  // currentEpoch older than the last zxid (ZOOKEEPER-1653 situation)
  d = new FakeDisk();
  st = new ServerStorage(d);
  st.setAcceptedEpoch(2);
  st.setCurrentEpoch(1);
  st.appendTxns([tx(2 * E + 1)]);
  r = new ServerStorage(d).load();
  assert.equal(r.error?.kind, 'currentEpochOlderThanLastZxid');
  assert.ok(r.error!.message.includes('is older than the last zxid'));

  // acceptedEpoch < currentEpoch
  d = new FakeDisk();
  st = new ServerStorage(d);
  st.setAcceptedEpoch(1);
  st.setCurrentEpoch(2);
  r = new ServerStorage(d).load();
  assert.equal(r.error, {
    kind: 'acceptedEpochLessThanCurrentEpoch',
    message: 'The accepted epoch, 1, is less than the current epoch, 2',
    acceptedEpoch: 1,
    currentEpoch: 2,
  });
});

test('uncommitted logged txns are returned (they are part of lastLoggedZxid, §8.8)', () => {
  const d = new FakeDisk();
  const st = new ServerStorage(d);
  st.load();
  st.appendTxns([tx(E + 1), tx(E + 2, { committed: false })]);
  st.sync('p');
  const r = new ServerStorage(d).load();
  assert.equal(r.lastLoggedZxid, E + 2);
  assert.equal(r.txns.length, 2);
});

test('prune keeps the newest snapshots and the logs they need', () => {
  const d = new FakeDisk();
  const st = new ServerStorage(d);
  st.load();
  let z = 0;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 3; i++) st.appendTxns([tx(++z)]);
    st.writeSnapshot(z, { upTo: z });
  }
  st.appendTxns([tx(++z)]);
  st.sync('x');
  // snapshots 3,6,9,12,15; logs 1,4,7,10,13,16
  const removed = st.prune(2);
  assert.equal(removed, ['snapshot.3', 'snapshot.6', 'snapshot.9', 'log.1', 'log.4', 'log.7', 'log.a']);
  const r = new ServerStorage(d).load();
  assert.equal(r.snapshot?.zxid, 15);
  assert.equal(zx(r.txns), [16]);
  // the older kept snapshot still has its following txns
  assert.equal(zx(st.readTxnsAfter(12)), [13, 14, 15, 16]);
});

test('SnapshotPolicy: snapshot after snapCount/2 + random(snapCount/2) txns', () => {
  const p = new SnapshotPolicy(10, () => 0.99);
  const due: number[] = [];
  for (let i = 1; i <= 40; i++) if (p.txnsLogged()) due.push(i);
  assert.equal(due, [10, 20, 30, 40]);
  const q = new SnapshotPolicy(10, () => 0);
  const due2: number[] = [];
  for (let i = 1; i <= 18; i++) if (q.txnsLogged()) due2.push(i);
  assert.equal(due2, [6, 12, 18]);
});

test('property: after any sequence of appends/syncs/snapshots/truncs/crashes, load = durable model', () => {
  type Cmd =
    | { c: 'append'; n: number }
    | { c: 'sync' }
    | { c: 'snap' }
    | { c: 'trunc'; back: number }
    | { c: 'crash'; keep: number }
    | { c: 'newEpoch' };
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    fc.record({ c: fc.constant('append' as const), n: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ c: fc.constant('sync' as const) }),
    fc.record({ c: fc.constant('snap' as const) }),
    fc.record({ c: fc.constant('trunc' as const), back: fc.integer({ min: 0, max: 4 }) }),
    fc.record({ c: fc.constant('crash' as const), keep: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ c: fc.constant('newEpoch' as const) }),
  );
  fc.assert(
    fc.property(fc.array(cmd, { maxLength: 40 }), (cmds) => {
      const d = new FakeDisk();
      let st = new ServerStorage<number[]>(d);
      let mem = st.load(); // "memory" of the server: the list of zxids it has
      let have: number[] = zx(mem.txns);
      let epoch = 1;
      st.setAcceptedEpoch(1);
      st.setCurrentEpoch(1);
      let next = () => (have.length ? Math.max(...have) : epoch * E) + 1;
      for (const k of cmds) {
        switch (k.c) {
          case 'append': {
            const ts: TxnRecord[] = [];
            for (let i = 0; i < k.n; i++) {
              const z = next();
              have.push(z);
              ts.push(tx(z));
            }
            st.appendTxns(ts);
            break;
          }
          case 'sync':
            st.sync('s');
            break;
          case 'snap':
            if (have.length) st.writeSnapshot(Math.max(...have), [...have]);
            break;
          case 'trunc': {
            const keepN = Math.max(0, have.length - k.back);
            const to = keepN === 0 ? 0 : have[keepN - 1];
            st.truncateAfter(to);
            have = have.slice(0, keepN);
            break;
          }
          case 'newEpoch': {
            epoch += 1;
            st.setAcceptedEpoch(epoch);
            st.setCurrentEpoch(epoch);
            const base = epoch * E;
            next = () => Math.max(base, ...have) + 1;
            break;
          }
          case 'crash': {
            d.crash(k.keep);
            st = new ServerStorage<number[]>(d);
            mem = st.load();
            if (mem.error) return true; // a torn epoch write can legitimately refuse startup; not this test's point
            have = [...(mem.snapshot?.state ?? []), ...zx(mem.txns)];
            epoch = mem.currentEpoch;
            break;
          }
        }
        // invariant: what the process sees is exactly `have`, in increasing order
        const r = new ServerStorage<number[]>(d).load();
        const seen = [...(r.snapshot?.state ?? []), ...zx(r.txns)];
        assert.equal(seen, have);
        assert.equal(r.warnings, []);
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1]);
      }
      return true;
    }),
    { seed: 7, numRuns: 300 },
  );
});

test.run();
