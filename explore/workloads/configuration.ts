/**
 * Configuration: client c1 writes /config ("v1", "v2", ...); every other client watches it, re-registering its
 * one-shot watch by reading again on every notification (and after a new session when its session expired).
 * Property `config-convergence`: after the last heal every watcher's latest value, obtained through its watch loop,
 * is the final value of /config.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import type { Verdict } from '../verdict.js';
import { BaseDriver, NONODE, SESSIONEXPIRED, codeOf, planClients } from './common.js';
import { EventType, KeeperState, type WatchedEvent } from '../../core/client/index.js';

const PATH = '/config';

export function planConfiguration(rng: Rng, config: ExploreConfig, clients: number): WorkloadPlan {
  const meanGap = rng.uniform(100, 600);
  const out = planClients(rng, clients, config.durationMs, 5, (c) => (c === 0 ? meanGap : 4 * meanGap), (c, gap) => ({ gap, op: c === 0 ? 'write' : 'read' }));
  return { name: 'configuration', keys: 1, clients: out };
}

interface WatcherState {
  /** Latest value obtained by the watch loop (null: absent / not read yet). */
  value: string | null;
  at: number;
  loops: number;
  /** Session of the running loop (an old session's loop stops). */
  session: string;
}

export class ConfigurationDriver extends BaseDriver {
  readonly name = 'configuration';
  private n = 0;
  private readonly watchers = new Map<number, WatcherState>();
  private finalValue: { value: string | null; ok: boolean } = { value: null, ok: false };

  constructor(cluster: ExploreCluster, plan: WorkloadPlan) {
    super(cluster, plan);
  }

  protected override onStart(): void {
    this.session(0).client.create(PATH, 'v0').catch(() => undefined);
    for (let slot = 1; slot < this.plan.clients.length; slot++) this.watchLoop(slot, this.session(slot));
  }

  protected override onNewSession(slot: number, s: Session): void {
    if (slot > 0) this.watchLoop(slot, s);
  }

  /** Read with a watch; on every notification read again (re-registering). */
  private watchLoop(slot: number, s: Session): void {
    let st = this.watchers.get(slot);
    if (!st) this.watchers.set(slot, (st = { value: null, at: 0, loops: 0, session: s.name }));
    st.session = s.name;
    const state = st;
    const read = (): void => {
      if (state.session !== s.name || s.client.state === 'CLOSED') return;
      if (this.world.isPaused(s.name)) return void this.world.schedule(50, `rewatch c${slot + 1} (paused)`, read);
      state.loops++;
      const onEvent = (ev: WatchedEvent): void => {
        if (ev.type === EventType.None) {
          // Session expired: the application opens a new session (which restarts the loop).
          if (ev.state === KeeperState.Expired) this.world.schedule(0, `renew c${slot + 1}`, () => this.whenRunnable(s.name, `renew c${slot + 1}`, () => void this.liveSession(slot)));
          return;
        }
        read();
      };
      s.client
        .getData(PATH, onEvent)
        .then((r) => {
          if (state.session !== s.name) return;
          state.value = r.data === null ? null : new TextDecoder().decode(r.data);
          state.at = this.world.now;
        })
        .catch((e) => {
          if (codeOf(e) === NONODE) {
            // Not created yet: wait for its creation with an exist watch.
            return s.client.exists(PATH, onEvent).then((stat) => {
              if (stat !== null) read();
            });
          }
          throw e;
        })
        .catch((e) => {
          if (codeOf(e) === SESSIONEXPIRED) {
            // The session is gone: the application opens a new one (which restarts the loop).
            this.noteError(s, e);
            this.world.schedule(0, `renew c${slot + 1}`, () => this.whenRunnable(s.name, `renew c${slot + 1}`, () => void this.liveSession(slot)));
            return;
          }
          // Connection loss: the watch may not be set; the application retries a little later.
          if (s.client.state !== 'CLOSED') this.world.schedule(100, `rewatch c${slot + 1}`, read);
        });
    };
    read();
  }

  protected perform(slot: number, op: PlannedOp, s: Session): Promise<unknown> {
    if (slot === 0 && op.op === 'write') {
      const v = `v${++this.n}`;
      return s.client.setData(PATH, v, -1).catch((e) => {
        // Not created yet (its create was lost to a fault): create it with this value.
        if (codeOf(e) === NONODE) return s.client.create(PATH, v);
        throw e;
      });
    }
    return s.client.getData(PATH);
  }

  protected finalRead(slot: number, s: Session): Promise<unknown> {
    return s.client.getData(PATH).then(
      (r) => {
        if (slot === 0) this.finalValue = { value: r.data === null ? null : new TextDecoder().decode(r.data), ok: true };
      },
      (e) => {
        if (codeOf(e) !== NONODE) throw e;
        if (slot === 0) this.finalValue = { value: null, ok: true }; // never created: an answer too
      },
    );
  }

  override verdicts(): Verdict[] {
    if (this.plan.clients.length < 2) return [{ property: 'config-convergence', ok: null, explanation: 'not checked: no watcher (one client)' }];
    if (!this.finalValue.ok) return [{ property: 'config-convergence', ok: null, explanation: 'not checked: the writer never read the final value (see the recovery property)' }];
    const bad: string[] = [];
    for (let slot = 1; slot < this.plan.clients.length; slot++) {
      const st = this.watchers.get(slot);
      const v = st?.value ?? null;
      if (v !== this.finalValue.value) bad.push(`c${slot + 1} (session ${st?.session}) last saw ${JSON.stringify(v)} at ${st?.at}ms`);
    }
    if (bad.length) {
      return [{ property: 'config-convergence', ok: false, explanation: `final value of ${PATH} is ${JSON.stringify(this.finalValue.value)} but ${bad.join('; ')}` }];
    }
    return [{ property: 'config-convergence', ok: true, explanation: `${this.plan.clients.length - 1} watcher(s) converged on ${JSON.stringify(this.finalValue.value)}` }];
  }
}
