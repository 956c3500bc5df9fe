/**
 * The scenario API: small, deterministic, narrated scripts over the Cluster harness (sim/cluster.ts).
 *
 *   export default defineScenario({
 *     name: 'quorum-write',
 *     summary: 'a write commits once a quorum has logged it',
 *     servers: 3,
 *     async run(s) {
 *       await s.step('elect a leader');
 *       const leader = await s.waitForLeader();
 *       const c1 = s.client('c1');
 *       await s.waitConnected(c1);
 *       await s.step('write');
 *       await s.ok(c1.create('/a', 'x'));
 *       s.check(true, 'the write committed');
 *     },
 *   });
 *
 * `runScenario(def, {seed})` runs it on virtual time (same seed, same trace hash) and returns the verdict, the
 * trace and the history (for reports); a definition that cannot run (scenarioProblem) throws ScenarioDefinitionError. Narration is derived from the trace (narrate.ts).
 */
import { Cluster, type ClusterOptions, type ClientOptions } from '../sim/cluster.js';
import type { World } from '../sim/world.js';
import type { Seed } from '../sim/random.js';
import type { TraceEvent } from '../sim/trace.js';
import type { HistoryEvent } from '../check/history.js';
import { ZooKeeperClient, dataText, type Stat } from '../core/client/index.js';
import type { Counterexample } from '../reports/model.js';
import { Narrator, makeChalk } from './narrate.js';
import { seedProblem } from '../sim/random.js';
import { SERVER_BUGS } from '../core/server/index.js';
import type { ChalkInstance } from 'chalk';

export interface ScenarioDef {
  name: string;
  /** One line for `zksim scenario --list`. */
  summary: string;
  /** Voting servers (default 3). */
  servers?: number;
  /** The seed used when none is given (default 1). */
  seed?: Seed;
  /** Extra cluster options (tickTime, bugs, session timeout...). */
  cluster?: Omit<ClusterOptions, 'seed' | 'servers' | 'recordTrace'>;
  run(s: ScenarioContext): Promise<void>;
}

export function defineScenario(def: ScenarioDef): ScenarioDef {
  return def;
}

/** A scenario definition that cannot run (servers: 0, an unknown cluster option...): runScenario throws it. */
export class ScenarioDefinitionError extends Error {
  override name = 'ScenarioDefinitionError';
}

/** Voting servers and observers a scenario may have (as `zksim explore --servers`), and clients added at once. */
export const MAX_SCENARIO_SERVERS = 9;
export const MAX_SCENARIO_OBSERVERS = 9;
export const MAX_SCENARIO_CLIENTS = 20;
/** The longest time option (tickTime, session timeouts, container checks): one virtual hour. */
const MAX_MS = 3_600_000;

const CLUSTER_OPTIONS = ['observers', 'tickTime', 'initLimit', 'syncLimit', 'minSessionTimeout', 'maxSessionTimeout', 'snapCount', 'bugs', 'extendedTypesEnabled', 'containerCheckIntervalMs', 'traceDetail', 'latency', 'maxEvents', 'sessionTimeoutMs', 'clients'] as const;

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * What is wrong with a scenario definition, in one line naming the option, or null when it can run. Checked before
 * the run (a bad number of servers or a typo in a cluster option is bad input, not a failed scenario).
 */
