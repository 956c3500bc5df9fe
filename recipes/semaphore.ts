/**
 * A counting semaphore (Curator's InterProcessSemaphoreV2, reduced): at most MAX clients hold a lease at once.
 *
 *   npx zksim explore --workload dist/recipes/semaphore.js --seeds 1..300 --clients 6
 *
 * A client queues with an EPHEMERAL_SEQUENTIAL node under /semaphore/leases (a guard prefix names its session, so a
 * create whose reply was lost is found again) and holds a lease while its node is among the MAX lowest sequence
 * numbers. Otherwise it lists the leases with a child watch and, when the watch fires, lists them again: a child
 * event says that the leases changed, not that one was freed (a newcomer fires it too). A client that waits in vain
 * for WAIT_MS gives up and deletes its node, as Curator's acquire(time, unit) does.
 *
 * Curator lets one acquirer at a time in through an internal mutex and then waits until at most maxLeases lease
 * nodes exist. This version leaves the mutex out and ranks instead, which is safe because a lease's rank can only go
 * down: ZooKeeper numbers a parent's sequential children in creation order, so a newcomer queues behind every lease
 * that exists.
 *
 * A holder marks itself with an EPHEMERAL /semaphore/holders/<session>, created by a multi that checks its lease node
 * (no mark without a live lease), works for WORK_MS, lists the holders, and releases with one multi deleting both.
 *
 * Property `semaphore-max`: no listing of /semaphore/holders, by a holder or a waiter, shows more than MAX holders.
 * A mark is made while its lease ranks below MAX, and the lease's rank only goes down until the mark goes with it.
 *
 * `semaphore({ trustEvents: true })` is the same recipe with a classic bug: a waiter takes a child event as a lease
 * freed and holds without listing again. test/recipe-semaphore.test.ts shows zksim catching it.
 */
import { Code, CreateMode, errorCode, EventType, isOutcomeUnknown, sequenceNumber, type RecipeContext, type RecipeWorkload, type Session, type WatchedEvent } from 'zksim';

const MAX = 2;
const SEMAPHORE = '/semaphore';
const LEASES = '/semaphore/leases';
const HOLDERS = '/semaphore/holders';
/** How long one step waits for a lease before giving up, and how long a holder works (virtual ms). */
const WAIT_MS = 1000;
const WORK_MS = 300;
const { NONODE, NODEEXISTS } = Code;

const sleep = (ctx: RecipeContext, ms: number): Promise<void> => new Promise((resolve) => ctx.schedule(ms, resolve));

/** Resolves true when the returned watcher sees a node event, false after `ms` (whichever comes first). */
function wakeOnWatch(ctx: RecipeContext, ms: number): { watcher: (ev: WatchedEvent) => void; woken: Promise<boolean> } {
  let wake!: (fired: boolean) => void;
  const woken = new Promise<boolean>((resolve) => (wake = resolve));
  ctx.schedule(ms, () => wake(false));
  return { watcher: (ev) => ev.type !== EventType.None && wake(true), woken };
}

/** Creates /semaphore, its leases and its holders, unless they exist. */
async function ensureNodes(s: Session): Promise<void> {
  for (const path of [SEMAPHORE, LEASES, HOLDERS]) {
    await s.client.create(path, null).catch((e) => {
      if (errorCode(e) !== NODEEXISTS) throw e;
    });
  }
}

