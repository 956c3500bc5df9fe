/**
 * ACL: clients with different identities create, read, write and delete a few znodes under /acl whose ACLs they set
 * and change as they go, so that ACLs and aversions travel through everything the faults exercise (the leader's
 * proposals, snapshots, log replays, DIFF/SNAP/TRUNC syncs) and every permission check of the servers is judged.
 *
 * Identities (per client slot, drawn per seed): alice ("alice:pw-a"), bob ("bob:pw-b"), an impostor (alice with the
 * wrong password: another digest id), or none. A client adds its identity with addAuthInfo("digest", ...) when its
 * session starts (and a new session after an expiry adds it again); some clients add a second identity later, in the
 * middle of their run (the planned 'auth' op), so the ids of a session change while it runs.
 *
 * Nodes /acl/a0../acl/aK-1 (K drawn per seed, 2..4): each create and setACL picks one ACL of ACL_CHOICES (open,
 * world-read, creator-all through `auth` — INVALIDACL for a client without a digest id —, digest ids with mixed
 * perms, ip 127.0.0.1, an ip range the clients are not in, world without WRITE/ADMIN). setACL's version is -1, the
 * aversion the client last saw for the node, or that one plus one (stale unless someone else changed it). Children
 * /acl/aK/c are created (CREATE on the parent) and deleted (DELETE on the parent). Reads: getData, getChildren,
 * multiRead (a getData and getChildren of one node and a getData of the next: each read NONODE, NOAUTH or its
 * answer), exists (no permission needed), getACL (READ or ADMIN; digests masked without ADMIN).
 *
 * No property of its own: osc judges every result against ZooKeeper's sequential specification with ACLs
 * (check/models/znode.ts: permission checks in the server's order, NOAUTH and INVALIDACL as modelled errors, getACL's
 * list and aversion, setACL's aversion check), and so does the linearizability shortcut osc may take.
 */
import type { Rng } from '../../sim/random.js';
import type { ExploreCluster, Session } from '../cluster.js';
import type { ExploreConfig, PlannedOp, WorkloadPlan } from '../spec.js';
import { BaseDriver, NOAUTH, NODEEXISTS, NONODE, codeOf, planClients } from './common.js';
import { CreateMode } from '../../core/client/index.js';
import { CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, Perms, READ_ACL_UNSAFE, digestOf, type ACL } from '../../core/acl.js';

const ROOT = '/acl';

/** The identities a client may have ("user:password" of the digest scheme); null = none. */
export const ACL_IDENTITIES: ReadonlyArray<string | null> = ['alice:pw-a', 'bob:pw-b', 'alice:wrong', null];

const ALICE = digestOf('alice:pw-a');
const BOB = digestOf('bob:pw-b');
const { READ, WRITE, CREATE, DELETE, ADMIN, ALL } = Perms;

/** The ACLs creates and setACLs choose from. */
export const ACL_CHOICES: ReadonlyArray<readonly ACL[]> = [
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  CREATOR_ALL_ACL,
  [{ perms: ALL, scheme: 'digest', id: ALICE }, { perms: READ, scheme: 'world', id: 'anyone' }],
  [{ perms: READ | WRITE, scheme: 'digest', id: BOB }, { perms: ADMIN | DELETE | CREATE, scheme: 'digest', id: ALICE }],
  [{ perms: ALL, scheme: 'ip', id: '127.0.0.1' }],
  [{ perms: ALL, scheme: 'ip', id: '10.0.0.0/8' }, { perms: READ | CREATE, scheme: 'world', id: 'anyone' }],
  [{ perms: READ | CREATE | DELETE, scheme: 'world', id: 'anyone' }],
  [{ perms: ALL, scheme: 'digest', id: ALICE }],
  [{ perms: ADMIN, scheme: 'digest', id: BOB }, { perms: READ | WRITE | CREATE | DELETE, scheme: 'world', id: 'anyone' }],
];

/**
 * The plan: per seed, the number of nodes, a mean gap and each client's identity (index in ACL_IDENTITIES, carried by
 * the client's first planned op); then per operation its kind, node, ACL choice (or, for 'auth', which identity it
 * adds) and setACL's version choice.
 */
export function planAcl(rng: Rng, config: ExploreConfig, clients: number): WorkloadPlan {
  const nodes = rng.int(2, 5);
  const meanGap = rng.uniform(60, 400);
  const identities = Array.from({ length: clients }, () => rng.int(0, ACL_IDENTITIES.length));
  const out = planClients(rng, clients, config.durationMs, 5, () => meanGap, (_c, gap) => {
    const x = rng.next();
    let op: PlannedOp['op'];
    if (x < 0.03) op = 'auth';
    else if (x < 0.16) op = 'create';
    else if (x < 0.26) op = 'setAcl';
    else if (x < 0.36) op = 'getAcl';
    else if (x < 0.5) op = 'read';
    else if (x < 0.62) op = 'write';
    else if (x < 0.7) op = 'delete';
    else if (x < 0.78) op = 'child';
    else if (x < 0.84) op = 'unchild';
    else if (x < 0.92) op = 'view';
    else op = 'exists';
    // key: the node; acl: which ACL (create, setACL) or which identity ('auth'); version: setACL's choice
    return { gap, op, key: rng.int(0, nodes), acl: op === 'auth' ? rng.int(0, 3) : rng.int(0, ACL_CHOICES.length), aversion: rng.int(0, 3) };
  });
  // The first planned op of each client carries its identity (the driver reads it at start).
  out.forEach((ops, c) => {
    if (ops[0]) ops[0].identity = identities[c];
  });
  return { name: 'acl', keys: nodes, clients: out };
}

