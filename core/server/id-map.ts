/**
 * A Map from a numeric id (a ConnId, a session id) to a value whose `get` scans two small arrays while there are
 * few entries: a server has a handful of connections and sessions, and every message looks its connection up and
 * every committed txn its session (a Map lookup is a builtin call that hashes the key, and a session id is no small
 * integer; comparing a few numbers costs less). Iteration (`values`) is the Map's, in insertion order.
 *
 * `get` answers an id above every id ever set at once, and scans newest first. A server looks every message's
 * connection up among its peer connections first, then among its client connections: a client connection, usually
 * accepted after the peer connections were made (connection ids increase), misses the peer table without a scan,
 * and a peer message usually comes on the newest peer connection (the learner's, made after the election's).
 */

/** Entries up to which `get` scans instead of asking the Map. */
const SCAN_MAX = 8;

export class IdMap<V> {
  private readonly map = new Map<number, V>();
  /** The Map's entries in insertion order (kept in step by set/delete/clear). */
  private ids: number[] = [];
  private vals: V[] = [];
  /** No id above this was ever set (not lowered by delete: a bound, not the maximum). */
  private maxId = -Infinity;

  get(id: number): V | undefined {
    const ids = this.ids;
    if (id > this.maxId) return undefined;
    if (ids.length > SCAN_MAX) return this.map.get(id);
    for (let i = ids.length - 1; i >= 0; i--) if (ids[i] === id) return this.vals[i];
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
      if (id > this.maxId) this.maxId = id;
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
