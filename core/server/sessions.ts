/**
 * Session bookkeeping of a ZooKeeper server (src: SessionTrackerImpl, ExpiryQueue, LearnerSessionTracker).
 *
 * - `SessionTracker`: the leader's (or standalone server's) tracker. Sessions sit in tickTime buckets:
 *   a touch at `now` moves the session to bucket E = (floor((now + timeout) / tick) + 1) * tick; the owner calls
 *   `expireDue(now)` at every bucket boundary and gets back the sessions of every bucket <= now (marked closing).
 * - `LearnerTouches`: a follower's table of sessions touched since the last leader PING (reported in the reply).
 * - session id allocation and password derivation (any server validates a password from the id alone).
 */

import { IdMap } from './id-map.js';

export interface TrackedSession {
  id: number;
  timeout: number;
  /** Bucket time at which the session expires unless touched. */
  expireAt: number;
  /** Marked closing: a closeSession txn is (or will be) in flight; further requests get SESSIONEXPIRED. */
  closing: boolean;
  /** Owner (src: SessionTrackerImpl owner): 'local' for the leader's own cnxns, else the learner's sid. */
  owner: string | number | null;
}

export class SessionTracker {
  /**
   * An IdMap: a scan of a few ids rather than a Map lookup, which hashes the id (no small integer) in a builtin call.
   * The leader checks the session of every write (its learners' clients' too) and touches its own clients' sessions
   * with every packet, so the one-entry cache in `session` misses about once per operation of the fidelity bench
   * (three sessions).
   */
  readonly sessions = new IdMap<TrackedSession>();
  /** bucket time -> session ids (insertion-ordered). */
  private buckets = new Map<number, Set<number>>();
  /**
   * The earliest bucket time (undefined: no bucket), or null when not known since a bucket was dropped. The leader
   * asks for it after every client packet; scanning the buckets each time was wasted work.
   */
  private earliest: number | undefined | null = undefined;
  /**
   * The last session found by `session` (a leader's own client touches it with every packet, and every write is
   * checked): a session id is not a small integer, and hashing one for the Map is a C++ call. -1 is no id.
   */
  private lastId = -1;
  private lastSession: TrackedSession | undefined = undefined;

  constructor(readonly tickTime: number) {}

  /** sessions.get(id), remembering the last hit. */
  session(id: number): TrackedSession | undefined {
    if (id === this.lastId) return this.lastSession;
    const s = this.sessions.get(id);
    if (s !== undefined) {
      this.lastId = id;
      this.lastSession = s;
    }
    return s;
  }

  roundToBucket(t: number): number {
    return (Math.floor(t / this.tickTime) + 1) * this.tickTime;
  }

  /** Add (or re-arm) a session with a full timeout starting at `now`. */
  add(id: number, timeout: number, now: number, owner: string | number | null = null): TrackedSession {
    let s = this.sessions.get(id);
    if (!s) {
      s = { id, timeout, expireAt: 0, closing: false, owner };
      this.sessions.set(id, s);
    } else {
      s.timeout = timeout;
      if (owner !== null) s.owner = owner;
    }
    this.move(s, this.roundToBucket(now + timeout));
    return s;
  }

  /** Touch: returns false when the session is unknown or closing (src: touchSession). */
  touch(id: number, now: number, timeout?: number): boolean {
    const s = this.session(id);
    if (!s || s.closing) return false;
    if (timeout !== undefined && timeout > 0) s.timeout = timeout;
    const e = this.roundToBucket(now + s.timeout);
    if (e > s.expireAt) this.move(s, e);
    return true;
  }

  private move(s: TrackedSession, e: number): void {
    if (s.expireAt === e) return;
    this.leaveBucket(s.id, s.expireAt);
    s.expireAt = e;
    let b = this.buckets.get(e);
    if (!b) {
      b = new Set();
      this.buckets.set(e, b);
      if (this.earliest !== null && (this.earliest === undefined || e < this.earliest)) this.earliest = e;
    }
    b.add(s.id);
  }

