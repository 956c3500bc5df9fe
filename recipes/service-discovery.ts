/**
 * Service discovery (Curator's ServiceDiscovery with a ServiceCache, reduced), as an exploration workload:
 *
 *   npx zksim explore --workload dist/recipes/service-discovery.js --seeds 1..300
 *
 * Each session is one instance of the service "api". It registers an EPHEMERAL node /services/api/<instance> holding
 * its address, so that the registration lives exactly as long as its session, and keeps a view of every instance
 * (Curator's ServiceCache): the children of /services/api, listed with a watch and listed again, with a new watch,
 * each time the watch fires (a watch fires once). A listing that fails sets no watch, so it is retried until it
 * succeeds, as Curator retries its background operations. Now and then an instance changes its address (setData) or
 * shuts down (closes its session); its client starts a new instance at its next step.
 *
 * Properties:
 *   discovery-self       a registered instance whose session is open finds itself in every listing it makes: an
 *                        ephemeral node lives until its session ends, and a session reads its own writes.
 *   discovery-no-ghosts  at the end, once the faults have healed, no instance of a session that has ended stays in
 *                        the registry longer than a session timeout (the servers delete a session's ephemerals when
 *                        they close or expire it), and each open instance still finds its own node there.
 *   discovery-view       at the end, every open instance's view equals the registry: a child watch fires for the first
 *                        change after it was set, and a watch set before a disconnect fires after the reconnect for a
 *                        change it missed (the client sends its watches again with the last zxid it saw).
 *
 * `discovery({ rewatch: false })` is the same recipe with a classic bug: it lists the instances again when its watch
 * fires but without setting a new watch, as if watches were persistent; zksim finds its views going stale
 * (test/recipe-service-discovery.test.ts).
 */
import { Code, CreateMode, errorCode, EventType, isOutcomeUnknown, type RecipeContext, type RecipeWorkload, type Session, type WatchedEvent } from 'zksim';

const SERVICE = '/services/api';
/** How long to wait before listing again after a listing failed (virtual ms). */
const RETRY_MS = 200;
const { NONODE, NODEEXISTS } = Code;

/** Creates /services/api (and /services), unless they exist. */
async function ensureService(s: Session): Promise<void> {
  for (const path of ['/services', SERVICE]) {
    await s.client.create(path, null).catch((e) => {
      if (errorCode(e) !== NODEEXISTS) throw e;
    });
  }
}

/** One instance: its session, and its view of the service (the instances of the last listing, and its pzxid). */
class Instance {
  view: string[] = [];
  viewPzxid = -1;
  steps = 0;
  /** Listings that follow the instances (the first one, and those the watch started), not yet done. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly s: Session,
    private readonly ctx: RecipeContext,
    private readonly rewatch: boolean,
    private readonly missingSelf: string[],
  ) {}

  get node(): string {
    return `${SERVICE}/${this.s.name}`;
  }
  get open(): boolean {
    return this.s.client.state !== 'CLOSED';
  }

  /** Lists the instances, with a watch unless `watch` is false, and checks that this one is among them. */
  async list(watch = true): Promise<void> {
    const { children, stat } = await this.s.client.getChildren2(SERVICE, watch ? this.watcher : undefined);
    if (stat.pzxid < this.viewPzxid) return; // an older listing answered late: keep the newer view
    this.view = children.sort();
    this.viewPzxid = stat.pzxid;
    if (!children.includes(this.s.name)) this.missingSelf.push(`${this.s.name} (session 0x${this.s.client.sessionId.toString(16)}, open) is missing from its own listing`);
  }

  /** Starts following the instances: a first listing with a watch. */
  follow(): void {
    this.track(this.listUntilDone(true));
  }

  /** The watch on the instances: list them again (and watch again, unless rewatch is off: the bug). */
  readonly watcher = (ev: WatchedEvent): void => {
    if (ev.type === EventType.None) return; // state events: a watch that has not fired stays set across a reconnect
    this.track(this.listUntilDone(this.rewatch));
  };

  /**
   * Lists, retrying until it succeeds or the session ends: a listing that failed (a lost connection) set no watch,
   * and a watch that fired is used up, so giving up would leave the view stale for good. (Curator retries its
   * background operations, and its caches list again after every reconnect.)
   */
  private async listUntilDone(watch: boolean): Promise<void> {
    while (this.open) {
      try {
        await this.list(watch);
        return;
      } catch (e) {
        if (errorCode(e) === 0) throw e; // not a ZooKeeper error: a bug of ours (final reports it)
        await new Promise<void>((resolve) => this.ctx.schedule(RETRY_MS, resolve));
      }
    }
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    const done = () => void this.pending.delete(p);
    p.then(done, done);
  }

  /** Resolves once no listing that follows the instances is pending; rejects on an error of our own code. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

export function discovery(opts: { rewatch: boolean } = { rewatch: true }): RecipeWorkload {
  /** Registered instances, by session name. */
  const instances = new Map<string, Instance>();
  const running = new Set<Promise<unknown>>();
  const missingSelf: string[] = [];
  const ghosts: string[] = [];
  const staleViews: string[] = [];
  let viewsCompared = 0;
  let registryChecked = false;

  /** Registers this session's instance; true once its node is known to exist. */
  async function register(s: Session, slot: number): Promise<boolean> {
    const node = `${SERVICE}/${s.name}`;
    try {
      await s.client.create(node, `10.0.0.${slot + 1}:8080`, CreateMode.EPHEMERAL);
      return true;
    } catch (e) {
      if (errorCode(e) === NONODE) {
        await ensureService(s);
        return false;
      }
      if (errorCode(e) !== NODEEXISTS && !isOutcomeUnknown(e)) throw e;
      // our create may have happened (its reply was lost): the node's owner tells
      const stat = await s.client.exists(node);
      return stat !== null && stat.ephemeralOwner === s.client.sessionId;
    }
  }

