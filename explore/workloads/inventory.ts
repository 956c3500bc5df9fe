/**
 * Inventory: clients keep a small inventory of znodes under a few parents /inv/p0../inv/pP-1 and read it with the
 * 3.6+ reads. Each parent has two persistent nodes n0, n1 and two ephemeral ones e0, e1; clients create them (an
 * ephemeral belongs to the session that made it), delete them and set their data, and read with multiRead (a getData,
 * a getChildren and another getData in one request), getEphemerals (the session's own ephemerals, under /inv or
 * one parent), getAllChildrenNumber (of /inv or one parent) and ordinary getData / getChildren. The final round reads
 * all three once more after a sync.
 *
 * With extended types (--extended-types) n1 of every parent is a TTL node (PERSISTENT_WITH_TTL, ttl INVENTORY_TTL_MS):
 * the leader's container manager deletes it once nobody wrote it for the ttl, so the servers' own deletes mix with the
 * clients' (the checkers take them from the trace), and the ttl property checks that none came too early.
 *
 * No property of its own: osc checks what every read returned (each 3.6+ read is one read of the state at one point,
 * getEphemerals of the caller session's ephemerals, check/models/znode.ts), with the sessions' closes from the trace;
 * linearizable checks the writes to the persistent nodes (ephemerals are out of its scope); unique-versions reads the
 * data that getData and multiRead returned.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import { BaseDriver, NODEEXISTS, NONODE, codeOf, planClients } from './common.js';
import { CreateMode } from '../../core/client/index.js';

const ROOT = '/inv';
/** Nodes per parent: n0, n1 (persistent), e0, e1 (ephemeral). */
const PER_PARENT = 4;
/** The ttl of n1 when the servers have extended types (each client writes a node about every 1–6 s). */
export const INVENTORY_TTL_MS = 1000;

/** The plan: per seed, 2 or 3 parents, a mean gap and a share of reads; then per operation its kind and node. */
export function planInventory(rng: Rng, config: ExploreConfig, clients: number): WorkloadPlan {
  const parents = rng.int(2, 4);
  const keys = parents * PER_PARENT;
  const meanGap = rng.uniform(60, 400);
  const pRead = rng.uniform(0.35, 0.65);
  const out = planClients(rng, clients, config.durationMs, 5, () => meanGap, (_c, gap) => {
    const x = rng.next();
    let op: PlannedOp['op'];
    if (x < pRead) {
      const y = rng.next();
      op = y < 0.3 ? 'multiRead' : y < 0.55 ? 'ephemerals' : y < 0.8 ? 'count' : 'read';
    } else {
      const y = rng.next();
      op = y < 0.45 ? 'create' : y < 0.75 ? 'delete' : 'write';
    }
    return { gap, op, key: rng.int(0, keys) };
  });
  return { name: 'inventory', keys, clients: out };
}

export class InventoryDriver extends BaseDriver {
  readonly name = 'inventory';
  private readonly parents: number;
  private writes = 0;
  /** n1 nodes are TTL nodes (the servers have extended types). */
  private readonly ttl: boolean;

  constructor(cluster: ExploreCluster, plan: WorkloadPlan) {
    super(cluster, plan);
    this.parents = Math.max(1, Math.floor(plan.keys / PER_PARENT));
    this.ttl = cluster.config.extendedTypes === true;
  }

  private parent(k: number): string {
    return `${ROOT}/p${k % this.parents}`;
  }
  /** Node `k`: under parent k mod P, n0/n1 (persistent) or e0/e1 (ephemeral) by k div P. */
  private node(k: number): { path: string; ephemeral: boolean; ttl: boolean } {
    const j = Math.floor(k / this.parents) % PER_PARENT;
    return { path: `${this.parent(k)}/${j < 2 ? `n${j}` : `e${j - 2}`}`, ephemeral: j >= 2, ttl: j === 1 && this.ttl };
  }

  protected override onStart(): void {
    // Client 0 makes /inv and the parents (a lost create is made again when a create meets NONODE).
    const s = this.session(0);
    s.client.create(ROOT, null).catch(() => undefined);
    for (let p = 0; p < this.parents; p++) s.client.create(`${ROOT}/p${p}`, null).catch(() => undefined);
  }

  /** Creates /inv and `parent` (NODEEXISTS is fine). */
  private makeParents(s: Session, parent: string): Promise<unknown> {
    const ok = (e: unknown): void => {
      if (codeOf(e) !== NODEEXISTS) throw e;
    };
    return s.client.create(ROOT, null).catch(ok).then(() => s.client.create(parent, null).catch(ok));
  }

  protected perform(_slot: number, op: PlannedOp, s: Session): Promise<unknown> {
    const k = op.key ?? 0;
    const keys = this.plan.keys;
    const { path, ephemeral, ttl } = this.node(k);
    switch (op.op) {
      case 'create': {
        const data = `${s.name}:${++this.writes}`;
        const mode = ephemeral ? CreateMode.EPHEMERAL : ttl ? CreateMode.PERSISTENT_WITH_TTL : CreateMode.PERSISTENT;
        const ttlMs = ttl ? INVENTORY_TTL_MS : undefined;
        return s.client.create(path, data, mode, ttlMs).catch((e) => {
          if (codeOf(e) !== NONODE) throw e;
          return this.makeParents(s, this.parent(k)).then(() => s.client.create(path, data, mode, ttlMs));
        });
      }
      case 'delete':
        return s.client.delete(path, -1);
      case 'write':
        return s.client.setData(path, `${s.name}:${++this.writes}`, -1);
      case 'multiRead': {
        // a getData, a getChildren and another getData (other nodes, other parents), read at one point
        const other = this.node((k * 5 + 3) % keys).path;
        return s.client.multiRead([
          { op: 'getData', path },
          { op: 'getChildren', path: this.parent(k + 1) },
          { op: 'getData', path: other },
        ]);
      }
      case 'ephemerals':
        return s.client.getEphemerals(k % 3 === 0 ? ROOT : this.parent(k));
      case 'count':
        return s.client.getAllChildrenNumber(k % 3 === 0 ? ROOT : this.parent(k));
      case 'read':
        return k % 2 === 0 ? s.client.getData(path) : s.client.getChildren(this.parent(k));
      default:
        return Promise.resolve();
    }
  }

  protected finalRead(_slot: number, s: Session): Promise<unknown> {
    // NONODE is an answer (/inv or a parent was never made): the round is served.
    const answer = (e: unknown): null => {
      if (codeOf(e) !== NONODE) throw e;
      return null;
    };
    const lists = Array.from({ length: this.parents }, (_, p) => ({ op: 'getChildren' as const, path: `${ROOT}/p${p}` }));
    return s.client
      .getEphemerals(ROOT)
      .then(() => s.client.getAllChildrenNumber(ROOT).catch(answer))
      .then(() => s.client.multiRead(lists));
  }
}
