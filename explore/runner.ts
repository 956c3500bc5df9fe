/**
 * One exploration run: runSpec(spec) → trace hash, history, verdicts. A pure function of the spec (seed, config,
 * explicit schedule, explicit workload): running the same spec again, in any thread, gives the same trace hash.
 *
 * Timeline: servers and clients start at 0; the workload runs and the nemesis injects faults until
 * config.durationMs (every fault healed by then); the recovery phase lasts config.recoveryMs: halfway through it
 * every client slot syncs and reads once (retrying until the end), and at the end the ensemble must have a leader
 * and every slot must have been served.
 */
import { LivelockError } from '../sim/world.js';
import type { TraceEvent } from '../sim/trace.js';
import type { Seed } from '../sim/random.js';
import type { HistoryEvent } from '../check/history.js';
import { ExploreCluster } from './cluster.js';
import { Nemesis, generateSchedule } from './nemesis.js';
import { createDriver, planWorkload } from './workloads/index.js';
import { loadRecipe } from './workloads/module.js';
import { checkerAvailable, loadCheckers, runAllChecks } from './checks.js';
import type { ExploreConfig, RunSpec } from './spec.js';
import type { Verdict } from './verdict.js';
import { failed } from './verdict.js';
import { checkProgress } from './progress.js';

export interface RunOutcome {
  seed: Seed;
  traceHash: string;
  events: number;
  simulatedMs: number;
  servers: number;
  leader: string | null;
  epoch: number;
  historyOps: number;
  faults: number;
  /** Per client, the virtual times at which its planned operations started (the shrinker drops the others). */
  opsStarted: number[][];
  verdicts: Verdict[];
  history?: HistoryEvent[];
  trace?: TraceEvent[];
}

/** The spec of a seed: the schedule and the workload generated from it. */
export function specForSeed(seed: Seed, config: ExploreConfig): RunSpec {
  return { seed, config, schedule: generateSchedule(seed, config), workload: planWorkload(seed, config) };
}

export interface RunOptions {
  /** Keep the trace (artefacts). */
  recordTrace?: boolean;
  /** Return the history. */
  keepHistory?: boolean;
  maxEvents?: number;
}

/** The properties whose checkers read the servers' trace (explore/checks.ts). */
const TRACE_READERS = ['ensemble', 'osc', 'linearizable', 'watches'] as const;

