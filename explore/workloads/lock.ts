/**
 * Lock: ZooKeeper's lock recipe (the "Locks" recipe of the ZooKeeper documentation, with Curator's protection
 * against lost creates), used to guard writes to a shared resource, under faults.
 *
 * Each planned `lock` operation of a client:
 *   1. creates /lock/<guard>-lock-NNNNNNNNNN, EPHEMERAL_SEQUENTIAL, where <guard> names the client, its session and
 *      the attempt (after an unknown outcome the client finds its node again by that prefix instead of leaving an
 *      orphan that would block everyone until its session ends);
 *   2. lists /lock; if its node has the lowest sequence number it holds the lock; otherwise it sets an exists watch
 *      on the node just below its own and waits for that node to go, then lists again;
 *   3. holding the lock, makes one or two fenced writes: a multi of `check` on its own lock node and a create of
 *      /resource/w-NNNNNNNNNN (PERSISTENT_SEQUENTIAL) whose data is the name of its lock node — the multi commits only
 *      while the lock node exists, i.e. while the lock is still its own (an expired session's node is gone);
 *   4. deletes its lock node (retried after a lost connection).
 * Errors (lost connections, expiry) abandon the attempt; the node of an abandoned attempt is deleted in the
 * background, retried every 250 ms until it is gone or its session is (Curator's "guaranteed delete"), and the
 * client's next attempt waits for that. Every search for a node by its guard prefix follows a sync: a create whose
 * reply was lost may have committed on a server the session's new one has not heard from yet.
 *
 * Properties, on the final listings of /resource and /lock (read after a sync, once the faults have healed):
 * - `lock-fencing`: the resource's writes, in their commit order (their sequence numbers), come from lock nodes in
 *   non-decreasing sequence order, and every fenced write a client saw succeed is there. A write by the holder of
 *   lock node k after a write by the holder of lock node j > k would mean two clients held the lock at once, from
 *   ZooKeeper's own point of view: the later holder saw k gone, and the multi's check saw k present, after that. It
 *   rests on ephemeral nodes vanishing with their session, sequential names following the commit order, multi being
 *   atomic, watches firing, every server answering a client with a state at least as new as its own writes, and
 *   acknowledged writes being durable.
 * - `lock-release`: every lock node left belongs to a session that is still open; a node of a closed or expired
 *   session would block every later client for ever.
 * - `progress` (explore/progress.ts, for every workload): no attempt still waits at the end of the run; with the
 *   lock, the explanation names the node it waits for. A node left behind by a live session blocks the lock as
 *   surely as a stale one, and only this property sees it.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import type { Verdict } from '../verdict.js';
import { BaseDriver, NODEEXISTS, NONODE, SESSIONEXPIRED, codeOf, planClients } from './common.js';
import { CreateMode, EventType, KeeperState, ZkError, dataText, type WatchedEvent } from '../../core/client/index.js';

const LOCK = '/lock';
const RESOURCE = '/resource';
const CONNECTIONLOSS = -4;
/** Pause between two tries of an abandoned node's clean-up (a partition may last seconds). */
const CLEANUP_RETRY_MS = 250;
/** Nodes of /resource read by one multiRead of the audit. */
const AUDIT_BATCH = 100;

export function planLock(rng: Rng, config: ExploreConfig, clients: number): WorkloadPlan {
  const meanGap = rng.uniform(100, 1200);
  // key: how many fenced writes the holder makes (1 or 2)
  const out = planClients(rng, clients, config.durationMs, 20, () => meanGap, (_c, gap) => ({ gap, op: 'lock', key: rng.int(1, 3) }));
  return { name: 'lock', keys: 0, clients: out };
}

/** The sequence number of a sequential node's name (its last ten digits). */
export function sequenceOf(name: string): number {
  return Number(name.slice(-10));
}

/** A lock attempt abandoned for a known reason (not a ZooKeeper error). */
class Abandon extends Error {}

export class LockDriver extends BaseDriver {
  readonly name = 'lock';
  private readonly attempts: number[];
  /** Per slot: guard prefixes of abandoned attempts of its current session, whose node may still exist. */
  private readonly leftovers = new Map<number, { session: string; guards: string[] }>();
  /** `syncedAt`: when the audit's sync was sent; every write acknowledged before that must be in its listing. */
  private audit: { writes: Array<{ name: string; by: string }>; locks: Array<{ name: string; owner: number }>; syncedAt: number; ok: boolean } = { writes: [], locks: [], syncedAt: 0, ok: false };
  /** Fenced writes acknowledged to a client: the created name (under /resource), the lock node it was made under, when. */
  private readonly acked: Array<{ name: string; by: string; at: number }> = [];
  /** Lock acquisitions the clients saw, and fenced writes refused because the lock was lost (for the explanation). */
  private acquired = 0;
  private fencedRefused = 0;
  /** Per slot: the lock node its attempt is waiting for to go (for the progress explanation). */
  private readonly waits = new Map<number, string>();
  /** Per slot: the background clean-up of its abandoned attempts' nodes, while it runs. */
  private readonly cleaners = new Map<number, Promise<void>>();

