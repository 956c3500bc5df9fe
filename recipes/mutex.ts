/**
 * A distributed mutex (Curator's InterProcessMutex, reduced) guarding a counter, as an exploration workload:
 *
 *   npx zksim explore --workload dist/recipes/mutex.js --seeds 1..300
 *
 * Acquire. A client queues with an EPHEMERAL_SEQUENTIAL node under /mutex (a guard prefix names its session, so a
 * create whose reply was lost is found again, as Curator's protection mode does) and holds the lock while its node
 * has the lowest sequence number. Otherwise it watches the node just before its own (an exists watch on the
 * predecessor only: a release wakes one waiter, not all of them) and, when the watch fires, lists the queue again.
 * That second look is the point of the recipe: the predecessor may have left without ever holding (it gave up, or
 * its session ended) while a node before it still holds. A client that waits in vain for WAIT_MS gives up and deletes
 * its node, as Curator's acquire(time, unit) does.
 *
 * Hold. The holder reads /counter ("<value> <lock node of its writer>"), works on it for WORK_MS, and writes value + 1
 * with a multi that checks its own lock node: a fenced write. If the holder's session ended, or its write was delayed
 * past its own release, the check fails and the write with it, instead of landing inside the next holder's turn.
 * Then it releases the lock by deleting its node.
 *
 * Properties:
 *   mutex-exclusive  a holder never reads a counter written by a lock node with a higher sequence number. ZooKeeper
 *                    numbers a parent's sequential children in creation order, so that node was created while ours
 *                    existed, and ours still does: it wrote out of turn, two holders at once.
 *   mutex-counter    the counter's final value equals the increments whose multi was acknowledged, plus some of those
 *                    whose outcome is unknown (the connection was lost before the reply): fewer means two holders read
 *                    the same value and one increment was lost.
 *
 * `mutex({ recheckAfterWatch: false })` is the same recipe with a classic bug: a waiter whose predecessor's watch fires
 * takes the lock without listing the queue again. test/recipe-mutex.test.ts shows zksim catching it.
 */
import { Code, CreateMode, dataText, errorCode, EventType, isOutcomeUnknown, sequenceNumber, type RecipeContext, type RecipeWorkload, type Session, type WatchedEvent } from 'zksim';

const LOCK = '/mutex';
const COUNTER = '/counter';
/** How long a step waits for the lock before giving up, and how long a holder works on the value it read (virtual ms). */
const WAIT_MS = 1000;
const WORK_MS = 300;
const { NONODE, NODEEXISTS } = Code;

/** Resolves true when the returned watcher sees a node event, false after `ms` (whichever comes first). */
function wakeOnWatch(ctx: RecipeContext, ms: number): { watcher: (ev: WatchedEvent) => void; woken: Promise<boolean> } {
  let wake!: (fired: boolean) => void;
  const woken = new Promise<boolean>((resolve) => (wake = resolve));
  ctx.schedule(ms, () => wake(false));
  return { watcher: (ev) => ev.type !== EventType.None && wake(true), woken };
}

const sleep = (ctx: RecipeContext, ms: number): Promise<void> => new Promise((resolve) => ctx.schedule(ms, resolve));

/** Creates a persistent node, unless it exists. */
async function ensure(s: Session, path: string, data: string | null = null): Promise<void> {
  await s.client.create(path, data).catch((e) => {
    if (errorCode(e) !== NODEEXISTS) throw e;
  });
}