  async function step(ctx: RecipeContext, s: Session, slot: number): Promise<void> {
    let me = instances.get(s.name);
    if (!me) {
      if (!(await register(s, slot))) return;
      instances.set(s.name, (me = new Instance(s, ctx, opts.rewatch, missingSelf)));
      me.follow();
      return;
    }
    me.steps++;
    if (me.steps % 7 === 0) {
      await s.client.close(); // shut down: the instance goes with its session
    } else if (me.steps % 3 === 0) {
      await s.client.setData(me.node, `10.0.${me.steps}.${slot + 1}:8080`, -1);
    } else {
      await me.list(false); // a lookup: the watch set earlier stays
    }
  }

  /** The registered instances whose session has ended, as `name (session 0x...)`. */
  async function endedInstances(ctx: RecipeContext, s: Session): Promise<string[]> {
    const open = new Set(ctx.openSessionIds());
    const out: string[] = [];
    for (const child of await s.client.getChildren(SERVICE)) {
      const stat = await s.client.exists(`${SERVICE}/${child}`);
      if (stat !== null && !open.has(stat.ephemeralOwner)) out.push(`${child} (session 0x${stat.ephemeralOwner.toString(16)}, ended)`);
    }
    return out;
  }

  /**
   * Instances of ended sessions that stay. The servers delete them when they close or expire the session: up to a
   * session timeout after its end, counted from when a leader serves again (none may have served for a while before
   * the end, and a close whose reply was lost leaves the session to expire). So an instance counts as a ghost only if
   * it is still there a session timeout (plus 2 s) after this check began.
   */
  async function findGhosts(ctx: RecipeContext, s: Session): Promise<void> {
    const judgeAt = ctx.now() + s.client.sessionTimeout + 2000;
    for (;;) {
      const ended = await endedInstances(ctx, s);
      if (ended.length === 0 || ctx.now() >= judgeAt) {
        ghosts.push(...ended);
        break;
      }
      await new Promise<void>((resolve) => ctx.schedule(500, resolve));
    }
    registryChecked = true;
  }

  /** This instance, at the end: its node is there, and its view equals the registry. */
  async function checkInstance(me: Instance): Promise<void> {
    const stat = await me.s.client.exists(me.node);
    if (stat === null || stat.ephemeralOwner !== me.s.client.sessionId) ghosts.push(`${me.s.name} (open) has no node of its own`);
    // Compare with a listing as new as the view: a change committed meanwhile (a session expiring) fires the watch
    // before this listing's reply, and the view follows it soon after.
    for (let round = 0; ; round++) {
      const { children, stat: parent } = await me.s.client.getChildren2(SERVICE);
      await me.idle();
      if (me.viewPzxid > parent.pzxid && round < 3) continue; // the view moved on since: list again
      viewsCompared++;
      const same = me.viewPzxid === parent.pzxid && me.view.join() === children.sort().join();
      if (!same) staleViews.push(`${me.s.name} sees [${me.view.join(', ')}] (pzxid 0x${me.viewPzxid.toString(16)}), the registry is [${children.join(', ')}] (0x${parent.pzxid.toString(16)})`);
      return;
    }
  }

  return {
    name: opts.rewatch ? 'service-discovery' : 'service-discovery-no-rewatch',
    properties: ['discovery-self', 'discovery-view', 'discovery-no-ghosts'],

    step(ctx: RecipeContext, s: Session, slot: number) {
      const p = step(ctx, s, slot);
      running.add(p);
      const done = () => void running.delete(p);
      p.then(done, done);
      return p;
    },

    async final(ctx: RecipeContext, s: Session, slot: number) {
      while (running.size) await Promise.allSettled([...running]);
      await s.client.sync(SERVICE);
      if (slot === 0 && !registryChecked) await findGhosts(ctx, s);
      const me = instances.get(s.name);
      if (me && me.open) await checkInstance(me);
    },

    verdicts() {
      const self = missingSelf.length
        ? { property: 'discovery-self', ok: false, explanation: missingSelf.slice(0, 3).join('; ') }
        : { property: 'discovery-self', ok: true, explanation: `${instances.size} instance(s) always found themselves` };
      const noGhosts = !registryChecked
        ? { property: 'discovery-no-ghosts', ok: null, explanation: 'not checked: the final listing of the registry never completed' }
        : ghosts.length
          ? { property: 'discovery-no-ghosts', ok: false, explanation: `the registry is wrong at the end: ${ghosts.slice(0, 3).join('; ')}` }
          : { property: 'discovery-no-ghosts', ok: true, explanation: 'the registry holds the open instances only' };
      const view =
        viewsCompared === 0
          ? { property: 'discovery-view', ok: null, explanation: 'not checked: no instance was open at the end' }
          : staleViews.length
            ? { property: 'discovery-view', ok: false, explanation: `${staleViews.length} of ${viewsCompared} view(s) are stale at the end: ${staleViews.slice(0, 2).join('; ')}` }
            : { property: 'discovery-view', ok: true, explanation: `${viewsCompared} view(s) equal the registry at the end` };
      return [self, noGhosts, view];
    },
  };
}

/** A fresh service registry for each run. */
export default (): RecipeWorkload => discovery();
