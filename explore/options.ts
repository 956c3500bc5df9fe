/**
 * A user's choices for the config of a run (the CLI's --servers, --workload, --faults, ... and the library's
 * runSeed/explore options, api/), validated in one place so that both accept and refuse the same values and start
 * from the same defaults. Problems are OptionErrors naming the option as the caller spells it (`flag`): the CLI turns
 * them into bad input (exit 2), the library into an Error.
 */
import { BUG_ZOO, findBug } from './bugs.js';
import type { ExploreBase } from './engine.js';
import { DEFAULT_CONFIG, FAULT_KINDS, WORKLOADS, type ExploreConfig, type FaultKind, type WorkloadName } from './spec.js';
import { looksLikeModule, recipePath } from './workloads/module.js';

/** The properties of zksim's own checkers and harness (--skip-check). */
export const KNOWN_PROPERTIES = ['no-exception', 'recovery', 'progress', 'config-convergence', 'membership', 'membership-view', 'lock-fencing', 'lock-release', 'linearizable', 'unique-versions', 'watch-at-most-once', 'ttl', 'osc', 'watches', 'ensemble'];

/** The container manager's check interval of explorations with extended types, unless chosen (ZooKeeper's: 60 s). */
export const DEFAULT_TTL_CONTAINER_CHECK_MS = 1000;

/** `N`: how numbers come (the library: numbers; the CLI: the text of its options, parsed in `Spelling.int`). */
export interface ConfigChoices<N = number> {
  servers?: N;
  clients?: N;
  /** A built-in workload, 'mixed', or the path of a recipe module. */
  workload?: string;
  /** Fault kinds, or 'all' / 'none'. */
  faults?: readonly string[] | 'all' | 'none';
  /** A zoo bug: it also picks the bug's workload, fault kinds, servers and duration, unless chosen here. */
  bug?: string;
  durationMs?: N;
  recoveryMs?: N;
  skipChecks?: readonly string[];
  /** zookeeper.extendedTypesEnabled on every server: TTL nodes (the inventory workload then makes n1 a TTL node). */
  extendedTypes?: boolean;
  /** znode.container.checkIntervalMs (default: 1000 with extended types, else ZooKeeper's 60 000). */
  containerCheckMs?: N;
}

export type ChoiceName = keyof ConfigChoices;

/** A bad choice; `option` is the choice's name in ConfigChoices, the message spells it as the caller does. */
export class OptionError extends Error {
  override name = 'OptionError';
  constructor(readonly option: ChoiceName, message: string) {
    super(message);
  }
}

/** How a caller names its options in messages, and reads a positive integer (throwing an error that names it). */
export interface Spelling<N> {
  flag(option: ChoiceName): string;
  int(option: ChoiceName, value: N): number;
}

/** The library's spelling: options named as in ConfigChoices, numbers given as numbers. */
export const LIBRARY: Spelling<number> = {
  flag: (o) => o,
  int: (o, n) => {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new OptionError(o, `${o} must be a positive integer, got ${describe(n)}`);
    return n;
  },
};

/** The fault kinds of a list, or of 'all' / 'none'. */
export function faultKinds(faults: readonly string[] | 'all' | 'none', flag: (o: ChoiceName) => string = LIBRARY.flag): FaultKind[] {
  if (faults === 'all') return [...FAULT_KINDS];
  if (faults === 'none') return [];
  if (!Array.isArray(faults)) throw new OptionError('faults', `${flag('faults')} must be a list of fault kinds, 'all' or 'none', got ${describe(faults)}`);
  const out: FaultKind[] = [];
  for (const k of faults as unknown[]) {
    if (!FAULT_KINDS.includes(k as FaultKind)) throw new OptionError('faults', `unknown fault '${String(k)}' (known: ${FAULT_KINDS.join(', ')}, all, none)`);
    if (!out.includes(k as FaultKind)) out.push(k as FaultKind);
  }
  return out;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? 'a list' : String(v);
}

/**
 * The longest fault or recovery phase, in virtual ms (one hour): a run plans its clients' operations for the whole
 * phase up front and keeps its history and trace in memory, so a phase of days would exhaust the heap (a crash, not
 * a verdict) long before it ended.
 */
export const MAX_PHASE_MS = 3_600_000;
/** The most voting servers and client sessions a run may have (`--servers`, `--clients`). */
export const MAX_SERVERS = 9;
export const MAX_CLIENTS = 20;

