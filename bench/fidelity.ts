/**
 * bench part `fidelity`: the same fault-free workload on the real 3-node ZooKeeper (loopback, Debian package) and
 * on zksim — 3 clients, each on its own server, sequential setData then getData on its own znode.
 * Real side: operations per wall second. The zksim side (zksimOpsPerSecond, simulated seconds per wall second,
 * ratio) is added when the simulator's client is wired in; until then those figures are null.
 */
import { createRequire } from 'node:module';
import { RealEnsemble, realZooKeeperAvailable } from '../fidelity/realzk.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zookeeper: any = require('node-zookeeper-client');

const CLIENTS = 3;
const DURATION_MS = Number(process.env.ZKSIM_BENCH_FIDELITY_MS ?? 4000);
const WARMUP_MS = 500;

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

export async function run(): Promise<Record<string, unknown>> {
  if (!realZooKeeperAvailable()) {
    return { realOpsPerSecond: null, zksimOpsPerSecond: null, ratio: null, note: 'real ZooKeeper not installed (apt-get install -y zookeeper)' };
  }
  const ens = await RealEnsemble.start({ servers: 3, requireHighestLeader: false });
  try {
    const { ops, seconds } = await realWorkload(ens.connectStrings);
    const realOpsPerSecond = ops / seconds;
    return {
      clients: CLIENTS,
      servers: 3,
      realOps: ops,
      realWallSeconds: seconds,
      realOpsPerSecond,
      // zksim side: added by the lead once the simulated client exists
      zksimOpsPerSecond: null,
      zksimSimSecondsPerWallSecond: null,
      ratio: null,
    };
  } finally {
    await ens.stop();
  }
}
