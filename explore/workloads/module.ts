/**
 * Your own recipe as an exploration workload: `zksim explore --workload ./my-recipe.js` runs a JavaScript module
 * (ESM) under the nemesis, over as many seeds as you like, and checks its properties beside ZooKeeper's own
 * (OSC, linearizability, watches, ensemble invariants). The module default-exports a function that makes a fresh
 * RecipeWorkload for each run (a run must not see the state of the one before: runs share a thread):
 *
 *   export default () => ({
 *     name: 'leader-latch',                        // for reports
 *     setup(ctx) { ... },                          // optional: at time 0 (e.g. create parent nodes)
 *     step(ctx, session, slot) { return ...; },    // one planned step of client `slot`: a promise
 *     final(ctx, session, slot) { return ...; },   // optional: after a sync, once the faults have healed
 *     verdicts(ctx) { return [{ property, ok, explanation }]; },  // your properties, after the run
 *     properties: ['my-property'],                 // optional: the names verdicts() uses (for --skip-check)
 *   });
 *
 * Every client runs its steps one after the other, with seeded random gaps (a mean between 100 and 1,000 virtual ms
 * per seed), until the end of the fault phase. `session.client` is zksim's ZooKeeper client (core/client: the Java
 * API's calls as promises, watches as functions); a session that expired is replaced by a new one at the next step.
 * `ctx.now()` is the virtual time, `ctx.openSessionIds()` the sessions still open, `ctx.schedule(ms, fn)` runs `fn`
 * later on virtual time. A step that rejects with a ZooKeeper error (one with a numeric `code`) is an error a client
 * saw, not a failure; any other exception of the recipe's code (a TypeError, an assertion) fails the property
 * `recipe-error`, since faults are often what provokes it, and so does a verdicts() that throws or returns no list of
 * verdicts; a verdict with `ok: false` is a failure too. A step still
 * running at the end of the run, long after the last heal, fails `progress` (a deadlocked recipe); a recipe whose
 * steps may wait for other clients' later steps (a barrier) can turn it off with `--skip-check progress`. Code between awaits must not wait for anything but ZooKeeper replies, watches and ctx.schedule:
 * real timers and I/O would break determinism.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Rng } from '../../sim/random.js';
import { Code } from '../../core/errors.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import type { Verdict } from '../verdict.js';
import { BaseDriver, SESSIONEXPIRED, codeOf, planClients } from './common.js';

export interface RecipeContext {
  /** Virtual ms since the start of the run. */
  now(): number;
  /** Ids of the sessions (all slots) whose client is not closed. */
  openSessionIds(): number[];
  /** Runs `fn` after `ms` virtual ms. */
  schedule(ms: number, fn: () => void): void;
  /** The current session of each client slot. */
  sessions(): readonly Session[];
}

export interface RecipeWorkload {
  name: string;
  setup?(ctx: RecipeContext): void;
  step(ctx: RecipeContext, session: Session, slot: number): Promise<unknown>;
  final?(ctx: RecipeContext, session: Session, slot: number): Promise<unknown>;
  verdicts(ctx: RecipeContext): Verdict[];
  /**
   * The property names verdicts() returns, when declared: `--skip-check` accepts them (a name nobody declared is a
   * typo, refused as bad input), and a verdict under a name not listed fails recipe-error, so the list stays true.
   */
  properties?: readonly string[];
}

/** What a recipe module default-exports. */
export type RecipeFactory = () => RecipeWorkload;

/**
 * Modules loaded so far, by absolute path (a run's driver is made synchronously, after `loadRecipe`), and factories
 * registered as functions (registerRecipe), by their key.
 */
const loaded = new Map<string, RecipeFactory>();

/** A problem with a recipe module (bad input: the CLI exits 2). */
export class RecipeError extends Error {
  override name = 'RecipeError';
}

/** True when a --workload value names a module file rather than a built-in workload. */
export function looksLikeModule(value: string): boolean {
  return /\.(m?js)$/.test(value) || value.includes('/');
}

/** The absolute path of a recipe module; the file must exist. */
export function recipePath(value: string): string {
  const p = isAbsolute(value) ? value : resolve(value);
  if (!existsSync(p)) throw new RecipeError(`workload module ${value} does not exist`);
  return p;
}