/** The base config of an exploration (or a run) from the user's choices; the CLI's defaults for the rest. */
export function baseFromChoices<N>(c: ConfigChoices<N>, spelling: Spelling<N>, defaults: { workload?: WorkloadName | 'mixed'; recipe?: boolean } = {}): ExploreBase {
  const { flag } = spelling;
  const int = (option: ChoiceName, v: N, max?: number): number => {
    const n = spelling.int(option, v);
    if (max !== undefined && n > max) throw new OptionError(option, `${flag(option)} must be at most ${max}`);
    return n;
  };
  const config: ExploreConfig = { ...DEFAULT_CONFIG, faults: [...DEFAULT_CONFIG.faults] };
  let workload: WorkloadName | 'mixed' = defaults.workload ?? 'mixed';
  if (c.bug !== undefined) {
    const bug = typeof c.bug === 'string' ? findBug(c.bug) : undefined;
    if (!bug) throw new OptionError('bug', `unknown bug '${String(c.bug)}' (known: ${BUG_ZOO.map((b) => b.name).join(', ')})`);
    config.bugs = [bug.name];
    workload = bug.workload;
    config.faults = [...bug.faults];
    config.servers = bug.servers;
    if (bug.durationMs !== undefined) config.durationMs = bug.durationMs;
    if (bug.extendedTypes) config.extendedTypes = true;
  }
  if (c.workload !== undefined) {
    if (typeof c.workload !== 'string') throw new OptionError('workload', `${flag('workload')} must be a workload name or the path of a recipe module, got ${describe(c.workload)}`);
    if (looksLikeModule(c.workload)) {
      try {
        config.workloadModule = recipePath(c.workload);
      } catch (e) {
        throw new OptionError('workload', (e as Error).message);
      }
      workload = 'module';
    } else {
      if (c.workload !== 'mixed' && !(WORKLOADS as readonly string[]).includes(c.workload)) throw new OptionError('workload', `unknown workload '${c.workload}' (known: ${WORKLOADS.join(', ')}, mixed, or the path of a recipe module)`);
      workload = c.workload as WorkloadName | 'mixed';
    }
  }
  if (c.faults !== undefined) config.faults = faultKinds(c.faults, flag);
  if (c.servers !== undefined) config.servers = int('servers', c.servers, MAX_SERVERS);
  if (c.clients !== undefined) config.clients = int('clients', c.clients, MAX_CLIENTS);
  if (c.durationMs !== undefined) config.durationMs = int('durationMs', c.durationMs, MAX_PHASE_MS);
  if (c.recoveryMs !== undefined) config.recoveryMs = int('recoveryMs', c.recoveryMs, MAX_PHASE_MS);
  if (c.extendedTypes !== undefined) {
    if (typeof c.extendedTypes !== 'boolean') throw new OptionError('extendedTypes', `${flag('extendedTypes')} must be true or false, got ${describe(c.extendedTypes)}`);
    if (c.extendedTypes) config.extendedTypes = true;
    else delete config.extendedTypes;
  }
  if (c.containerCheckMs !== undefined) config.containerCheckMs = int('containerCheckMs', c.containerCheckMs, MAX_PHASE_MS);
  else if (config.extendedTypes) config.containerCheckMs = DEFAULT_TTL_CONTAINER_CHECK_MS;
  if (c.skipChecks !== undefined) {
    if (!Array.isArray(c.skipChecks)) throw new OptionError('skipChecks', `${flag('skipChecks')} must be a list of properties, got ${describe(c.skipChecks)}`);
    const list = [...c.skipChecks] as unknown[];
    for (const p of list) {
      if (typeof p !== 'string' || p === '') throw new OptionError('skipChecks', `${flag('skipChecks')} must be a list of properties, got ${describe(p)} in it`);
      // A recipe's own names are checked once its module is loaded (checkRecipeSkips)
      if (!KNOWN_PROPERTIES.includes(p) && !(workload === 'module' || defaults.recipe)) throw new OptionError('skipChecks', `unknown property '${p}' (known: ${KNOWN_PROPERTIES.join(', ')})`);
    }
    config.skipChecks = list as string[];
  }
  return { config, workload };
}

/**
 * --skip-check's names that are not zksim's own, once the recipe module is loaded: each must be one the recipe
 * declares (RecipeWorkload.properties) or 'recipe-error'. A name nobody declared is a typo, which would otherwise
 * leave the property checked while the user believes it skipped.
 */
export function checkRecipeSkips(config: ExploreConfig, declared: readonly string[] | undefined): void {
  for (const p of config.skipChecks ?? []) {
    if (KNOWN_PROPERTIES.includes(p)) continue;
    if (declared === undefined) {
      if (p === 'recipe-error') continue;
      throw new OptionError('skipChecks', `unknown property '${p}' (known: ${KNOWN_PROPERTIES.join(', ')}, recipe-error; the recipe declares no properties of its own: list them in its 'properties' to skip them)`);
    }
    if (!declared.includes(p)) throw new OptionError('skipChecks', `unknown property '${p}' (known: ${KNOWN_PROPERTIES.join(', ')}; the recipe's: ${declared.join(', ')})`);
  }
}
