/**
 * A storm: an ensemble with clients doing a random workload under a seeded schedule of faults (crashes and
 * restarts, partitions, an isolated leader, server and client pauses). Not a teaching scenario: it feeds the report
 * with a long, busy run (the browser test and the report-size measurement use it). Deterministic per seed.
 */
import { Cluster } from '../sim/cluster.js';
import type { Seed } from '../sim/random.js';
import type { TraceEvent } from '../sim/trace.js';
import type { HistoryEvent } from '../check/history.js';
import { CreateMode, type ZooKeeperClient } from '../core/client/index.js';

export interface StormOptions {
  seed: Seed;
  servers?: number;
  clients?: number;
  durationMs?: number;
  /** Mean time between faults (ms). */
  faultEveryMs?: number;
}

export interface StormResult {
  trace: TraceEvent[];
  history: HistoryEvent[];
  traceHash: string;
  faults: number;
  virtualMs: number;
  cluster: Cluster;
}

export async function runStorm(opts: StormOptions): Promise<StormResult> {
  const servers = opts.servers ?? 5;
  const nClients = opts.clients ?? 5;
  const duration = opts.durationMs ?? 60_000;
  const cluster = new Cluster({ seed: opts.seed, servers, recordTrace: true, tickTime: 500, sessionTimeoutMs: 4_000 });
  const world = cluster.world;
  const names = cluster.serverNames;
  const clients: ZooKeeperClient[] = [];
  for (let i = 1; i <= nClients; i++) clients.push(cluster.client(`c${i}`));
  const stopAt = duration - 3_000;

  // ---- workload: each client loops over random operations on a few znodes, with think time.
  const loop = async (c: ZooKeeperClient, i: number): Promise<void> => {
    const rng = world.rng(`storm:client:${i}`);
    let n = 0;
    while (world.now < stopAt && c.state !== 'CLOSED') {
      const key = `/k${rng.int(0, 4)}`;
      const p = rng.next();
      try {
        if (p < 0.15) await c.create(key, `c${i}:${n++}`);
        else if (p < 0.45) await c.setData(key, `c${i}:${n++}`);
        else if (p < 0.75) await c.getData(key, rng.bernoulli(0.2));
        else if (p < 0.85) await c.exists(key);
        else if (p < 0.9) await c.delete(key);
        else if (p < 0.95) await c.sync(key);
        else await c.create(`/e-c${i}-`, null, CreateMode.EPHEMERAL_SEQUENTIAL);
      } catch {
        // Failures and unknown outcomes are in the history.
      }
      await cluster.sleep(rng.int(20, 400));
    }
  };
  const loops = clients.map((c, i) => loop(c, i + 1));

  // ---- faults, every one healed before the end.
  const f = world.rng('storm:faults');
  let faults = 0;
  const every = opts.faultEveryMs ?? 4_000;
  for (let t = f.int(2_000, 4_000); t < stopAt - 6_000; t += f.int(every / 2, (every * 3) / 2)) {
    world.schedule(t - world.now, 'storm fault', () => {
      faults++;
      const kind = f.int(0, 6);
      const heal = f.int(1_500, 5_000);
      const victim = f.choice(names);
      switch (kind) {
        case 0:
          if (!world.isUp(victim)) return;
          world.crash(victim, { tornTail: f.bernoulli(0.3) });
          world.schedule(heal, 'storm restart', () => world.restart(victim));
          return;
        case 1: {
          const minority = f.shuffle(names).slice(0, Math.floor(servers / 2));
          world.net.partition([minority, names.filter((n) => !minority.includes(n))]);
          world.schedule(heal, 'storm heal', () => world.net.heal());
          return;
        }
        case 2: {
          const l = cluster.leader();
          if (l === null) return;
          world.net.partition([[`s${l}`], names.filter((n) => n !== `s${l}`)]);
          world.schedule(heal, 'storm heal', () => world.net.heal());
          return;
        }
        case 3:
          world.pause(victim);
          world.schedule(Math.min(heal, 2_500), 'storm resume', () => world.resume(victim));
          return;
        case 4: {
          const to = f.choice(names.filter((n) => n !== victim));
          world.net.cutOneWay(victim, to);
          world.schedule(heal, 'storm heal', () => world.net.heal());
          return;
        }
        default: {
          const c = f.choice(cluster.clientNames);
          world.pause(c);
          world.schedule(f.int(1_000, 6_000), 'storm resume', () => world.resume(c));
          return;
        }
      }
    });
  }
  await cluster.runFor(duration);
  void Promise.allSettled(loops);
  return { trace: world.trace, history: cluster.history.events, traceHash: world.traceHash, faults, virtualMs: world.now, cluster };
}
