/**
 * zksim as a library: the package's public surface (`import { runSeed, explore } from 'zksim'`). Everything else in
 * the package is internal and may change between versions; the command line (`npx zksim ...`) is the other stable
 * interface, and a run here equals the same run there (same options, same trace hash, same verdicts).
 *
 *   runSeed(seed, options)   one seed, in this thread: a ZooKeeper ensemble under the seed's faults and workload,
 *                            every property checked (`npx zksim run --seed S --json`)
 *   explore(options)         many seeds (`npx zksim explore`): per-seed results and a summary; `out` leaves
 *                            repro.json files that `npx zksim replay` runs
 *   defineScenario(def)      a scripted, narrated scenario (`npx zksim scenario file.js`, scenarios/README.md)
 *
 * A workload is a built-in one by name, the path of a recipe module (as `--workload path.js`), or a recipe factory
 * function: a function runs in this thread only (functions cannot cross to worker threads), and no repro of it can be
 * written (`zksim replay` needs a file to load it from).
 */
import type { Seed } from '../sim/random.js';
import { parseSeed, seedProblem } from '../sim/random.js';
import { explore as exploreSeeds, propertyTable, specOf, type ExploreBase, type SeedResult } from '../explore/engine.js';
import { firstFailure, runData, runSpec } from '../explore/runner.js';
import { saveFailures, type FailureEntry } from '../explore/failures.js';
import { LIBRARY, OptionError, baseFromChoices, checkRecipeSkips, type ConfigChoices } from '../explore/options.js';
import { RecipeError, declaredProperties, loadRecipe, registerRecipe, unregisterRecipe, type RecipeFactory } from '../explore/workloads/module.js';
import type { FaultKind, WORKLOADS } from '../explore/spec.js';
import type { Verdict } from '../explore/verdict.js';

// ------------------------------------------------------------------ for recipe authors

/** What a recipe module default-exports, or what you give as `workload`: a function making a fresh recipe per run. */
export type { RecipeFactory };
/** A recipe: `name`, `step(ctx, session, slot)`, `verdicts(ctx)`, and optionally `setup(ctx)` and `final(ctx, session, slot)`. */
export type { RecipeWorkload } from '../explore/workloads/module.js';
/** What a recipe sees of the run: `now()`, `openSessionIds()`, `schedule(ms, fn)`, `sessions()`. */
export type { RecipeContext } from '../explore/workloads/module.js';
/** One client slot's current session: `slot`, `name` (its process, `c1`, `c1-2` after an expiry...) and `client`. */
export type { Session } from '../explore/cluster.js';
/** A verdict on one property of one run; `ok: null` means not checked (never a pass). */
export type { Verdict };

// ------------------------------------------------------------------ the ZooKeeper client a recipe drives

/** zksim's ZooKeeper client (`session.client`): the Java API's calls as promises, watches as functions. */
export type { ZooKeeperClient, Transaction } from '../core/client/index.js';
export type { WatchedEvent, Watcher, ClientState, DataInput, OpResult, Stat, Data, MultiOp, MultiResult, ReadOp, ReadResult, ACL, Id, ClientInfo } from '../core/client/index.js';
/** Create modes, watch event types and keeper states, as in ZooKeeper's Java API. */
export { CreateMode, EventType, KeeperState, AddWatchMode, WatcherType } from '../core/client/index.js';
/** ACLs: permission bits, ZooDefs.Ids' lists (OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, CREATOR_ALL_ACL, ANYONE_ID_UNSAFE, AUTH_IDS), the digest id of "user:password". */
export { Perms, Ids, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, CREATOR_ALL_ACL, digestOf } from '../core/client/index.js';
/** ZooKeeper's error codes (`Code.NONODE`...), `errorName(code)`, and the error a call rejects with (`e.code`). */
export { Code, ZkError, errorName, errorCode, isOutcomeUnknown, sequenceNumber } from '../core/client/index.js';
export type { CodeName } from '../core/errors.js';
/** A znode's data as text (UTF-8), or null for no data. */
export { dataText } from '../core/client/index.js';

