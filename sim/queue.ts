/**
 * The world's single event queue: a binary min-heap ordered by (time, insertion sequence), so events at the
 * same virtual time run in the order they were scheduled. Cancellation is lazy (a flag checked on pop).
 */
export interface QueuedEvent {
  time: number;
  seq: number;
  cancelled: boolean;
}

export class EventQueue<E extends QueuedEvent> {
  private heap: E[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Inserts `ev` (its seq is assigned here). */
  push(ev: E): E {
    ev.seq = this.nextSeq++;
    return this.siftUp(ev);
  }

  /**
   * Inserts `evs`, in order, ahead of every event already queued at the same time (seqs below all others): for
   * events that were due earlier and were held back (a paused process's deferred deliveries).
   */
  pushAhead(evs: readonly E[]): void {
    let s = this.firstSeq - evs.length;
    this.firstSeq = s;
    for (const ev of evs) {
      ev.seq = s++;
      this.siftUp(ev);
    }
  }
  private firstSeq = 0;

  private siftUp(ev: E): E {
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.time < ev.time || (parent.time === ev.time && parent.seq < ev.seq)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
    return ev;
  }

  /** The earliest live event, without removing it (drops cancelled events found on top). */
  peek(): E | undefined {
    const h = this.heap;
    while (h.length > 0 && h[0]!.cancelled) this.popTop();
    return h[0];
  }

  /** Removes and returns the earliest live event. */
  pop(): E | undefined {
    const top = this.peek();
    if (top) this.popTop();
    return top;
  }

  private popTop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = h[l]!;
      if (r < n) {
        const rc = h[r]!;
        if (rc.time < child.time || (rc.time === child.time && rc.seq < child.seq)) {
          c = r;
          child = rc;
        }
      }
      if (last.time < child.time || (last.time === child.time && last.seq < child.seq)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}
