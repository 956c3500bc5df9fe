/**
 * The report model: everything a report shows, extracted once from a run's trace and history into a compact,
 * columnar form (arrays of integers and a few string tables) that the HTML page embeds as JSON and the text summary
 * reads. Nothing is sampled away: every message, fault, role change, operation and protocol event of the input is
 * here (the page says so when it draws fewer at once).
 */
import type { TraceEvent } from '../sim/trace.js';
import { pairOperations, type HistoryEvent, type Operation } from '../check/history.js';

/** What a checker found, for highlighting. Every field but `text` is optional. */
export interface Counterexample {
  /** The property that failed, e.g. 'linearizability'. */
  property?: string;
  /** The checker's explanation (shown verbatim). */
  text: string;
  /** History operation ids (the invoke event's id) involved. */
  opIds?: number[];
  /** Message ids (trace `mid`) involved. */
  mids?: number[];
  /** The time window to zoom to. */
  window?: [number, number];
}

export interface ReportInput {
  trace: readonly TraceEvent[];
  history?: readonly HistoryEvent[];
  title?: string;
  counterexample?: Counterexample;
  /** Extra facts shown in the header (seed, traceHash, config...). */
  meta?: Record<string, string | number | boolean | null | undefined>;
  /**
   * Embed a short text of every message's content (for tooltips) when the run has at most this many messages
   * (default 6000; 0 = never). Larger runs leave contents out, and the page says so.
   */
  messageDetailLimit?: number;
  /**
   * Virtual time at which the run ended (World.now). A run may go on after its last trace record (timers that
   * record nothing): without it, the report's end is the last record's time, and it says so.
   */
  endMs?: number;
  /** Events the simulation ran (World.eventCount): each may leave several trace records, or none. */
  simEvents?: number;
  /** A scripted run's story: steps (with their start time) and checks, shown as a clickable list and markers. */
  story?: { steps: Array<{ t: number; title: string }>; checks?: Array<{ t: number; ok: boolean; text: string; step?: number }> };
}

/** Columnar message table: index i is one message (a 'send' event), in send order. */
export interface MsgTable {
  /** Send time. */
  s: number[];
  /** Receive time, or -1 when never delivered. */
  r: number[];
  /** Drop time (lost to a cut link), or -1. */
  d: number[];
  /** Lane of the sender / receiver. */
  f: number[];
  to: number[];
  /** Index into ReportModel.types. */
  ty: number[];
  /** Message id (trace mid). */
  id: number[];
  /** Content summary (index into strs), only when `detail` is true. */
  x?: number[];
}

export interface ReportModel {
  v: 1;
  title: string;
  meta: Array<[string, string]>;
  /** The end of the time axis: the run's end (ReportInput.endMs) when given, else the last record's time. */
  tEnd: number;
  /** Time of the last trace record or history event. */
  lastRecordT: number;
  /** Whether tEnd is the run's own end (ReportInput.endMs) rather than its last record's time. */
  endKnown: boolean;
  /** Process names, one lane each: servers first, then clients, then others (natural order). */
  lanes: string[];
  /** Lane kind: 0 server, 1 client, 2 other. */
  laneKind: number[];
  types: string[];
  msgs: MsgTable;
  /**
   * Counts. Every message sent is either delivered or undelivered (sent = delivered + undelivered). dropped counts
   * packet losses to a cut link: TCP retransmits a lost packet, so one message may be lost several times and still be
   * delivered (lateDelivered of them were), or never arrive (undeliveredLost of the undelivered: the connection
   * closed first, or the run ended); the other undelivered messages were in flight at the end, or to a closed or
   * crashed end. events: trace records; simEvents: the simulation's events (ReportInput.simEvents), or -1.
   */
  counts: { sent: number; delivered: number; undelivered: number; undeliveredLost: number; dropped: number; lateDelivered: number; events: number; simEvents: number };
  /** Whether message contents are embedded (msgs.x), and the limit that decided it. */
  detail: { included: boolean; limit: number };
  /** Role names used by `roles`. */
  roleNames: string[];
  /** Role changes: [t, lane, roleIdx, epoch (-1 unknown)], in time order. Crashes appear as role 'CRASHED'. */
  roles: number[][];
  /** Fault kinds used by `faults`. */
  faultKinds: string[];
  /** Faults: [kindIdx, t0, t1 (-1: until the end), lane (-1: network-wide), labelIdx into strs]. */
  faults: number[][];
  /** Protocol event kinds used by `marks`. */
  markKinds: string[];
  /** Protocol events traced by roles: [t, lane, kindIdx, detailIdx into strs]. */
  marks: number[][];
  /** History processes (sessions), one row each. */
  procs: string[];
  /** Operations: [procIdx, call, ret (-1 unknown), status (0 ok, 1 fail, 2 unknown), labelIdx, opId, notApplied 0/1]. */
  ops: number[][];
  /** Session states: [t, procIdx, labelIdx]. */
  sess: number[][];
  /** Watch notifications: [t, procIdx, labelIdx]. */
  watches: number[][];
  /** Shared string table for labels and details. */
  strs: string[];
  cx: null | { property: string; text: string; ops: number[]; mids: number[]; win: [number, number] | null };
  /** Story steps [t, title] and checks [t, ok 0/1, text]. */
  story: { steps: Array<[number, string]>; checks: Array<[number, number, string, number]> } | null;
}

