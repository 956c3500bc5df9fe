/**
 * bench part `fidelity`: the same fault-free workload on the real 3-node ZooKeeper (loopback, Debian package) and
 * on zksim — 3 clients, each on its own server, sequential setData then getData on its own znode.
 * Real side: operations per wall second. zksim side: the same loop on a simulated 3-server ensemble (sim/cluster.ts,
 * zksim's client library, default latencies, fault-free) for a fixed stretch of virtual time: operations per wall
 * second, simulated seconds per wall second; ratio = zksim ops/s over real ops/s.
 * Sizes: ZKSIM_BENCH_FIDELITY_MS (real, wall ms), ZKSIM_BENCH_FIDELITY_SIM_MS (zksim, virtual ms).
 */
import { createRequire } from 'node:module';
import { RealEnsemble, realZooKeeperAvailable } from '../fidelity/realzk.js';
import { Cluster } from '../sim/cluster.js';
import { ZooKeeperClient } from '../core/client/index.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zookeeper: any = require('node-zookeeper-client');

const CLIENTS = 3;
const DURATION_MS = Number(process.env.ZKSIM_BENCH_FIDELITY_MS ?? 4000);
const WARMUP_MS = 500;
const SIM_MS = Number(process.env.ZKSIM_BENCH_FIDELITY_SIM_MS ?? 60_000);
/** zksim runs: one warm-up (the JIT needs tens of thousands of ops to settle), then the median of three. */
const SIM_RUNS = 3;
const SIM_WARMUP_MS = 1_000;

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

/** Runs the workload on the real ensemble; returns operations completed and the wall seconds measured. */
export async function realWorkload(addresses: string[], durationMs = DURATION_MS): Promise<{ ops: number; seconds: number }> {
  const clients = await Promise.all(addresses.slice(0, CLIENTS).map((a) => connect(a)));
  try {
    await call((cb) => clients[0].create('/bench', null, cb)).catch(() => undefined);
    await Promise.all(clients.map((c, i) => call((cb) => c.create(`/bench/c${i}`, Buffer.from('0'), cb)).catch(() => undefined)));
    const data = Buffer.from('x'.repeat(16));
    let counting = false;
    let ops = 0;
    let stop = false;
    const loops = clients.map(async (c, i) => {
      const path = `/bench/c${i}`;
      while (!stop) {
        await call((cb) => c.setData(path, data, -1, cb));
        if (counting) ops++;
        if (stop) break;
        await call((cb) => c.getData(path, cb));
        if (counting) ops++;
      }
    });
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    counting = true;
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, durationMs));
    counting = false;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    stop = true;
    await Promise.all(loops);
    return { ops, seconds };
  } finally {
    for (const c of clients) c.close();
  }
}

/**
 * The same workload on zksim: 3 clients, client i pinned to server s(i+1), sequential setData then getData on its own
 * znode, for `simMs` of virtual time after a warm-up. Returns operations, wall seconds and virtual seconds measured.
 */
export async function zksimWorkload(simMs = SIM_MS, seed: string | number = 1): Promise<{ ops: number; seconds: number; simSeconds: number; cpuSeconds: number }> {
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
  await cluster.run(Promise.all(clients.map((c, i) => c.create(`/bench/c${i}`, '0'))));
  const data = 'x'.repeat(16);
  let counting = false;
  let stop = false;
  let ops = 0;
  const loops = clients.map(async (c, i) => {
    const path = `/bench/c${i}`;
    while (!stop) {
      await c.setData(path, data, -1);
      if (counting) ops++;
      if (stop) break;
      await c.getData(path);
      if (counting) ops++;
    }
  });
  await cluster.runFor(SIM_WARMUP_MS);
  counting = true;
  const v0 = cluster.world.now;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await cluster.runFor(simMs);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const simSeconds = (cluster.world.now - v0) / 1000;
  counting = false;
  stop = true;
  await cluster.run(Promise.all(loops));
  return { ops, seconds, simSeconds, cpuSeconds };
}

export async function run(): Promise<Record<string, unknown>> {
  await zksimWorkload(SIM_MS); // warm-up
  const runs: Array<{ ops: number; seconds: number; simSeconds: number; cpuSeconds: number }> = [];
  for (let i = 0; i < SIM_RUNS; i++) runs.push(await zksimWorkload(SIM_MS));
  runs.sort((a, b) => a.ops / a.seconds - b.ops / b.seconds);
  const sim = runs[Math.floor(runs.length / 2)]!;
  const zksimOpsPerSecond = sim.ops / sim.seconds;
  const simulatedSecondsPerWallSecond = sim.simSeconds / sim.seconds;
  const zksim = {
    clients: CLIENTS,
    servers: 3,
    zksimOps: sim.ops,
    zksimWallSeconds: sim.seconds,
    zksimSimulatedSeconds: sim.simSeconds,
    zksimOpsPerSecond,
    zksimOpsPerSecondRuns: runs.map((r) => Math.round(r.ops / r.seconds)).join(' '),
    zksimOpsPerCpuSecond: sim.ops / sim.cpuSeconds,
    simulatedSecondsPerWallSecond,
  };
  if (!realZooKeeperAvailable()) {
    return { ...zksim, realOpsPerSecond: null, ratio: null, note: 'real ZooKeeper not installed (apt-get install -y zookeeper)' };
  }
  const ens = await RealEnsemble.start({ servers: 3, requireHighestLeader: false });
  try {
    const { ops, seconds } = await realWorkload(ens.connectStrings);
    const realOpsPerSecond = ops / seconds;
    return {
      ...zksim,
      realOps: ops,
      realWallSeconds: seconds,
      realOpsPerSecond,
      ratio: zksimOpsPerSecond / realOpsPerSecond,
    };
  } finally {
    await ens.stop();
  }
}