export function scenarioProblem(def: unknown): string | null {
  if (!def || typeof def !== 'object') return 'a scenario must be an object: defineScenario({ name, summary, run })';
  const d = def as Record<string, unknown>;
  if (typeof d.name !== 'string' || d.name.trim() === '') return `a scenario needs a name (a non-empty string), got ${show(d.name)}`;
  const where = `scenario '${d.name}'`;
  if (typeof d.summary !== 'string') return `${where}: summary must be a string (one line for --list), got ${show(d.summary)}`;
  if (/\n/.test(d.summary)) return `${where}: summary must be one line`;
  if (typeof d.run !== 'function') return `${where}: run must be a function (async run(s) { ... })`;
  const int = (what: string, v: unknown, min: number, max: number): string | null =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? null : `${where}: ${what} must be an integer from ${min} to ${max}, got ${show(v)}`;
  if (d.servers !== undefined) {
    const p = int('servers', d.servers, 1, MAX_SCENARIO_SERVERS);
    if (p) return p;
  }
  if (d.seed !== undefined) {
    const p = seedProblem(d.seed);
    if (p) return `${where}: ${p}`;
  }
  if (d.cluster === undefined) return null;
  if (!d.cluster || typeof d.cluster !== 'object' || Array.isArray(d.cluster)) return `${where}: cluster must be an object of cluster options, got ${show(d.cluster)}`;
  const c = d.cluster as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (k === 'servers' || k === 'seed') return `${where}: set ${k} at the top of the scenario, not in cluster`;
    if (k === 'recordTrace') return `${where}: cluster.recordTrace is always on for a scenario (its narration reads the trace)`;
    if (!(CLUSTER_OPTIONS as readonly string[]).includes(k)) return `${where}: unknown cluster option '${k}' (known: ${CLUSTER_OPTIONS.join(', ')})`;
  }
  const checks: Array<[string, number, number]> = [
    ['observers', 0, MAX_SCENARIO_OBSERVERS],
    ['clients', 0, MAX_SCENARIO_CLIENTS],
    ['tickTime', 1, 60_000],
    ['initLimit', 1, 1000],
    ['syncLimit', 1, 1000],
    ['minSessionTimeout', 1, MAX_MS],
    ['maxSessionTimeout', 1, MAX_MS],
    ['sessionTimeoutMs', 1, MAX_MS],
    ['containerCheckIntervalMs', 1, MAX_MS],
    ['snapCount', 2, 100_000_000],
    ['maxEvents', 1, 1_000_000_000],
  ];
  for (const [k, min, max] of checks) {
    if (c[k] === undefined) continue;
    const p = int(`cluster.${k}`, c[k], min, max);
    if (p) return p;
  }
  if (typeof c.minSessionTimeout === 'number' && typeof c.maxSessionTimeout === 'number' && c.minSessionTimeout > c.maxSessionTimeout) {
    return `${where}: cluster.minSessionTimeout (${c.minSessionTimeout}) must not exceed cluster.maxSessionTimeout (${c.maxSessionTimeout})`;
  }
  if (c.bugs !== undefined) {
    if (!Array.isArray(c.bugs)) return `${where}: cluster.bugs must be a list of bug names, got ${show(c.bugs)}`;
    for (const b of c.bugs as unknown[]) {
      if (!(SERVER_BUGS as readonly unknown[]).includes(b)) return `${where}: unknown bug ${show(b)} in cluster.bugs (known: ${SERVER_BUGS.join(', ')})`;
    }
  }
  if (c.extendedTypesEnabled !== undefined && typeof c.extendedTypesEnabled !== 'boolean') return `${where}: cluster.extendedTypesEnabled must be true or false, got ${show(c.extendedTypesEnabled)}`;
  if (c.traceDetail !== undefined && c.traceDetail !== 'all') return `${where}: cluster.traceDetail must be 'all' for a scenario (its narration reads the messages), got ${show(c.traceDetail)}`;
  if (c.latency !== undefined) {
    const l = c.latency as Record<string, unknown> | null;
    const ms = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 60_000;
    if (!l || typeof l !== 'object' || !ms(l.min) || !ms(l.max) || (l.min as number) > (l.max as number)) return `${where}: cluster.latency must be { min, max } in ms, 0 <= min <= max <= 60000`;
    if (l.tail !== undefined && !(typeof l.tail === 'number' && l.tail >= 0 && l.tail <= 1)) return `${where}: cluster.latency.tail must be a probability from 0 to 1, got ${show(l.tail)}`;
  }
  return null;
}

/** An assertion of the scenario failed. */
export class ScenarioFailure extends Error {
  override name = 'ScenarioFailure';
}
/** The scenario cannot run here (a missing part); counted as skipped, never as passed. */
export class ScenarioSkip extends Error {
  override name = 'ScenarioSkip';
}

export interface Check {
  ok: boolean;
  text: string;
  t: number;
  /** Index of the step it belongs to (0-based; -1 before the first step). */
  step: number;
}

export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; code: string; error: unknown; pending: boolean };

export interface ScenarioRunOptions {
  seed?: Seed;
  /** Where narration lines go (default: nowhere). */
  narrate?: (line: string) => void;
  /** Colour for narration: true/false, or undefined for chalk's detection (NO_COLOR is always honoured). */
  color?: boolean;
  verbose?: boolean;
  /** Called before each step (after narrating everything so far); `--step` waits for Enter here. */
  onStep?: (index: number, title: string) => Promise<void> | void;
}

export interface ScenarioResult {
  name: string;
  seed: Seed;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  message?: string;
  checks: Check[];
  steps: string[];
  /** Virtual time at which each step began. */
  stepTimes: number[];
  traceHash: string;
  virtualMs: number;
  events: number;
  trace: TraceEvent[];
  history: HistoryEvent[];
  counterexample?: Counterexample;
}

export class ScenarioContext {
  readonly cluster: Cluster;
  readonly world: World;
  readonly checks: Check[] = [];
  readonly steps: string[] = [];
  /** Virtual time at which each step began. */
  readonly stepTimes: number[] = [];
  counterexample: Counterexample | undefined;
  private readonly narrator: Narrator;
  private readonly out: ((line: string) => void) | undefined;
  private readonly c: ChalkInstance;
  private traceSeen = 0;
  private historySeen = 0;

