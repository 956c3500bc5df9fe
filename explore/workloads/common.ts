/**
 * What every workload shares: the plan format, a driver that walks each client's planned operations (one at a
 * time per session, with the planned gaps), session replacement after expiry, and the final "are clients served
 * after the last heal" round.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { PlannedOp, WorkloadPlan } from '../spec.js';
import type { Verdict } from '../verdict.js';
import type { OpInFlight } from '../progress.js';

export interface WorkloadDriver {
  /** Called at time 0. */
  start(): void;
  /** Called at the end of the fault phase: no new planned operation starts. */
  stop(): void;
  /** Called when the ensemble should have recovered: every slot syncs and reads once. */
  final(): void;
  /** Workload-specific properties, evaluated after the run. */
  verdicts(): Verdict[];
  /** Slots whose final round succeeded / did not (for the recovery property). */
  finalStatus(): Array<{ slot: number; name: string; served: boolean; error?: string }>;
  /** Planned operations still running (for the progress property, read at the end of the run). */
  inFlight(): OpInFlight[];
  /** Per client, the virtual times at which its planned operations started (the rest never ran: the fault phase ended first). */
  started(): number[][];
  /** Whether the linearizability check may include reads (only a single server serves linearizable reads). */
  readonly name: string;
}

export function codeOf(e: unknown): number {
  return e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 0;
}
export function errText(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

/**
 * Each client's planned operations until `durationMs`: a gap drawn from an exponential of `meanGap(client)`, then
 * `op(client, gap)` (which may draw more), one after the other; `pad` ms added per operation to the running time.
 * The draws happen in exactly this order, so that a plan is the same for the same seed.
 */
export function planClients(rng: Rng, clients: number, durationMs: number, pad: number, meanGap: (client: number) => number, op: (client: number, gap: number) => PlannedOp): PlannedOp[][] {
  const out: PlannedOp[][] = [];
  for (let c = 0; c < clients; c++) {
    const ops: PlannedOp[] = [];
    let t = 0;
    while (t < durationMs) {
      const gap = Math.round(rng.exponential(meanGap(c)));
      t += gap + pad;
      ops.push(op(c, gap));
    }
    out.push(ops);
  }
  return out;
}

export const NONODE = -101;
export const NOAUTH = -102;
export const NODEEXISTS = -110;
export const SESSIONEXPIRED = -112;

export abstract class BaseDriver implements WorkloadDriver {
  abstract readonly name: string;
  protected stopped = false;
  private readonly next: number[];
  /** Per slot: when each planned operation started. */
  private readonly startedAt: number[][];
  /** Per slot: the planned operation running now (index in the plan, start, session), or null. */
  private readonly running: Array<{ index: number; startedAt: number; session: string } | null>;
  private readonly finals: Array<{ slot: number; name: string; served: boolean; error?: string }> = [];
  /** Errors thrown by workload code itself (bugs in the harness, not in ZooKeeper). */
  readonly internalErrors: string[] = [];

  constructor(protected readonly cluster: ExploreCluster, protected readonly plan: WorkloadPlan) {
    this.next = plan.clients.map(() => 0);
    this.startedAt = plan.clients.map(() => []);
    this.running = plan.clients.map(() => null);
  }

  /**
   * Runs `fn` now, or, while the process of the slot's current session is paused (a GC pause, SIGSTOP), as soon as
   * it runs again: the application code lives in the paused process, so it issues nothing while paused.
   */
  protected whenRunnable(name: string, label: string, fn: () => void): void {
    if (this.world.isPaused(name)) {
      this.world.schedule(50, `${label} (paused)`, () => this.whenRunnable(name, label, fn));
      return;
    }
    fn();
  }

  protected get world() {
    return this.cluster.world;
  }
  protected session(slot: number): Session {
    return this.cluster.sessions[slot]!;
  }

  /** The slot's session, replaced by a new one when it was closed (expired). */
  private readonly dead = new Set<string>();

  /** The application saw SESSIONEXPIRED on a request: the session is gone, the next operation opens a new one. */
  protected noteError(s: Session, e: unknown): void {
    if (codeOf(e) === SESSIONEXPIRED) this.dead.add(s.name);
  }

  protected liveSession(slot: number): Session {
    const s = this.session(slot);
    if (s.client.state === 'CLOSED' || this.dead.has(s.name)) {
      const fresh = this.cluster.openSession(slot);
      this.onNewSession(slot, fresh);
      return fresh;
    }
    return s;
  }

  /** Hook: a slot got a new session (re-register watches, re-join...). */
  protected onNewSession(_slot: number, _s: Session): void {}

  start(): void {
    this.plan.clients.forEach((_ops, slot) => this.scheduleNext(slot));
    this.onStart();
  }
  protected onStart(): void {}

  private scheduleNext(slot: number): void {
    const ops = this.plan.clients[slot]!;
    const i = this.next[slot]!;
    if (this.stopped || i >= ops.length) return;
    const op = ops[i]!;
    const label = `op c${slot + 1}#${i}`;
    this.world.schedule(op.gap, label, () => this.whenRunnable(this.session(slot).name, label, () => {
      if (this.stopped) return;
      this.next[slot] = i + 1;
      this.startedAt[slot]!.push(this.world.now);
      let p: Promise<unknown>;
      const s = this.liveSession(slot);
      this.running[slot] = { index: i, startedAt: this.world.now, session: s.name };
      try {
        p = this.perform(slot, op, s).catch((e) => this.noteError(s, e));
      } catch (e) {
        this.internalErrors.push(`c${slot + 1} op ${i}: ${errText(e)}`);
        p = Promise.resolve();
      }
      p.catch(() => undefined).then(() => {
        this.running[slot] = null;
        this.scheduleNext(slot);
      });
    }));
  }

  /** Performs one planned operation; rejections are expected (recorded in the history) and ignored. */
  protected abstract perform(slot: number, op: PlannedOp, s: Session): Promise<unknown>;

  /**
   * Whether a failed final read is tried again (true) or the slot counts as served by the answer it got (false). The
   * built-in workloads retry every failure until the run's end.
   */
  protected retryFinal(_e: unknown): boolean {
    return true;
  }

  /** The workload's final read of a slot (after a sync). */
  protected abstract finalRead(slot: number, s: Session): Promise<unknown>;

  stop(): void {
    this.stopped = true;
  }

  final(): void {
    this.plan.clients.forEach((_ops, slot) => {
      const entry: { slot: number; name: string; served: boolean; error?: string } = { slot, name: this.session(slot).name, served: false, error: 'no answer before the end of the run' };
      this.finals.push(entry);
      const attempt = (): void => this.whenRunnable(this.session(slot).name, `final c${slot + 1}`, () => {
        const s = this.liveSession(slot);
        entry.name = s.name;
        s.client
          .sync('/')
          .then(() => this.finalRead(slot, s))
          .then(
            () => {
              entry.served = true;
              delete entry.error;
            },
            (e) => {
              this.noteError(s, e);
              if (!this.retryFinal(e)) {
                entry.served = true;
                delete entry.error;
                return;
              }
              // Retry (a connection lost at the wrong moment is not a failure to serve); the run's end decides.
              entry.error = errText(e);
              this.world.schedule(250, `final retry c${slot + 1}`, attempt);
            },
          );
      });
      attempt();
    });
  }

  finalStatus() {
    return this.finals;
  }

  started(): number[][] {
    return this.startedAt.map((l) => [...l]);
  }

  inFlight(): OpInFlight[] {
    const out: OpInFlight[] = [];
    this.running.forEach((r, slot) => {
      if (!r) return;
      const waitingFor = this.waitingFor(slot);
      out.push({ slot, session: r.session, index: r.index, startedAt: r.startedAt, ...(waitingFor ? { waitingFor } : {}) });
    });
    return out;
  }

  /** Hook: what the slot's running operation waits for, when the workload knows (for the progress explanation). */
  protected waitingFor(_slot: number): string | undefined {
    return undefined;
  }

  verdicts(): Verdict[] {
    return [];
  }
}