// ------------------------------------------------------------------ for scenario authors

/**
 * A scripted, narrated scenario (`npx zksim scenario file.js`, scenarios/README.md): a module whose default export is
 * `defineScenario({ name, summary, servers?, cluster?, run(s) })`; `runScenario` runs one from code.
 */
export { defineScenario, runScenario, ScenarioFailure, ScenarioSkip, ScenarioDefinitionError } from '../scenarios/api.js';
/** `run(s)`'s `s` (steps, clients, faults, waits, checks), the definition, a run's result, and `s.attempt`'s answer. */
export type { ScenarioContext, ScenarioDef, ScenarioResult, ScenarioRunOptions, Attempt, Check } from '../scenarios/api.js';

// ------------------------------------------------------------------ exploration's configuration

/** The fault kinds the nemesis may use (`faults`). */
export { FAULT_KINDS, WORKLOADS } from '../explore/spec.js';
export type { FaultKind, WorkloadName } from '../explore/spec.js';
export type { Seed };
/** One seed's result in `explore`: its trace hash, first failure, and the properties passed, failed, not checked. */
export type { SeedResult };
/** Where `explore({ out })` wrote a failing seed's repro (and its shrunk repro). */
export type { FailureEntry };

/** The options of one run; each mirrors the CLI option of the same meaning, with the same default. */
export interface RunOptions {
  /** Voting servers, 1 (standalone) to 9 (`--servers`; default 3). */
  servers?: number;
  /** Client sessions, 1 to 20 (`--clients`; default 3). */
  clients?: number;
  /**
   * A built-in workload, `'mixed'` (the seed picks registers, configuration or naming; the default), the path of a
   * recipe module (`--workload path.js`), or a recipe factory function (in this thread only).
   */
  workload?: (typeof WORKLOADS)[number] | 'mixed' | (string & {}) | RecipeFactory;
  /** The fault kinds the nemesis may use, `'all'` (the default) or `'none'` (`--faults`). */
  faults?: readonly FaultKind[] | 'all' | 'none';
  /** A zoo bug switched on in every server (`--bug`, `npx zksim bugs`); also picks its workload, faults and servers unless given. */
  bug?: string;
  /** Virtual ms of the fault phase (`--duration`; default 20,000). */
  durationMs?: number;
  /** Virtual ms of the recovery phase after the last heal (`--recovery`; default 20,000). */
  recoveryMs?: number;
  /** zksim's properties not to check; they are reported as not checked (`--skip-check`). */
  skipChecks?: readonly string[];
  /** zookeeper.extendedTypesEnabled on every server: TTL nodes (`--extended-types`; default false). */
  extendedTypes?: boolean;
  /** znode.container.checkIntervalMs (`--container-check-ms`; default 1000 with extendedTypes, else 60,000). */
  containerCheckMs?: number;
}

/** One run as plain data: what `npx zksim run --json` prints, without its wall-clock time. */
export interface RunResult {
  seed: Seed;
  /** No property failed. */
  ok: boolean;
  /** The hash of the run's trace: the same seed and options give the same hash, here, in a worker or in the CLI. */
  traceHash: string;
  events: number;
  simulatedMs: number;
  historyOps: number;
  servers: number;
  /** The leader's server id at the end, or null. */
  leader: number | null;
  epoch: number;
  /** The workload that ran (`module` for a recipe). */
  workload: string;
  clients: number;
  /** Faults in the schedule. */
  faults: number;
  bugs: string[];
  verdicts: Verdict[];
  /** The first failing verdict, or null. */
  failure: Verdict | null;
}

/** Runs one seed in this thread. Throws an Error naming the option for bad options. */
export async function runSeed(seed: Seed, options: RunOptions = {}): Promise<RunResult> {
  const s = validSeed('runSeed', seed);
  const prep = await prepare('runSeed', options, RUN_KEYS);
  try {
    const spec = specOf(prep.base, s);
    const o = await runSpec(spec);
    return { ...runData(spec, o), failure: firstFailure(o) ?? null };
  } finally {
    prep.release();
  }
}

