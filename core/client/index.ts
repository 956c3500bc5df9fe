/** The zksim ZooKeeper client library (see client.ts). */
export { ZooKeeperClient, Transaction, toData, dataText } from './client.js';
export type { ClientConfig, ClientRecorder, ClientState, DataInput, OpResult, Watcher, WatchedEvent } from './types.js';
export { CreateMode, EventType, KeeperState, AddWatchMode, WatcherType } from '../protocol.js';
export type { Stat, Data, MultiOp, MultiResult, ReadOp, ReadResult } from '../protocol.js';
export type { ACL, Id, ClientInfo } from '../acl.js';
export { Perms, Ids, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, CREATOR_ALL_ACL, digestOf } from '../acl.js';
export { ZkError, Code, errorName } from '../errors.js';
export { errorCode, isOutcomeUnknown } from './errors.js';
export { sequenceNumber } from '../paths.js';