/** Imports and checks a recipe module (once per path and thread). */
export async function loadRecipe(path: string): Promise<RecipeFactory> {
  const have = loaded.get(path);
  if (have) return have;
  if (path.startsWith(IN_MEMORY_PREFIX)) throw new RecipeError(`a recipe factory given as a function (${path}) runs only in the thread that registered it, while it is registered`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    const where = e instanceof SyntaxError ? syntaxErrorLine(path) : undefined;
    throw new RecipeError(`workload module ${path} cannot be loaded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}${where ? ` (${where})` : ''}`);
  }
  if (typeof mod.default !== 'function') throw new RecipeError(`workload module ${path} must default-export a function that returns a recipe ({ name, step, verdicts, ... })`);
  const factory = mod.default as RecipeFactory;
  recipeProblem(path, factory); // a trial instance, to report a malformed recipe before any run
  loaded.set(path, factory);
  return factory;
}

/**
 * Where a module's syntax error is: Node's import() names no line for it, `node --check` does (its first line of
 * output, `file:line`). Runs only on that error path.
 */
function syntaxErrorLine(path: string): string | undefined {
  const r = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', timeout: 10_000 });
  const first = (r.stderr ?? '').split('\n')[0]!.trim();
  return /:\d+$/.test(first) ? first.replace(/^file:\/\//, '') : undefined;
}

/**
 * What a recipe threw, for its recipe-error explanation: an Error's name and message and, when its stack passes
 * through the recipe's module, the first such place (`file.js:12:5`); any other value as JSON (not "[object Object]").
 */
export function describeThrown(e: unknown, modulePath: string | undefined): string {
  if (e instanceof Error) {
    // a module: its first frame in the stack; a recipe given as a function (no file): the first frame outside
    // zksim's own code and Node's
    const file = modulePath && !modulePath.startsWith(IN_MEMORY_PREFIX) ? basename(modulePath) : undefined;
    const mine = (l: string): boolean => (file ? l.includes(file) : !ZKSIM_CODE.some((d) => l.includes(d)) && !/\(?node:/.test(l.replace(/^\s+at\s+(?:async\s+)?(?:\S+\s+)?/, '')));
    const frame = (e.stack ?? '').split('\n').find((l) => /^\s+at /.test(l) && mine(l));
    const at = frame ? /([^/\\(\s]+:\d+:\d+)\)?\s*$/.exec(frame)?.[1] : undefined;
    return `${e.name}: ${e.message}${at ? ` (at ${at})` : ''}`;
  }
  if (e !== null && typeof e === 'object') {
    try {
      return `a thrown ${e.constructor?.name ?? 'object'}: ${JSON.stringify(e).slice(0, 200)}`;
    } catch {
      return `a thrown ${e.constructor?.name ?? 'object'}`;
    }
  }
  return `a thrown ${typeof e}: ${String(e)}`;
}

/**
 * The property names a loaded recipe declares (RecipeWorkload.properties), or undefined when it declares none. With
 * 'recipe-error', which every recipe run reports.
 */
export function declaredProperties(path: string): readonly string[] | undefined {
  const factory = loaded.get(path);
  if (!factory) throw new RecipeError(`workload module ${path} is not loaded`);
  const declared = recipeProblem(path, factory).properties;
  return declared === undefined ? undefined : [...declared, 'recipe-error'];
}

/**
 * A recipe factory given as a function (the library's runSeed/explore, api/), not as a module: checked as a module's
 * default export is, then found under the returned key as a module under its path (config.workloadModule), in this
 * thread only. The key ends with `/<recipe name>`, so that reports call the workload `module:<recipe name>`; no
 * file has it, so a repro of such a run cannot be replayed (the library refuses to write one). Unregister it after.
 */
export function registerRecipe(factory: unknown): string {
  if (typeof factory !== 'function') throw new RecipeError(`workload (a recipe factory) must be a function that returns a recipe ({ name, step, verdicts, ... }), got ${factory === null ? 'null' : typeof factory}`);
  const recipe = recipeProblem(IN_MEMORY, factory as RecipeFactory);
  const key = `${IN_MEMORY_PREFIX}${++registered}/${recipe.name}`;
  loaded.set(key, factory as RecipeFactory);
  return key;
}

/** Forgets a factory registered by registerRecipe. */
export function unregisterRecipe(key: string): void {
  if (key.startsWith(IN_MEMORY_PREFIX)) loaded.delete(key);
}

/** zksim's own machinery (dist/<folder>/), as stack frames name it: a frame elsewhere is the user's code. */
const ZKSIM_CODE = ['api', 'bin', 'check', 'cli', 'core', 'explore', 'fidelity', 'files', 'reports', 'scenarios', 'sim'].map((d) => fileURLToPath(new URL(`../../${d}/`, import.meta.url)));

/** ZooKeeper errors that mean the request got no answer. */
const NOT_ANSWERED: ReadonlySet<number> = new Set([Code.CONNECTIONLOSS, Code.OPERATIONTIMEOUT, Code.SESSIONEXPIRED, Code.SESSIONMOVED, Code.REQUESTTIMEOUT]);

const IN_MEMORY = 'in-memory';
const IN_MEMORY_PREFIX = 'in-memory:';
let registered = 0;

/** How messages name a recipe's source: a module by its path, a registered function as the recipe factory. */
function sourceOf(path: string): { what: string; made: string } {
  return path === IN_MEMORY || path.startsWith(IN_MEMORY_PREFIX)
    ? { what: 'workload (a recipe factory)', made: 'it' }
    : { what: `workload module ${path}`, made: 'its default export' };
}

/** Makes a recipe and checks its shape; throws RecipeError when malformed. */
function recipeProblem(path: string, factory: RecipeFactory): RecipeWorkload {
  const { what, made } = sourceOf(path);
  let d: Partial<RecipeWorkload> | undefined;
  try {
    d = factory();
  } catch (e) {
    throw new RecipeError(`${what}: ${made} threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bad = (need: string): never => {
    throw new RecipeError(`${what}: the recipe ${made} returns must have ${need}`);
  };
  if (!d || typeof d !== 'object') bad('name, step and verdicts');
  if (typeof d!.name !== 'string' || !d!.name) bad('a non-empty string "name"');
  if (typeof d!.step !== 'function') bad('a function "step(ctx, session, slot)"');
  if (typeof d!.verdicts !== 'function') bad('a function "verdicts(ctx)"');
  if (d!.setup !== undefined && typeof d!.setup !== 'function') bad('"setup", when given, a function');
  if (d!.final !== undefined && typeof d!.final !== 'function') bad('"final", when given, a function');
  if (d!.properties !== undefined && !(Array.isArray(d!.properties) && d!.properties.every((x) => typeof x === 'string' && x.length > 0))) bad('"properties", when given, a list of non-empty strings');
  return d as RecipeWorkload;
}

/** The plan: every client takes steps with exponential gaps until the end of the fault phase. */
export function planModule(rng: Rng, config: ExploreConfig, clients: number): WorkloadPlan {
  const meanGap = rng.uniform(100, 1000);
  const out = planClients(rng, clients, config.durationMs, 10, () => meanGap, (_c, gap) => ({ gap, op: 'step' }));
  return { name: 'module', keys: 0, clients: out };
}

export class ModuleDriver extends BaseDriver {
  readonly name: string;
  private readonly ctx: RecipeContext;
  /** Exceptions of the recipe's own code (not ZooKeeper errors), with when and where. */
  private readonly recipeErrors: string[] = [];

  constructor(cluster: ExploreCluster, plan: WorkloadPlan, private readonly recipe: RecipeWorkload) {
    super(cluster, plan);
    this.name = recipe.name;
    this.ctx = {
      now: () => this.world.now,
      openSessionIds: () => [...this.cluster.openSessionIds()],
      schedule: (ms, fn) => void this.world.schedule(ms, `${recipe.name}: scheduled`, () => this.guard('a scheduled function', fn)),
      sessions: () => this.cluster.sessions,
    };
  }

  /** Runs recipe code that returns nothing (setup, scheduled functions): a throw is the recipe's own error (recipe-error). */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.recipeError(what, e);
    }
    this.world.wakeUser(); // let continuations of what fn started run before the next event
  }

  protected override onStart(): void {
    // a watcher is the recipe's code too: an assertion in it must fail the run, not vanish into watcherErrors
    this.cluster.onWatcherError = (name, e) => this.recipeError(`a watcher of ${name}`, e);
    if (this.recipe.setup) this.guard('setup', () => this.recipe.setup!(this.ctx));
  }

  private recipeError(what: string, e: unknown): void {
    this.recipeErrors.push(`at ${this.world.now} ms, ${what}: ${describeThrown(e, this.cluster.config.workloadModule)}`);
  }

  /** A mistake of the recipe's that is not an exception (what verdicts() returned): recipe-error, like one. */
  private recipeMistake(what: string): void {
    this.recipeErrors.push(`at the end of the run, ${what}`);
  }

  /**
   * Calls recipe code that returns a promise: a synchronous throw becomes a rejection, the world settles what it
   * started, and a rejection that is not a ZooKeeper error (no numeric code) is recorded as the recipe's own.
   */
  private callRecipe(what: string, s: Session, fn: () => Promise<unknown>): Promise<unknown> {
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(fn());
    } catch (e) {
      p = Promise.reject(e);
    }
    this.world.wakeUser();
    return p.catch((e) => {
      if (codeOf(e) === 0) this.recipeError(`${what} (${s.name})`, e);
      else if (codeOf(e) === SESSIONEXPIRED) this.noteError(s, e);
      throw e;
    });
  }

  protected perform(slot: number, _op: PlannedOp, s: Session): Promise<unknown> {
    return this.callRecipe(`step of c${slot + 1}`, s, () => this.recipe.step(this.ctx, s, slot));
  }

  protected finalRead(slot: number, s: Session): Promise<unknown> {
    const final = this.recipe.final;
    if (!final) return s.client.exists('/');
    return this.callRecipe(`final of c${slot + 1}`, s, () => final.call(this.recipe, this.ctx, s, slot));
  }

  /**
   * What a recipe's step still running at the end waits for, as far as zksim can tell: inside the simulation only
   * ZooKeeper replies, watches and ctx.schedule ever complete (a real timer or I/O never does during a run).
   */
  protected override waitingFor(_slot: number): string | undefined {
    return "the recipe's step (a ZooKeeper reply, a watch or ctx.schedule that never came, or a real timer or I/O, which never completes inside the simulation)";
  }

  /**
   * A recipe's final is tried again only while the ensemble did not answer (the connection lost, the session expired
   * or moved, a timeout): the sync before it went through, so any other ZooKeeper error is an answer the recipe got,
   * for its verdicts to judge, and any other exception was recorded as recipe-error. Either way the slot was served:
   * running a final with effects again and again would repeat them, and `recovery` would blame the ensemble.
   */
  protected override retryFinal(e: unknown): boolean {
    return NOT_ANSWERED.has(codeOf(e));
  }

  /**
   * The recipe's verdicts, a `not checked` one for each declared property it gave none for, then recipe-error. A
   * verdicts() that throws or returns something else than a list of verdicts is the recipe's own error, like a
   * step that throws: it fails recipe-error (it must not read as a pass with the recipe's properties gone).
   */
  override verdicts(): Verdict[] {
    const own = this.recipeVerdicts();
    const given = new Set(own.map((v) => v.property));
    const missing: Verdict[] = (this.recipe.properties ?? [])
      .filter((p, i, all) => p !== 'recipe-error' && !given.has(p) && all.indexOf(p) === i)
      .map((p) => ({ property: p, ok: null, explanation: "not checked: the recipe's verdicts() gave no verdict under this declared property" }));
    const n = this.recipeErrors.length;
    const errors: Verdict = n
      ? { property: 'recipe-error', ok: false, explanation: `the recipe's code failed ${n} time(s): ${this.recipeErrors.slice(0, 3).join('; ')}${n > 3 ? '; ...' : ''}` }
      : { property: 'recipe-error', ok: true, explanation: "the recipe's code threw nothing but ZooKeeper errors" };
    return [...own, ...missing, errors];
  }

  private recipeVerdicts(): Verdict[] {
    let vs: unknown;
    try {
      vs = this.recipe.verdicts(this.ctx);
    } catch (e) {
      this.recipeError('verdicts()', e);
      return [];
    }
    if (!Array.isArray(vs)) {
      this.recipeMistake(`verdicts() returned ${vs === null ? 'null' : typeof vs}, not a list of verdicts`);
      return [];
    }
    const out: Verdict[] = [];
    const declared = this.recipe.properties;
    for (const v of vs as Array<Partial<Verdict>>) {
      if (!v || typeof v.property !== 'string' || !v.property || !(v.ok === true || v.ok === false || v.ok === null) || typeof v.explanation !== 'string') {
        this.recipeMistake(`verdicts() returned ${JSON.stringify(v)?.slice(0, 120)}: a verdict needs property (a non-empty string), ok (true, false or null) and explanation (a string)`);
        continue;
      }
      if (declared && !declared.includes(v.property)) {
        this.recipeMistake(`verdict '${v.property}' is not among the recipe's declared properties (${declared.join(', ')})`);
      }
      out.push({ property: v.property, ok: v.ok, explanation: v.explanation });
    }
    return out;
  }

  /** A fresh recipe for one run, from the module of `config` (loadRecipe must have run in this thread). */
  static recipeOf(config: ExploreConfig): RecipeWorkload {
    const path = config.workloadModule ?? '(none)';
    const factory = loaded.get(path);
    if (!factory) throw new RecipeError(`workload module ${path} is not loaded`);
    return recipeProblem(path, factory);
  }
}
