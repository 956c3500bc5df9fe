/**
 * Checker benchmark: every history in ../shared/histories/, check time only (parsing excluded), per group.
 * Porcupine v1.3.0's single-thread figures from ../shared/histories/README.md are the reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHistory } from '../check/codecs.js';
import { pairOperations, type Operation } from '../check/history.js';
import { checkOperations } from '../check/linearizability.js';
import { kvModel } from '../check/models/kv.js';
import { registerModel } from '../check/models/register.js';
import type { Model } from '../check/models/model.js';
import { generateStaleReadHistory } from '../check/gen.js';
import { checkOsc } from '../check/osc.js';

const ROOT = '../shared/histories';
const PORCUPINE_MS = { jepsen: 508, kv: 294 };

interface Group {
  files: number;
  /** Median of 3 runs after one warm-up run, wall clock. */
  ms: number;
  /** The same runs in process CPU time (robust to a loaded machine). */
  cpuMs: number;
  /** The first (cold, JIT-compiling) run, wall clock and CPU. */
  coldMs: number;
  coldCpuMs: number;
  porcupineMs: number;
  ratioToPorcupine: number;
  ratioToPorcupineCpu: number;
  verdictsReproduced: number;
}

export async function run(): Promise<Record<string, unknown>> {
  const expected = (JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as { files: Array<{ file: string; expected: string }> }).files;
  const inputs = expected.map((f) => {
    const group = f.file.startsWith('kv/') ? 'kv' : 'jepsen';
    const ops = pairOperations(parseHistory(readFileSync(join(ROOT, f.file), 'utf8'), f.file));
    const model = (group === 'kv' ? kvModel : registerModel) as unknown as Model<unknown, unknown>;
    return { group: group as 'jepsen' | 'kv', ops, model, expected: f.expected };
  });
  const runOnce = (): Record<'jepsen' | 'kv', { ms: number; cpu: number; ok: number; files: number }> => {
    const acc = { jepsen: { ms: 0, cpu: 0, ok: 0, files: 0 }, kv: { ms: 0, cpu: 0, ok: 0, files: 0 } };
    for (const x of inputs) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = checkOperations(x.model, x.ops as Operation[]);
      const dt = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const g = acc[x.group];
      g.ms += dt;
      g.cpu += (c.user + c.system) / 1000;
      g.files++;
      if (r.verdict === x.expected) g.ok++;
    }
    return acc;
  };
  const cold = runOnce(); // the first run includes JIT compilation (Porcupine's figures are of a compiled Go binary)
  const runs = [runOnce(), runOnce(), runOnce()];
  const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[1]!;
  const out: Record<string, Group | number> = {};
  for (const g of ['jepsen', 'kv'] as const) {
    const ms = median(runs.map((r) => r[g].ms));
    out[g] = {
      files: runs[0]![g].files,
      ms: Math.round(ms * 10) / 10,
      cpuMs: Math.round(median(runs.map((r) => r[g].cpu)) * 10) / 10,
      coldMs: Math.round(cold[g].ms * 10) / 10,
      coldCpuMs: Math.round(cold[g].cpu * 10) / 10,
      porcupineMs: PORCUPINE_MS[g],
      ratioToPorcupine: Math.round((ms / PORCUPINE_MS[g]) * 1000) / 1000,
      ratioToPorcupineCpu: Math.round((median(runs.map((r) => r[g].cpu)) / PORCUPINE_MS[g]) * 1000) / 1000,
      verdictsReproduced: runs[0]![g].ok,
    };
  }
  // Ordered sequential consistency on synthetic ZooKeeper-like histories (stale reads, 20 sessions, latency up to 20).
  for (const [name, zxids] of [['oscNoZxid50k', false], ['oscZxid50k', true]] as const) {
    const h = generateStaleReadHistory({ ops: 50000, sessions: 20, keys: 5, seed: 5, maxLatency: 20, zxids });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = checkOsc(h, { timeoutMs: 120_000 });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    out[name] = { ops: 50000, verdict: r.verdict, ms: Math.round(ms), cpuMs: Math.round((c.user + c.system) / 1000) } as unknown as Group;
  }
  const total = (out.jepsen as Group).ms + (out.kv as Group).ms;
  out.totalMs = Math.round(total * 10) / 10;
  out.totalRatioToPorcupine = Math.round((total / (PORCUPINE_MS.jepsen + PORCUPINE_MS.kv)) * 1000) / 1000;
  return out;
}