  /** Take session `id` out of bucket `t` (if there), dropping the bucket when it empties. */
  private leaveBucket(id: number, t: number): void {
    const b = this.buckets.get(t);
    if (!b) return;
    b.delete(id);
    if (b.size === 0) {
      this.buckets.delete(t);
      if (t === this.earliest) this.earliest = null;
    }
  }

  setClosing(id: number): void {
    const s = this.session(id);
    if (s) s.closing = true;
  }

  remove(id: number): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.leaveBucket(id, s.expireAt);
    this.sessions.delete(id);
    if (id === this.lastId) {
      this.lastId = -1;
      this.lastSession = undefined;
    }
  }

  /** Earliest bucket time, or undefined. */
  nextExpiry(): number | undefined {
    if (this.earliest !== null) return this.earliest;
    let min: number | undefined;
    for (const t of this.buckets.keys()) if (min === undefined || t < min) min = t;
    this.earliest = min;
    return min;
  }

  /** Expire every bucket whose time is <= now: the sessions are marked closing and returned (in bucket order). */
  expireDue(now: number): TrackedSession[] {
    const due = [...this.buckets.keys()].filter((t) => t <= now).sort((a, b) => a - b);
    const out: TrackedSession[] = [];
    if (due.length > 0) this.earliest = null;
    for (const t of due) {
      const b = this.buckets.get(t)!;
      this.buckets.delete(t);
      for (const id of b) {
        const s = this.sessions.get(id);
        if (!s) continue;
        s.closing = true;
        s.expireAt = 0;
        out.push(s);
      }
    }
    return out;
  }

  /** Check for a write (src: checkSession): 0 ok, else a ZooKeeper error code. */
  check(id: number, owner: string | number | null): number {
    const s = this.session(id);
    if (!s) return -112; // UNKNOWNSESSION maps to SESSIONEXPIRED for clients
    if (s.closing) return -112;
    if (owner !== null && s.owner !== null && s.owner !== owner) return -118; // SESSIONMOVED
    if (s.owner === null) s.owner = owner;
    return 0;
  }
}

/** A learner's touch table: sessions seen since the last PING reply. */
export class LearnerTouches {
  private touched = new Map<number, number>();
  /** The last touch since the last drain (-1: none): repeating it changes nothing, and costs a Map hash. */
  private lastId = -1;
  private lastTimeout = 0;
  touch(id: number, timeout: number): void {
    if (id === this.lastId && timeout === this.lastTimeout) return;
    this.touched.set(id, timeout);
    this.lastId = id;
    this.lastTimeout = timeout;
  }
  drain(): Array<[number, number]> {
    const out = [...this.touched.entries()];
    this.touched.clear();
    this.lastId = -1;
    return out;
  }
}

/** Session id allocation (src: SessionTrackerImpl.initializeNextSessionId), kept below 2^53. */
export function firstSessionId(sid: number, now: number): number {
  // (sid << 56 | (elapsed << 24) >>> 8) in 64 bits; here: sid * 2^44 + (now mod 2^20) * 2^24 (< 2^53 for sid < 512).
  return sid * 2 ** 44 + (Math.floor(now) % 2 ** 20) * 2 ** 24;
}

/** Password derived from the session id (src: generatePasswd = Random(id ^ 0xB3415C00)), 32 hex digits. */
export function sessionPasswd(sessionId: number): string {
  // A deterministic 128-bit mix of the id (FNV-1a-like on the decimal digits, four lanes).
  const s = `${sessionId}:B3415C00`;
  let out = '';
  for (let lane = 0; lane < 4; lane++) {
    let h = (0x811c9dc5 ^ (lane * 0x9e3779b9)) >>> 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995) >>> 0;
    h ^= h >>> 15;
    out += (h >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}
