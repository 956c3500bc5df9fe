/**
 * Server <-> server messages (Zab quorum packets and election notifications), as a discriminated union.
 * Mirrors org.apache.zookeeper.server.quorum.Leader packet types; all fields are plain JSON data.
 *
 * Two kinds of server-to-server connections exist, told apart by their first message:
 * - election connections carry only `{ type: 'fle', n }` (notifications of core/server/election.ts);
 * - learner connections (learner -> leader) start with FOLLOWERINFO / OBSERVERINFO.
 */
import type { Request } from '../protocol.js';
import type { LoggedTxn } from './db.js';
import type { Id } from '../acl.js';

/** A client request forwarded by a learner (REQUEST, type 1). */
export type ForwardedRequest =
  /** auth: the connection's ids when they are more than ip:127.0.0.1 (QuorumPacket.authinfo; absent: only that). */
  | { kind: 'op'; sessionId: number; cxid: number; req: Request; auth?: readonly Id[] }
  | { kind: 'createSession'; sessionId: number; cxid: number; timeout: number }
  | { kind: 'expire'; sessionId: number }
  /** ContainerManager (leader-local): delete an empty container / expired TTL node found by the check at `checked`. */
  | { kind: 'deleteContainer'; path: string; checked: number };

export type QuorumMessage =
  /** Election notification (opaque to the Zab layer). */
  | { type: 'fle'; n: unknown }
  /** FOLLOWERINFO (11) / OBSERVERINFO (16): zxid = acceptedEpoch << 32. */
  | { type: 'followerinfo'; sid: number; acceptedEpoch: number; observer: boolean }
  /** LEADERINFO (17): the proposed epoch. */
  | { type: 'leaderinfo'; epoch: number }
  /** ACKEPOCH (18): learner's last logged zxid and currentEpoch (-1 when it had already accepted the epoch). */
  | { type: 'ackepoch'; lastZxid: number; currentEpoch: number }
  /** DIFF (13): what follows are proposals+commits after `zxid`. */
  | { type: 'diff'; zxid: number }
  /** TRUNC (14): truncate the log to `zxid`. */
  | { type: 'trunc'; zxid: number }
  /** SNAP (15): a whole snapshot of the leader's committed state at `zxid`. */
  | { type: 'snap'; zxid: number; snapshot: unknown }
  /** PROPOSAL (2). */
  | { type: 'proposal'; t: LoggedTxn }
  /** COMMIT (4). */
  | { type: 'commit'; zxid: number }
  /** INFORM (8): commit for observers, carries the txn. */
  | { type: 'inform'; t: LoggedTxn }
  /** NEWLEADER (10): zxid = epoch << 32. */
  | { type: 'newleader'; zxid: number }
  /** UPTODATE (12). */
  | { type: 'uptodate' }
  /** ACK (3). */
  | { type: 'ack'; zxid: number }
  /** PING (5) leader -> learner. */
  | { type: 'ping'; zxid: number }
  /** PING reply learner -> leader with the session touch table. */
  | { type: 'pingReply'; touches: Array<[number, number]> }
  /** REQUEST (1) learner -> leader. */
  | { type: 'request'; r: ForwardedRequest }
  /** REVALIDATE (6) learner -> leader and back. */
  | { type: 'revalidate'; sessionId: number; timeout: number; cnxnTag: number }
  | { type: 'revalidateReply'; sessionId: number; valid: boolean; timeout: number; cnxnTag: number }
  /** SYNC (7) leader -> learner: answer to a forwarded sync of a session. */
  | { type: 'sync'; sessionId: number; cxid: number; path: string };

export type QuorumType = QuorumMessage['type'];

/** The Zab packet type names used in traces. */
export function isQuorumMessage(m: unknown): m is QuorumMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' &&
    QUORUM_TYPES.has((m as { type: string }).type);
}

const QUORUM_TYPES = new Set<string>([
  'fle', 'followerinfo', 'leaderinfo', 'ackepoch', 'diff', 'trunc', 'snap', 'proposal', 'commit', 'inform',
  'newleader', 'uptodate', 'ack', 'ping', 'pingReply', 'request', 'revalidate', 'revalidateReply', 'sync',
]);

/**
 * Is `id` in `ids`? For the few server ids of a quorum check (voters, a proposal's ACKs), run on every ACK: a loop
 * the compiler inlines, where includes/indexOf are builtin calls that cost more than comparing a few numbers.
 */
export function hasId(ids: readonly number[], id: number): boolean {
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) return true;
  return false;
}

/** zxid helpers: arithmetic, not bit operations (JS bit ops are 32-bit). */
export const TWO32 = 4294967296;
export function makeZxid(epoch: number, counter: number): number {
  return epoch * TWO32 + counter;
}
export function epochOf(zxid: number): number {
  return Math.floor(zxid / TWO32);
}
export function counterOf(zxid: number): number {
  return zxid % TWO32;
}
export function hex(zxid: number): string {
  return '0x' + zxid.toString(16);
}