export function mutex(opts: { recheckAfterWatch: boolean } = { recheckAfterWatch: true }): RecipeWorkload {
  /** Per session (by name): its lock node's name, or null while it is not queued. */
  const queued = new Map<string, string | null>();
  /** Steps still running, so that `final` reads the counter after the last increment. */
  const running = new Set<Promise<unknown>>();
  const outOfTurn: string[] = [];
  let acked = 0;
  let unknown = 0;
  let finalValue: number | null = null;

  /** Queues this session: its new lock node's name, or null if /mutex is missing (created for the next step). */
  async function join(s: Session): Promise<string | null> {
    const guard = `_${s.name}_`;
    try {
      const path = await s.client.create(`${LOCK}/${guard}lock-`, null, CreateMode.EPHEMERAL_SEQUENTIAL);
      return path.slice(LOCK.length + 1);
    } catch (e) {
      if (errorCode(e) === NONODE) {
        await ensure(s, LOCK);
        return null;
      }
      if (!isOutcomeUnknown(e)) throw e;
      // the create may have happened: our guard prefix finds it
      return (await s.client.getChildren(LOCK)).find((c) => c.startsWith(guard)) ?? null;
    }
  }

  /** Waits until `node` leads the queue (true), or gives up after WAIT_MS or finds it gone (false). */
  async function acquire(ctx: RecipeContext, s: Session, node: string): Promise<boolean> {
    const giveUpAt = ctx.now() + WAIT_MS;
    for (;;) {
      const queue = (await s.client.getChildren(LOCK)).sort((a, b) => sequenceNumber(a) - sequenceNumber(b));
      const at = queue.indexOf(node);
      if (at < 0) {
        queued.set(s.name, null); // our session lost the node: queue again next step
        return false;
      }
      if (at === 0) return true;
      if (ctx.now() >= giveUpAt) {
        await s.client.delete(`${LOCK}/${node}`, -1);
        queued.set(s.name, null);
        return false;
      }
      const { watcher, woken } = wakeOnWatch(ctx, giveUpAt - ctx.now());
      // the predecessor may be gone already (exists says null): then list again at once
      if ((await s.client.exists(`${LOCK}/${queue[at - 1]}`, watcher)) === null) continue;
      const fired = await woken;
      if (fired && !opts.recheckAfterWatch) return true; // THE BUG: a predecessor gone does not mean we lead
    }
  }

  /** The counter's value and writer, creating it (value 0) when missing. */
  async function readCounter(s: Session): Promise<{ value: number; writer: string | null }> {
    let data;
    try {
      data = (await s.client.getData(COUNTER)).data;
    } catch (e) {
      if (errorCode(e) !== NONODE) throw e;
      await ensure(s, COUNTER, '0');
      data = (await s.client.getData(COUNTER)).data;
    }
    const [value, writer] = (dataText(data) ?? '0').split(' ');
    return { value: Number(value), writer: writer ?? null };
  }

  /** One increment while holding the lock with `node`, fenced by that node. */
  async function increment(ctx: RecipeContext, s: Session, node: string): Promise<void> {
    const { value, writer } = await readCounter(s);
    if (writer !== null && sequenceNumber(writer) > sequenceNumber(node)) outOfTurn.push(`${node} read the counter (${value}) written by ${writer}, a later lock node`);
    await sleep(ctx, WORK_MS); // the work the lock protects: nobody else may write meanwhile
    try {
      await s.client.transaction().check(`${LOCK}/${node}`, -1).setData(COUNTER, `${value + 1} ${node}`, -1).commit();
      acked++;
    } catch (e) {
      if (isOutcomeUnknown(e)) unknown++;
      throw e;
    }
  }

  async function step(ctx: RecipeContext, s: Session): Promise<void> {
    let node = queued.get(s.name) ?? null;
    if (node === null) {
      node = await join(s);
      queued.set(s.name, node);
      if (node === null) return;
    }
    if (!(await acquire(ctx, s, node))) return;
    await increment(ctx, s, node);
    await s.client.delete(`${LOCK}/${node}`, -1);
    queued.set(s.name, null);
  }

  return {
    name: opts.recheckAfterWatch ? 'mutex' : 'mutex-no-recheck',
    properties: ['mutex-exclusive', 'mutex-counter'],

    setup(ctx: RecipeContext) {
      // before a leader serves these usually fail; steps create what is missing
      const s = ctx.sessions()[0]!;
      void ensure(s, LOCK).catch(() => undefined);
      void ensure(s, COUNTER, '0').catch(() => undefined);
    },

    step(ctx: RecipeContext, s: Session) {
      const p = step(ctx, s);
      running.add(p);
      const done = () => void running.delete(p);
      p.then(done, done);
      return p;
    },

    async final(_ctx: RecipeContext, s: Session, slot: number) {
      if (slot !== 0) return;
      while (running.size) await Promise.allSettled([...running]);
      await s.client.sync(COUNTER);
      finalValue = (await readCounter(s)).value;
    },

    verdicts() {
      const exclusive = outOfTurn.length
        ? { property: 'mutex-exclusive', ok: false, explanation: `two holders at once: ${outOfTurn.slice(0, 3).join('; ')}` }
        : { property: 'mutex-exclusive', ok: true, explanation: `${acked} acknowledged increment(s), none read a later holder's write` };
      if (finalValue === null) return [exclusive, { property: 'mutex-counter', ok: null, explanation: 'not checked: the final read of the counter never completed' }];
      const ok = finalValue >= acked && finalValue <= acked + unknown;
      const why = finalValue < acked ? ': increments were lost, two holders read the same value' : finalValue > acked + unknown ? ': more increments than were made' : '';
      return [exclusive, { property: 'mutex-counter', ok, explanation: `final value ${finalValue}, ${acked} acknowledged increment(s), ${unknown} of unknown outcome${why}` }];
    },
  };
}

/** A fresh mutex for each run. */
export default (): RecipeWorkload => mutex();
