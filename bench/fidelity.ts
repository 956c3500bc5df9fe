/**
 * bench part `fidelity`: the same fault-free workload on the real 3-node ZooKeeper (loopback, Debian package) and
 * on zksim — 3 clients, each on its own server, sequential setData then getData on its own znode.
 *
 * Both sides are measured the same way, in steady state: one long-lived ensemble and one set of sessions, a
 * warm-up (the JVM's JIT and V8's both need it: the real ensemble goes from ~500 to ~2,000 ops/s over its first
 * 20 s here, zksim from ~40,000 to ~90,000 ops/s over its first 100,000 ops), then CHUNKS consecutive chunks, each
 * timed on its own; the figure is the median chunk. The cold figures (the first chunk, right after connecting) are
 * reported too, for comparison with runs that do not warm up.
 * Real side: operations per wall second. zksim side: the same loop on a simulated 3-server ensemble (sim/cluster.ts,
 * zksim's client library, default latencies, fault-free): operations per wall second and per CPU second, simulated
 * seconds per wall second. ratio = zksim ops/s ÷ real ops/s (steady state); coldRatio the same for cold figures.
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

/** One timed chunk: operations completed, wall (and CPU) seconds it took. */
export interface Chunk {
  ops: number;
  seconds: number;
  cpuSeconds?: number;
  simSeconds?: number;
}

export interface SideResult {
  /** Median chunk, ops per wall second. */
  opsPerSecond: number;
  /** Every chunk's ops per wall second, in order. */
  chunks: number[];
  /** The first chunk, right after the sessions connected (no warm-up). */
  coldOpsPerSecond: number;
  median: Chunk;
}

function rate(c: Chunk): number {
  return c.ops / c.seconds;
}

function summarise(cold: Chunk, chunks: Chunk[]): SideResult {
  const sorted = [...chunks].sort((a, b) => rate(a) - rate(b));
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { opsPerSecond: rate(median), chunks: chunks.map((c) => Math.round(rate(c))), coldOpsPerSecond: rate(cold), median };
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

/** The running workload: operations completed so far; stop() resolves when every loop has ended. */
interface Load {
  readonly ops: number;
  stop(): Promise<void>;
}

/** The workload itself, for either side: client i loops setData then getData on its own znode until stopped. */
function startLoops(clients: number, setData: (i: number) => Promise<unknown>, getData: (i: number) => Promise<unknown>): Load {
  let ops = 0;
  let stopped = false;
  const loops = Array.from({ length: clients }, async (_, i) => {
    while (!stopped) {
      await setData(i);
      ops++;
      if (stopped) break;
      await getData(i);
      ops++;
    }
  });
  return {
    get ops() {
      return ops;
    },
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs the workload on the real ensemble: a cold chunk, a warm-up, then CHUNKS timed chunks. */
export async function realWorkload(addresses: string[], chunkMs = REAL_CHUNK_MS, warmupMs = REAL_WARMUP_MS, chunks = CHUNKS): Promise<SideResult> {
  const clients = await Promise.all(addresses.slice(0, CLIENTS).map((a) => connect(a)));
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
    const cold = await timeChunk(chunkMs);
    await sleep(warmupMs);
    const measured: Chunk[] = [];
    for (let i = 0; i < chunks; i++) measured.push(await timeChunk(chunkMs));
    await load.stop();
    return summarise(cold, measured);
  } finally {
    for (const c of clients) c.close();
  }
}

/**
 * The same workload on zksim: 3 clients, client i pinned to server s(i+1), sequential setData then getData on its own
 * znode; a cold chunk, a warm-up of `warmupMs` virtual ms, then CHUNKS chunks of `chunkMs` virtual ms.
 */
export async function zksimWorkload(chunkMs = SIM_CHUNK_MS, warmupMs = SIM_WARMUP_MS, chunks = CHUNKS, seed: string | number = 1): Promise<SideResult> {
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
  const cold = await timeChunk(chunkMs);
  await cluster.runFor(warmupMs);
  const measured: Chunk[] = [];
  for (let i = 0; i < chunks; i++) measured.push(await timeChunk(chunkMs));
  await cluster.run(load.stop());
  return summarise(cold, measured);
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

export async function run(): Promise<Record<string, unknown>> {
  const loadBefore = load();
  const sim = await zksimWorkload();
  const m = sim.median;
  const zksim = {
    clients: CLIENTS,
    servers: 3,
    method: `median of ${CHUNKS} chunks after a warm-up (zksim: ${SIM_WARMUP_MS / 1000} s virtual; real: ${REAL_WARMUP_MS / 1000} s wall)`,
    zksimOpsPerSecond: sim.opsPerSecond,
    zksimOpsPerSecondChunks: sim.chunks.join(' '),
    zksimColdOpsPerSecond: sim.coldOpsPerSecond,
    zksimOpsPerCpuSecond: m.ops / m.cpuSeconds!,
    zksimOpsPerChunk: m.ops,
    simulatedSecondsPerWallSecond: m.simSeconds! / m.seconds,
    // reported so that a figure taken while something else ran can be told apart (it lags by about a minute, and
    // counts this process too: up to about 1 while one side runs; the real ensemble's JVMs add theirs)
    cores: availableParallelism(),
    loadAverageBefore: loadBefore,
    loadAverageAfterZksim: load(),
  };
  if (!realZooKeeperAvailable()) {
    return { ...zksim, realOpsPerSecond: null, ratio: null, note: 'real ZooKeeper not installed (apt-get install -y zookeeper)' };
  }
  const ens = await RealEnsemble.start({ servers: 3, requireHighestLeader: false });
  try {
    const real = await realWorkload(ens.connectStrings);
    return {
      ...zksim,
      realOpsPerSecond: real.opsPerSecond,
      realOpsPerSecondChunks: real.chunks.join(' '),
      realColdOpsPerSecond: real.coldOpsPerSecond,
      ratio: sim.opsPerSecond / real.opsPerSecond,
      coldRatio: sim.coldOpsPerSecond / real.coldOpsPerSecond,
      loadAverageAfterReal: load(),
    };
  } finally {
    await ens.stop();
  }
}
