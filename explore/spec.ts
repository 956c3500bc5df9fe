/**
 * The data of one exploration run: the configuration (what the user chose), the explicit fault schedule and the
 * explicit workload plan (both generated from the seed, then kept as plain data so that a repro file replays them
 * exactly and the shrinker can cut them down). A run is a pure function of a RunSpec.
 */
import type { Seed } from '../sim/random.js';

/** Bumped whenever the meaning of a repro file changes; a repro of another version is refused. */
export const REPRO_FORMAT = 'zksim-repro';
export const REPRO_VERSION = 1;

export const FAULT_KINDS = [
  'partition', // random halves of servers and clients
  'isolate-leader', // the leader alone on one side
  'isolate-follower', // one follower alone
  'bridge', // two sides that only one server sees both of
  'one-way', // a one-way cut between two servers
  'crash', // crash a server (sometimes with a torn tail), restart it later
  'power-loss', // every server crashes at once (unsynced writes lost), they restart one by one
  'pause-server', // GC pause of a server
  'pause-client', // pause of a client, sometimes longer than its session timeout
  'slow-link', // a slow link between two nodes
  'latency-spike', // the default latency of every message goes up for a while
  'slow-fsync', // one server's fsyncs become slow
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The built-in workloads (a recipe module of your own is the workload 'module': see workloads/module.ts). */
export const WORKLOADS = ['registers', 'configuration', 'naming', 'lock', 'inventory', 'acl'] as const;
export type WorkloadName = (typeof WORKLOADS)[number] | 'module';
/**
 * What 'mixed' picks from. The lock recipe and inventory are chosen by name only: adding them here would change which
 * workload every seed of the default exploration runs, and so every published seed's meaning.
 */
export const MIXED_WORKLOADS: readonly WorkloadName[] = ['registers', 'configuration', 'naming'];

export interface ExploreConfig {
  /** Number of voting servers (1 = standalone). */
  servers: number;
  /** Number of client sessions the workload uses. */
  clients: number;
  workload: WorkloadName;
  /** With workload 'module': the absolute path of the recipe module. */
  workloadModule?: string;
  /** Fault kinds the nemesis may use (swarm testing picks a subset per seed). Empty = no faults. */
  faults: FaultKind[];
  /** Bug switches handed to every server (core/server config.bugs). */
  bugs: string[];
  /** Virtual ms during which the workload runs and faults are injected. */
  durationMs: number;
  /** Virtual ms after the last heal for the ensemble to recover and serve every client. */
  recoveryMs: number;
  /** ZooKeeper timing. */
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  sessionTimeoutMs: number;
  /** Properties not to check (reported as "not checked: skipped"). */
  skipChecks?: string[];
  /**
   * zookeeper.extendedTypesEnabled on every server (--extended-types): TTL nodes. Absent = off, as before (a repro
   * file without it means what it meant).
   */
  extendedTypes?: boolean;
  /** znode.container.checkIntervalMs of every server (--container-check-ms; with extendedTypes default 1000, else 60 000). */
  containerCheckMs?: number;
  /** Keep the full trace in memory (artefacts, replay diagnosis). */
  recordTrace?: boolean;
}

export const DEFAULT_CONFIG: ExploreConfig = {
  servers: 3,
  clients: 3,
  workload: 'registers',
  faults: [...FAULT_KINDS],
  bugs: [],
  durationMs: 20_000,
  recoveryMs: 20_000,
  tickTime: 500,
  initLimit: 10,
  syncLimit: 5,
  sessionTimeoutMs: 4_000,
};

// ------------------------------------------------------------------ faults

export type Fault =
  /** Network groups cut from each other. Names resolved at generation, except `leader` resolved at run time. */
  | { kind: 'partition'; groups: string[][] }
  | { kind: 'isolate-leader'; withClients: string[] }
  | { kind: 'isolate'; node: string; withClients: string[] }
  | { kind: 'bridge'; left: string[]; right: string[]; bridge: string }
  | { kind: 'one-way'; from: string; to: string }
  | { kind: 'crash'; node: string; torn: boolean }
  /** All servers crash at `at`; server i restarts `restartAfter[i]` ms later. */
  | { kind: 'power-loss'; torn: boolean; restartAfter: number[] }
  | { kind: 'pause'; node: string }
  | { kind: 'slow-link'; a: string; b: string; min: number; max: number }
  | { kind: 'latency-spike'; min: number; max: number }
  /** `node` (and `others`, when given) get slow fsyncs. */
  | { kind: 'slow-fsync'; node: string; min: number; max: number; others?: string[] };

/** One fault: applied at `at`, healed at `at + duration` (virtual ms from the start of the run). */
export interface ScheduledFault {
  at: number;
  duration: number;
  fault: Fault;
}

// ------------------------------------------------------------------ workload

/** One planned client operation (the workload driver decides its exact arguments from what the client saw). */
export interface PlannedOp {
  /** Delay after the client's previous operation completed (or after the start), virtual ms. */
  gap: number;
  op: 'read' | 'write' | 'cas' | 'join' | 'leave' | 'view' | 'lock' | 'step' | 'create' | 'delete' | 'multiRead' | 'ephemerals' | 'count'
    | 'auth' | 'setAcl' | 'getAcl' | 'child' | 'unchild' | 'exists';
  /** The register or node the operation is on (inventory: node k of workloads/inventory.ts). */
  key?: number;
  /** acl: which ACL of workloads/acl.ts's ACL_CHOICES a create or setACL uses ('auth': which identity it adds). */
  acl?: number;
  /** acl: setACL's version: 0 = -1, 1 = the aversion last seen, 2 = that plus one. */
  aversion?: number;
  /** acl, on a client's first op: the client's identity (index in workloads/acl.ts's ACL_IDENTITIES). */
  identity?: number;
  /** registers: a read preceded by `sync(path)` (the read is issued once the sync has succeeded). */
  sync?: boolean;
  /**
   * registers, with `sync`: the read is pipelined behind its sync (`sync(path)` and `getData(path)` sent back to
   * back, then both awaited; ZooKeeper's own idiom): the server must hold the read until the sync completed.
   */
  pipelined?: boolean;
}

export interface WorkloadPlan {
  name: WorkloadName;
  /** Number of znodes (registers) the workload uses. */
  keys: number;
  /** Per client, its operations in order. Client i is process c{i+1}. */
  clients: PlannedOp[][];
}

/** Everything a run depends on. `zksim replay` runs exactly this. */
export interface RunSpec {
  seed: Seed;
  config: ExploreConfig;
  schedule: ScheduledFault[];
  workload: WorkloadPlan;
}

export interface Repro {
  format: typeof REPRO_FORMAT;
  version: number;
  zksimVersion: string;
  spec: RunSpec;
  /** What failed when the repro was saved (for `shrink`: the property to keep failing). */
  property?: string;
  traceHash?: string;
  shrunkFrom?: { faults: number; ops: number; clients: number; servers: number; durationMs: number };
}

/** A problem with a spec or repro given by the user (bad input, exit 2). */
export class SpecError extends Error {
  override name = 'SpecError';
}

export function faultCount(spec: RunSpec): number {
  return spec.schedule.length;
}
export function opCount(spec: RunSpec): number {
  return spec.workload.clients.reduce((n, c) => n + c.length, 0);
}