export class AclDriver extends BaseDriver {
  readonly name = 'acl';
  /** Per slot: the identity its sessions add when they start. */
  private readonly identity: Array<string | null>;
  /** The aversion each node had in the last reply any client got for it (setACL's "current" version). */
  private readonly seen = new Map<string, number>();
  private writes = 0;

  constructor(cluster: ExploreCluster, plan: WorkloadPlan) {
    super(cluster, plan);
    this.identity = plan.clients.map((ops) => ACL_IDENTITIES[ops[0]?.identity ?? ACL_IDENTITIES.length - 1] ?? null);
  }

  private node(k: number): string {
    return `${ROOT}/a${k}`;
  }

  private authenticate(s: Session): void {
    const id = this.identity[s.slot];
    if (id) s.client.addAuthInfo('digest', id);
  }

  protected override onStart(): void {
    this.plan.clients.forEach((_ops, slot) => this.authenticate(this.session(slot)));
    // Client 0 makes /acl (open; a lost create is made again when a create meets NONODE).
    this.session(0).client.create(ROOT, null).catch(() => undefined);
  }

  protected override onNewSession(_slot: number, s: Session): void {
    this.authenticate(s);
  }

  private note(path: string, stat: { aversion?: number } | null | undefined): void {
    if (stat && typeof stat.aversion === 'number') this.seen.set(path, stat.aversion);
  }

  protected perform(_slot: number, op: PlannedOp, s: Session): Promise<unknown> {
    const path = this.node(op.key ?? 0);
    const acl = ACL_CHOICES[(op.acl ?? 0) % ACL_CHOICES.length]!;
    const c = s.client;
    switch (op.op) {
      case 'auth': {
        // a second identity, in the middle of the session
        const id = ACL_IDENTITIES[(op.acl ?? 0) % 3];
        if (id) c.addAuthInfo('digest', id);
        return Promise.resolve();
      }
      case 'create': {
        const data = `${s.name}:${++this.writes}`;
        return c.create(path, data, CreateMode.PERSISTENT, undefined, acl).catch((e) => {
          if (codeOf(e) !== NONODE) throw e;
          return c.create(ROOT, null).catch((e2) => {
            if (codeOf(e2) !== NODEEXISTS) throw e2;
          }).then(() => c.create(path, data, CreateMode.PERSISTENT, undefined, acl));
        });
      }
      case 'setAcl': {
        const seen = this.seen.get(path);
        const choice = op.aversion ?? 0;
        const version = choice === 0 || seen === undefined ? -1 : choice === 1 ? seen : seen + 1;
        return c.setACL(path, acl, version).then((st) => this.note(path, st));
      }
      case 'getAcl':
        return c.getACL(path).then((r) => this.note(path, r.stat));
      case 'read':
        return c.getData(path).then((r) => this.note(path, r.stat));
      case 'write':
        return c.setData(path, `${s.name}:${++this.writes}`, -1).then((st) => this.note(path, st));
      case 'delete':
        return c.delete(path, -1);
      case 'child':
        return c.create(`${path}/c`, `${s.name}:${++this.writes}`, CreateMode.PERSISTENT);
      case 'unchild':
        return c.delete(`${path}/c`, -1);
      case 'view':
        // a third of them (by the setACL version draw every op has, so the plan is unchanged) a multiRead: its reads
        // are each checked for READ on their node, as getData and getChildren are (NOAUTH in the results)
        if (op.aversion === 2) return c.multiRead([{ op: 'getData', path }, { op: 'getChildren', path }, { op: 'getData', path: this.node(((op.key ?? 0) + 1) % this.plan.keys) }]);
        return c.getChildren(path);
      case 'exists':
        return c.exists(path).then((st) => this.note(path, st));
      default:
        return Promise.resolve();
    }
  }

  protected finalRead(_slot: number, s: Session): Promise<unknown> {
    // every node's ACL and children once more (NONODE and NOAUTH are answers: the round is served)
    const answer = (e: unknown): null => {
      const code = codeOf(e);
      if (code !== NONODE && code !== NOAUTH) throw e;
      return null;
    };
    let p: Promise<unknown> = s.client.getChildren(ROOT).catch(answer);
    for (let k = 0; k < this.plan.keys; k++) p = p.then(() => s.client.getACL(this.node(k)).catch(answer));
    return p;
  }
}
