/**
 * A seeded random ZooKeeper workload for `zksim run`: K clients doing a mix of create (every mode), delete,
 * setData, getData, exists, getChildren (with and without watches), sync and multi on a few paths under /w, for a
 * fixed virtual time. Each client draws from its own stream world.rng('workload:cN'), so adding a client or a fault
 * does not change what the others draw. Every operation lands in the cluster's history.
 *
 * A client whose session expired is replaced by a new handle (a new process "cN.2", "cN.3"...: one process = one
 * session), drawing from the same stream.
 */
import { Cluster, type ClusterOptions } from './cluster.js';
import { CreateMode, ZkError, type ZooKeeperClient, type MultiOp, type Stat } from '../core/client/index.js';
import type { HistoryEvent } from '../check/history.js';
import type { Rng } from './random.js';

export interface WorkloadOptions {
  /** Number of clients (default 3). */
  clients?: number;
  /** Virtual time the clients issue operations (ms, default 20 000); in-flight ones may complete a little later. */
  durationMs?: number;
  /** Number of plain keys /w/k0.. (default 4). */
  keys?: number;
  /** Mean think time between one client's operations (ms, default 50). */
  thinkMs?: number;
  /** Session timeout requested by the clients (ms, default 10 000). */
  sessionTimeoutMs?: number;
  /** After the duration, how long in-flight operations may still complete (ms, default 15 000). */
  drainMs?: number;
}

export interface WorkloadResult {
  history: HistoryEvent[];
  /** Completed operations per outcome. */
  counts: { invoked: number; ok: number; fail: number; unknown: number; events: number };
  /** Client processes used (including replacements after expiry). */
  processes: string[];
}

const ROOT = '/w';
const MODES: CreateMode[] = [
  CreateMode.PERSISTENT,
  CreateMode.EPHEMERAL,
  CreateMode.PERSISTENT_SEQUENTIAL,
  CreateMode.EPHEMERAL_SEQUENTIAL,
  CreateMode.CONTAINER,
];

/** Runs the random workload on an existing cluster (servers already added) and returns its history. */
export async function runRandomWorkload(cluster: Cluster, opts: WorkloadOptions = {}): Promise<WorkloadResult> {
  const world = cluster.world;
  const k = opts.clients ?? 3;
  const duration = opts.durationMs ?? 20_000;
  const keys = opts.keys ?? 4;
  const think = opts.thinkMs ?? 50;
  const timeoutMs = opts.sessionTimeoutMs ?? 10_000;
  const drain = opts.drainMs ?? 15_000;
  const start = world.now;
  const end = start + duration;
  const processes: string[] = [];
  const running = new Set<string>();

  const loop = async (base: string) => {
    const rng = world.rng(`workload:${base}`);
    let gen = 1;
    let name = base;
    let zk = cluster.client(name, { timeoutMs });
    processes.push(name);
    let counter = 0;
    const versions = new Map<string, number>();
    const watcher = () => {};
    // Everyone makes sure the root exists (NODEEXISTS is fine), retrying while the ensemble is not serving yet.
    while (world.now < end && zk.state !== 'CLOSED') {
      const code = await codeOf(zk.create(ROOT, null, CreateMode.PERSISTENT));
      if (code === 0 || code === -110) break;
      await cluster.sleep(200);
    }
    while (world.now < end) {
      await cluster.sleep(Math.max(1, Math.round(rng.exponential(think))));
      if (world.now >= end) break;
      if (zk.state === 'CLOSED') {
        // Expired: a new handle is a new process (new session).
        gen++;
        name = `${base}.${gen}`;
        zk = cluster.client(name, { timeoutMs });
        processes.push(name);
      }
      const key = `${ROOT}/k${rng.int(0, keys)}`;
      const value = `${name}:${++counter}`;
      const watch = rng.bernoulli(0.3) ? watcher : undefined;
      const anyVersion = rng.bernoulli(0.5);
      const version = anyVersion ? -1 : versions.get(key) ?? rng.int(0, 3);
      const remember = (p: string, s: Stat | null) => {
        if (s) versions.set(p, s.version);
        else versions.delete(p);
      };
      const x = rng.next();
      let p: Promise<unknown>;
      if (x < 0.18) {
        const mode = rng.choice(MODES);
        const sequential = mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
        p = zk.create(sequential ? `${ROOT}/q-` : key, value, mode);
      } else if (x < 0.28) {
        p = zk.delete(key, version);
      } else if (x < 0.33) {
        // Delete one of the sequential children (keeps /w small).
        p = zk.getChildren(ROOT).then((cs) => {
          const qs = cs.filter((c) => c.startsWith('q-')).sort();
          return qs.length ? zk.delete(`${ROOT}/${qs[rng.int(0, qs.length)]}`, -1) : undefined;
        });
      } else if (x < 0.5) {
        p = zk.setData(key, value, version).then((s) => remember(key, s));
      } else if (x < 0.65) {
        p = zk.getData(key, watch).then((r) => remember(key, r.stat));
      } else if (x < 0.75) {
        p = zk.exists(key, watch).then((s) => remember(key, s));
      } else if (x < 0.85) {
        p = zk.getChildren(rng.bernoulli(0.7) ? ROOT : key, watch);
      } else if (x < 0.88) {
        p = zk.sync(key);
      } else {
        p = zk.multi(randomMulti(rng, keys, value));
      }
      await swallow(p);
    }
    running.delete(base);
  };

  const errors: unknown[] = [];
  for (let i = 1; i <= k; i++) {
    const name = `c${i}`;
    running.add(name);
    loop(name).catch((e) => {
      errors.push(e);
      running.delete(name);
    });
  }
  await cluster.until(() => running.size === 0 || errors.length > 0, duration + drain);
  if (errors.length) throw errors[0];
  const history = cluster.history.events.slice();
  const counts = { invoked: 0, ok: 0, fail: 0, unknown: 0, events: 0 };
  for (const e of history) {
    if (e.kind === 'invoke') counts.invoked++;
    else if (e.kind === 'ok') counts.ok++;
    else if (e.kind === 'fail') counts.fail++;
    else if (e.kind === 'info') counts.unknown++;
    else if (e.kind === 'event') counts.events++;
  }
  counts.unknown += counts.invoked - counts.ok - counts.fail - counts.unknown; // never completed
  return { history, counts, processes };
}

