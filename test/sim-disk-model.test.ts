/**
 * SimDisk against a plain reference model (the straightforward implementation it replaced: every file copied per
 * view, every synced write applied again to the durable view). SimDisk shares a log's array between its visible and
 * durable views for speed; this property checks that no sequence of appends, overwrites, truncates, removes, syncs
 * and crashes (torn tails included) tells the two apart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SimDisk, type DiskOp } from '../sim/disk.js';

type Content = { type: 'log'; records: unknown[] } | { type: 'value'; value: unknown };

/** The reference: two maps of independent copies, and the pending writes with their sequence numbers. */
class ReferenceDisk {
  durable = new Map<string, Content>();
  visible = new Map<string, Content>();
  pending: Array<{ seq: number; op: DiskOp }> = [];
  seq = 0;

  static apply(files: Map<string, Content>, op: DiskOp): void {
    if (op.op === 'append') {
      let f = files.get(op.file);
      if (!f || f.type !== 'log') files.set(op.file, (f = { type: 'log', records: [] }));
      f.records.push(...op.records);
    } else if (op.op === 'overwrite') files.set(op.file, { type: 'value', value: op.value });
    else if (op.op === 'truncate') {
      const f = files.get(op.file);
      if (f && f.type === 'log' && f.records.length > op.length) f.records.length = op.length;
    } else files.delete(op.file);
  }
  write(op: DiskOp): void {
    this.pending.push({ seq: ++this.seq, op });
    ReferenceDisk.apply(this.visible, op);
  }
  completeSync(upTo: number): void {
    while (this.pending.length > 0 && this.pending[0]!.seq <= upTo) ReferenceDisk.apply(this.durable, this.pending.shift()!.op);
  }
  crash(keep: number): number {
    // a torn tail keeps a prefix of the pending writes, but never an overwrite (an atomic rename after its fsync)
    const kept = this.pending.slice(0, keep).filter((p) => p.op.op !== 'overwrite');
    for (const p of kept) ReferenceDisk.apply(this.durable, p.op);
    const lost = this.pending.length - kept.length;
    this.pending = [];
    this.visible = new Map([...this.durable].map(([k, f]) => [k, f.type === 'log' ? { type: 'log', records: f.records.slice() } : { ...f }]));
    return lost;
  }
  log(files: Map<string, Content>, file: string): unknown[] {
    const f = files.get(file);
    return f && f.type === 'log' ? f.records : [];
  }
  value(files: Map<string, Content>, file: string): unknown {
    const f = files.get(file);
    return f && f.type === 'value' ? f.value : undefined;
  }
}

const FILES = ['log.1', 'log.2', 'epoch'];
const shared = { shared: true }; // one record object appended more than once (records are kept by reference)

type Step =
  | { k: 'append'; file: number; n: number; reuse: boolean }
  | { k: 'overwrite'; file: number; v: number }
  | { k: 'truncate'; file: number; to: number }
  | { k: 'remove'; file: number }
  | { k: 'requestSync' }
  | { k: 'completeSync' }
  | { k: 'crash'; keep: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('append' as const), file: fc.nat(2), n: fc.integer({ min: 1, max: 3 }), reuse: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('overwrite' as const), file: fc.nat(2), v: fc.nat(9) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('truncate' as const), file: fc.nat(2), to: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('remove' as const), file: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.constant({ k: 'requestSync' as const }) },
  { weight: 4, arbitrary: fc.constant({ k: 'completeSync' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('crash' as const), keep: fc.nat(4) }) },
);

function compare(disk: SimDisk, ref: ReferenceDisk, where: string): void {
  assert.equal(disk.files(), [...ref.visible.keys()].sort(), `${where}: files`);
  assert.is(disk.unsyncedWrites, ref.pending.length, `${where}: unsynced writes`);
  for (const f of FILES) {
    assert.equal([...disk.readLog(f)], ref.log(ref.visible, f), `${where}: visible log ${f}`);
    assert.equal([...disk.durableLog(f)], ref.log(ref.durable, f), `${where}: durable log ${f}`);
    assert.is(disk.readValue(f), ref.value(ref.visible, f), `${where}: visible value ${f}`);
    assert.is(disk.durableValue(f), ref.value(ref.durable, f), `${where}: durable value ${f}`);
  }
}

test('SimDisk behaves as the reference model on random writes, syncs and crashes', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
      const disk = new SimDisk();
      const ref = new ReferenceDisk();
      const syncs: number[] = []; // requested syncs, completed in request order (the Port contract)
      let record = 0;
      steps.forEach((s, i) => {
        const where = `step ${i} (${JSON.stringify(s)})`;
        switch (s.k) {
          case 'append': {
            const records = Array.from({ length: s.n }, () => (s.reuse ? shared : { r: ++record }));
            const op: DiskOp = { op: 'append', file: FILES[s.file]!, records };
            disk.write(op);
            ref.write(op);
            break;
          }
          case 'overwrite':
          case 'truncate':
          case 'remove': {
            const file = FILES[s.file]!;
            const op: DiskOp = s.k === 'overwrite' ? { op: 'overwrite', file, value: s.v } : s.k === 'truncate' ? { op: 'truncate', file, length: s.to } : { op: 'remove', file };
            disk.write(op);
            ref.write(op);
            break;
          }
          case 'requestSync':
            assert.is(disk.lastSeq, ref.seq, `${where}: lastSeq`);
            syncs.push(disk.lastSeq);
            break;
          case 'completeSync': {
            const upTo = syncs.shift();
            if (upTo === undefined) break;
            disk.completeSync(upTo);
            ref.completeSync(upTo);
            break;
          }
          case 'crash':
            assert.is(disk.crash(s.keep), ref.crash(s.keep), `${where}: lost writes`);
            syncs.length = 0; // a crash forgets the syncs in flight
            break;
        }
        compare(disk, ref, where);
      });
    }),
    { numRuns: 3000, seed: 20261126 },
  );
});

test.run();