export interface ExploreOptions extends RunOptions {
  /** The seeds: a list, or an inclusive range of integers. */
  seeds: readonly Seed[] | { from: number; to: number };
  /**
   * Worker threads (default 1: this thread). More than one needs a workload that a worker can load: a built-in one or
   * a module's path, not a function.
   */
  workers?: number;
  /** Stop after this many failing seeds. */
  maxFailures?: number;
  /**
   * A folder for failing seeds' artefacts, as `npx zksim explore --out DIR` writes them: `<seed>/repro.json`
   * (`npx zksim replay DIR/<seed>/repro.json` runs it again), and for the first `artefacts` seeds the history, trace,
   * explanation, story and HTML report. Not with a recipe factory function (no file to replay it from).
   */
  out?: string;
  /** With `out`: full artefacts for at most this many failing seeds, a repro.json alone for the others (default 5). */
  artefacts?: number;
  /** With `out`: shrink the first failing seed into repro-shrunk.json (default false; the CLI shrinks by default). */
  shrink?: boolean;
  /** Called after each seed, in completion order. */
  onResult?: (result: SeedResult, done: number, failures: number) => void;
}

export interface ExploreResult {
  /** No seed failed. */
  ok: boolean;
  /** Per seed, in the order of `seeds` (fewer when `maxFailures` stopped it). */
  results: SeedResult[];
  summary: {
    seeds: number;
    failingSeeds: Seed[];
    /** Per property: seeds that passed, failed (every violated property of a seed counts) or did not check it. */
    properties: Record<string, { passed: number; failed: number; notChecked: number }>;
    /** Seeds per workload. */
    workloads: Record<string, number>;
  };
  /** One per failing seed, with its first failing property; `repro` is null unless `out` was given. */
  failures: Array<FailureEntry & { explanation: string }>;
}

/** Runs many seeds; see ExploreOptions. Throws an Error naming the option for bad options. */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  if (!options || typeof options !== 'object') throw new Error('zksim explore: options must be an object with at least `seeds`');
  const { seeds: seedOption, workers: workersOption, maxFailures, out, artefacts, shrink, onResult, ...runOptions } = options;
  const seeds = validSeeds(seedOption);
  const workers = workersOption === undefined ? 1 : positive('explore', 'workers', workersOption);
  if (maxFailures !== undefined) positive('explore', 'maxFailures', maxFailures);
  if (out !== undefined && (typeof out !== 'string' || out === '')) throw new Error('zksim explore: out must be the path of a folder');
  if (artefacts !== undefined && (typeof artefacts !== 'number' || !Number.isSafeInteger(artefacts) || artefacts < 0)) throw new Error(`zksim explore: artefacts must be a non-negative integer, got ${String(artefacts)}`);
  if (shrink !== undefined && typeof shrink !== 'boolean') throw new Error(`zksim explore: shrink must be true or false, got ${String(shrink)}`);
  if (onResult !== undefined && typeof onResult !== 'function') throw new Error('zksim explore: onResult must be a function');
  if (typeof runOptions.workload === 'function') {
    if (workers > 1) throw new Error('zksim explore: workers: a recipe factory function runs in this thread only; give workers: 1, or the path of a module that default-exports it');
    if (out !== undefined) throw new Error('zksim explore: out: no repro of a recipe factory function can be written (`zksim replay` loads recipes from files); give the path of a module that default-exports it');
  }
  const prep = await prepare('explore', runOptions, EXPLORE_KEYS, options);
  try {
    const run = await exploreSeeds({ base: prep.base, seeds, workers, maxFailures, onResult });
    const saved = out === undefined ? [] : await saveFailures(prep.base, run.results, { out, maxArtefacts: artefacts ?? 5, shrink: shrink ?? false });
    const failing = run.results.filter((r) => r.failure);
    const workloads: Record<string, number> = {};
    for (const r of run.results) workloads[r.workload] = (workloads[r.workload] ?? 0) + 1;
    return {
      ok: failing.length === 0,
      results: run.results,
      summary: { seeds: run.results.length, failingSeeds: failing.map((r) => r.seed), properties: propertyTable(run.results), workloads },
      failures: failing.map((r, i) => ({ ...(saved[i] ?? { seed: r.seed, workload: r.workload, property: r.failure!.property, repro: null }), explanation: r.failure!.explanation })),
    };
  } finally {
    prep.release();
  }
}

