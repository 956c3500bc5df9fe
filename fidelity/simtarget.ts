/**
 * ============================================================================================================
 *  ADAPTER SKELETON — the simulated (zksim) transcript target. NOT WIRED YET.
 *
 *  The lead wires this to the simulator's client once it exists: create a world with `servers` ZooKeeper servers
 *  and the given seed, and implement every TranscriptTarget method (see runner.ts for the contract and
 *  realtarget.ts for the reference implementation against the real server). Until then every entry point throws
 *  SimTargetUnavailable ("simulated target not available yet").
 *
 *  Notes for the wiring:
 *  - connect: one client per label, connected to exactly server `server` (no host shuffle); result
 *    {ok:true, sessionId: hex string (use sessionHex), timeoutMs: negotiated}; zxid null; SyncConnected event.
 *  - run: send the request exactly as given (any path string, version as given, create for every mode incl.
 *    CONTAINER, sync); result {ok:true, path+stat | stat | data+stat | children(sorted)+stat | path (sync)}
 *    or errorResult(code); multi: {ok, results:[{code, path?, stat?}]} and on failure errorResult(firstErr,{results});
 *    zxid = the reply header zxid. exists on a missing node is errorResult(-101) (the wire answer).
 *  - events: notification frames {type: 'NodeCreated'|..., path} and state changes {state: 'SyncConnected' |
 *    'Disconnected' | 'Expired'} in arrival order; takeEvents returns those up to the session's last reply.
 *  - expire: partition the client from its server until the server expires the session, heal, let the client
 *    reconnect and learn Expired (events Disconnected, Expired); result {ok:true}, zxid null.
 *  - settle: run the world until no message is in flight and every server applied everything committed.
 *  - lastZxid: the last applied zxid (all servers agree after settle).
 *  - data: dataBytes() for request data, dataJson() for reply data; Stat via StatJson with ephemeralOwner hex.
 * ============================================================================================================
 */
import type { StepReply, TranscriptTarget } from './runner.js';
import type { EventJson, InputStep } from './transcript.js';

export class SimTargetUnavailable extends Error {
  override name = 'SimTargetUnavailable';
  constructor() {
    super('simulated target not available yet');
  }
}

export interface SimTargetOptions {
  servers: number;
  seed: string;
}

/** Session id (number or bigint) as the transcripts' hex string. */
export function sessionHex(id: number | bigint): string {
  return '0x' + BigInt.asUintN(64, BigInt(id)).toString(16);
}

export class SimTarget implements TranscriptTarget {
  readonly name = 'zksim';
  constructor(private readonly opts: SimTargetOptions) {
    throw new SimTargetUnavailable();
  }
  get servers(): number {
    return this.opts.servers;
  }
  reset(): Promise<void> {
    throw new SimTargetUnavailable();
  }
  connect(_label: string, _server: number, _timeoutMs: number): Promise<StepReply> {
    throw new SimTargetUnavailable();
  }
  run(_label: string, _step: InputStep): Promise<StepReply> {
    throw new SimTargetUnavailable();
  }
  close(_label: string): Promise<StepReply> {
    throw new SimTargetUnavailable();
  }
  expire(_label: string): Promise<StepReply> {
    throw new SimTargetUnavailable();
  }
  wait(_ms: number): Promise<void> {
    throw new SimTargetUnavailable();
  }
  takeEvents(_label: string): EventJson[] {
    throw new SimTargetUnavailable();
  }
  settle(): Promise<void> {
    throw new SimTargetUnavailable();
  }
  lastZxid(): Promise<number> {
    throw new SimTargetUnavailable();
  }
  openSessions(): string[] {
    throw new SimTargetUnavailable();
  }
  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

/** Entry point used by the target registry. */
export async function createSimTarget(opts: SimTargetOptions): Promise<TranscriptTarget> {
  return new SimTarget(opts);
}
