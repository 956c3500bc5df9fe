/**
 * The bug zoo: defects that `--bug NAME` switches on in every server (core/server config.bugs), so that users and
 * our own tests can watch the testbed catch them. Each entry names the workload and fault kinds that expose it best;
 * `zksim explore --bug NAME` uses them unless the user chose a workload or faults.
 */
import type { FaultKind, WorkloadName } from './spec.js';

export interface ZooBug {
  name: string;
  description: string;
  workload: WorkloadName;
  faults: FaultKind[];
  servers: number;
  /** Virtual ms of the fault phase that exposes it best (default: DEFAULT_CONFIG.durationMs, 20 s). */
  durationMs?: number;
  /** Properties expected to catch it (documentation; the explorer reports whichever fails first). */
  caughtBy: string[];
  /** It needs TTL nodes: the servers get extended types (--extended-types) unless the user says otherwise. */
  extendedTypes?: boolean;
}

export const BUG_ZOO: ZooBug[] = [
  {
    name: 'commit-before-quorum',
    description: 'The leader commits a proposal as soon as it has logged it itself, without a quorum of ACKs, so an acknowledged write can vanish when the leader fails.',
    workload: 'registers',
    faults: ['crash', 'isolate-leader', 'partition', 'pause-server', 'power-loss'],
    servers: 3,
    caughtBy: ['linearizable', 'ensemble'],
  },
  {
    name: 'ack-before-fsync',
    description: 'A follower ACKs a proposal before its log write is fsynced, so a quorum can "hold" a write that a crash then erases from the disks.',
    workload: 'registers',
    faults: ['power-loss', 'slow-fsync', 'crash'],
    servers: 3,
    caughtBy: ['linearizable', 'ensemble'],
  },
  {
    name: 'election-ignores-zxid',
    description: 'Fast leader election orders votes by epoch and server id only, ignoring the last zxid, so a server missing committed transactions can become leader and truncate them away.',
    workload: 'registers',
    faults: ['crash', 'isolate-follower', 'isolate-leader', 'partition'],
    servers: 3,
    caughtBy: ['linearizable', 'ensemble'],
  },
  {
    name: 'keep-ephemerals-on-expiry',
    description: 'When a session expires, the leader forgets it without proposing its closeSession transaction, so the ephemeral nodes of a dead session stay forever.',
    workload: 'naming',
    faults: ['pause-client', 'partition'],
    servers: 3,
    caughtBy: ['membership', 'osc'],
  },
  {
    name: 'double-watch',
    description: 'Every watch notification is written twice to the client connection, so a one-shot watch fires twice.',
    workload: 'configuration',
    faults: ['slow-link'],
    servers: 3,
    caughtBy: ['watch-at-most-once', 'watches'],
  },
  {
    name: 'read-uncommitted',
    description: 'The leader serves reads from its proposed (not yet committed) state, so a client can read a write that is later lost.',
    workload: 'registers',
    faults: ['crash', 'isolate-leader', 'slow-fsync'],
    servers: 3,
    caughtBy: ['reads-committed', 'osc'],
  },
  {
    name: 'no-replay-on-rejoin',
    description: 'ZOOKEEPER-2845 (fixed in 3.4.12): a server that goes back to LOOKING keeps its in-memory tree without replaying its log, so a proposal it logged but never saw committed is lost or diverges from the others.',
    workload: 'registers',
    faults: ['isolate-leader', 'isolate-follower', 'partition', 'crash'],
    servers: 3,
    caughtBy: ['ensemble', 'linearizable'],
  },
  {
    name: 'sync-skips-leader',
    description: 'A follower answers sync at once from its own state instead of sending it through the leader (FollowerRequestProcessor / Leader.processSync), so a read after sync on a lagging follower can miss a write acknowledged before the sync was issued. The registers workload\'s sync-then-read operations expose it to osc (rule 3) once faults make a follower lag: 97 of seeds 1..500 with these faults and 3 servers (99 since some syncing reads are pipelined), 32 with every fault kind and 5 servers (the lock recipe, which syncs only after a lost connection: 3).',
    workload: 'registers', faults: ['partition', 'isolate-follower', 'bridge', 'one-way', 'slow-link'], servers: 3,
    caughtBy: ['osc'],
  },
  {
    name: 'read-overtakes-sync',
    description: 'A follower executes a read that is queued behind a pending sync of the same session at once, from its own state, instead of holding it until the leader\'s sync reply came back (FollowerRequestProcessor / CommitProcessor\'s per-session queue); the reply still goes out after the sync\'s (xids in order), with the zxid the read ran at. A read pipelined behind its sync (zk.sync(path, cb); zk.getData(path)) on a lagging follower can miss a write acknowledged before the sync was issued: the registers workload\'s pipelined syncing reads expose it to osc (rule 3; with zxids, also the read\'s reply zxid behind the sync\'s): 427 of seeds 1..500 with these faults and 3 servers, 0 without the bug.',
    workload: 'registers', faults: ['slow-link', 'latency-spike', 'slow-fsync'], servers: 3,
    caughtBy: ['osc'],
  },
  {
    name: 'forget-watches-on-reconnect',
    description: 'A server answers the setWatches of a reconnecting session but drops its watches (FinalRequestProcessor setWatches / DataTree.setWatches skipped), so a watch set before a failover never fires although its node changes.',
    workload: 'configuration', faults: ['crash', 'isolate-follower', 'partition'], servers: 3,
    caughtBy: ['watches', 'config-convergence'],
  },
  {
    name: 'seq-from-child-count',
    description: 'The leader derives a sequential node\'s suffix from the parent\'s current number of children instead of its cversion (PrepRequestProcessor uses parentCVersion), so after a delete a later sequential create reuses a name handed out before, or fails with NODEEXISTS.',
    workload: 'naming', faults: ['crash', 'pause-client', 'partition'], servers: 3,
    caughtBy: ['osc', 'ensemble'],
  },
  {
    name: 'learner-3.8.0',
    description: 'ZOOKEEPER-4643/4785 (3.8.0 Learner.syncWithLeader): at NEWLEADER a learner writes and fsyncs the new currentEpoch (reading nothing more from the leader meanwhile), then only queues the txns of its DIFF to the log and ACKs NEWLEADER before they are flushed, so a crash within that log fsync leaves it with the new epoch and without those txns; elected on its newer epoch, it truncates them from a server that had them, and writes acknowledged to clients are lost. (Also ZOOKEEPER-4394: a COMMIT between NEWLEADER and UPTODATE, while no PROPOSAL came after NEWLEADER, crashes the learner.) The window is one log fsync long, and the stale election must follow, so only long runs of crashes hit it: 3 of seeds 1..500 with these settings (4 minutes of faults; 6 of 1..2000), 0 of 2,000 with 60 s or 20 s runs of crashes.',
    workload: 'registers', faults: ['crash'], servers: 3, durationMs: 240_000,
    caughtBy: ['linearizable', 'ensemble'],
  },
  {
    name: 'forget-ephemerals-on-reload',
    description: 'A server keeps the index of each session\'s ephemerals that getEphemerals answers from (DataTree.ephemerals) up to date as it applies txns, but does not rebuild it when it installs a tree loaded from its snapshot and log (whenever it goes LOOKING, or restarts) or received in a SNAP from the leader: getEphemerals then forgets every ephemeral created before the reload (the nodes themselves, and their deletion at the session\'s close, are unaffected). After a leader change, a session that made an ephemeral before it no longer finds it: the inventory workload\'s getEphemerals expose it to osc (read-your-writes).',
    workload: 'inventory', faults: ['crash', 'isolate-leader', 'partition'], servers: 3,
    caughtBy: ['osc'],
  },
  {
    name: 'ttl-from-ctime',
    description: 'The container manager measures a TTL node\'s age from its creation (ctime) instead of its last write (mtime, as ContainerManager.getElapsed does), so a TTL node that is written within every ttl is still deleted once ttl has passed since it was created. Needs extended types (the inventory workload then makes n1 of every parent a TTL node): caught by the ttl property, with or without faults.',
    workload: 'inventory', faults: [], servers: 3, extendedTypes: true,
    caughtBy: ['ttl'],
  },
  {
    name: 'acl-not-in-snapshot',
    description: 'Snapshots leave ACLs out (every node is written as OPEN_ACL_UNSAFE, its aversion kept): the snapshot a new leader takes, and the SNAP it sends a lagging learner. A server that then loads it (restarting, going LOOKING, or synced by SNAP) serves open nodes that are protected on the others, so a client without rights reads, writes or deletes them, or sees another ACL in getACL. The acl workload exposes it to osc (permissions and getACL judged against the ACLs the history set).',
    workload: 'acl', faults: ['crash', 'isolate-leader', 'partition'], servers: 3,
    caughtBy: ['osc'],
  },
];

export function findBug(name: string): ZooBug | undefined {
  return BUG_ZOO.find((b) => b.name === name);
}
