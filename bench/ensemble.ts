/**
 * Ensemble figure: client operations per wall second for a fault-free 3-server ensemble with 3 clients, each doing
 * sequential setData then getData on its own znode (the whole stack: clients, network, Zab, disks, history).
 *
 * Steady state: the JIT needs a few tens of thousands of ops to settle (the first full-size run is 1.5-2x slower
 * than later ones), so two full-size runs warm up and the median of three measured runs is reported. On a shared
 * machine wall time also counts the time other processes hold the CPU: opsPerCpuSecond is the same figure per
 * second of this process's CPU time (all its threads), which load disturbs much less.
 */
import { Cluster } from '../sim/cluster.js';

interface Measure {
  ops: number;
  wallMs: number;
  cpuMs: number;
  simulatedMs: number;
}

async function measure(opsPerClient: number): Promise<Measure> {
  const cluster = new Cluster({ seed: 'bench-ensemble', servers: 3, clients: 3 });
  if (!(await cluster.ready(60_000))) throw new Error('bench: the ensemble did not elect a leader and connect the clients');
  for (const [i, c] of cluster.clients.entries()) await cluster.run(c.create(`/bench-${i}`, 'x'));
  const simStart = cluster.world.now;
  let done = 0;
  const loops = cluster.clients.map(async (c, i) => {
    for (let k = 0; k < opsPerClient / 2; k++) {
      await c.setData(`/bench-${i}`, `v${k}`);
      await c.getData(`/bench-${i}`);
      done += 2;
    }
  });
  const all = Promise.all(loops);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await cluster.run(all, 10_000_000);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { ops: done, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, simulatedMs: cluster.world.now - simStart };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<Record<string, unknown>> {
  await measure(6000); // warm-up
  await measure(6000);
  const runs = [await measure(6000), await measure(6000), await measure(6000)];
  const perWall = runs.map((r) => (r.ops / r.wallMs) * 1000);
  return {
    opsPerWallSecond: Math.round(median(perWall)),
    opsPerWallSecondRuns: perWall.map((x) => Math.round(x)).join(' '),
    opsPerCpuSecond: Math.round(median(runs.map((r) => (r.ops / r.cpuMs) * 1000))),
    ops: runs[0]!.ops,
    simulatedSecondsPerWallSecond: Math.round(median(runs.map((r) => r.simulatedMs / r.wallMs)) * 100) / 100,
  };
}