  constructor(cluster: ExploreCluster, plan: WorkloadPlan) {
    super(cluster, plan);
    this.attempts = plan.clients.map(() => 0);
  }

  protected override onStart(): void {
    const s = this.session(0);
    s.client.create(LOCK, null).catch(() => undefined);
    s.client.create(RESOURCE, null).catch(() => undefined);
  }

  /** Creates a missing parent (NODEEXISTS is fine), then retries `then`. */
  private ensureParent(s: Session, path: string, then: () => Promise<unknown>): Promise<unknown> {
    return s.client.create(path, null).catch((e) => {
      if (codeOf(e) !== NODEEXISTS) throw e;
    }).then(then);
  }

  protected perform(slot: number, op: PlannedOp, s: Session): Promise<unknown> {
    // The first request must go out now, inside this event: a continuation that no reply wakes would only run at
    // the world's next wake-up (see World.runAsync), so nothing is awaited before it unless there is a reply (or a
    // woken retry) to wait for.
    // (an abandoned attempt's leftovers always have a cleaner running until they are gone: wait for it)
    const cleaner = this.cleaners.get(slot);
    return cleaner ? cleaner.then(() => this.attempt(slot, op, s)) : this.attempt(slot, op, s);
  }

  private async attempt(slot: number, op: PlannedOp, s: Session): Promise<unknown> {
    const guard = `_${s.name}_a${++this.attempts[slot]!}_`;
    try {
      const mine = await this.createLockNode(s, guard);
      await this.waitForLock(slot, s, mine);
      this.acquired++;
      for (let i = 0; i < (op.key ?? 1); i++) await this.fencedWrite(s, mine);
      await this.release(s, mine);
      return undefined;
    } catch (e) {
      if (codeOf(e) !== SESSIONEXPIRED && !(e instanceof Abandon && s.client.state === 'CLOSED')) {
        const l = this.leftovers.get(slot);
        if (l && l.session === s.name) l.guards.push(guard);
        else this.leftovers.set(slot, { session: s.name, guards: [guard] });
        this.startCleaner(slot, s);
      }
      throw e;
    }
  }

  /** Step 1, with protection: after an unknown outcome, the node is found again by its guard prefix. */
  private async createLockNode(s: Session, guard: string): Promise<string> {
    const create = (): Promise<string> => s.client.create(`${LOCK}/${guard}lock-`, s.name, CreateMode.EPHEMERAL_SEQUENTIAL);
    try {
      return await create();
    } catch (e) {
      if (codeOf(e) === NONODE) return (await this.ensureParent(s, LOCK, create)) as string;
      if (codeOf(e) !== CONNECTIONLOSS) throw e;
      // The session may now be on another server, which has not seen the create yet even if it committed: the
      // sync brings that server up to the leader before the search.
      await s.client.sync(LOCK);
      const children = await s.client.getChildren(LOCK);
      const found = children.find((c) => c.startsWith(guard));
      if (!found) throw new Abandon(`create of ${guard} lost`);
      return `${LOCK}/${found}`;
    }
  }

  /** Step 2: lowest sequence number holds the lock; otherwise wait for the node just below to go. */
  private async waitForLock(slot: number, s: Session, mine: string): Promise<void> {
    const myName = mine.slice(LOCK.length + 1);
    const mySeq = sequenceOf(myName);
    for (;;) {
      const children = await s.client.getChildren(LOCK);
      if (!children.includes(myName)) throw new Abandon(`${mine} is gone`);
      let below: string | null = null;
      for (const c of children) {
        const q = sequenceOf(c);
        if (q < mySeq && (below === null || q > sequenceOf(below))) below = c;
      }
      if (below === null) return;
      // Wait until the node below goes (or is gone already), then list again.
      this.waits.set(slot, `${LOCK}/${below} to go (own node ${myName})`);
      await new Promise<void>((resolve, reject) => {
        const watcher = (ev: WatchedEvent): void => {
          if (ev.type === EventType.None) {
            if (ev.state === KeeperState.Expired) reject(Object.assign(new Error('session expired while waiting'), { code: SESSIONEXPIRED }));
            return; // disconnected / reconnected: the client library keeps the watch
          }
          resolve();
        };
        s.client.exists(`${LOCK}/${below}`, watcher).then((st) => {
          if (st === null) resolve();
        }, reject);
      }).finally(() => this.waits.delete(slot));
    }
  }