  constructor(
    readonly def: ScenarioDef,
    readonly seed: Seed,
    private readonly opts: ScenarioRunOptions,
  ) {
    this.cluster = new Cluster({ ...(def.cluster ?? {}), seed, servers: def.servers ?? 3, recordTrace: true });
    this.world = this.cluster.world;
    this.c = makeChalk(opts.color);
    this.narrator = new Narrator({ chalk: this.c, verbose: opts.verbose ?? false });
    this.out = opts.narrate;
  }

  // ---------------------------------------------------------------- narration

  /** Prints what happened since the last flush. */
  flush(): void {
    const trace = this.world.trace;
    const history = this.cluster.history.events;
    if (this.out) {
      for (const line of this.narrator.narrate(trace.slice(this.traceSeen), history.slice(this.historySeen))) this.out(line);
    }
    this.traceSeen = trace.length;
    this.historySeen = history.length;
  }

  /** A new step of the story: narrates what happened so far, prints the heading (and waits, with --step). */
  async step(title: string): Promise<void> {
    this.flush();
    this.steps.push(title);
    this.stepTimes.push(this.world.now);
    if (this.out) {
      this.out('');
      const l = this.leader();
      const who = l ? `${l} leads epoch ${this.epoch(l)}` : 'no leader';
      this.out(this.c.bold.underline(`Step ${this.steps.length}: ${title}`) + this.c.gray(`  (t=${this.world.now} ms, ${who})`));
    }
    await this.opts.onStep?.(this.steps.length, title);
  }

  /** Explanation for the reader. */
  say(text: string): void {
    this.flush();
    if (this.out) for (const line of text.split('\n')) this.out(this.c.italic.gray('  » ' + line));
  }

  // ---------------------------------------------------------------- the cluster

  get servers(): string[] {
    return this.cluster.serverNames;
  }

  client(name: string, opts: ClientOptions = {}): ZooKeeperClient {
    return this.cluster.client(name, opts);
  }

  /** The leading server's name, or null. */
  leader(): string | null {
    const id = this.cluster.leader();
    return id === null ? null : `s${id}`;
  }

  /** The server's epoch (currentEpoch), or -1 while it is down. */
  epoch(server: string): number {
    return this.cluster.server(server)?.epoch ?? -1;
  }

  role(server: string): string {
    return this.cluster.serverState(server);
  }

  followers(): string[] {
    return this.servers.filter((n) => this.cluster.serverState(n) === 'FOLLOWING');
  }

  // ---------------------------------------------------------------- time and waiting

  async runFor(ms: number): Promise<void> {
    await this.cluster.runFor(ms);
    this.flush();
  }

  /** Runs until `pred` holds; a failure of the scenario if it does not within maxMs of virtual time. */
  async waitFor(what: string, pred: () => boolean, maxMs = 60_000): Promise<void> {
    const ok = await this.cluster.until(pred, maxMs);
    this.flush();
    if (!ok) throw new ScenarioFailure(`timed out after ${maxMs} ms of virtual time waiting for: ${what}`);
  }

  /** Waits until exactly one server leads and a quorum follows it; returns its name. */
  async waitForLeader(maxMs = 60_000, opts: { not?: string } = {}): Promise<string> {
    await this.waitFor(
      opts.not ? `a leader other than ${opts.not}` : 'a leader',
      () => {
        const l = this.leader();
        if (l === null || l === opts.not) return false;
        const srv = this.cluster.server(l)!;
        // Leading in broadcast phase with a quorum of followers in the same epoch.
        const followers = this.servers.filter((n) => {
          const s = this.cluster.server(n);
          return s && s.state === 'FOLLOWING' && s.leaderId === srv.myId && s.serving;
        });
        return srv.serving && followers.length + 1 >= srv.quorumSize;
      },
      maxMs,
    );
    return this.leader()!;
  }

  async waitConnected(client: ZooKeeperClient, maxMs = 60_000): Promise<void> {
    await this.waitFor(`${String(client.process)} connected`, () => client.state === 'CONNECTED' && client.server !== null, maxMs);
  }

  /** Waits until the client learned that its session expired (or was closed). */
  async waitSessionExpired(client: ZooKeeperClient, maxMs = 60_000): Promise<void> {
    const p = client.process;
    await this.waitFor(
      `${String(p)}'s session to expire`,
      () => client.state === 'CLOSED' || this.cluster.history.events.some((e) => e.kind === 'session' && e.process === p && e.state === 'expired'),
      maxMs,
    );
  }

  /** Waits until the server-side session of `client` is gone on the leader (expired by the session tracker). */
  async waitSessionGone(sessionId: number, maxMs = 60_000): Promise<void> {
    await this.waitFor(
      `session 0x${sessionId.toString(16)} to expire on the leader`,
      () => this.world.trace.some((e) => e.kind === 'session' && e.event === 'expire' && e.id === sessionId),
      maxMs,
    );
  }

