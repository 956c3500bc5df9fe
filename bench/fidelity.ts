/**
 * bench part `fidelity`: the same fault-free workload on the real 3-node ZooKeeper (loopback, Debian package) and
 * on zksim — 3 clients, each on its own server, sequential setData then getData on its own znode.
 *
 * Both sides are measured the same way, in steady state: one long-lived ensemble and one set of sessions, a
 * warm-up (the JVM's JIT and V8's both need it: the real ensemble goes from ~500 to ~2,000 ops/s over its first
 * 20 s here, zksim from ~40,000 to ~90,000 ops/s over its first 100,000 ops), then CHUNKS rounds of a zksim chunk
 * then a real chunk, each side paused while the other runs and given a short untimed lead-in before its chunk; a
 * side's figure is its median chunk. Taking the chunks in turns puts a slow spell of the machine on both sides of
 * a round. The earlier method's figures (each side's CHUNKS consecutive chunks right after its own warm-up, the
 * other side not running) are reported as `continuous` ones, and the cold figures (the first chunk, right after
 * connecting) for comparison with runs that do not warm up.
 * Real side: operations per wall second. zksim side: the same loop on a simulated 3-server ensemble (sim/cluster.ts,
 * zksim's client library, default latencies, fault-free): operations per wall second and per CPU second, simulated
 * seconds per wall second. ratio = zksim ops/s ÷ real ops/s (median chunks); ratioPerRound each round's;
 * continuousRatio and coldRatio the same for those figures.
 *
 * Sizes (environment): ZKSIM_BENCH_FIDELITY_MS (real chunk, wall ms, default 1000), ZKSIM_BENCH_FIDELITY_WARMUP_MS
 * (real warm-up, wall ms, default 25000), ZKSIM_BENCH_FIDELITY_SIM_MS (zksim chunk, virtual ms, default 200000),
 * ZKSIM_BENCH_FIDELITY_SIM_WARMUP_MS (zksim warm-up, virtual ms, default 600000).
 */
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { RealEnsemble, realZooKeeperAvailable } from '../fidelity/realzk.js';
import { Cluster } from '../sim/cluster.js';
import { ZooKeeperClient } from '../core/client/index.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zookeeper: any = require('node-zookeeper-client');

const CLIENTS = 3;
/** Client i's own znode. */
const PATHS = Array.from({ length: CLIENTS }, (_, i) => `/bench/c${i}`);
const CHUNKS = 5;
const REAL_CHUNK_MS = Number(process.env.ZKSIM_BENCH_FIDELITY_MS ?? 1000);
const REAL_WARMUP_MS = Number(process.env.ZKSIM_BENCH_FIDELITY_WARMUP_MS ?? 25_000);
const SIM_CHUNK_MS = Number(process.env.ZKSIM_BENCH_FIDELITY_SIM_MS ?? 200_000);
const SIM_WARMUP_MS = Number(process.env.ZKSIM_BENCH_FIDELITY_SIM_WARMUP_MS ?? 600_000);
/** Untimed run before each interleaved chunk: the real side's threads and both sides' caches back from the pause. */
const REAL_LEAD_IN_MS = 300;
const SIM_LEAD_IN_MS = 20_000;

/** One timed chunk: operations completed, wall (and CPU) seconds it took. */
export interface Chunk {
  ops: number;
  seconds: number;
  cpuSeconds?: number;
  simSeconds?: number;
}

function rate(c: Chunk): number {
  return c.ops / c.seconds;
}

/** The median chunk by rate, its rate, and every chunk's rate in order. */
function figures(chunks: Chunk[]): { median: Chunk; perSecond: number; list: string } {
  const median = [...chunks].sort((x, y) => rate(x) - rate(y))[Math.floor(chunks.length / 2)]!;
  return { median, perSecond: rate(median), list: chunks.map((c) => Math.round(rate(c))).join(' ') };
}

function call<T>(fn: (cb: (err: unknown, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res as T))));
}

async function connect(address: string): Promise<any> {
  const client = zookeeper.createClient(address, { sessionTimeout: 10000, spinDelay: 100, retries: 0 });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`cannot connect to ${address}`)), 15000);
    client.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
    client.connect();
  });
  return client;
}

/**
 * The running workload: operations completed so far; pause() resolves once every loop waits between two operations
 * (none in flight), resume() lets them go on, stop() resolves when every loop has ended.
 */