  /** Step 3: the write commits only while this client's lock node exists. */
  private async fencedWrite(s: Session, mine: string): Promise<void> {
    const by = mine.slice(LOCK.length + 1);
    const write = (): Promise<unknown> =>
      s.client.transaction().check(mine, -1).create(`${RESOURCE}/w-`, by, CreateMode.PERSISTENT_SEQUENTIAL).commit().then((results) => {
        const created = results[1];
        if (created && 'path' in created && typeof created.path === 'string') this.acked.push({ name: created.path.slice(RESOURCE.length + 1), by, at: this.world.now });
      });
    try {
      await write();
    } catch (e) {
      // NONODE: the lock node is gone (the lock was lost), or /resource is missing: create it and write again.
      if (codeOf(e) === NONODE) {
        const st = await s.client.exists(mine);
        if (st === null) {
          this.fencedRefused++;
          throw new Abandon(`${mine} is gone: the write was refused`);
        }
        await this.ensureParent(s, RESOURCE, write);
        return;
      }
      throw e;
    }
  }

  /** Step 4: delete the lock node; a lost connection is retried (the node would block everyone). */
  private async release(s: Session, mine: string): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await s.client.delete(mine, -1);
        return;
      } catch (e) {
        if (codeOf(e) === NONODE) return;
        if (codeOf(e) !== CONNECTIONLOSS || i >= 20) throw e;
      }
    }
  }

  /**
   * Deletes an abandoned attempt's node in the background, retried until it is gone or its session is (Curator's
   * "guaranteed delete"). Waiting for the slot's next operation is not enough: after the last one, a node left
   * behind would block every other client until the session ends, which a live client's session never does.
   */
  private startCleaner(slot: number, s: Session): void {
    if (this.cleaners.has(slot)) return; // the running one reads the leftovers afresh on each pass
    const run = async (): Promise<void> => {
      for (;;) {
        try {
          await this.cleanUp(slot, s);
          return;
        } catch (e) {
          if (codeOf(e) === SESSIONEXPIRED || s.client.state === 'CLOSED') {
            if (this.leftovers.get(slot)?.session === s.name) this.leftovers.delete(slot); // its nodes went with it
            return;
          }
          await this.later(s, CLEANUP_RETRY_MS);
        }
      }
    };
    this.cleaners.set(slot, run().finally(() => this.cleaners.delete(slot)));
  }

  /** Resolves after `ms` virtual ms, once the session's process runs (user code waits on the world, never a timer). */
  private later(s: Session, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const label = `lock clean-up retry ${s.name}`;
      this.world.schedule(ms, label, () =>
        this.whenRunnable(s.name, label, () => {
          resolve();
          this.world.wakeUser(); // let the continuation run before the next event
        }),
      );
    });
  }

  /** Deletes the nodes of this session's abandoned attempts (other sessions' nodes went with their session). */
  private async cleanUp(slot: number, s: Session): Promise<void> {
    const l = this.leftovers.get(slot);
    if (!l) return;
    if (l.session !== s.name) {
      this.leftovers.delete(slot);
      return;
    }
    // A create whose reply was lost may have committed on a server this one has not heard from yet: sync first.
    await s.client.sync(LOCK);
    // no /lock (its creation at the start failed): no node to clean either
    const children = await s.client.getChildren(LOCK).catch((e) => {
      if (codeOf(e) !== NONODE) throw e;
      return [] as string[];
    });
    for (const c of children) {
      if (l.guards.some((g) => c.startsWith(g))) {
        await s.client.delete(`${LOCK}/${c}`, -1).catch((e) => {
          if (codeOf(e) !== NONODE) throw e;
        });
      }
    }
    this.leftovers.delete(slot);
  }

  protected override waitingFor(slot: number): string | undefined {
    return this.waits.get(slot);
  }

  protected finalRead(slot: number, s: Session): Promise<unknown> {
    const noDir = (e: unknown): string[] => {
      if (codeOf(e) !== NONODE) throw e;
      return [];
    };
    if (slot !== 0) return s.client.getChildren(RESOURCE).catch(noDir);
    // Clients may still be writing (the recovery phase lets them): only writes acknowledged before this sync was sent
    // are certainly in what the reads after it see.
    const syncedAt = this.world.now;
    return s.client.sync('/').then(() => s.client.getChildren(RESOURCE)).catch(noDir).then(async (children) => {
      const writes: Array<{ name: string; by: string }> = [];
      // The writes' data in multiReads of AUDIT_BATCH nodes. One getData per node, about 7 ms each, made a long run's
      // audit outlast the recovery window and fail `recovery` (seed 7, 5 clients, 320 s: 3,830 writes, 1,652 read
      // when the run ended).
      const names = [...children].sort((a, b) => sequenceOf(a) - sequenceOf(b));
      for (let i = 0; i < names.length; i += AUDIT_BATCH) {
        const batch = names.slice(i, i + AUDIT_BATCH);
        const results = await s.client.multiRead(batch.map((c) => ({ op: 'getData' as const, path: `${RESOURCE}/${c}` })));
        batch.forEach((c, k) => {
          const r = results[k]!;
          // a write listed but unreadable: the audit fails, as a getData's error did
          if (r.op !== 'getData') throw new ZkError(r.err, `${RESOURCE}/${c}`);
          writes.push({ name: c, by: dataText(r.data) ?? '' });
        });
      }
      const locks: Array<{ name: string; owner: number }> = [];
      for (const c of [...(await s.client.getChildren(LOCK).catch(noDir))].sort()) {
        const st = await s.client.exists(`${LOCK}/${c}`);
        if (st) locks.push({ name: c, owner: st.ephemeralOwner });
      }
      this.audit = { writes, locks, syncedAt, ok: true };
    });
  }

  override verdicts(): Verdict[] {
    if (!this.audit.ok) {
      const why = 'not checked: the audit (final listings of /resource and /lock) never completed (see the recovery property)';
      return [{ property: 'lock-fencing', ok: null, explanation: why }, { property: 'lock-release', ok: null, explanation: why }];
    }
    return [this.fencingVerdict(), this.releaseVerdict()];
  }

  private fencingVerdict(): Verdict {
    const v = checkFencing(this.audit.writes, this.acked, this.audit.syncedAt);
    if (!v.ok) return v;
    return { ...v, explanation: `${v.explanation} (${this.acquired} acquisitions seen, ${this.fencedRefused} write(s) refused after losing the lock)` };
  }

  private releaseVerdict(): Verdict {
    const open = this.cluster.openSessionIds();
    const stale = this.audit.locks.filter((l) => !open.has(l.owner));
    if (stale.length) {
      return {
        property: 'lock-release',
        ok: false,
        explanation: stale.slice(0, 3).map((l) => `${LOCK}/${l.name} is owned by session 0x${l.owner.toString(16)}, which is no longer open (expired or closed)`).join('; '),
      };
    }
    return { property: 'lock-release', ok: true, explanation: `${this.audit.locks.length} lock node(s) left, all owned by open sessions` };
  }
}

