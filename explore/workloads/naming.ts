/**
 * Naming (group membership): workers register ephemeral-sequential nodes /workers/w-NNNNNNNNNN and leave by
 * deleting them; the last client (when there are two or more) is a monitor that lists /workers with a child watch,
 * re-registering it on every notification.
 *
 * Property `membership` (checked after the recovery round, on what a fresh sync+getChildren+exists shows):
 * - every member node belongs to a session that is still open (an expired or closed session's ephemerals are gone);
 * - every worker whose last join succeeded and that did not leave since, with its session still open, is a member.
 * Property `membership-view`: the monitor's latest view (from its watch loop) equals the final membership.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import type { Verdict } from '../verdict.js';
import { BaseDriver, NODEEXISTS, NONODE, SESSIONEXPIRED, codeOf } from './common.js';
import { CreateMode, EventType, KeeperState, type WatchedEvent } from '../../core/client/index.js';

const DIR = '/workers';

export function planNaming(rng: Rng, config: ExploreConfig, clients: number): WorkloadPlan {
  const meanGap = rng.uniform(200, 1500);
  const monitor = clients >= 2 ? clients - 1 : -1;
  const out: PlannedOp[][] = [];
  for (let c = 0; c < clients; c++) {
    const ops: PlannedOp[] = [];
    let t = 0;
    let joined = false;
    while (t < config.durationMs) {
      const gap = Math.round(rng.exponential(meanGap));
      t += gap + 5;
      if (c === monitor) ops.push({ gap, op: 'view' });
      else {
        ops.push({ gap, op: joined ? 'leave' : 'join' });
        joined = !joined;
      }
    }
    out.push(ops);
  }
  return { name: 'naming', keys: 0, clients: out };
}

interface Member {
  /** The node path of the current membership (after a successful join), or null. */
  path: string | null;
  /** The join's outcome was unknown (the node may exist). */
  maybe: string[];
  session: string;
}

export class NamingDriver extends BaseDriver {
  readonly name = 'naming';
  private readonly monitor: number;
  private readonly members = new Map<number, Member>();
  private view: { children: string[] | null; at: number } = { children: null, at: 0 };
  private audit: { children: Array<{ name: string; owner: number }>; ok: boolean } = { children: [], ok: false };

  constructor(cluster: ExploreCluster, plan: WorkloadPlan) {
    super(cluster, plan);
    this.monitor = plan.clients.length >= 2 ? plan.clients.length - 1 : -1;
  }

  protected override onStart(): void {
    this.session(0).client.create(DIR, null).catch(() => undefined);
    if (this.monitor >= 0) this.watchLoop(this.session(this.monitor));
  }

  protected override onNewSession(slot: number, s: Session): void {
    if (slot === this.monitor) this.watchLoop(s);
    else this.members.set(slot, { path: null, maybe: [], session: s.name });
  }

  private watchLoop(s: Session): void {
    const read = (): void => {
      if (s.client.state === 'CLOSED' || this.session(this.monitor).name !== s.name) return;
      if (this.world.isPaused(s.name)) return void this.world.schedule(50, 'rewatch monitor (paused)', read);
      const onEvent = (ev: WatchedEvent): void => {
        if (ev.type === EventType.None) {
          if (ev.state === KeeperState.Expired) this.world.schedule(0, 'renew monitor', () => this.whenRunnable(s.name, 'renew monitor', () => void this.liveSession(this.monitor)));
          return;
        }
        read();
      };
      s.client.getChildren(DIR, onEvent).then(
        (children) => {
          this.view = { children: [...children].sort(), at: this.world.now };
        },
        (e) => {
          if (codeOf(e) === SESSIONEXPIRED) {
            this.noteError(s, e);
            this.world.schedule(0, 'renew monitor', () => this.whenRunnable(s.name, 'renew monitor', () => void this.liveSession(this.monitor)));
            return;
          }
          if (codeOf(e) === NONODE) {
            // No /workers yet: an empty group; wait for its creation with an exist watch.
            this.view = { children: [], at: this.world.now };
            s.client.exists(DIR, onEvent).then(
              (stat) => {
                if (stat !== null) read();
              },
              () => {
                if (s.client.state !== 'CLOSED') this.world.schedule(100, 'rewatch monitor', read);
              },
            );
            return;
          }
          if (s.client.state !== 'CLOSED') this.world.schedule(100, 'rewatch monitor', read);
        },
      );
    };
    read();
  }

