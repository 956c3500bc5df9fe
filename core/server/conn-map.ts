/**
 * A Map from ConnId to a value whose `get` scans two small arrays while there are few entries: a server has a
 * handful of connections, and every message looks its connection up (a Map lookup is a builtin call that hashes
 * the key; comparing a few numbers costs less). Iteration (`values`) is the Map's, in insertion order.
 */
import type { ConnId } from '../port.js';

/** Entries up to which `get` scans instead of asking the Map. */
const SCAN_MAX = 8;

export class ConnMap<V> {
  private readonly map = new Map<ConnId, V>();
  /** The Map's entries in insertion order (kept in step by set/delete/clear). */
  private ids: ConnId[] = [];
  private vals: V[] = [];

  get(conn: ConnId): V | undefined {
    const ids = this.ids;
    if (ids.length > SCAN_MAX) return this.map.get(conn);
    for (let i = 0; i < ids.length; i++) if (ids[i] === conn) return this.vals[i];
    return undefined;
  }

  has(conn: ConnId): boolean {
    return this.map.has(conn);
  }

  set(conn: ConnId, v: V): this {
    if (this.map.has(conn)) this.vals[this.ids.indexOf(conn)] = v;
    else {
      this.ids.push(conn);
      this.vals.push(v);
    }
    this.map.set(conn, v);
    return this;
  }

  delete(conn: ConnId): boolean {
    if (!this.map.delete(conn)) return false;
    const i = this.ids.indexOf(conn);
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