// ------------------------------------------------------------------ validation (shared with the CLI: explore/options.ts)

const RUN_KEYS = ['servers', 'clients', 'workload', 'faults', 'bug', 'durationMs', 'recoveryMs', 'skipChecks', 'extendedTypes', 'containerCheckMs'];
const EXPLORE_KEYS = [...RUN_KEYS, 'seeds', 'workers', 'maxFailures', 'out', 'artefacts', 'shrink', 'onResult'];

/** The base config of the options; a recipe factory is registered for the run(s), until release(). */
async function prepare(fn: string, options: RunOptions, known: string[], given: object = options): Promise<{ base: ExploreBase; release(): void }> {
  if (!options || typeof options !== 'object') throw new Error(`zksim ${fn}: options must be an object`);
  for (const k of Object.keys(given)) if (!known.includes(k)) throw new Error(`zksim ${fn}: unknown option '${k}' (known: ${known.join(', ')})`);
  const { workload, ...rest } = options;
  if (workload !== undefined && typeof workload !== 'string' && typeof workload !== 'function') {
    throw new Error(`zksim ${fn}: workload must be a built-in workload's name, 'mixed', the path of a recipe module or a recipe factory function, got ${workload === null ? 'null' : typeof workload}`);
  }
  let key: string | undefined;
  try {
    if (typeof workload === 'function') key = registerRecipe(workload);
    const choices: ConfigChoices = { ...rest, workload: typeof workload === 'string' ? workload : undefined };
    const base = baseFromChoices(choices, LIBRARY, { recipe: key !== undefined });
    if (key !== undefined) {
      base.config.workloadModule = key;
      base.workload = 'module';
    } else if (base.config.workloadModule !== undefined) await loadRecipe(base.config.workloadModule);
    if (base.config.workloadModule !== undefined) checkRecipeSkips(base.config, declaredProperties(base.config.workloadModule));
    return { base, release: () => key !== undefined && unregisterRecipe(key) };
  } catch (e) {
    if (key !== undefined) unregisterRecipe(key);
    if (e instanceof OptionError) throw new Error(`zksim ${fn}: ${named(e.option, e.message)}`);
    if (e instanceof RecipeError) throw new Error(`zksim ${fn}: ${named('workload', e.message)}`);
    throw e;
  }
}

/** The message, led by the option's name unless it already is. */
function named(option: string, message: string): string {
  return message.startsWith(option) ? message : `${option}: ${message}`;
}

function positive(fn: string, option: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new Error(`zksim ${fn}: ${option} must be a positive integer, got ${String(n)}`);
  return n;
}

/** A seed as the CLI reads `--seed`: an integer, or a string (a string of digits is that integer). */
function validSeed(fn: string, seed: unknown): Seed {
  const s = typeof seed === 'string' ? parseSeed(seed) : seed;
  const problem = seedProblem(s);
  if (problem) throw new Error(`zksim ${fn}: ${problem}`);
  return s as Seed;
}

function validSeeds(seeds: unknown): Seed[] {
  if (Array.isArray(seeds)) {
    // no seed would run, and the exploration would pass: a test whose seed list came out empty tests nothing
    if (seeds.length === 0) throw new Error('zksim explore: seeds must not be an empty list');
    return seeds.map((s) => validSeed('explore', s));
  }
  const r = seeds as { from?: unknown; to?: unknown } | undefined;
  if (r && typeof r === 'object' && Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && (r.to as number) >= (r.from as number)) {
    const from = r.from as number;
    const to = r.to as number;
    if (to - from > 10_000_000) throw new Error('zksim explore: seeds: the range is too large');
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  throw new Error('zksim explore: seeds must be a list of seeds or an inclusive range { from, to } of integers with from <= to');
}
