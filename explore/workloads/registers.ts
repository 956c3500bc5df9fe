/**
 * Registers: a few znodes /r0../rK-1; clients read (getData), write (setData -1) and conditionally write (setData
 * with the version they last read). Some reads are sync-then-read: `sync(path)`, then, once it succeeded,
 * `getData(path)` (ZooKeeper's way to read at least every write completed before the sync; osc's rule 3 holds a
 * follower that answers the sync from its own state to it). Some of those are pipelined, as ZooKeeper's own idiom
 * `zk.sync(path, cb); zk.getData(path, ...)`: both requests sent back to back, then both awaited; the session's
 * order makes the server hold the read until the sync completed (rule 3 again, as the read follows the sync in the
 * session's program order). Checked by the linearizability checker with the znode
 * model (writes; reads too on a single server), by osc and by the generic checkers.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import { BaseDriver, NODEEXISTS, codeOf, planClients } from './common.js';

/**
 * `syncRng` decides which reads sync first (a share of the seed's reads, drawn per seed): a stream of its own, so
 * that every other draw of the plan (gaps, kinds, keys) is the same as without it. Without `syncRng`, no read syncs.
 * `pipeRng` decides which of the syncing reads are pipelined (again a share per seed, then one draw per syncing
 * read), from another stream of its own: the sync flags and every other draw stay what they are without it.
 */
export function planRegisters(rng: Rng, config: ExploreConfig, clients: number, syncRng?: Rng, pipeRng?: Rng): WorkloadPlan {
  const keys = rng.int(1, 4);
  const meanGap = rng.uniform(60, 400);
  const pRead = rng.uniform(0.2, 0.6);
  const pCas = rng.uniform(0.1, 0.5);
  const pSync = syncRng ? syncRng.uniform(0.5, 1) : 0;
  const pPipe = pipeRng ? pipeRng.uniform(0.2, 0.8) : 0;
  const out = planClients(rng, clients, config.durationMs, 5, () => meanGap, (_c, gap) => {
    const x = rng.next();
    const op = x < pRead ? 'read' : x < pRead + pCas ? 'cas' : 'write';
    const planned: PlannedOp = { gap, op, key: rng.int(0, keys) };
    if (op === 'read' && syncRng && syncRng.bernoulli(pSync)) {
      planned.sync = true;
      if (pipeRng && pipeRng.bernoulli(pPipe)) planned.pipelined = true;
    }
    return planned;
  });
  return { name: 'registers', keys, clients: out };
}

export class RegistersDriver extends BaseDriver {
  readonly name = 'registers';
  private readonly seen: Array<Map<number, number>>;
  private writes = 0;

  constructor(cluster: ExploreCluster, plan: WorkloadPlan) {
    super(cluster, plan);
    this.seen = plan.clients.map(() => new Map());
  }

  protected override onStart(): void {
    // Every client creates the registers it may touch (NODEEXISTS is fine), before its planned operations.
    this.plan.clients.forEach((_o, slot) => {
      const s = this.session(slot);
      for (let k = 0; k < this.plan.keys; k++) this.ensureCreated(slot, k, 0);
    });
  }

  /** Creates /rK, retrying after a lost connection (the application's setup loop) until it exists. */
  private ensureCreated(slot: number, k: number, attempt: number): void {
    const s = this.session(slot);
    if (this.stopped || attempt > 50 || s.client.state === 'CLOSED') return;
    if (this.world.isPaused(s.name)) return void this.world.schedule(50, `create /r${k} (paused)`, () => this.ensureCreated(slot, k, attempt));
    s.client.create(`/r${k}`, 'init').catch((e) => {
      const c = codeOf(e);
      if (c === NODEEXISTS || c === -112) return;
      this.world.schedule(200, `create /r${k} again`, () => this.ensureCreated(slot, k, attempt + 1));
    });
  }

  protected perform(slot: number, op: PlannedOp, s: Session): Promise<unknown> {
    const key = op.key ?? 0;
    const path = `/r${key}`;
    const seen = this.seen[slot]!;
    switch (op.op) {
      case 'read': {
        if (op.sync && op.pipelined) {
          // Pipelined: both requests are sent before either reply; both are awaited. A failed sync fails the operation
          // (after the read settled, whatever the server answered it); the history has both.
          const synced = s.client.sync(path);
          const read = s.client.getData(path);
          return synced.then(
            () => read.then((r) => seen.set(key, r.stat.version)),
            (e: unknown) => read.then(() => { throw e; }, () => { throw e; }),
          );
        }
        // A sync-then-read reads only after its sync succeeded (a failed sync fails the operation; the history has both).
        return (op.sync ? s.client.sync(path).then(() => s.client.getData(path)) : s.client.getData(path)).then((r) => seen.set(key, r.stat.version));
      }
      case 'write':
        return s.client.setData(path, `${s.name}:${++this.writes}`, -1).then((st) => seen.set(key, st.version));
      case 'cas':
        return s.client.setData(path, `${s.name}:${++this.writes}`, seen.get(key) ?? 0).then(
          (st) => seen.set(key, st.version),
          (e) => {
            if (codeOf(e) === NODEEXISTS) return;
            throw e;
          },
        );
      default:
        return Promise.resolve();
    }
  }

  protected finalRead(_slot: number, s: Session): Promise<unknown> {
    return s.client.getData('/r0').catch((e) => {
      if (codeOf(e) === -101) return null; // NONODE is an answer
      throw e;
    });
  }
}
