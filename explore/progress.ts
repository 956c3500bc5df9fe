/**
 * The `progress` property: every operation a client started finishes (with a result or an error), once the faults
 * have healed and the ensemble had time to settle. Safety checks cannot see a client that waits for ever: a lock
 * waiter whose watch never fires, a recipe that deadlocks after a lost reply. ZooKeeper promises an answer to every
 * request (a reply, or the connection's loss), and a recipe built on it must not wait for a node that nobody will
 * ever delete.
 *
 * Settling: a session cut off by the faults may live up to its timeout after the heal (its ephemerals go when it
 * expires), and a new election plus the clients' reconnections take a few seconds more; so an operation counts as
 * stuck only if it is still running at the end of a run whose quiet phase lasted at least SETTLE (twice the session
 * timeout, plus 2 s). A shorter quiet phase (a shrunk run) cannot tell waiting from stuck: not checked.
 */
import type { Verdict } from './verdict.js';

/** A planned operation still running: its client slot, session, index in the slot's plan, start, and what it waits for. */
export interface OpInFlight {
  slot: number;
  session: string;
  index: number;
  startedAt: number;
  /** What the operation is waiting for, when the workload knows (e.g. "/lock/x-0000000003 to go"). */
  waitingFor?: string;
}

export interface ProgressWindow {
  /** When the last fault healed (the end of the fault phase). */
  healedAt: number;
  /** The end of the run. */
  end: number;
  /** The session timeout the clients asked for, and ZooKeeper's tick (the server bounds it to 2..20 ticks). */
  sessionTimeoutMs: number;
  tickTime: number;
}

/** How long after the heal an operation may legitimately still wait: twice the negotiated session timeout plus 2 s. */
export function settleMs(w: Pick<ProgressWindow, 'sessionTimeoutMs' | 'tickTime'>): number {
  const negotiated = Math.min(Math.max(w.sessionTimeoutMs, 2 * w.tickTime), 20 * w.tickTime);
  return 2 * negotiated + 2_000;
}

export function checkProgress(inFlight: readonly OpInFlight[], w: ProgressWindow): Verdict {
  const settle = settleMs(w);
  const quiet = w.end - w.healedAt;
  if (quiet < settle) {
    return { property: 'progress', ok: null, explanation: `not checked: the quiet phase after the last heal (${quiet} ms) is shorter than the ${settle} ms an operation may still wait` };
  }
  if (inFlight.length === 0) return { property: 'progress', ok: true, explanation: `every operation finished within ${quiet} ms of the last heal` };
  const stuck = inFlight.map(
    (o) => `c${o.slot + 1} (${o.session}) op #${o.index}, started at ${o.startedAt} ms, still running ${w.end - w.healedAt} ms after the last heal${o.waitingFor ? `, waiting for ${o.waitingFor}` : ''}`,
  );
  return { property: 'progress', ok: false, explanation: `${inFlight.length} operation(s) never finished: ${stuck.slice(0, 3).join('; ')}${stuck.length > 3 ? '; ...' : ''}` };
}
