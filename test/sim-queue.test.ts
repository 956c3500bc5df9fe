/**
 * sim/queue.ts against a plain reference: every live event sorted by (time, seq), where push gives the next seq
 * up and pushAhead gives its batch, in order, seqs below every seq handed out so far. Random sequences of push,
 * pushAhead, cancel, pop and peek, with times equal to others, near (0-10 ms ahead), far ahead (beyond any ring
 * window), behind the last popped time, non-integer, and starting near 2^31 / 2^32 / 2^40.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { EventQueue, type QueuedEvent } from '../sim/queue.js';

interface TEv extends QueuedEvent {
  id: number;
}

type Op =
  | { op: 'push'; dt: number }
  | { op: 'ahead'; dts: number[] }
  | { op: 'cancel'; pick: number }
  | { op: 'pop' }
  | { op: 'peek' };

/** A time offset from "now" (the last popped time). */
const dtArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 10 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 11, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 100000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -20, max: -1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((x) => x + 0.5) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 70, noNaN: true }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: dtArb.map((dt) => ({ op: 'push' as const, dt })) },
  { weight: 1, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: dtArb }), { minLength: 0, maxLength: 4 }).map((dts) => ({ op: 'ahead' as const, dts })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ op: 'cancel' as const, pick })) },
  { weight: 4, arbitrary: fc.constant({ op: 'pop' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'peek' as const }) },
);

const startArb = fc.constantFrom(0, 2 ** 31 - 30, 2 ** 32 - 30, 2 ** 40 + 7);

function run(start: number, ops: Op[]): void {
  const q = new EventQueue<TEv>();
  const all: TEv[] = [];
  const ref: Array<{ ev: TEv; time: number; seq: number }> = [];
  let nextSeq = 0;
  let firstSeq = 0;
  let now = start;
  let nextId = 0;
  const mk = (dt: number): TEv => {
    const ev: TEv = { id: nextId++, time: now + dt, cancelled: false };
    all.push(ev);
    return ev;
  };
  const refMin = (): number => {
    let best = -1;
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i]!;
      if (r.ev.cancelled) continue;
      if (best < 0 || r.time < ref[best]!.time || (r.time === ref[best]!.time && r.seq < ref[best]!.seq)) best = i;
    }
    return best;
  };
  const drainOne = (): boolean => {
    const i = refMin();
    const got = q.pop();
    if (i < 0) {
      assert.is(got, undefined, 'pop on a queue with no live event');
      return false;
    }
    const want = ref[i]!;
    assert.ok(got !== undefined, `pop returned nothing, expected event ${want.ev.id}`);
    assert.is(got!.id, want.ev.id, `popped event ${got!.id} (t=${got!.time}), expected ${want.ev.id} (t=${want.time}, seq=${want.seq})`);
    ref.splice(i, 1);
    now = got!.time;
    return true;
  };
  for (const o of ops) {
    switch (o.op) {
      case 'push': {
        const ev = mk(o.dt);
        q.push(ev);
        ref.push({ ev, time: ev.time, seq: nextSeq++ });
        break;
      }
      case 'ahead': {
        const evs = o.dts.map(mk);
        q.pushAhead(evs);
        let s = firstSeq - evs.length;
        firstSeq = s;
        for (const ev of evs) ref.push({ ev, time: ev.time, seq: s++ });
        break;
      }
      case 'cancel':
        if (all.length > 0) all[o.pick % all.length]!.cancelled = true;
        break;
      case 'pop':
        drainOne();
        break;
      case 'peek': {
        const i = refMin();
        const got = q.peek();
        if (i < 0) assert.is(got, undefined);
        else assert.is(got?.id, ref[i]!.ev.id, 'peek');
        break;
      }
    }
    const live = ref.reduce((k, r) => k + (r.ev.cancelled ? 0 : 1), 0);
    assert.ok(q.size >= live, `size ${q.size} below the ${live} live events`);
  }
  while (drainOne()) {
    /* drain */
  }
  assert.is(q.size, 0, 'size after draining');
}

test('pops in (time, seq) order with pushAhead and lazy cancellation (property)', () => {
  fc.assert(
    fc.property(startArb, fc.array(opArb, { maxLength: 300 }), (start, ops) => run(start, ops)),
    { numRuns: 400, seed: 20261126 },
  );
});

test('many events at one time and a long run of near events: FIFO per time, slots reused', () => {
  const q = new EventQueue<TEv>();
  let id = 0;
  const order: number[] = [];
  let now = 0;
  for (let round = 0; round < 2000; round++) {
    for (let k = 0; k < 3; k++) q.push({ id: id++, time: now + (round % 7), cancelled: false });
    if (round % 100 === 0) q.push({ id: id++, time: now + 5000, cancelled: false });
    for (let k = 0; k < 3; k++) {
      const ev = q.pop()!;
      assert.ok(ev.time >= now);
      now = ev.time;
      order.push(ev.id);
    }
  }
  let prev: TEv | undefined;
  let n = 0;
  for (let ev = q.pop(); ev; ev = q.pop(), n++) {
    if (prev) assert.ok(prev.time < ev.time || (prev.time === ev.time && prev.id < ev.id));
    prev = ev;
  }
  assert.is(q.size, 0);
  assert.is(order.length + n, id);
});

test.run();