/** Builds a cluster and runs the workload on it: the whole of a `zksim run` with clients. */
export async function runWorkload(cluster: ClusterOptions, opts: WorkloadOptions = {}): Promise<WorkloadResult & { cluster: Cluster }> {
  const c = new Cluster(cluster);
  const r = await runRandomWorkload(c, opts);
  return { ...r, cluster: c };
}

function randomMulti(rng: Rng, keys: number, value: string): MultiOp[] {
  const a = `${ROOT}/k${rng.int(0, keys)}`;
  const b = `${ROOT}/k${rng.int(0, keys)}`;
  switch (rng.int(0, 3)) {
    case 0:
      return [
        { op: 'check', path: a, version: rng.bernoulli(0.5) ? -1 : rng.int(0, 3) },
        { op: 'setData', path: b, data: new TextEncoder().encode(value), version: -1 },
      ];
    case 1:
      return [
        { op: 'create', path: a, data: new TextEncoder().encode(value), mode: CreateMode.PERSISTENT },
        { op: 'delete', path: b, version: -1 },
      ];
    default:
      return [
        { op: 'setData', path: a, data: new TextEncoder().encode(value), version: -1 },
        { op: 'setData', path: b, data: new TextEncoder().encode(value), version: rng.bernoulli(0.5) ? -1 : rng.int(0, 3) },
      ];
  }
}

/** The error code an operation ended with (0 for success). */
async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (!(e instanceof ZkError)) throw e;
    return e.code;
  }
}

/** Awaits an operation, ignoring ZooKeeper errors (they are in the history); rethrows anything else. */
async function swallow(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ZkError)) throw e;
  }
}

export interface WorkloadRunSummary {
  seed: ClusterOptions['seed'];
  traceHash: string;
  events: number;
  simulatedMs: number;
  servers: number;
  /** Id of the server leading at the end (LEADING or STANDALONE), or null. */
  leader: number | null;
  /** Highest current epoch among the live servers. */
  epoch: number;
  /** Operations in the recorded history (invocations). */
  historyOps: number;
  ok: number;
  fail: number;
  unknown: number;
  watchEvents: number;
  history: HistoryEvent[];
}

/**
 * One `zksim run` with a ZooKeeper cluster and the random workload: the summary the CLI prints (the caller adds
 * wall time). Pure function of its arguments.
 */
export async function runWorkloadSummary(
  opts: { seed: ClusterOptions['seed']; servers?: number; recordTrace?: boolean; bugs?: readonly string[] } & WorkloadOptions,
): Promise<WorkloadRunSummary> {
  const cluster = new Cluster({ seed: opts.seed, servers: opts.servers ?? 3, recordTrace: opts.recordTrace ?? false, ...(opts.bugs ? { bugs: opts.bugs } : {}) });
  const r = await runRandomWorkload(cluster, opts);
  let epoch = 0;
  for (const name of cluster.serverNames) epoch = Math.max(epoch, cluster.server(name)?.epoch ?? 0);
  return {
    seed: opts.seed,
    traceHash: cluster.world.traceHash,
    events: cluster.world.eventCount,
    simulatedMs: cluster.world.now,
    servers: cluster.serverNames.length,
    leader: cluster.leader(),
    epoch,
    historyOps: r.counts.invoked,
    ok: r.counts.ok,
    fail: r.counts.fail,
    unknown: r.counts.unknown,
    watchEvents: r.counts.events,
    history: r.history,
  };
}
