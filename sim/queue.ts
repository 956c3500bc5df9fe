/**
 * The world's single event queue: a binary min-heap ordered by (time, insertion sequence), so events at the
 * same virtual time run in the order they were scheduled. Cancellation is lazy (a flag checked on pop).
 */
export interface QueuedEvent {
  time: number;
  seq: number;
  cancelled: boolean;
}

const INITIAL_CAPACITY = 64;

/**
 * The heap holds slot numbers, not the events: each queued event sits in a slot (with its time and seq copied
 * into typed arrays) from push to pop, and sifting moves only integers. A heap of the event objects themselves
 * paid a write barrier for nearly every move (the array is old, the events young), about 4% of a run.
 */
export class EventQueue<E extends QueuedEvent> {
  /** Slot numbers in heap order; the first `n` are live. */
  private heap = new Int32Array(INITIAL_CAPACITY);
  private n = 0;
  /** By slot: the event (null when the slot is free), its time and its seq. */
  private evs: Array<E | null> = [];
  /** Inserts since `evs` was last replaced by a fresh copy (see insert). */
  private sinceCopy = 0;
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  /** Free slots below `used` (a stack); slots at or above `used` were never taken. */
  private free = new Int32Array(INITIAL_CAPACITY);
  private nFree = 0;
  private used = 0;
  private nextSeq = 0;
  private firstSeq = 0;

  constructor() {
    for (let i = 0; i < INITIAL_CAPACITY; i++) this.evs.push(null);
  }

  get size(): number {
    return this.n;
  }

  /** Inserts `ev` (its seq is assigned here). */
  push(ev: E): E {
    const seq = this.nextSeq++;
    ev.seq = seq;
    this.insert(ev, seq);
    return ev;
  }

  /**
   * Inserts `evs`, in order, ahead of every event already queued at the same time (seqs below all others): for
   * events that were due earlier and were held back (a paused process's deferred deliveries).
   */
  pushAhead(evs: readonly E[]): void {
    let s = this.firstSeq - evs.length;
    this.firstSeq = s;
    for (const ev of evs) {
      ev.seq = s;
      this.insert(ev, s++);
    }
  }

  private insert(ev: E, seq: number): void {
    let slot: number;
    if (this.nFree > 0) slot = this.free[--this.nFree]!;
    else {
      if (this.used === this.heap.length) this.grow();
      slot = this.used++;
    }
    // Storing a young event into an old array costs a write barrier's slow path (recording the slot for the next
    // scavenge). A fresh copy of the slot array every 256 inserts keeps it young nearly all the time (scavenges come
    // every few thousand events), so the barrier's fast check lets the store through.
    if (++this.sinceCopy === 256) {
      this.sinceCopy = 0;
      this.evs = this.evs.slice();
    }
    this.evs[slot] = ev;
    const times = this.times;
    const seqs = this.seqs;
    const t = ev.time;
    times[slot] = t;
    seqs[slot] = seq;
    const h = this.heap;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = h[p]!;
      const pt = times[ps]!;
      if (pt < t || (pt === t && seqs[ps]! < seq)) break;
      h[i] = ps;
      i = p;
    }
    h[i] = slot;
  }

  /** Doubles every per-slot array (slots in use keep their numbers). */
  private grow(): void {
    const cap = this.heap.length * 2;
    const heap = new Int32Array(cap);
    heap.set(this.heap);
    this.heap = heap;
    const times = new Float64Array(cap);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.seqs = seqs;
    const free = new Int32Array(cap);
    free.set(this.free);
    this.free = free;
    for (let i = this.evs.length; i < cap; i++) this.evs.push(null);
  }

  /** The earliest live event, without removing it (drops cancelled events found on top). */
  peek(): E | undefined {
    while (this.n > 0) {
      const top = this.evs[this.heap[0]!]!;
      if (top.cancelled !== true) return top; // a boolean: a plain truth test checks every kind of falsy value
      this.popTop();
    }
    return undefined;
  }

  /** Removes and returns the earliest live event. */
  pop(): E | undefined {
    const top = this.peek();
    if (top) this.popTop();
    return top;
  }

  /** Removes the earliest event, which peek() just returned (not cancelled): pop() without a second peek. */
  popTop(): void {
    const h = this.heap;
    const top = h[0]!;
    this.evs[top] = null;
    this.free[this.nFree++] = top;
    const n = --this.n;
    if (n === 0) return;
    const last = h[n]!;
    const times = this.times;
    const seqs = this.seqs;
    const lt = times[last]!;
    const ls = seqs[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = h[l]!;
      let ct = times[child]!;
      if (r < n) {
        const rc = h[r]!;
        const rt = times[rc]!;
        if (rt < ct || (rt === ct && seqs[rc]! < seqs[child]!)) {
          c = r;
          child = rc;
          ct = rt;
        }
      }
      if (lt < ct || (lt === ct && ls < seqs[child]!)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}
