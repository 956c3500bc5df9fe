/**
 * The configurations an exhaustive search has visited (osc.ts): a configuration is a pair of 32-bit hashes of the
 * state reached and the positions of every session (a fixed number of them, `width`). Looked up by the first hash,
 * entries with the same one form a chain; an entry holds the second hash and the positions, compared in full.
 *
 * The entries sit in flat typed arrays that double when full (entry e's positions at e * width): a copy of the
 * positions per configuration was an allocation outside the heap each, a million of them in a search that spends its
 * budget (and 1.6 GB at the peak of one such run, 1.2 GB now).
 */
export class VisitedConfigurations {
  private readonly heads = new Map<number, number>();
  private hash2: Int32Array;
  private next: Int32Array;
  private positions: Int32Array;
  private count = 0;

  constructor(
    private readonly width: number,
    capacity = 64,
  ) {
    this.hash2 = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.positions = new Int32Array(capacity * width);
  }

  /** Configurations added so far. */
  get size(): number {
    return this.count;
  }

  /** True when the configuration (key, h2, pos) was visited before; otherwise records it and returns false. */
  visit(key: number, h2: number, pos: Int32Array): boolean {
    const w = this.width;
    const head = this.heads.get(key);
    for (let e = head ?? -1; e >= 0; e = this.next[e]!) {
      if (this.hash2[e] !== (h2 | 0)) continue;
      const base = e * w;
      let same = true;
      for (let i = 0; i < w; i++) {
        if (this.positions[base + i] !== pos[i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    if (this.count === this.hash2.length) this.grow();
    const e = this.count++;
    this.hash2[e] = h2;
    this.next[e] = head ?? -1;
    this.positions.set(pos, e * w);
    this.heads.set(key, e);
    return false;
  }

  private grow(): void {
    const n = this.hash2.length * 2;
    const hash2 = new Int32Array(n);
    hash2.set(this.hash2);
    const next = new Int32Array(n);
    next.set(this.next);
    const positions = new Int32Array(n * this.width);
    positions.set(this.positions);
    this.hash2 = hash2;
    this.next = next;
    this.positions = positions;
  }
}