export function semaphore(opts: { trustEvents: boolean } = { trustEvents: false }): RecipeWorkload {
  /** Per session (by name): its lease node's name, or null while it is not queued. */
  const queued = new Map<string, string | null>();
  const tooMany: string[] = [];
  let holds = 0;
  let listings = 0;
  let most = 0;

  /** Lists the holders and checks that there are at most MAX. */
  async function checkHolders(s: Session, who: string): Promise<void> {
    const holders = await s.client.getChildren(HOLDERS);
    listings++;
    most = Math.max(most, holders.length);
    if (holders.length > MAX) tooMany.push(`${who} listed ${holders.length} holders: ${holders.sort().join(', ')}`);
  }

  /** Queues this session: its new lease node's name, or null (nodes missing, or a lost reply and no node found). */
  async function join(s: Session): Promise<string | null> {
    const guard = `_${s.name}_`;
    try {
      return (await s.client.create(`${LEASES}/${guard}lease-`, null, CreateMode.EPHEMERAL_SEQUENTIAL)).slice(LEASES.length + 1);
    } catch (e) {
      if (errorCode(e) === NONODE) {
        await ensureNodes(s);
        return null;
      }
      if (!isOutcomeUnknown(e)) throw e;
      return (await s.client.getChildren(LEASES)).find((c) => c.startsWith(guard)) ?? null;
    }
  }

  /** Waits until `lease` ranks below MAX (true), or gives up after WAIT_MS or finds it gone (false). */
  async function acquire(ctx: RecipeContext, s: Session, lease: string): Promise<boolean> {
    const giveUpAt = ctx.now() + WAIT_MS;
    for (;;) {
      const { watcher, woken } = wakeOnWatch(ctx, Math.max(1, giveUpAt - ctx.now()));
      const leases = (await s.client.getChildren(LEASES, watcher)).sort((a, b) => sequenceNumber(a) - sequenceNumber(b));
      const rank = leases.indexOf(lease);
      if (rank < 0) {
        queued.set(s.name, null); // our session lost the node: queue again next step
        return false;
      }
      if (rank < MAX) return true;
      if (ctx.now() >= giveUpAt || !(await woken)) {
        await s.client.delete(`${LEASES}/${lease}`, -1);
        queued.set(s.name, null);
        return false;
      }
      if (opts.trustEvents) return true; // THE BUG: a child event does not mean a lease was freed
    }
  }

  /** Holds a lease: mark, work, check the holders, release (the mark and the lease together). */
  async function hold(ctx: RecipeContext, s: Session, lease: string): Promise<void> {
    const mark = `${HOLDERS}/${s.name}`;
    await s.client.transaction().check(`${LEASES}/${lease}`, -1).create(mark, null, CreateMode.EPHEMERAL).commit().catch((e) => {
      if (errorCode(e) !== NODEEXISTS) throw e; // our mark, made by an earlier attempt whose reply was lost
    });
    holds++;
    await sleep(ctx, WORK_MS);
    await checkHolders(s, `${s.name} (holding)`);
    await s.client.transaction().delete(mark, -1).delete(`${LEASES}/${lease}`, -1).commit();
    queued.set(s.name, null);
  }

  return {
    name: opts.trustEvents ? 'semaphore-trusts-events' : 'semaphore',
    properties: ['semaphore-max'],

    async step(ctx: RecipeContext, s: Session) {
      try {
        await checkHolders(s, s.name);
      } catch (e) {
        if (errorCode(e) !== NONODE) throw e;
        await ensureNodes(s);
        return;
      }
      let lease = queued.get(s.name) ?? null;
      if (lease === null) {
        lease = await join(s);
        queued.set(s.name, lease);
        if (lease === null) return;
      }
      if (await acquire(ctx, s, lease)) await hold(ctx, s, lease);
    },

    verdicts() {
      if (tooMany.length) return [{ property: 'semaphore-max', ok: false, explanation: `more than ${MAX} holders at once: ${tooMany.slice(0, 3).join('; ')}` }];
      if (listings === 0) return [{ property: 'semaphore-max', ok: null, explanation: 'not checked: no listing of the holders completed' }];
      return [{ property: 'semaphore-max', ok: true, explanation: `${holds} hold(s), ${listings} listing(s) of the holders, at most ${most} at once (max ${MAX})` }];
    },
  };
}

/** A fresh semaphore for each run. */
export default (): RecipeWorkload => semaphore();