export async function runSpec(spec: RunSpec, opts: RunOptions = {}): Promise<RunOutcome> {
  await loadCheckers();
  const config = spec.config;
  if (config.workload === 'module') await loadRecipe(config.workloadModule ?? '');
  // Checkers that read the trace: ensemble (its invariants), osc (the sessions' closes and the container manager's
  // deletes, without which it may fail a correct run), linearizable (those deletes) and watches (both, for the order
  // of events that they cause). Keep it while one of them runs.
  const skipped = config.skipChecks ?? [];
  const traceForChecks = TRACE_READERS.some((name) => (name === 'linearizable' || checkerAvailable(name)) && !skipped.includes(name));
  const cluster = new ExploreCluster(spec.seed, config, spec.workload.clients.length, {
    recordTrace: opts.recordTrace || config.recordTrace || traceForChecks,
    // checks alone read only what the roles and the world note; a kept trace (artefacts, reports) has everything
    traceDetail: opts.recordTrace || config.recordTrace ? 'all' : 'protocol',
    maxEvents: opts.maxEvents ?? 20_000_000,
  });
  const world = cluster.world;
  const nemesis = new Nemesis(
    { world, servers: cluster.servers, clients: () => cluster.clientProcs, leader: () => cluster.leader() },
    spec.schedule,
  );
  const driver = createDriver(cluster, spec.workload);
  const faultEnd = Math.max(config.durationMs, nemesis.lastHeal());
  const finalAt = faultEnd + Math.floor(config.recoveryMs / 2);
  const end = faultEnd + config.recoveryMs;
  let leaderAtFinal: string | null = null;

  nemesis.install();
  world.schedule(0, 'workload start', () => driver.start());
  world.schedule(faultEnd, 'workload stop', () => driver.stop());
  world.schedule(finalAt, 'recovery round', () => {
    leaderAtFinal = cluster.leader();
    world.note('recovery-check', { leader: leaderAtFinal, states: cluster.states() });
    driver.final();
  });

  const verdicts: Verdict[] = [];
  let crashed: Verdict | null = null;
  try {
    await world.runAsync(end);
  } catch (e) {
    const what = e instanceof LivelockError ? 'livelock' : 'exception';
    const msg = e instanceof Error ? `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}` : String(e);
    crashed = { property: 'no-exception', ok: false, explanation: `${what} at virtual time ${world.now}ms: ${msg}` };
  }
  if (crashed) verdicts.push(crashed);
  else verdicts.push({ property: 'no-exception', ok: true, explanation: 'no role threw and the run settled' });

  const history = cluster.history.events;
  if (!crashed) {
    // Recovery: a leader at the end, every slot served after the last heal.
    const leader = cluster.leader();
    const finals = driver.finalStatus();
    const unserved = finals.filter((f) => !f.served);
    const problems: string[] = [];
    if (!leader) problems.push(`no serving leader ${config.recoveryMs}ms after the last heal (${cluster.states()})`);
    for (const u of unserved) problems.push(`${u.name} not served within ${end - finalAt}ms of the recovery round (${u.error ?? '?'})`);
    verdicts.push(
      problems.length
        ? { property: 'recovery', ok: false, explanation: problems.join('; ') }
        : { property: 'recovery', ok: true, explanation: `leader ${leader}, ${finals.length} client slot(s) served after the last heal` },
    );
    verdicts.push(...driver.verdicts());
    verdicts.push(checkProgress(driver.inFlight(), { healedAt: faultEnd, end: world.now, sessionTimeoutMs: config.sessionTimeoutMs, tickTime: config.tickTime }));
    const internal = (driver as { internalErrors?: string[] }).internalErrors ?? [];
    if (internal.length) verdicts.push({ property: 'harness', ok: null, explanation: `workload code errors (not a ZooKeeper verdict): ${internal.slice(0, 3).join('; ')}` });
  }
  verdicts.push(...runAllChecks({ history, trace: world.recordTrace ? world.trace : undefined, servers: config.servers, workload: spec.workload.name, skip: config.skipChecks ?? [] }));
  const skip = new Set(config.skipChecks ?? []);
  for (let i = 0; i < verdicts.length; i++) {
    if (skip.has(verdicts[i]!.property) && verdicts[i]!.ok !== null) verdicts[i] = { property: verdicts[i]!.property, ok: null, explanation: 'not checked: skipped (--skip-check)' };
  }

  const out: RunOutcome = {
    seed: spec.seed,
    traceHash: world.traceHash,
    events: world.eventCount,
    simulatedMs: world.now,
    servers: config.servers,
    leader: cluster.leader(),
    epoch: cluster.epoch(),
    historyOps: history.filter((e) => e.kind === 'invoke').length,
    faults: spec.schedule.length,
    opsStarted: driver.started(),
    verdicts,
  };
  if (opts.keepHistory) out.history = history;
  if (opts.recordTrace ?? config.recordTrace) out.trace = world.trace;
  return out;
}

/** The first failing verdict of an outcome, if any. */
export function firstFailure(o: RunOutcome): Verdict | undefined {
  return failed(o.verdicts);
}

/**
 * A run as plain data: what `zksim run --json` prints, but for its wall-clock time (so the same spec gives equal
 * data). `leader` is the leader's server id.
 */
export function runData(spec: RunSpec, o: RunOutcome) {
  return {
    seed: spec.seed,
    traceHash: o.traceHash,
    events: o.events,
    simulatedMs: o.simulatedMs,
    historyOps: o.historyOps,
    servers: o.servers,
    leader: o.leader === null ? null : Number(o.leader.slice(1)),
    epoch: o.epoch,
    workload: spec.workload.name,
    clients: spec.workload.clients.length,
    faults: o.faults,
    bugs: spec.config.bugs,
    ok: !o.verdicts.some((v) => v.ok === false),
    verdicts: o.verdicts.map((v) => ({ property: v.property, ok: v.ok, explanation: v.explanation })),
  };
}

/** runSeed(seed, config): the schedule and workload generated from the seed, then run (see runSpec). */
export async function runSeed(seed: Seed, config: ExploreConfig, opts: RunOptions = {}): Promise<RunOutcome> {
  return runSpec(specForSeed(seed, config), opts);
}