/**
 * The `lock-fencing` check, on plain data: `writes` is the final listing of /resource in sequence order (each with
 * the lock node it was made under), `acked` the fenced writes clients saw succeed (with when), `syncedAt` when the
 * listing's sync was sent.
 */
export function checkFencing(
  writes: ReadonlyArray<{ name: string; by: string }>,
  acked: ReadonlyArray<{ name: string; by: string; at: number }>,
  syncedAt: number,
): Verdict {
  for (let i = 1; i < writes.length; i++) {
    const prev = writes[i - 1]!;
    const cur = writes[i]!;
    if (sequenceOf(cur.by) < sequenceOf(prev.by)) {
      return {
        property: 'lock-fencing',
        ok: false,
        explanation: `${RESOURCE}/${cur.name} was written under lock node ${cur.by} after ${RESOURCE}/${prev.name} under ${prev.by}, a later holder: two clients held the lock at once`,
      };
    }
  }
  const present = new Set(writes.map((x) => x.name));
  const due = acked.filter((a) => a.at < syncedAt);
  const lost = due.filter((a) => !present.has(a.name));
  if (lost.length) {
    return {
      property: 'lock-fencing',
      ok: false,
      explanation: `${lost.length} acknowledged fenced write(s) lost: ${lost.slice(0, 3).map((a) => `${RESOURCE}/${a.name} (under ${a.by})`).join(', ')}${lost.length > 3 ? ', ...' : ''}`,
    };
  }
  const holders = new Set(writes.map((x) => x.by)).size;
  return {
    property: 'lock-fencing',
    ok: true,
    explanation: `${writes.length} fenced write(s) by ${holders} lock holder(s), in lock order; the ${due.length} acknowledged before the audit all present`,
  };
}
