/**
 * Naming (group membership): workers register ephemeral-sequential nodes /workers/w-NNNNNNNNNN and leave by
 * deleting them; the last client (when there are two or more) is a monitor that lists /workers with a child watch,
 * re-registering it on every notification.
 *
 * Property `membership` (checked after the recovery round, on what a fresh sync+getChildren+exists shows). Each part
 * compares like with like: what the audit's reads returned against what ZooKeeper had promised at the zxid those reads
 * were served at (the reply header's zxid: the serving server had applied exactly the txns up to it), never against
 * the clients' state at the end of the run, which is later than the audit:
 * - no member node belongs to a session whose closeSession (expiry or close) ZooKeeper promises committed at a zxid ≤
 *   the zxid Zr of the exists that returned the node: the serving server had then applied the close, so had deleted
 *   the session's ephemerals (zookeeper-semantics.md S1). The close is promised committed by Zr when (a) the trace
 *   shows it committed at a zxid ≤ Zr ('apply' of a closeSession, 'history-close'; explore/checks.ts
 *   committedCloses), or (b) a leader expired the session and then, in the same tenure, proposed a txn with zxid ≤ Zr
 *   that was committed: an expiring leader submits the session's closeSession at once (§6.4), before anything it
 *   proposes later, and ZAB commits a leader's proposals in zxid order (this catches a leader that forgets an expired
 *   session without closing it). That is the whole rule: a session the client knows is gone (SESSIONEXPIRED on
 *   reconnect, refused as closing) keeps its ephemerals until some leader commits its closeSession, which can be long
 *   after (a leader that expired it steps down before the close commits, and a new leader elected late re-arms the
 *   session's timeout), so neither the client's state nor the time since the expiry makes such a node a violation.
 *   Without a trace, a node owned by a session that is no longer open leaves the part not checked;
 * - every worker whose last join succeeded at a zxid ≤ the audit's getChildren zxid, that did not leave since, whose
 *   session is still open and whose closeSession was not committed at a zxid ≤ that getChildren's, is a member.
 * Property `membership-view`: the monitor's latest view (from its watch loop) equals the membership at the zxid it was
 * read at. When the monitor read at or before the audit's getChildren (zxid ≤ it), the view must equal that listing
 * (the monitor had half the recovery phase to see every change before it: convergence). When it read later, the
 * expected view is that listing updated with what was committed in between: closes (deleting their sessions'
 * members), and creates and deletes the history knows the zxid of; another create, delete or multi committed in
 * between leaves the property not checked.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import type { Verdict } from '../verdict.js';
import { BaseDriver, NODEEXISTS, NONODE, SESSIONEXPIRED, codeOf } from './common.js';
import { CreateMode, EventType, KeeperState, type WatchedEvent } from '../../core/client/index.js';
import { committedCloses } from '../checks.js';
import { pairOperations } from '../../check/history.js';
import type { TraceEvent } from '../../sim/trace.js';
import { hex } from '../../core/server/quorum-messages.js';

const DIR = '/workers';

/** A zxid or session id in hex, '?' when unknown (verdict texts). */
function hexOrUnknown(n: number | undefined): string {
  return n === undefined ? '?' : hex(n);
}

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
  private view: { children: string[] | null; at: number; zxid?: number } = { children: null, at: 0 };
  /**
   * The audit: `listed` what its getChildren returned (at zxid `zxid`), `children` those of them its exists calls
   * still found, with their owner and the zxid each exists was served at, `gone` the others (deleted by that zxid).
   */
  private audit: { listed: string[]; zxid?: number; children: Array<{ name: string; owner: number; zxid?: number }>; gone: Map<string, number | undefined>; ok: boolean } = { listed: [], children: [], gone: new Map(), ok: false };

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
      const from = this.cluster.history.events.length;
      s.client.getChildren(DIR, onEvent).then(
        (children) => {
          this.view = { children: [...children].sort(), at: this.world.now, zxid: this.replyZxid(from, s.name, 'getChildren', DIR) };
        },
        (e) => {
          if (codeOf(e) === SESSIONEXPIRED) {
            this.noteError(s, e);
            this.world.schedule(0, 'renew monitor', () => this.whenRunnable(s.name, 'renew monitor', () => void this.liveSession(this.monitor)));
            return;
          }
          if (codeOf(e) === NONODE) {
            // No /workers yet: an empty group; wait for its creation with an exist watch.
            this.view = { children: [], at: this.world.now, zxid: this.replyZxid(from, s.name, 'getChildren', DIR) };
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
    const from = this.cluster.history.events.length;
    const noDir = (e: unknown): null => {
      if (codeOf(e) !== NONODE) throw e;
      if (slot === 0) this.audit = { listed: [], zxid: this.replyZxid(from, s.name, 'getChildren', DIR), children: [], gone: new Map(), ok: true };
      return null;
    };
    if (slot !== 0) return s.client.getChildren(DIR).catch(noDir);
    // The audit: list the members and the owner of each, on a synced server.
    return s.client.getChildren(DIR).then(async (children) => {
      const zxid = this.replyZxid(from, s.name, 'getChildren', DIR);
      const out: Array<{ name: string; owner: number; zxid?: number }> = [];
      const gone = new Map<string, number | undefined>();
      for (const c of [...children].sort()) {
        const at = this.cluster.history.events.length;
        const st = await s.client.exists(`${DIR}/${c}`);
        const z = this.replyZxid(at, s.name, 'exists', `${DIR}/${c}`);
        if (st) out.push({ name: c, owner: st.ephemeralOwner, zxid: z });
        else gone.set(c, z);
      }
      this.audit = { listed: [...children].sort(), zxid, children: out, gone, ok: true };
    }, noDir);
  }

  /** The reply zxid of the first `op` on `path` that `process` invoked at or after history index `from`. */
  private replyZxid(from: number, process: string, op: string, path: string): number | undefined {
    const events = this.cluster.history.events;
    let id: number | undefined;
    for (let i = from; i < events.length; i++) {
      const e = events[i]!;
      if (id === undefined) {
        if (e.kind === 'invoke' && e.process === process && e.op === op && (e.args as { path?: unknown } | null)?.path === path) id = e.id;
      } else if ((e.kind === 'ok' || e.kind === 'fail') && e.id === id) return e.zxid;
    }
    return undefined;
  }

  /**
   * Session id → the zxids that vouch for its closeSession: a leader that expires a session submits its closeSession
   * at once (zookeeper-semantics.md §6.4; here it proposes it in the same step), so every txn that leader proposes
   * later in the same tenure (no role change, crash or restart in between) has a higher zxid than that close, and ZAB
   * commits a leader's proposals in zxid order: once such a txn is committed, so is the close. Only the committed ones
   * (applied by some server) are kept, and an apply counts only for the very txn proposed (zxid, type and session): a
   * standalone server that crashes before its log write is durable proposes its next txn under the same zxid again
   * (its epoch stays 0), so the lost closeSession's zxid can be applied for another txn (seeds 2827 and 3071 with
   * --servers 1). Null without a trace.
   */
  private vouchedCloses(): Map<number, number[]> | null {
    if (!this.world.recordTrace) return null;
    const servers = new Set(this.cluster.servers);
    const pending = new Map<string, number[]>(); // leader → sessions it expired and has proposed nothing since
    /** Session id → the proposals that vouch for its close: zxid, and the txn (txnKey) to find among the applies. */
    const proposals = new Map<number, Array<{ zxid: number; txn: string }>>();
    const applied = new Set<string>();
    const txnKey = (e: TraceEvent): string => `${String(e.zxid)}|${String(e.type)}|${String(e.session)}`;
    for (const e of this.world.trace) {
      const node = typeof e.node === 'string' ? e.node : '';
      if (!servers.has(node)) continue;
      if (e.kind === 'session' && e.event === 'expire') {
        let p = pending.get(node);
        if (!p) pending.set(node, (p = []));
        p.push(Number(e.id));
      } else if (e.kind === 'propose' && typeof e.zxid === 'number') {
        const p = pending.get(node);
        if (!p?.length) continue;
        const txn = txnKey(e);
        for (const id of p) {
          let v = proposals.get(id);
          if (!v) proposals.set(id, (v = []));
          v.push({ zxid: e.zxid, txn });
        }
        p.length = 0;
      } else if (e.kind === 'state' || e.kind === 'crash' || e.kind === 'start' || e.kind === 'restart') pending.delete(node);
      else if (e.kind === 'apply' && typeof e.zxid === 'number') applied.add(txnKey(e));
    }
    const vouch = new Map<number, number[]>();
    for (const [id, ps] of proposals) {
      const kept = ps.filter((x) => applied.has(x.txn)).map((x) => x.zxid);
      if (kept.length) vouch.set(id, kept);
    }
    return vouch;
  }

  /** Session id → the zxid of its closeSession first known committed (committedCloses); null without a trace. */
  private closes(): Map<number, number> | null {
    if (!this.world.recordTrace) return null;
    const out = new Map<number, number>();
    for (const [id, c] of committedCloses(this.world.trace)) out.set(Number(id), c.zxid);
    return out;
  }

  override verdicts(): Verdict[] {
    if (!this.audit.ok) {
      return [
        { property: 'membership', ok: null, explanation: 'not checked: the audit (final getChildren) never completed (see the recovery property)' },
        { property: 'membership-view', ok: null, explanation: 'not checked: no audit' },
      ];
    }
    const closes = this.closes();
    const events = this.cluster.history.events;
    // Each process's session id (from its 'connected' records), and the zxid of every successful create / delete.
    const sessionOf = new Map<string, number>();
    for (const e of events) if (e.kind === 'session' && e.sessionId !== undefined && typeof e.process === 'string') sessionOf.set(e.process, Number(e.sessionId));
    const created = new Map<string, { zxid: number; process: string }>();
    const deleted: Array<{ path: string; zxid: number }> = [];
    for (const o of pairOperations(events)) {
      if (o.status !== 'ok' || o.zxid === undefined) continue;
      if (o.op === 'create') {
        const path = (o.result as { path?: unknown } | null)?.path ?? (typeof o.result === 'string' ? o.result : undefined);
        if (typeof path === 'string') created.set(path, { zxid: o.zxid, process: String(o.process) });
      } else if (o.op === 'delete') {
        const path = (o.args as { path?: unknown } | null)?.path;
        if (typeof path === 'string') deleted.push({ path, zxid: o.zxid });
      }
    }
    const closedBy = (session: number | undefined, zxid: number | undefined): number | undefined => {
      if (session === undefined || zxid === undefined || !closes) return undefined;
      const c = closes.get(session);
      return c !== undefined && c <= zxid ? c : undefined;
    };

    // membership, part 1: no member owned by a session whose closeSession the serving server had applied.
    const open = this.cluster.openSessionIds();
    const vouched = this.vouchedCloses();
    const problems: string[] = [];
    const undecided: string[] = [];
    for (const c of this.audit.children) {
      if (!closes) {
        if (!open.has(c.owner)) undecided.push(`${DIR}/${c.name} (session ${hexOrUnknown(c.owner)})`);
        continue;
      }
      const close = closedBy(c.owner, c.zxid);
      const vouch = (vouched?.get(c.owner) ?? []).filter((z) => c.zxid !== undefined && z <= c.zxid);
      if (close !== undefined) problems.push(`${DIR}/${c.name} is owned by session ${hexOrUnknown(c.owner)}, whose closeSession was committed at zxid ${hexOrUnknown(close)}, yet it was still there at zxid ${hexOrUnknown(c.zxid)}`);
      else if (vouch.length) {
        const later = closes.get(c.owner);
        problems.push(`${DIR}/${c.name} is owned by session ${hexOrUnknown(c.owner)}, which its leader expired before proposing zxid ${hexOrUnknown(vouch[0])} in the same tenure, committed, so its closeSession was committed before that zxid, yet ${later === undefined ? 'no closeSession of it was ever committed' : `its closeSession was committed only at zxid ${hexOrUnknown(later)}`} and the node was still there at zxid ${hexOrUnknown(c.zxid)}`);
      }
    }
    // part 2: every member that joined before the audit's listing, never left and whose session is open is listed.
    const names = new Set(this.audit.listed.map((c) => `${DIR}/${c}`));
    for (const [slot, m] of this.members) {
      const s = this.session(slot);
      if (m.session !== s.name || s.client.state === 'CLOSED' || !m.path) continue;
      const join = created.get(m.path);
      if (!join || this.audit.zxid === undefined || join.zxid > this.audit.zxid) continue; // joined after the listing
      if (closedBy(sessionOf.get(s.name), this.audit.zxid) !== undefined) continue; // its session was closed by then
      if (!names.has(m.path)) problems.push(`c${slot + 1} (${s.name}) joined as ${m.path} (zxid ${hexOrUnknown(join.zxid)}) and never left, its session is open, but the node is not listed at zxid ${hexOrUnknown(this.audit.zxid)}`);
    }
    const vs: Verdict[] = [
      problems.length
        ? { property: 'membership', ok: false, explanation: problems.join('; ') }
        : undecided.length
          ? { property: 'membership', ok: null, explanation: `not checked: the run kept no trace, so whether the closeSession of the owner of ${undecided.join(', ')} was committed is unknown` }
          : { property: 'membership', ok: true, explanation: `${this.audit.children.length} member(s), none owned by a session closed when it was read` },
    ];
    if (this.monitor < 0) vs.push({ property: 'membership-view', ok: null, explanation: 'not checked: no monitor (one client)' });
    else vs.push(this.viewVerdict(closes, created, deleted, sessionOf));
    return vs;
  }

  /** membership-view: the monitor's latest view against the listing, brought to the zxid the view was read at. */
  private viewVerdict(closes: Map<number, number> | null, created: Map<string, { zxid: number; process: string }>, deleted: Array<{ path: string; zxid: number }>, sessionOf: Map<string, number>): Verdict {
    const got = this.view.children ? this.view.children.join(',') : '(none)';
    const za = this.audit.zxid;
    const zv = this.view.zxid;
    const at = `at ${this.view.at}ms${zv !== undefined ? `, zxid ${hex(zv)}` : ''}`;
    const listed = this.audit.listed.join(',');
    if (this.view.children === null || za === undefined || zv === undefined || zv <= za) {
      return listed === got
        ? { property: 'membership-view', ok: true, explanation: `the monitor's view converged (${this.audit.listed.length} member(s))` }
        : { property: 'membership-view', ok: false, explanation: `final membership [${listed}] (zxid ${hexOrUnknown(za)}) but the monitor's latest view (${at}) is [${got}]` };
    }
    // The monitor read after the listing: replay on it what was committed in (za, zv].
    const inRange = (z: number): boolean => z > za && z <= zv;
    if (this.world.recordTrace) {
      const known = new Set<number>([...created.values()].map((c) => c.zxid).concat(deleted.map((d) => d.zxid)));
      const other = this.world.trace.find((e) => e.kind === 'apply' && typeof e.zxid === 'number' && inRange(e.zxid) && (e.type === 'create' || e.type === 'delete' || e.type === 'multi') && !known.has(e.zxid));
      if (other) return { property: 'membership-view', ok: null, explanation: `not checked: the monitor's view (${at}) is later than the final listing, and a ${String(other.type)} the history has no zxid for was committed in between (zxid ${hex(other.zxid as number)})` };
    } else return { property: 'membership-view', ok: null, explanation: `not checked: the monitor's view (${at}) is later than the final listing and the run kept no trace` };
    const owner = new Map(this.audit.children.map((c) => [c.name, c.owner]));
    const must = new Set<string>();
    const maybe = new Set<string>();
    for (const name of this.audit.listed) {
      if (!this.audit.gone.has(name)) must.add(name);
      else {
        // Listed, then gone by its exists: deleted at a zxid in (za, that exists' zxid].
        const z = this.audit.gone.get(name);
        if (z === undefined || z > zv) maybe.add(name);
      }
    }
    for (const [path, c] of created) {
      if (!path.startsWith(`${DIR}/`) || !inRange(c.zxid)) continue;
      const name = path.slice(DIR.length + 1);
      must.add(name);
      const sid = sessionOf.get(c.process);
      if (sid !== undefined) owner.set(name, sid);
    }
    for (const d of deleted) if (d.path.startsWith(`${DIR}/`) && inRange(d.zxid)) must.delete(d.path.slice(DIR.length + 1));
    for (const name of [...must]) {
      const o = owner.get(name);
      const c = o !== undefined ? closes?.get(o) : undefined;
      if (c !== undefined && inRange(c)) must.delete(name);
    }
    const view = new Set(this.view.children);
    const missing = [...must].filter((n) => !view.has(n));
    const extra = [...view].filter((n) => !must.has(n) && !maybe.has(n));
    if (!missing.length && !extra.length) return { property: 'membership-view', ok: true, explanation: `the monitor's view converged (${view.size} member(s) at zxid ${hex(zv)})` };
    return { property: 'membership-view', ok: false, explanation: `membership at zxid ${hex(zv)} (the listing at ${hex(za)} and the changes committed since) is [${[...must].sort().join(',')}] but the monitor's latest view (${at}) is [${got}]` };
  }
}
