/**
 * ZooKeeper error codes (src: `KeeperException.Code`, 3.8). The numeric values are what travels in a reply header's
 * `err` field and in multi results; the names are the Java enum names, so histories and reports read like ZooKeeper.
 */
export const Code = {
  OK: 0,
  /** Range marker in Java; never sent by the server. */
  SYSTEMERROR: -1,
  /** Multi sub-ops after the failing one. */
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  /** Client-generated: the connection was lost with the request queued or in flight (outcome unknown). */
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  /** e.g. TTL create while extendedTypesEnabled is false. */
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  /** Bad path (per-operation rules of §1.2), delete of a special path, bad TTL. */
  BADARGUMENTS: -8,
  /** Internal to the server. */
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  /** Range marker in Java; never sent by the server. */
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
export type CodeName = keyof typeof Code;
export type Code = (typeof Code)[CodeName];

const NAMES = new Map<number, CodeName>(
  (Object.keys(Code) as CodeName[]).map((name) => [Code[name], name] as const),
);

/** The Java enum name of a code ("NONODE"), or "UNKNOWN(<code>)" for a value ZooKeeper does not define. */
export function errorName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN(${code})`;
}

/** True for a value defined by `KeeperException.Code`. */
export function isKnownCode(code: number): boolean {
  return NAMES.has(code);
}

/** Java's `KeeperException.getCodeMessage` text ("NoNode", "Directory not empty"...). */
export function codeMessage(code: number): string {
  switch (code) {
    case Code.OK: return 'ok';
    case Code.SYSTEMERROR: return 'SystemError';
    case Code.RUNTIMEINCONSISTENCY: return 'RuntimeInconsistency';
    case Code.DATAINCONSISTENCY: return 'DataInconsistency';
    case Code.CONNECTIONLOSS: return 'ConnectionLoss';
    case Code.MARSHALLINGERROR: return 'MarshallingError';
    case Code.NEWCONFIGNOQUORUM: return 'NewConfigNoQuorum';
    case Code.RECONFIGINPROGRESS: return 'ReconfigInProgress';
    case Code.UNIMPLEMENTED: return 'Unimplemented';
    case Code.OPERATIONTIMEOUT: return 'OperationTimeout';
    case Code.BADARGUMENTS: return 'BadArguments';
    case Code.UNKNOWNSESSION: return 'Unknown session';
    case Code.APIERROR: return 'APIError';
    case Code.NONODE: return 'NoNode';
    case Code.NOAUTH: return 'NoAuth';
    case Code.BADVERSION: return 'BadVersion';
    case Code.NOCHILDRENFOREPHEMERALS: return 'NoChildrenForEphemerals';
    case Code.NODEEXISTS: return 'NodeExists';
    case Code.INVALIDACL: return 'InvalidACL';
    case Code.AUTHFAILED: return 'AuthFailed';
    case Code.NOTEMPTY: return 'Directory not empty';
    case Code.SESSIONEXPIRED: return 'Session expired';
    case Code.INVALIDCALLBACK: return 'Invalid callback';
    case Code.SESSIONMOVED: return 'Session moved';
    case Code.NOTREADONLY: return 'Not a read-only call';
    case Code.EPHEMERALONLOCALSESSION: return 'Ephemeral node on local session';
    case Code.NOWATCHER: return 'No such watcher';
    case Code.REQUESTTIMEOUT: return 'Request timeout';
    case Code.RECONFIGDISABLED: return 'Reconfig is disabled';
    case Code.SESSIONCLOSEDREQUIRESASLAUTH: return 'Session closed because client failed to authenticate';
    case Code.QUOTAEXCEEDED: return 'Quota has exceeded';
    case Code.THROTTLEDOP: return 'Op throttled due to high load';
    default: return `Unknown error ${code}`;
  }
}

/**
 * A ZooKeeper error as an exception, for client libraries and callers that prefer throwing. `code` is the numeric
 * value; `codeName` (and `name`, so stack traces and `String(err)` show it) the Java enum name. The message follows
 * Java's `KeeperException.getMessage`: "KeeperErrorCode = NoNode for /a".
 */
export class ZkError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly path: string | undefined;
  /** Per-op results of a failed multi (the Java client's `getResults()`), when this error came from one. */
  readonly results: readonly unknown[] | undefined;

  constructor(code: number, path?: string, results?: readonly unknown[]) {
    // No stack trace: these are protocol outcomes (NoNode, BadVersion, ...), made by the thousand during exploration,
    // and capturing V8 frames cost more than the rest of the construction. `instanceof Error`, code, message and
    // name are unchanged; `stack` is just the "Name: message" header.
    const ctor = Error as { stackTraceLimit?: number };
    const limit = ctor.stackTraceLimit;
    ctor.stackTraceLimit = 0;
    try {
      super(`KeeperErrorCode = ${codeMessage(code)}${path !== undefined ? ` for ${path}` : ''}`);
    } finally {
      ctor.stackTraceLimit = limit;
    }
    this.code = code;
    this.codeName = errorName(code);
    this.name = this.codeName;
    this.path = path;
    this.results = results;
  }
}