/** Protocol event kinds shown as marks on the lanes (everything else from roles is ignored by the picture). */
const WORLD_KINDS = new Set([
  'send', 'recv', 'drop', 'timer', 'disk', 'fsync', 'synced', 'connect', 'accept', 'connected', 'closed', 'close', 'driver',
  'start', 'restart', 'crash', 'pause', 'resume', 'partition', 'cut', 'heal', 'reset', 'link-latency', 'default-latency',
]);
/** Chatty role events left out of the marks (they are per-request bookkeeping, not protocol steps). */
const SKIP_MARKS = new Set(['apply']);

/** Natural order: s2 before s10, servers (s*) before clients (c*) before the rest. */
export function laneOrder(a: string, b: string): number {
  const ka = laneKindOf(a);
  const kb = laneKindOf(b);
  if (ka !== kb) return ka - kb;
  const ra = /^(.*?)(\d+)$/.exec(a);
  const rb = /^(.*?)(\d+)$/.exec(b);
  if (ra && rb && ra[1] === rb[1]) return Number(ra[2]) - Number(rb[2]) || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function laneKindOf(name: string): number {
  if (/^s\d+$/.test(name)) return 0;
  if (/^c\d+/.test(name)) return 1;
  return 2;
}

/** Keys whose numbers are zxids or session ids: written in hex, as the story, the explanations and ZooKeeper do. */
const HEX_KEYS = /^(zxid|czxid|mzxid|pzxid|lastZxid|peerZxid|clientZxid|lastZxidSeen|sessionId|session|ephemeralOwner)$/;

function shortJson(v: unknown, max: number): string {
  let s: string;
  try {
    s =
      JSON.stringify(v, (k, val) =>
        val instanceof Uint8Array ? `<${val.length}B>` : typeof val === 'bigint' ? String(val) : typeof val === 'number' && Number.isInteger(val) && val >= 0 && HEX_KEYS.test(k) ? `0x${val.toString(16)}` : val,
      ) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A message's content in one short line, without its type (shown separately). */
function messageText(msg: unknown): string {
  if (msg && typeof msg === 'object' && !Array.isArray(msg) && !(msg instanceof Uint8Array)) {
    const { type: _t, ...rest } = msg as Record<string, unknown>;
    return shortJson(rest, 140);
  }
  return shortJson(msg, 140);
}

class Interner {
  readonly list: string[] = [];
  private readonly map = new Map<string, number>();
  id(s: string): number {
    let i = this.map.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.map.set(s, i);
    }
    return i;
  }
}

function opLabel(o: Operation): string {
  const a = o.args as Record<string, unknown> | null;
  let what = o.op;
  if (a && typeof a === 'object' && !Array.isArray(a)) {
    if (typeof a.path === 'string') what += ' ' + a.path;
    if (a.data !== undefined && a.data !== null) what += ' ' + shortJson(a.data, 24);
    if (typeof a.mode === 'string' && a.mode !== 'PERSISTENT') what += ' ' + a.mode.toLowerCase();
    if (typeof a.version === 'number' && a.version !== -1) what += ' v' + a.version;
    if (Array.isArray(a.ops)) what += ` [${a.ops.length} ops]`;
  } else if (a !== null && a !== undefined) what += ' ' + shortJson(a, 24);
  let out: string;
  if (o.status === 'ok') out = o.result === undefined ? 'ok' : 'ok ' + shortJson(resultSummary(o.result), 80);
  else if (o.status === 'fail') out = o.error ? o.error.name : 'fail';
  else out = 'unknown' + (o.error ? ' (' + o.error.name + ')' : '');
  const z = o.zxid !== undefined ? ` zxid=0x${o.zxid.toString(16)}` : '';
  return `#${o.id} ${what} → ${out}${z}`;
}

/** Keeps a result short: drops Stat objects to their most telling fields. */
function resultSummary(r: unknown): unknown {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return r;
  const o = { ...(r as Record<string, unknown>) };
  const st = o.stat as Record<string, unknown> | null | undefined;
  if (st && typeof st === 'object') {
    o.stat = { czxid: st.czxid, mzxid: st.mzxid, version: st.version };
  }
  return o;
}

/** Builds the report model from a trace and a history. */
export function buildReportModel(input: ReportInput): ReportModel {
  const trace = input.trace;
  const history = input.history ?? [];
  const strs = new Interner();
  const laneSet = new Set<string>();
  const addLane = (n: unknown): void => {
    if (typeof n === 'string' && n) laneSet.add(n);
  };
  let lastRecordT = 0;
  for (const e of trace) {
    if (e.t > lastRecordT) lastRecordT = e.t;
    if (e.kind === 'send' || e.kind === 'recv' || e.kind === 'drop') {
      addLane(e.from);
      addLane(e.to);
    } else if (e.node !== undefined) addLane(e.node);
  }
  for (const h of history) if (h.time > lastRecordT && Number.isFinite(h.time)) lastRecordT = h.time;
  const endKnown = typeof input.endMs === 'number' && Number.isFinite(input.endMs);
  const tEnd = endKnown ? Math.max(lastRecordT, input.endMs!) : lastRecordT;
  const lanes = [...laneSet].sort(laneOrder);
  const laneIdx = new Map(lanes.map((n, i) => [n, i] as const));
  const lane = (n: unknown): number => (typeof n === 'string' ? laneIdx.get(n) ?? -1 : -1);

  // ---- messages
  const detailLimit = input.messageDetailLimit ?? 6000;
  let sends = 0;
  for (const e of trace) if (e.kind === 'send') sends++;
  const withDetail = detailLimit > 0 && sends <= detailLimit;
  const types = new Interner();
  const msgs: MsgTable = { s: [], r: [], d: [], f: [], to: [], ty: [], id: [] };
  const byMid = new Map<number, number>();
  let delivered = 0;
  let dropped = 0;
  // ---- roles, faults, marks
  const roleNames = new Interner();
  const roles: number[][] = [];
  const faultKinds = new Interner();
  const faults: number[][] = [];
  const markKinds = new Interner();
  const marks: number[][] = [];
  const open = new Map<string, number[]>(); // crash:s1 / pause:s1 -> fault row
  const openBands = new Map<string, number[][]>(); // a nemesis fault's id -> its bands (latency spikes, slow fsyncs)
  let netFaults: number[][] = []; // partitions and cuts until the next heal
  const latencyFaults = new Map<string, number[]>();
  const lastEpoch = new Map<string, number>();

  for (const e of trace) {
    switch (e.kind) {
      case 'send': {
        const i = msgs.s.length;
        msgs.s.push(e.t);
        msgs.r.push(-1);
        msgs.d.push(-1);
        msgs.f.push(lane(e.from));
        msgs.to.push(lane(e.to));
        msgs.ty.push(types.id(String(e.type ?? '?')));
        msgs.id.push(Number(e.mid));
        if (withDetail) (msgs.x ??= []).push(strs.id(messageText(e.msg)));
        byMid.set(Number(e.mid), i);
        break;
      }
      case 'recv': {
        const i = byMid.get(Number(e.mid));
        if (i !== undefined) {
          msgs.r[i] = e.t;
          delivered++;
        }
        break;
      }
      case 'drop': {
        const i = byMid.get(Number(e.mid));
        if (i !== undefined) {
          if (msgs.d[i] === -1) msgs.d[i] = e.t; // the first loss (TCP may lose it again, and still deliver it)
          dropped++;
        }
        break;
      }
      case 'crash': {
        const l = lane(e.node);
        const row = [faultKinds.id('crash'), e.t, -1, l, strs.id(`crash ${e.node}${e.torn ? ' (torn tail)' : ''}${e.lostWrites ? `, ${String(e.lostWrites)} unsynced writes lost` : ''}`)];
        faults.push(row);
        open.set('crash:' + String(e.node), row);
        if (laneKindOf(String(e.node)) === 0) roles.push([e.t, l, roleNames.id('CRASHED'), -1]);
        break;
      }
      case 'restart': {
        const row = open.get('crash:' + String(e.node));
        if (row) {
          row[2] = e.t;
          open.delete('crash:' + String(e.node));
        }
        if (laneKindOf(String(e.node)) === 0) roles.push([e.t, lane(e.node), roleNames.id('RESTARTED'), lastEpoch.get(String(e.node)) ?? -1]);
        break;
      }
      case 'pause': {
        const row = [faultKinds.id('pause'), e.t, -1, lane(e.node), strs.id(`pause ${e.node}`)];
        faults.push(row);
        open.set('pause:' + String(e.node), row);
        break;
      }
      case 'resume': {
        const row = open.get('pause:' + String(e.node));
        if (row) {
          row[2] = e.t;
          open.delete('pause:' + String(e.node));
        }
        break;
      }
      case 'partition': {
        const groups = (e.groups as string[][] | undefined) ?? [];
        const row = [faultKinds.id('partition'), e.t, -1, -1, strs.id('partition ' + groups.map((g) => '{' + g.join(',') + '}').join(' | '))];
        faults.push(row);
        netFaults.push(row);
        break;
      }
      case 'cut': {
        const row = [faultKinds.id('cut'), e.t, -1, lane(e.from), strs.id(`one-way cut ${String(e.from)} → ${String(e.to)}`)];
        faults.push(row);
        netFaults.push(row);
        break;
      }
      case 'heal': {
        for (const row of netFaults) row[2] = e.t;
        netFaults = [];
        break;
      }
      case 'reset': {
        faults.push([faultKinds.id('reset'), e.t, e.t, lane(e.a), strs.id(`TCP reset ${String(e.a)}${e.b ? ' ↔ ' + String(e.b) : ' (all connections)'}`)]);
        break;
      }
      case 'link-latency': {
        const key = `${String(e.a)}|${String(e.b)}`;
        const prev = latencyFaults.get(key);
        if (prev) {
          prev[2] = e.t;
          latencyFaults.delete(key);
        }
        if (e.latency) {
          const l = e.latency as { min: number; max: number };
          const row = [faultKinds.id('slow-link'), e.t, -1, lane(e.a), strs.id(`slow link ${String(e.a)} ↔ ${String(e.b)} ${l.min}-${l.max} ms`)];
          faults.push(row);
          latencyFaults.set(key, row);
        }
        break;
      }
      default: {
        if (WORLD_KINDS.has(e.kind)) break;
        // the nemesis's latency spikes and slow fsyncs have no world record of their own to draw (the others do):
        // bands from its fault / fault-heal notes
        if (e.kind === 'fault' && (e.what === 'latency-spike' || e.what === 'slow-fsync')) {
          const rows =
            e.what === 'latency-spike'
              ? [[faultKinds.id('latency-spike'), e.t, -1, -1, strs.id('latency spike')]]
              : ((e.nodes as string[] | undefined) ?? []).map((n) => [faultKinds.id('slow-fsync'), e.t, -1, lane(n), strs.id(`slow fsync ${n}`)]);
          faults.push(...rows);
          openBands.set(String(e.id), rows);
        } else if (e.kind === 'fault-heal') {
          for (const row of openBands.get(String(e.id)) ?? []) row[2] = e.t;
          openBands.delete(String(e.id));
        }
        const l = lane(e.node);
        const { t: _t, kind, node: _n, ...rest } = e;
        if (kind === 'state' && l >= 0) {
          const epoch = typeof rest.epoch === 'number' ? rest.epoch : -1;
          if (epoch >= 0) lastEpoch.set(String(e.node), epoch);
          roles.push([e.t, l, roleNames.id(String(rest.role ?? '?')), epoch]);
        }
        if (SKIP_MARKS.has(kind)) break;
        if (l < 0 && e.node !== undefined) break;
        marks.push([e.t, l, markKinds.id(kind), strs.id(shortJson(rest, 160))]);
      }
    }
  }
  let undelivered = 0;
  let undeliveredLost = 0;
  let lateDelivered = 0;
  for (let i = 0; i < msgs.s.length; i++) {
    if (msgs.r[i] === -1) {
      undelivered++;
      if (msgs.d[i] !== -1) undeliveredLost++;
    } else if (msgs.d[i] !== -1) lateDelivered++;
  }

  // ---- history
  const procs = new Interner();
  const ops: number[][] = [];
  const sess: number[][] = [];
  const watches: number[][] = [];
  let operations: Operation[] = [];
  try {
    operations = pairOperations(history, { keepNotApplied: true });
  } catch {
    operations = [];
  }
  const notApplied = new Set<number>();
  for (const h of history) if (h.kind === 'fail' && h.notApplied) notApplied.add(h.id);
  // Rows in order of first appearance in the history.
  for (const h of history) procs.id(String(h.process));
  for (const o of operations) {
    ops.push([
      procs.id(String(o.process)),
      o.call,
      o.ret === Infinity ? -1 : o.ret,
      o.status === 'ok' ? 0 : o.status === 'fail' ? 1 : 2,
      strs.id(opLabel(o)),
      o.id,
      notApplied.has(o.id) ? 1 : 0,
    ]);
  }
  for (const h of history) {
    if (h.kind === 'session') {
      sess.push([h.time, procs.id(String(h.process)), strs.id(h.state + (h.server !== undefined ? ' @' + String(h.server) : '') + (h.sessionId !== undefined ? ' session ' + String(h.sessionId) : ''))]);
    } else if (h.kind === 'event') {
      watches.push([h.time, procs.id(String(h.process)), strs.id(`${h.type} ${h.path}`)]);
    }
  }

  // ---- counterexample
  let cx: ReportModel['cx'] = null;
  if (input.counterexample) {
    const c = input.counterexample;
    const opIds = new Set(c.opIds ?? []);
    const mids = new Set(c.mids ?? []);
    // Messages of the sessions involved while their highlighted operations were in flight.
    for (const o of operations) {
      if (!opIds.has(o.id)) continue;
      const l = lane(String(o.process));
      if (l < 0) continue;
      const end = o.ret === Infinity ? tEnd : o.ret;
      for (let i = 0; i < msgs.s.length; i++) {
        if ((msgs.f[i] === l || msgs.to[i] === l) && msgs.s[i]! >= o.call && msgs.s[i]! <= end) mids.add(msgs.id[i]!);
      }
    }
    let win = c.window ?? null;
    if (!win && opIds.size) {
      let a = Infinity;
      let b = -Infinity;
      for (const o of operations) {
        if (!opIds.has(o.id)) continue;
        a = Math.min(a, o.call);
        b = Math.max(b, o.ret === Infinity ? tEnd : o.ret);
      }
      if (a <= b) win = [a, b];
    }
    // only the operations the history has: those are what the page can highlight and what the header counts
    const known = new Set(operations.map((o) => o.id));
    cx = { property: c.property ?? 'property', text: c.text, ops: [...opIds].filter((id) => known.has(id)).sort((x, y) => x - y), mids: [...mids].sort((x, y) => x - y), win };
  }

  const meta: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(input.meta ?? {})) if (v !== undefined) meta.push([k, String(v)]);

  return {
    v: 1,
    title: input.title ?? 'zksim run',
    meta,
    tEnd,
    lastRecordT,
    endKnown,
    lanes,
    laneKind: lanes.map(laneKindOf),
    types: types.list,
    msgs,
    counts: { sent: msgs.s.length, delivered, undelivered, undeliveredLost, dropped, lateDelivered, events: trace.length, simEvents: typeof input.simEvents === 'number' ? input.simEvents : -1 },
    detail: { included: withDetail, limit: detailLimit },
    roleNames: roleNames.list,
    roles,
    faultKinds: faultKinds.list,
    faults,
    markKinds: markKinds.list,
    marks,
    procs: procs.list,
    ops,
    sess,
    watches,
    strs: strs.list,
    cx,
    story: input.story
      ? { steps: input.story.steps.map((x) => [x.t, x.title] as [number, string]), checks: (input.story.checks ?? []).map((c) => [c.t, c.ok ? 1 : 0, c.text, c.step ?? stepAt(input.story!.steps, c.t)] as [number, number, string, number]) }
      : null,
  };
}

/**
 * The message counts in one line, the same in the text summary and the HTML header: sent = delivered + never
 * delivered; packet losses to cut links are counted apart (a lost packet is sent again by TCP, so a message can be
 * lost and still arrive).
 */
export function messageCountsText(c: ReportModel['counts']): string {
  const why = [
    ...(c.undeliveredLost ? [`${c.undeliveredLost} lost to a cut link and never got through`] : []),
    ...(c.undelivered > c.undeliveredLost ? [`${c.undelivered - c.undeliveredLost} in flight at the end or to a closed connection`] : []),
  ];
  const never = `${c.undelivered} never delivered${why.length ? ` (${why.join(', ')})` : ''}`;
  const losses = c.dropped === 0 ? '' : `; ${c.dropped} packet loss${c.dropped === 1 ? '' : 'es'} to cut links (TCP sends a lost packet again: ${c.lateDelivered} of the delivered messages arrived after a loss)`;
  return `${c.sent} sent: ${c.delivered} delivered, ${never}${losses}`;
}

/** The run's end and size in words: its end (or its last record's time, said as such), trace records and events. */
export function runLengthText(m: Pick<ReportModel, 'tEnd' | 'lastRecordT' | 'endKnown' | 'counts'>): string {
  const end = m.endKnown ? `${m.tEnd} ms (end of run${m.lastRecordT < m.tEnd ? `; last trace record at ${m.lastRecordT} ms` : ''})` : `${m.tEnd} ms (the last trace record)`;
  return `virtual time ${end}, ${m.counts.events} trace records${m.counts.simEvents >= 0 ? `, ${m.counts.simEvents} simulation events` : ''}`;
}

/** The last step that began at or before t (for checks recorded without their step). */
function stepAt(steps: Array<{ t: number }>, t: number): number {
  let k = -1;
  for (let i = 0; i < steps.length; i++) if (steps[i]!.t <= t) k = i;
  return k;
}

/** A counterexample from a linearizability result (check/linearizability.ts): the stuck op and its rivals. */
export function counterexampleFromLinearizability(res: {
  verdict: string;
  model: string;
  failures: Array<{ stuck: Operation; candidates: Operation[]; prefix: Array<{ op: Operation; state: string }>; state: string }>;
}): Counterexample | undefined {
  const f = res.failures[0];
  if (!f) return undefined;
  const ids = [f.stuck.id, ...f.candidates.map((c) => c.id)];
  const lines = [
    `${res.model}: ${res.verdict}`,
    `linearizable prefix of ${f.prefix.length} operations, state after it: ${f.state}`,
    `cannot place #${f.stuck.id} ${f.stuck.op} (process ${String(f.stuck.process)}, [${f.stuck.call}, ${f.stuck.ret === Infinity ? '∞' : f.stuck.ret}])`,
    ...(f.candidates.length ? [`tried instead: ${f.candidates.map((c) => '#' + c.id).join(', ')}`] : []),
  ];
  return { property: 'linearizability', text: lines.join('\n'), opIds: ids };
}

/**
 * A counterexample from a checker verdict ({property, ok, explanation}, explore/verdict.ts): the explanation is
 * shown verbatim, and the operations it names in check/history.ts's describeOperation form (`#12 [call, ret]`)
 * are highlighted.
 */
export function counterexampleFromVerdict(v: { property: string; ok: boolean | null; explanation: string }): Counterexample {
  const ids = new Set<number>();
  for (const m of v.explanation.matchAll(/#(\d+) \[/g)) ids.add(Number(m[1]));
  return { property: v.property, text: v.explanation, opIds: [...ids].sort((a, b) => a - b) };
}
