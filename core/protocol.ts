/**
 * The client <-> server wire protocol, as typed messages (discriminated unions). It mirrors ZooKeeper's jute
 * records (ConnectRequest/Response, RequestHeader/ReplyHeader, WatcherEvent) closely enough that error codes,
 * zxids in reply headers and event ordering behave like Apache ZooKeeper 3.8.
 *
 * Data is bytes (Uint8Array) or null: ZooKeeper distinguishes null data from empty data.
 * Session ids are plain numbers (below 2^53), so they can be JSON data in traces and histories.
 */
import type { ACL, ClientInfo } from './acl.js';
export type { ACL, Id } from './acl.js';


/** ZooKeeper CreateMode flags (src: CreateMode). */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

/** Watcher.Event.EventType codes. */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Watcher.Event.KeeperState codes (Closed is client-local). */
export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  Expired: -112,
  Closed: 7,
} as const;
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState];

/** AddWatchMode (stretch). */
export const AddWatchMode = { PERSISTENT: 0, PERSISTENT_RECURSIVE: 1 } as const;
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode];

/** Watcher.WatcherType (3.8.0: Children 1, Data 2, Any 3; 3.9 adds Persistent 4 and PersistentRecursive 5). */
export const WatcherType = { Children: 1, Data: 2, Any: 3 } as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

export interface Stat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: number;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

export type Data = Uint8Array | null;

/** One operation inside a multi. */
export type MultiOp =
  /** acl: absent = OPEN_ACL_UNSAFE (world:anyone, all permissions). */
  | { op: 'create'; path: string; data: Data; mode: CreateMode; ttl?: number; acl?: readonly ACL[] }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Data; version: number }
  | { op: 'check'; path: string; version: number };

/** Requests that change state: each one becomes a txn with a zxid (possibly an error txn). */
export type WriteRequest =
  | { op: 'create'; path: string; data: Data; mode: CreateMode; ttl?: number; acl?: readonly ACL[] }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Data; version: number }
  /** OpCode.setACL (7): version is the expected aversion (-1: any). */
  | { op: 'setACL'; path: string; acl: readonly ACL[]; version: number }
  | { op: 'multi'; ops: MultiOp[] }
  | { op: 'closeSession' };

/** Requests answered from the connected server's applied state (no zxid consumed). */
export type ReadRequest =
  | { op: 'exists'; path: string; watch: boolean }
  | { op: 'getData'; path: string; watch: boolean }
  | { op: 'getChildren'; path: string; watch: boolean };

/** One operation of a multiRead (Java `Op.getData` / `Op.getChildren`: never a watch; opcodes 4 and 8 inside it). */
export type ReadOp = { op: 'getData'; path: string } | { op: 'getChildren'; path: string };

/**
 * The 3.6+ reads: answered like exists/getData/getChildren from the connected server's applied state (same queue, same
 * session check, no zxid), but none of them sets a watch. OpCode.multiRead 22, getEphemerals 103, getAllChildrenNumber 104.
 */
export type MoreReadRequest =
  | { op: 'multiRead'; ops: ReadOp[] }
  /** The caller session's ephemerals whose path string-starts-with `prefix` ("" or "/", after trimming: all). */
  | { op: 'getEphemerals'; prefix: string }
  /** The number of all descendants of `path` (the node itself excluded). */
  | { op: 'getAllChildrenNumber'; path: string }
  /** OpCode.getACL (6): needs READ or ADMIN; digest ids masked without ADMIN. No watch. */
  | { op: 'getACL'; path: string }
  /**
   * OpCode.whoAmI (107, 3.7+): no request record. Answered like a read by the connected server (FinalRequestProcessor,
   * after the session's earlier requests; not forwarded, no txn, reply zxid lastProcessedZxid) with the ids the
   * connection held when the request was read.
   */
  | { op: 'whoAmI' };