  // ---------------------------------------------------------------- operations

  /** Runs until the operation settles; a failure of the scenario if it fails. */
  async ok<T>(p: Promise<T>, maxMs = 60_000): Promise<T> {
    try {
      const v = await this.cluster.run(p, maxMs);
      this.flush();
      return v;
    } catch (e) {
      this.flush();
      throw new ScenarioFailure(`operation failed unexpectedly: ${errorCode(e)}${e instanceof Error ? ' — ' + e.message : ''}`);
    }
  }

  /** Runs until the operation settles or maxMs passes; never throws. */
  async attempt<T>(p: Promise<T>, maxMs = 60_000): Promise<Attempt<T>> {
    let settled = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    p.then(
      (v) => {
        settled = true;
        value = v;
      },
      (e) => {
        settled = true;
        failed = true;
        error = e;
      },
    );
    await this.cluster.until(() => settled, maxMs);
    this.flush();
    if (!settled) return { ok: false, code: 'PENDING', error: null, pending: true };
    if (failed) return { ok: false, code: errorCode(error), error, pending: false };
    return { ok: true, value: value as T };
  }

  /** Data of a znode as text, through `client` (runs until it settles; fails the scenario on error). */
  async read(client: ZooKeeperClient, path: string): Promise<string | null> {
    const r = await this.ok(client.getData(path));
    return dataText(r.data);
  }

  async stat(client: ZooKeeperClient, path: string): Promise<Stat | null> {
    return this.ok(client.exists(path));
  }

  // ---------------------------------------------------------------- faults

  crash(name: string, opts: { tornTail?: boolean; hostDown?: boolean } = {}): void {
    this.flush();
    this.world.crash(name, opts);
    this.flush();
  }
  restart(name: string): void {
    this.world.restart(name);
  }
  pause(name: string): void {
    this.world.pause(name);
    this.flush();
  }
  resume(name: string): void {
    this.world.resume(name);
    this.flush();
  }
  partition(groups: string[][]): void {
    this.world.net.partition(groups);
    this.flush();
  }
  cutOneWay(from: string, to: string): void {
    this.world.net.cutOneWay(from, to);
    this.flush();
  }
  heal(): void {
    this.world.net.heal();
    this.flush();
  }

  // ---------------------------------------------------------------- assertions

  check(cond: boolean, text: string): void {
    this.flush();
    this.checks.push({ ok: cond, text, t: this.world.now, step: this.steps.length - 1 });
    if (this.out) this.out(cond ? this.c.green.bold('  ✓ ' + text) : this.c.red.bold('  ✗ ' + text));
    if (!cond) throw new ScenarioFailure(text);
  }

  equal<T>(actual: T, expected: T, text: string): void {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    this.check(a === e, a === e ? `${text} (${a})` : `${text}: expected ${e}, got ${a}`);
  }

  skip(reason: string): never {
    throw new ScenarioSkip(reason);
  }
}

export function errorCode(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { codeName?: unknown; name?: unknown };
    if (typeof o.codeName === 'string') return o.codeName;
    if (typeof o.name === 'string') return o.name;
  }
  return String(e);
}

/** The story of a scenario result, for the HTML report (ReportInput.story). */
export function scenarioStory(r: ScenarioResult): { steps: Array<{ t: number; title: string }>; checks: Check[] } {
  return { steps: r.steps.map((title, i) => ({ t: r.stepTimes[i] ?? 0, title })), checks: r.checks };
}

/** Runs a scenario; never throws for scenario failures (they are in the result). */
export async function runScenario(def: ScenarioDef, opts: ScenarioRunOptions = {}): Promise<ScenarioResult> {
  const problem = scenarioProblem(def);
  if (problem) throw new ScenarioDefinitionError(problem);
  const seed = opts.seed ?? def.seed ?? 1;
  const seedBad = seedProblem(seed);
  if (seedBad) throw new ScenarioDefinitionError(seedBad);
  const s = new ScenarioContext(def, seed, opts);
  let status: ScenarioResult['status'] = 'passed';
  let message: string | undefined;
  try {
    await def.run(s);
    s.flush();
  } catch (e) {
    s.flush();
    if (e instanceof ScenarioSkip) {
      status = 'skipped';
      message = e.message;
    } else {
      status = 'failed';
      message = e instanceof ScenarioFailure ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
  }
  const result: ScenarioResult = {
    name: def.name,
    seed,
    status,
    checks: s.checks,
    steps: s.steps,
    stepTimes: s.stepTimes,
    traceHash: s.world.traceHash,
    virtualMs: s.world.now,
    events: s.world.eventCount,
    trace: s.world.trace,
    history: s.cluster.history.events,
  };
  if (message !== undefined) result.message = message;
  if (s.counterexample) result.counterexample = s.counterexample;
  return result;
}
