/**
 * A configuration cache (Curator's CuratorCache, reduced), as an exploration workload:
 *
 *   npx zksim explore --workload dist/recipes/config-cache.js --seeds 1..300
 *
 * The configuration is a set of keys, the children of /config. Every client keeps a cache of them (key → value and
 * mzxid) and now and then writes one: sets it, creates it, or deletes it.
 *
 * The cache follows /config with one PERSISTENT_RECURSIVE watch (ZooKeeper 3.6+): an event for every create, change
 * and delete at or below /config, in zxid order, and no re-arming between events. An event carries no data, so the
 * cache reads the node again, as Curator does. A persistent watch has no catch-up after a reconnect: the client adds
 * it again, but what changed while it was disconnected sends no event. So, as Curator's PersistentWatcher resets and
 * CuratorCache rebuilds after every reconnect, the cache reads the whole of /config again when its connection comes
 * back, and forgets the keys that are gone.
 *
 * Properties:
 *   config-monotonic  no cache entry ever goes back to an older version of its key (a smaller mzxid): a session's
 *                     replies come in the order of its requests, and a session never reads a state older than one it
 *                     has seen, even after it moves to another server.
 *   config-converges  at the end, with every write done, each open client's cache equals /config as the client reads
 *                     it: the watch reported every change made while it was connected, and the rebuild every other.
 *
 * `configCache({ rebuildOnReconnect: false })` is the same cache trusting the watch alone; zksim finds the changes it
 * misses (test/recipe-config-cache.test.ts).
 */
import { AddWatchMode, Code, dataText, errorCode, EventType, KeeperState, type RecipeContext, type RecipeWorkload, type Session, type WatchedEvent } from 'zksim';

const CONFIG = '/config';
const KEYS = ['db', 'cache', 'timeout', 'flags', 'region', 'pool'];
const { NONODE, NODEEXISTS } = Code;

const keyPath = (key: string): string => `${CONFIG}/${key}`;

/** One client's cache of /config. */
class Cache {
  readonly entries = new Map<string, { value: string | null; mzxid: number }>();
  /** The highest mzxid applied per path, kept across deletes (a re-created key gets a higher one). */
  private readonly newest = new Map<string, number>();
  /** Reads started by events and rebuilds, not yet answered. */
  private readonly pending = new Set<Promise<unknown>>();
  private disconnected = false;
  closed = false;

  constructor(
    private readonly s: Session,
    private readonly rebuildOnReconnect: boolean,
    private readonly wentBack: string[],
  ) {}

  /** The watcher of the cache's persistent recursive watch: node events, and the connection's state events. */
  readonly watcher = (ev: WatchedEvent): void => {
    if (ev.type === EventType.None) {
      if (ev.state === KeeperState.Disconnected) this.disconnected = true;
      else if (ev.state === KeeperState.SyncConnected && this.disconnected) {
        this.disconnected = false;
        if (this.rebuildOnReconnect) this.track(this.rebuild());
      } else if (ev.state === KeeperState.Expired || ev.state === KeeperState.Closed) this.closed = true;
      return;
    }
    if (ev.path === null || ev.path === CONFIG) return;
    if (ev.type === EventType.NodeDeleted) this.entries.delete(ev.path);
    else this.track(this.refresh(ev.path));
  };

  /** Reads one key again (Curator: getData after an event), or forgets it when it is gone. */
  async refresh(path: string): Promise<void> {
    try {
      const { data, stat } = await this.s.client.getData(path);
      const newest = this.newest.get(path) ?? 0;
      if (stat.mzxid < newest) this.wentBack.push(`${this.s.name} read ${path} at mzxid 0x${stat.mzxid.toString(16)} after 0x${newest.toString(16)}`);
      this.newest.set(path, Math.max(newest, stat.mzxid));
      this.entries.set(path, { value: dataText(data), mzxid: stat.mzxid });
    } catch (e) {
      if (errorCode(e) === 0) throw e; // not a ZooKeeper error: a bug of ours (final reports it)
      if (errorCode(e) === NONODE) this.entries.delete(path);
      // a lost connection: the rebuild after the reconnect reads it again
    }
  }

  /** Reads the whole of /config again, forgetting the keys that are gone. */
  async rebuild(): Promise<void> {
    let children: string[];
    try {
      children = await this.s.client.getChildren(CONFIG);
    } catch (e) {
      if (errorCode(e) === 0) throw e;
      return; // /config is missing or the connection was lost again (another rebuild follows the reconnect)
    }
    for (const path of [...this.entries.keys()]) if (!children.includes(path.slice(CONFIG.length + 1))) this.entries.delete(path);
    for (const child of children) this.track(this.refresh(keyPath(child)));
  }

  track(p: Promise<unknown>): void {
    this.pending.add(p);
    const done = () => void this.pending.delete(p);
    p.then(done, done);
  }

