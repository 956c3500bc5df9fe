/**
 * Runs transcripts on a TranscriptTarget (the real ZooKeeper through node-zookeeper-client, or zksim) and produces
 * output steps. The runner is target-independent, so the same cases, settling and event attribution apply to both
 * systems; a target only has to do what one step says.
 *
 * Rules (both targets see the same):
 * - Before every step (unless the step has "race": true) the runner calls target.settle(): in-flight replies,
 *   notifications and commits land everywhere, so which events a session has received is deterministic.
 * - A step's events are those the session received since its previous step, up to this step's reply.
 * - A case's baseZxid is target.lastZxid() after settling, before its first step (after `reset` when the case starts
 *   with one).
 * - Sessions do not outlive their case: at the end of a case the runner closes every session still open (not recorded)
 *   and discards their remaining events.
 */
import {
  errorResult,
  groupCases,
  type EventJson,
  type InputStep,
  type OutputStep,
  type ResultJson,
} from './transcript.js';

/** The real target lives in realtarget.ts (re-exported here); the zksim one in simtarget.ts. */
export { RealTarget, type RealTargetOptions } from './realtarget.js';

export interface StepReply {
  result: ResultJson;
  /** zxid of the reply header, null when the step has no reply (connect, expire). */
  zxid: number | null;
}

/** What one system under comparison must provide. All methods are called one at a time (never concurrently). */
export interface TranscriptTarget {
  /** "real" or "zksim", shown in reports. */
  readonly name: string;
  /** Number of servers (transcript server indexes are 0..servers-1). */
  readonly servers: number;
  /** A fresh ensemble (empty tree, zxid restarted, no sessions). */
  reset(): Promise<void>;
  /** Opens a new session labelled `label` on server `server` only; result {ok, sessionId (hex), timeoutMs (negotiated)}. */
  connect(label: string, server: number, timeoutMs: number): Promise<StepReply>;
  /** Runs create/delete/exists/getData/getChildren/setData/sync/multi for a session. */
  run(label: string, step: InputStep): Promise<StepReply>;
  /** closeSession; result {ok:true}, zxid of the close reply. */
  close(label: string): Promise<StepReply>;
  /** The session's connection goes silent until the server expires it; returns once the client learnt it (Expired). */
  expire(label: string): Promise<StepReply>;
  wait(ms: number): Promise<void>;
  /** Events the session received since the previous call, up to its last reply, in order of arrival. */
  takeEvents(label: string): EventJson[];
  /** Let everything in flight land (replies, notifications, commits on every server). */
  settle(): Promise<void>;
  /** The last applied zxid (all servers agree after settle). */
  lastZxid(): Promise<number>;
  /** Labels of sessions opened and not yet closed or expired. */
  openSessions(): string[];
  /** Closes sessions and connections (servers are owned by whoever created the target). */
  dispose(): Promise<void>;
  /**
   * Null while every server still answers, else a one-line reason. Asked after a step that failed with a timeout or
   * connection loss: a real server that died mid-run would otherwise cost every later step its full timeout (hours
   * for a suite), where a run should stop and say why. zksim's servers cannot vanish, so the sim target has none.
   */
  unreachable?(): Promise<string | null>;
}

/** The system under comparison stopped answering in the middle of a run (see TranscriptTarget.unreachable). */
export class TargetLostError extends Error {}

/** Result codes of a step that may mean the servers are gone: OPERATIONTIMEOUT (-7) and CONNECTIONLOSS (-4). */
const LOST_CODES: ReadonlySet<number> = new Set([-7, -4]);

export interface RunOptions {
  /** Called after each output step (progress). */
  onStep?: (s: OutputStep) => void;
}

