/**
 * A Map from a numeric id (a ConnId, a session id) to a value whose `get` scans two small arrays while there are
 * few entries: a server has a handful of connections and sessions, and every message looks its connection up and
 * every committed txn its session (a Map lookup is a builtin call that hashes the key, and a session id is no small
 * integer; comparing a few numbers costs less). Iteration (`values`) is the Map's, in insertion order.
 */

/** Entries up to which `get` scans instead of asking the Map. */
const SCAN_MAX = 8;

export class IdMap<V> {
  private readonly map = new Map<number, V>();
  /** The Map's entries in insertion order (kept in step by set/delete/clear). */
  private ids: number[] = [];
  private vals: V[] = [];

  get(id: number): V | undefined {
    const ids = this.ids;
    if (ids.length > SCAN_MAX) return this.map.get(id);
    for (let i = 0; i < ids.length; i++) if (ids[i] === id) return this.vals[i];
    return undefined;
  }

  has(id: number): boolean {
    return this.map.has(id);
  }

  set(id: number, v: V): this {
    if (this.map.has(id)) this.vals[this.ids.indexOf(id)] = v;
    else {
      this.ids.push(id);
      this.vals.push(v);
    }
    this.map.set(id, v);
    return this;
  }

  delete(id: number): boolean {
    if (!this.map.delete(id)) return false;
    const i = this.ids.indexOf(id);
    this.ids.splice(i, 1);
    this.vals.splice(i, 1);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.ids = [];
    this.vals = [];
  }

  get size(): number {
    return this.map.size;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  /**
   * The values in insertion order, as the live array (no iterator object): read it at once, and do not change the
   * map while looping over it.
   */
  list(): readonly V[] {
    return this.vals;
  }
}