  private member(slot: number, s: Session): Member {
    let m = this.members.get(slot);
    if (!m || m.session !== s.name) this.members.set(slot, (m = { path: null, maybe: [], session: s.name }));
    return m;
  }

  protected perform(slot: number, op: PlannedOp, s: Session): Promise<unknown> {
    if (op.op === 'view') return s.client.getChildren(DIR);
    const m = this.member(slot, s);
    if (op.op === 'join') {
      if (m.path) return Promise.resolve();
      const create = (): Promise<unknown> =>
        s.client.create(`${DIR}/w-`, s.name, CreateMode.EPHEMERAL_SEQUENTIAL).then(
          (path) => {
            m.path = path;
          },
          (e) => {
            if (codeOf(e) === -101) {
              // The directory does not exist yet: create it, then join.
              return s.client.create(DIR, null).catch((e2) => {
                if (codeOf(e2) !== NODEEXISTS) throw e2;
              }).then(create);
            }
            if (codeOf(e) === -4) m.maybe.push(s.name); // unknown outcome: the node may exist
            throw e;
          },
        );
      return create();
    }
    if (!m.path) return Promise.resolve();
    const path = m.path;
    return s.client.delete(path, -1).then(
      () => {
        m.path = null;
      },
      (e) => {
        // Gone already, or an unknown outcome: either way its presence can no longer be asserted.
        m.path = null;
        throw e;
      },
    );
  }

  protected finalRead(slot: number, s: Session): Promise<unknown> {
    // NONODE is an answer: /workers was never created (its creation lost to a fault and nobody joined since).
    const noDir = (e: unknown): null => {
      if (codeOf(e) !== NONODE) throw e;
      if (slot === 0) this.audit = { children: [], ok: true };
      return null;
    };
    if (slot !== 0) return s.client.getChildren(DIR).catch(noDir);
    // The audit: list the members and the owner of each, on a synced server.
    return s.client.getChildren(DIR).then(async (children) => {
      const out: Array<{ name: string; owner: number }> = [];
      for (const c of [...children].sort()) {
        const st = await s.client.exists(`${DIR}/${c}`);
        if (st) out.push({ name: c, owner: st.ephemeralOwner });
      }
      this.audit = { children: out, ok: true };
    }, noDir);
  }

  override verdicts(): Verdict[] {
    if (!this.audit.ok) {
      return [
        { property: 'membership', ok: null, explanation: 'not checked: the audit (final getChildren) never completed (see the recovery property)' },
        { property: 'membership-view', ok: null, explanation: 'not checked: no audit' },
      ];
    }
    // Open sessions now: the current session of every slot that is not CLOSED.
    const open = this.cluster.openSessionIds();
    const problems: string[] = [];
    for (const c of this.audit.children) {
      if (!open.has(c.owner)) problems.push(`${DIR}/${c.name} is owned by session 0x${c.owner.toString(16)}, which is no longer open (expired or closed)`);
    }
    const names = new Set(this.audit.children.map((c) => `${DIR}/${c.name}`));
    for (const [slot, m] of this.members) {
      const s = this.session(slot);
      if (m.session !== s.name || s.client.state === 'CLOSED' || !m.path) continue;
      if (!names.has(m.path)) problems.push(`c${slot + 1} (${s.name}) joined as ${m.path} and never left, its session is open, but the node is gone`);
    }
    const vs: Verdict[] = [
      problems.length
        ? { property: 'membership', ok: false, explanation: problems.join('; ') }
        : { property: 'membership', ok: true, explanation: `${this.audit.children.length} member(s), all owned by open sessions` },
    ];
    if (this.monitor < 0) vs.push({ property: 'membership-view', ok: null, explanation: 'not checked: no monitor (one client)' });
    else {
      const want = this.audit.children.map((c) => c.name).join(',');
      const got = this.view.children ? this.view.children.join(',') : '(none)';
      vs.push(
        want === got
          ? { property: 'membership-view', ok: true, explanation: `the monitor's view converged (${this.audit.children.length} member(s))` }
          : { property: 'membership-view', ok: false, explanation: `final membership [${want}] but the monitor's latest view (at ${this.view.at}ms) is [${got}]` },
      );
    }
    return vs;
  }
}