/** Runs the steps (any number of cases) and returns one output step per input step, in order. */
export async function runTranscript(target: TranscriptTarget, steps: InputStep[], opts: RunOptions = {}): Promise<OutputStep[]> {
  const out: OutputStep[] = [];
  for (const c of groupCases(steps)) {
    let base: number | null = null;
    for (let i = 0; i < c.steps.length; i++) {
      const step = c.steps[i]!;
      let reply: StepReply;
      if (step.op === 'reset') {
        try {
          await target.reset();
        } catch (e) {
          // no fresh ensemble: every later answer would be compared with a fresh one (and the CLI showed a stack trace)
          throw new TargetLostError(`${e instanceof Error ? e.message : String(e)}, in case ${step.case} (step reset)`);
        }
        reply = { result: { ok: true }, zxid: null };
      } else {
        if (!step.race) await target.settle();
        if (base === null) base = await target.lastZxid();
        reply = await runOne(target, step);
        if (!reply.result.ok && LOST_CODES.has(reply.result.code) && target.unreachable) {
          const why = await target.unreachable();
          if (why) throw new TargetLostError(`${why}, in case ${step.case} (step ${step.op})`);
        }
      }
      if (base === null && i === c.steps.length - 1) base = await target.lastZxid();
      const events = step.session ? target.takeEvents(step.session) : [];
      const o: OutputStep = { ...step, result: reply.result, zxid: reply.zxid, events } as OutputStep;
      out.push(o);
      opts.onStep?.(o);
    }
    // baseZxid belongs on the first output step of the case
    const first = out[out.length - c.steps.length]!;
    first.baseZxid = base ?? 0;
    await target.settle();
    for (const label of target.openSessions()) {
      await target.close(label);
    }
    await target.settle();
    for (const s of c.steps) if (s.session) target.takeEvents(s.session);
  }
  return out.map(reorderBase);
}

function reorderBase(s: OutputStep): OutputStep {
  if (s.baseZxid === undefined) return s;
  const { baseZxid, ...rest } = s;
  return { ...rest, baseZxid } as OutputStep;
}

async function runOne(target: TranscriptTarget, step: InputStep): Promise<StepReply> {
  try {
    switch (step.op) {
      case 'connect':
        return await target.connect(step.session, step.server ?? 0, step.timeoutMs);
      case 'close':
        return await target.close(step.session);
      case 'expire':
        return await target.expire(step.session);
      case 'wait':
        await target.wait(step.ms);
        return { result: { ok: true }, zxid: null };
      case 'reset':
        await target.reset();
        return { result: { ok: true }, zxid: null };
      default:
        return await target.run(step.session!, step);
    }
  } catch (err) {
    // A harness failure (not a ZooKeeper answer): recorded so that the run continues and the diff shows it.
    return { result: errorResult(-7, { reason: `harness: ${err instanceof Error ? err.message : String(err)}` }), zxid: null };
  }
}

/** Checks that every session step refers to a session connected earlier in the same case. Returns problems. */
export function checkSessions(steps: InputStep[], servers = Infinity): { step: InputStep; reason: string }[] {
  const problems: { step: InputStep; reason: string }[] = [];
  const cases = new Set<string>();
  let previous: string | null = null;
  for (const c of groupCases(steps)) {
    // a case's steps are contiguous: a name seen again after another case began a second case of that name (its
    // sessions gone, closed at the first one's end), silently
    if (cases.has(c.name)) problems.push({ step: c.steps[0]!, reason: `case "${c.name}" appears again after case "${previous}": a case's steps must be contiguous` });
    cases.add(c.name);
    previous = c.name;
    const seen = new Set<string>();
    c.steps.forEach((s, i) => {
      if (s.op === 'reset' && i > 0) problems.push({ step: s, reason: 'reset must be the first step of its case' });
      if (!s.session) return;
      if (s.op === 'connect') {
        seen.add(s.session);
        if ((s.server ?? 0) >= servers) problems.push({ step: s, reason: `server ${s.server} does not exist (${servers} server(s))` });
      }
      else if (!seen.has(s.session)) problems.push({ step: s, reason: `session "${s.session}" is used before a connect in case "${c.name}"` });
    });
  }
  return problems;
}

/**
 * The events a session received up to its last reply (the reply mark), removed from its buffer; all of them when
 * no reply is marked. Events after the mark arrived after the reply and belong to the next step. Shared by the real
 * and the simulated targets.
 */
export function takeEventsUpToReply<E>(sess: { events: E[]; replyMark: number | null }): E[] {
  const n = sess.replyMark ?? sess.events.length;
  sess.replyMark = null;
  return sess.events.splice(0, n);
}