  /** Resolves once no read of the cache is pending (a read may start more); rejects on an error of our own code. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

/** /config as the session reads it now: path → value and mzxid. */
async function readConfig(s: Session): Promise<Map<string, { value: string | null; mzxid: number }>> {
  const out = new Map<string, { value: string | null; mzxid: number }>();
  for (const child of (await s.client.getChildren(CONFIG)).sort()) {
    const r = await s.client.getData(keyPath(child)).catch((e) => {
      if (errorCode(e) === NONODE) return null;
      throw e;
    });
    if (r) out.set(keyPath(child), { value: dataText(r.data), mzxid: r.stat.mzxid });
  }
  return out;
}

/** How a cache differs from /config, or '' when equal. */
function difference(cache: Cache, truth: Map<string, { value: string | null; mzxid: number }>): string {
  const out: string[] = [];
  for (const [path, t] of truth) {
    const c = cache.entries.get(path);
    if (!c) out.push(`${path} missing`);
    else if (c.mzxid !== t.mzxid || c.value !== t.value) out.push(`${path} is '${c.value}' (mzxid 0x${c.mzxid.toString(16)}), not '${t.value}' (0x${t.mzxid.toString(16)})`);
  }
  for (const path of cache.entries.keys()) if (!truth.has(path)) out.push(`${path} deleted but still cached`);
  return out.join(', ');
}

export function configCache(opts: { rebuildOnReconnect: boolean } = { rebuildOnReconnect: true }): RecipeWorkload {
  const caches = new Map<string, Cache>();
  const steps = new Map<string, number>();
  const running = new Set<Promise<unknown>>();
  const wentBack: string[] = [];
  const diverged: string[] = [];
  let compared = 0;

  /** Creates /config and the session's cache with its watch, then reads /config once. */
  async function startCache(s: Session): Promise<void> {
    await s.client.create(CONFIG, null).catch((e) => {
      if (errorCode(e) !== NODEEXISTS) throw e; // addWatch on a missing node would succeed, but watch nothing there yet
    });
    const cache = new Cache(s, opts.rebuildOnReconnect, wentBack);
    await s.client.addWatch(CONFIG, AddWatchMode.PERSISTENT_RECURSIVE, cache.watcher);
    caches.set(s.name, cache);
    cache.track(cache.rebuild());
  }

  /** One write: set a key (creating it when missing), and now and then delete one. */
  async function write(s: Session, slot: number, n: number): Promise<void> {
    const path = keyPath(KEYS[(n * 5 + slot * 3) % KEYS.length]!);
    if (n % 5 === 0) {
      await s.client.delete(path, -1).catch((e) => {
        if (errorCode(e) !== NONODE) throw e;
      });
      return;
    }
    const value = `${s.name}#${n}`;
    await s.client.setData(path, value, -1).catch(async (e) => {
      if (errorCode(e) !== NONODE) throw e;
      await s.client.create(path, value).catch((e2) => {
        if (errorCode(e2) !== NODEEXISTS) throw e2;
      });
    });
  }

  async function step(s: Session, slot: number): Promise<void> {
    const n = (steps.get(s.name) ?? 0) + 1;
    steps.set(s.name, n);
    if (!caches.has(s.name)) await startCache(s);
    else await write(s, slot, n);
  }

  return {
    name: opts.rebuildOnReconnect ? 'config-cache' : 'config-cache-no-rebuild',
    properties: ['config-converges', 'config-monotonic'],

    step(_ctx: RecipeContext, s: Session, slot: number) {
      const p = step(s, slot);
      running.add(p);
      const done = () => void running.delete(p);
      p.then(done, done);
      return p;
    },

    async final(_ctx: RecipeContext, s: Session) {
      while (running.size) await Promise.allSettled([...running]); // every client's writes are done
      const cache = caches.get(s.name);
      if (!cache || cache.closed) return;
      await s.client.sync(CONFIG);
      // A change that commits while we compare (a write whose reply was lost, committed late) is seen by the cache
      // soon after: compare again before judging. A missed change stays missed.
      let diff = '';
      for (let round = 0; round < 3; round++) {
        await cache.idle();
        const truth = await readConfig(s);
        await cache.idle();
        diff = difference(cache, truth);
        if (!diff) break;
      }
      compared++;
      if (diff) diverged.push(`${s.name}: ${diff}`);
    },

    verdicts() {
      const monotonic = wentBack.length
        ? { property: 'config-monotonic', ok: false, explanation: `a cache went back to an older version: ${wentBack.slice(0, 3).join('; ')}` }
        : { property: 'config-monotonic', ok: true, explanation: 'no cache entry went back to an older version' };
      const converges =
        compared === 0
          ? { property: 'config-converges', ok: null, explanation: 'not checked: no cache was open at the end' }
          : diverged.length
            ? { property: 'config-converges', ok: false, explanation: `${diverged.length} of ${compared} cache(s) differ from /config at the end: ${diverged.slice(0, 2).join('; ')}` }
            : { property: 'config-converges', ok: true, explanation: `${compared} cache(s) equal /config at the end` };
      return [monotonic, converges];
    },
  };
}

/** A fresh configuration cache for each run. */
export default (): RecipeWorkload => configCache();