export interface Load {
  readonly ops: number;
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * The workload itself, for either side: client i loops setData then getData on its own znode until stopped. A loop
 * looks at the pause gate before each setData; unpaused, that costs no await (zksim's runs, hence their trace
 * hashes, are the same as without the gate).
 */
export function startLoops(clients: number, setData: (i: number) => Promise<unknown>, getData: (i: number) => Promise<unknown>): Load {
  let ops = 0;
  let stopped = false;
  let gate: Promise<void> | null = null;
  let release = (): void => {};
  let parked = 0;
  let allParked: Promise<void> = Promise.resolve();
  let onAllParked = (): void => {};
  const loops = Array.from({ length: clients }, async (_, i) => {
    while (!stopped) {
      if (gate !== null) {
        if (++parked === clients) onAllParked();
        await gate;
        parked--;
        continue;
      }
      await setData(i);
      ops++;
      if (stopped) break;
      await getData(i);
      ops++;
    }
  });
  const resume = (): void => {
    if (gate === null) return;
    gate = null;
    release();
  };
  return {
    get ops() {
      return ops;
    },
    pause: () => {
      if (gate !== null) return allParked;
      gate = new Promise<void>((r) => (release = r));
      allParked = new Promise<void>((r) => (onAllParked = r));
      if (parked === clients) onAllParked();
      return allParked;
    },
    resume,
    stop: async () => {
      stopped = true;
      resume();
      await Promise.all(loops);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One side of the comparison, after its cold chunk, warm-up and continuous chunks: `chunk()` runs the load untimed
 * for a short lead-in (caches and threads back from the other side's turn), then one timed chunk, and leaves it
 * paused.
 */
interface Side {
  cold: Chunk;
  /** CHUNKS consecutive chunks right after the warm-up, the load never paused (the method before interleaving). */
  continuous: Chunk[];
  chunk(): Promise<Chunk>;
  close(): Promise<void>;
}

/** The real ensemble's side: cold chunk, warm-up and continuous chunks at once; then paused until chunk(). */
async function openRealSide(addresses: string[]): Promise<Side> {
  const clients = await Promise.all(addresses.slice(0, CLIENTS).map((a) => connect(a)));
  const closeClients = (): void => {
    for (const c of clients) c.close();
  };
  try {
    await call((cb) => clients[0].create('/bench', null, cb)).catch(() => undefined);
    await Promise.all(clients.map((c, i) => call((cb) => c.create(PATHS[i], Buffer.from('0'), cb)).catch(() => undefined)));
    const data = Buffer.from('x'.repeat(16));
    const load = startLoops(
      clients.length,
      (i) => call((cb) => clients[i].setData(PATHS[i], data, -1, cb)),
      (i) => call((cb) => clients[i].getData(PATHS[i], cb)),
    );
    const timeChunk = async (ms: number): Promise<Chunk> => {
      const o0 = load.ops;
      const t0 = process.hrtime.bigint();
      await sleep(ms);
      return { ops: load.ops - o0, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    };
    const cold = await timeChunk(REAL_CHUNK_MS);
    await sleep(REAL_WARMUP_MS);
    const continuous: Chunk[] = [];
    for (let i = 0; i < CHUNKS; i++) continuous.push(await timeChunk(REAL_CHUNK_MS));
    await load.pause();
    return {
      cold,
      continuous,
      chunk: async () => {
        load.resume();
        await sleep(REAL_LEAD_IN_MS);
        const c = await timeChunk(REAL_CHUNK_MS);
        await load.pause();
        return c;
      },
      close: async () => {
        await load.stop();
        closeClients();
      },
    };
  } catch (e) {
    closeClients();
    throw e;
  }
}

/**
 * zksim's side: the same loop on a simulated 3-server ensemble, client i pinned to server s(i+1); it runs only while
 * the cluster runs, so between chunks it is paused by itself.
 */
async function openZksimSide(seed: string | number = 1): Promise<Side> {
  const { cluster, load } = await startZksimLoad(seed);
  const world = cluster.world;
  const timeChunk = async (ms: number): Promise<Chunk> => {
    const o0 = load.ops;
    const v0 = world.now;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await cluster.runFor(ms);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { ops: load.ops - o0, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, simSeconds: (world.now - v0) / 1000 };
  };
  const cold = await timeChunk(SIM_CHUNK_MS);
  await cluster.runFor(SIM_WARMUP_MS);
  const continuous: Chunk[] = [];
  for (let i = 0; i < CHUNKS; i++) continuous.push(await timeChunk(SIM_CHUNK_MS));
  return {
    cold,
    continuous,
    chunk: async () => {
      await cluster.runFor(SIM_LEAD_IN_MS);
      return timeChunk(SIM_CHUNK_MS);
    },
    close: async () => {
      await cluster.run(load.stop());
    },
  };
}

/**
 * The zksim side's set-up: the ensemble, the sessions and the running loops (advanced only as the caller runs the
 * cluster). Also used by scripts/instructions-loop.mjs, which counts instructions per operation.
 */
export async function startZksimLoad(seed: string | number = 1): Promise<{ cluster: Cluster; load: Load }> {
  const cluster = new Cluster({ seed, servers: 3 });
  const clients: ZooKeeperClient[] = [];
  const world = cluster.world;
  for (let i = 0; i < CLIENTS; i++) {
    // zksim's client library on its own process, pinned to one server; no history recorder (the real side records
    // nothing either)
    const zk = new ZooKeeperClient({ servers: [cluster.serverNames[i]!], sessionTimeoutMs: 10_000, noShuffle: true, onUserWake: () => world.wakeUser(), clock: () => world.now });
    world.addProcess(`c${i + 1}`, () => zk);
    clients.push(zk);
  }
  if (!(await cluster.until(() => cluster.leader() !== null && clients.every((c) => c.state === 'CONNECTED'), 60_000))) throw new Error('zksim: the ensemble did not come up');
  await cluster.run(clients[0]!.create('/bench', null));
  await cluster.run(Promise.all(clients.map((c, i) => c.create(PATHS[i]!, '0'))));
  const data = 'x'.repeat(16);
  const load = startLoops(
    clients.length,
    (i) => clients[i]!.setData(PATHS[i]!, data, -1),
    (i) => clients[i]!.getData(PATHS[i]!),
  );
  return { cluster, load };
}

/** The machine's 1-minute load average: other work on the machine slows either side, the real one most. */
function load(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

/** The part, as the header says: both sides set up and warmed up (the real one first), then CHUNKS rounds. */
export async function run(): Promise<Record<string, unknown>> {
  const loadBefore = load();
  const ens = realZooKeeperAvailable() ? await RealEnsemble.start({ servers: 3, requireHighestLeader: false }) : null;
  let real: Side | null = null;
  try {
    if (ens) real = await openRealSide(ens.connectStrings);
    const sim = await openZksimSide();
    const zc: Chunk[] = [];
    const rc: Chunk[] = [];
    for (let i = 0; i < CHUNKS; i++) {
      zc.push(await sim.chunk());
      if (real) rc.push(await real.chunk());
    }
    await sim.close();
    const z = figures(zc);
    const zCont = figures(sim.continuous);
    const m = z.median;
    const zksim = {
      clients: CLIENTS,
      servers: 3,
      method: real
        ? `${CHUNKS} rounds of a zksim chunk then a real one, after a warm-up (zksim ${SIM_WARMUP_MS / 1000} s virtual, real ${REAL_WARMUP_MS / 1000} s wall), each chunk after a lead-in (zksim ${SIM_LEAD_IN_MS / 1000} s virtual, real ${REAL_LEAD_IN_MS} ms wall); median chunk of each side`
        : `${CHUNKS} zksim chunks after a warm-up of ${SIM_WARMUP_MS / 1000} s virtual, each after a lead-in of ${SIM_LEAD_IN_MS / 1000} s virtual; median chunk`,
      zksimOpsPerSecond: z.perSecond,
      zksimOpsPerSecondChunks: z.list,
      zksimColdOpsPerSecond: rate(sim.cold),
      zksimContinuousOpsPerSecond: zCont.perSecond,
      zksimOpsPerCpuSecond: m.ops / m.cpuSeconds!,
      zksimOpsPerChunk: m.ops,
      simulatedSecondsPerWallSecond: m.simSeconds! / m.seconds,
      // reported so that a figure taken while something else ran can be told apart (it lags by about a minute, and
      // counts this process too: up to about 1 while one side runs; the real ensemble's JVMs add theirs)
      cores: availableParallelism(),
      loadAverageBefore: loadBefore,
    };
    if (!real) return { ...zksim, realOpsPerSecond: null, ratio: null, note: 'real ZooKeeper not installed (apt-get install -y zookeeper)' };
    const r = figures(rc);
    const rCont = figures(real.continuous);
    return {
      ...zksim,
      realOpsPerSecond: r.perSecond,
      realOpsPerSecondChunks: r.list,
      realColdOpsPerSecond: rate(real.cold),
      realContinuousOpsPerSecond: rCont.perSecond,
      ratio: z.perSecond / r.perSecond,
      ratioPerRound: zc.map((c, i) => (rate(c) / rate(rc[i]!)).toFixed(1)).join(' '),
      continuousRatio: zCont.perSecond / rCont.perSecond,
      coldRatio: rate(sim.cold) / rate(real.cold),
      loadAverageAfter: load(),
    };
  } finally {
    if (real) await real.close().catch(() => undefined);
    if (ens) await ens.stop();
  }
}