/** Requests with their own path through the server. */
export type OtherRequest =
  | { op: 'sync'; path: string }
  | { op: 'addWatch'; path: string; mode: AddWatchMode }
  /** OpCode.checkWatches (17, Java removeWatches with a watcher) / removeWatches (18, Java removeAllWatches). Local. */
  | { op: 'checkWatches'; path: string; type: WatcherType }
  | { op: 'removeWatches'; path: string; type: WatcherType }
  /** Sent by the client after a reconnect, before any queued request (SetWatches, xid -8). */
  | { op: 'setWatches'; relativeZxid: number; dataWatches: string[]; existWatches: string[]; childWatches: string[] }
  /**
   * OpCode.auth (100), sent with xid -4 (AUTHPACKET_XID): handled by the server as soon as it is read, not queued
   * (ZooKeeperServer.processPacket); the reply (xid -4, zxid 0) may overtake replies to earlier requests.
   */
  | { op: 'auth'; scheme: string; auth: Uint8Array };

export type Request = WriteRequest | ReadRequest | MoreReadRequest | OtherRequest;
export type OpName = Request['op'];

/** Result of one sub-op of a multi: `err` 0 for success (ZooKeeper's per-op results). */
export type MultiResult =
  /** stat: only for CONTAINER and TTL modes (the Java client's Op.create sends opcode create, whose CreateResult has
   *  the path only; createContainer/createTTL results carry the Stat — src: FinalRequestProcessor, obs). */
  | { op: 'create'; err: 0; path: string; stat?: Stat }
  | { op: 'delete'; err: 0 }
  | { op: 'setData'; err: 0; stat: Stat }
  | { op: 'check'; err: 0 }
  | { op: 'error'; err: number };

/**
 * Result of one op of a multiRead: ops are independent, a failing one gives its error and the others their data
 * (Java OpResult.GetDataResult, GetChildrenResult — names only, no Stat — and ErrorResult).
 */
export type ReadResult =
  | { op: 'getData'; err: 0; data: Data; stat: Stat }
  | { op: 'getChildren'; err: 0; children: string[] }
  | { op: 'error'; err: number };

/** Reply bodies, by request kind (present only when err = 0, except multi which always carries results). */
export type ReplyBody =
  | { op: 'create'; path: string; stat: Stat }
  | { op: 'delete' }
  | { op: 'setData'; stat: Stat }
  | { op: 'setACL'; stat: Stat }
  | { op: 'getACL'; acl: ACL[]; stat: Stat }
  | { op: 'multi'; results: MultiResult[] }
  | { op: 'closeSession' }
  | { op: 'exists'; stat: Stat }
  | { op: 'getData'; data: Data; stat: Stat }
  | { op: 'getChildren'; children: string[]; stat: Stat }
  | { op: 'multiRead'; results: ReadResult[] }
  | { op: 'getEphemerals'; paths: string[] }
  | { op: 'getAllChildrenNumber'; count: number }
  /** WhoAmIResponse: vector<ClientInfo{authScheme, user}> */
  | { op: 'whoAmI'; clientInfo: ClientInfo[] }
  | { op: 'sync'; path: string }
  | { op: 'addWatch' }
  | { op: 'checkWatches' }
  | { op: 'removeWatches' }
  | { op: 'setWatches' };

export interface WatchEventMsg {
  type: EventType;
  state: KeeperState;
  path: string;
}

/** Client -> server. */
export type ClientMessage =
  | {
      type: 'connect';
      protocolVersion: 0;
      lastZxidSeen: number;
      /** Requested session timeout in ms. */
      timeoutMs: number;
      /** 0 for a new session. */
      sessionId: number;
      passwd: string;
    }
  | { type: 'request'; xid: number; req: Request }
  | { type: 'ping' };

/** Server -> client. */
export type ServerMessage =
  | {
      type: 'connectResponse';
      /** Negotiated timeout; 0 means the session is expired or invalid (the client reports Expired). */
      timeoutMs: number;
      sessionId: number;
      passwd: string;
    }
  /** ReplyHeader (xid, zxid, err) plus the body when err = 0 (multi: always). */
  | { type: 'reply'; xid: number; zxid: number; err: number; body?: ReplyBody }
  | { type: 'pong'; zxid: number }
  /** A watch notification (ReplyHeader xid -1, zxid -1). */
  | { type: 'event'; event: WatchEventMsg };

/** Jute's maximum frame (jute.maxbuffer): larger requests drop the connection. */
export const MAX_FRAME_BYTES = 0xfffff;
