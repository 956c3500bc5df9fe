/**
 * Narration: turns trace events (and client history events) into readable, coloured lines — who leads in which
 * epoch, votes, proposals, acks, commits, session states, watch events, faults. Everything is derived from what
 * the run recorded; nothing here changes the run.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { TraceEvent } from '../sim/trace.js';
import type { HistoryEvent } from '../check/history.js';
import { errorName } from '../core/errors.js';

/** A chalk instance that honours NO_COLOR (and FORCE_COLOR=0) and the stream being a terminal. */
export function makeChalk(enabled?: boolean): ChalkInstance {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  if (enabled === false || noColor || process.env.FORCE_COLOR === '0') return new Chalk({ level: 0 });
  if (enabled === true) return new Chalk({ level: 1 });
  return new Chalk();
}

export function hex(z: unknown): string {
  if (typeof z === 'string') return z.startsWith('0x') ? z : z;
  if (typeof z !== 'number') return String(z);
  return '0x' + z.toString(16);
}

/** Zxid as epoch:counter, which is how people read them. */
export function zx(z: unknown): string {
  if (typeof z === 'string' && z.startsWith('0x')) z = parseInt(z.slice(2), 16);
  if (typeof z !== 'number') return String(z);
  const epoch = Math.floor(z / 4294967296);
  const counter = z % 4294967296;
  return `0x${z.toString(16)} (epoch ${epoch}, #${counter})`;
}

function sidName(sid: unknown): string {
  return typeof sid === 'number' ? `s${sid}` : String(sid);
}

function short(v: unknown, max = 60): string {
  return clip(JSON.stringify(v) ?? String(v), max);
}

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Keys whose numbers read as zxids or session ids (hex), and keys naming a server by its id (sN). */
const HEX_KEYS = /^(zxid|lastZxid|peerZxid|clientZxid|head|session|sessionId|id|snapshot)$/;
const SID_KEYS = /^(sid|leader|from|to|via|peer)$/;

function fieldValue(key: string, v: unknown, depth: number): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'number') return HEX_KEYS.test(key) ? hex(v) : SID_KEYS.test(key) ? sidName(v) : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => fieldValue(key, x, depth + 1)).join(',') || 'none';
  if (typeof v === 'object' && !(v instanceof Uint8Array) && depth < 2) return '(' + fieldList(v as Record<string, unknown>, depth + 1) + ')';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return typeof v;
}

function fieldList(o: Record<string, unknown>, depth: number): string {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${fieldValue(k, v, depth)}`)
    .join(', ');
}

/**
 * A trace event the narrator has no sentence for, still in words: its kind (and event), then its fields as
 * "key value" pairs — never the raw JSON record. Its time and node are on the line already.
 */
export function genericText(e: TraceEvent, max = 120): string {
  const { t: _t, kind, node: _n, event, ...rest } = e as TraceEvent & { event?: unknown };
  const head = `${kind}${typeof event === 'string' ? ' ' + event : ''}`;
  const fields = fieldList(rest, 0);
  return clip(fields ? `${head}: ${fields}` : head, max);
}

function isVoteSend(e: TraceEvent): boolean {
  return (e.kind === 'vote' || e.kind === 'fle.vote') && e.dir === 'send';
}

/** Records the narration never shows (messages, timers, disk, connections). */
const SILENT_KINDS = new Set(['send', 'recv', 'drop', 'timer', 'disk', 'fsync', 'synced', 'connect', 'accept', 'connected', 'closed', 'close', 'driver', 'start', 'default-latency']);

export interface NarratorOptions {
  chalk: ChalkInstance;
  /** Also show vote receipts, applies on every server, timers... */
  verbose?: boolean;
}

/**
 * Stateful narrator: call `narrate(traceSlice, historySlice)` with what is new since the last call; returns the
 * lines, in time order (trace before history at equal times).
 */
export class Narrator {
  private readonly c: ChalkInstance;
  private readonly verbose: boolean;
  private readonly invokes = new Map<number, HistoryEvent & { kind: 'invoke' }>();
  /** The servers that ACKed each proposal seen and not yet committed (by zxid). */
  private readonly acked = new Map<number, number[]>();
  /** Per process: its last call, and its calls in flight (history ids). */
  private readonly lastInvoke = new Map<string, number>();
  private readonly open = new Map<string, Set<number>>();

  constructor(opts: NarratorOptions) {
    this.c = opts.chalk;
    this.verbose = opts.verbose ?? false;
  }

  narrate(trace: readonly TraceEvent[], history: readonly HistoryEvent[]): string[] {
    const items: Array<{ t: number; o: number; line: string }> = [];
    let o = 0;
    // Collapse a burst of vote sends (one per peer) into one line: the same vote, from the same server at the same
    // time, with nothing narrated in between (connection and message records are not narrated).
    const merged = new Set<number>();
    for (let i = 0; i < trace.length; i++) {
      if (merged.has(i)) continue;
      const e = trace[i]!;
      if (isVoteSend(e)) {
        const to: string[] = [sidName(e.to)];
        for (let j = i + 1; j < trace.length && trace[j]!.t === e.t; j++) {
          const n = trace[j]!;
          if (isVoteSend(n) && n.node === e.node && n.leader === e.leader && n.zxid === e.zxid && n.peerEpoch === e.peerEpoch && n.electionEpoch === e.electionEpoch) {
            to.push(sidName(n.to));
            merged.add(j);
          } else if (!this.silent(n)) break;
        }
        items.push({ t: e.t, o: o++, line: this.line(e.t, e.node, this.c.magenta(`votes for ${sidName(e.leader)}`) + this.c.dim(` (proposed leader's zxid ${hex(e.zxid)}, epoch ${String(e.peerEpoch)}, round ${String(e.electionEpoch)}) → ${to.join(',')}`)) });
        continue;
      }
      const text = this.traceText(e);
      if (text !== null) items.push({ t: e.t, o: o++, line: this.line(e.t, e.node, text) });
    }
    for (const h of history) {
      const text = this.historyText(h);
      if (text !== null) items.push({ t: h.time, o: o++, line: this.line(h.time, String(h.process), text) });
    }
    items.sort((a, b) => a.t - b.t || a.o - b.o);
    return items.map((x) => x.line);
  }

  /** Whether traceText says nothing for `e` (checked without narrating it: traceText keeps state). */
  private silent(e: TraceEvent): boolean {
    if (SILENT_KINDS.has(e.kind)) return true;
    if (this.verbose) return false;
    return ((e.kind === 'vote' || e.kind === 'fle.vote') && e.dir !== 'send') || e.kind === 'apply' || e.kind === 'client.connecting';
  }

  private line(t: number, node: unknown, text: string): string {
    const c = this.c;
    const n = typeof node === 'string' ? node : '';
    const who = n ? (/^s\d+$/.test(n) ? c.cyan.bold(n.padEnd(4)) : /^c/.test(n) ? c.yellow.bold(n.padEnd(4)) : c.bold(n.padEnd(4))) : c.red.bold('net '.padEnd(4));
    return `${c.gray(`${String(t).padStart(7)} ms`)}  ${who} ${text}`;
  }

  traceText(e: TraceEvent): string | null {
    const c = this.c;
    const v = this.verbose;
    switch (e.kind) {
      // ---- faults and process life
      case 'crash':
        return c.bgRed.white.bold(' CRASH ') + c.red(` loses its memory${e.lostWrites ? ` and ${String(e.lostWrites)} unsynced disk writes` : ''}${e.torn ? ' (torn tail)' : ''}`);
      case 'restart':
        return c.green.bold('RESTARTS') + ' from what its disk kept';
      case 'pause':
        return c.bgYellow.black(' PAUSE ') + c.yellow(' stops (GC pause / SIGSTOP): no timers, no deliveries');
      case 'resume':
        return c.yellow.bold('RESUMES') + c.dim(` (${String(e.deferred)} deferred events now run)`);
      case 'partition':
        return c.bgRed.white.bold(' PARTITION ') + c.red(' ' + ((e.groups as string[][]) ?? []).map((g) => '{' + g.join(',') + '}').join(' ✂ ') + ' (others keep their links)');
      case 'cut':
        return c.bgRed.white.bold(' CUT ') + c.red(` ${String(e.from)} → ${String(e.to)} packets are lost, one way (TCP sends them again after the heal)`);
      case 'heal':
        return c.bgGreen.black(' HEAL ') + c.green(' every link works again');
      case 'retransmit': {
        const n = Number(e.packets);
        return c.yellow(`TCP sends ${n} packet${n === 1 ? '' : 's'} lost to the cut again to ${String(e.to)} (retransmission timeout #${String(e.timeouts)}), and ${n === 1 ? 'it gets' : 'they get'} through`);
      }
      case 'tcp-timeout':
        return c.red(`TCP gives up on connection ${String(e.conn)} after 15 retransmissions: closed`);
      case 'reset':
        return c.red.bold('TCP RESET ') + `${String(e.a)}${e.b ? ' ↔ ' + String(e.b) : ''}`;
      case 'link-latency': {
        const l = e.latency as { min?: unknown; max?: unknown } | null | undefined;
        return l ? c.red(`slow link ${String(e.a)} ↔ ${String(e.b)}: ${String(l.min)}–${String(l.max)} ms a message`) : c.green(`link ${String(e.a)} ↔ ${String(e.b)} back to normal latency`);
      }
      case 'recover': {
        const state = `last logged zxid ${hex(e.zxid)}, ${String(e.txns)} txns, snapshot ${e.snapshot === null ? 'none' : hex(e.snapshot)}, acceptedEpoch ${String(e.acceptedEpoch)}, currentEpoch ${String(e.currentEpoch)}`;
        // a learner's reload after a TRUNC is recorded before the TRUNCATES line: it is the state after the cut
        if (e.reason === 'trunc') return c.dim(`reloads its disk once truncated to the leader's TRUNC: ${state}`);
        return c.dim(`reads its disk: ${state}`);
      }
      // ---- election
      case 'state': {
        const role = String(e.role);
        const ep = ` (epoch ${String(e.epoch)}${e.phase ? ', ' + String(e.phase) : ''})`;
        if (role === 'LEADING') return c.green.bold('is LEADING') + ep;
        if (role === 'STANDALONE') return c.green.bold('serves STANDALONE');
        if (role === 'FOLLOWING') return c.blue.bold(`is FOLLOWING ${sidName(e.leader)}`) + ep;
        if (role === 'OBSERVING') return c.blue(`is OBSERVING ${sidName(e.leader)}`) + ep;
        if (role === 'LOOKING') return c.yellow.bold('is LOOKING for a leader') + c.dim(`${e.reason ? ' — ' + String(e.reason) : ''} (epoch ${String(e.epoch)})`);
        return c.red.bold(role) + ep;
      }
      case 'look':
      case 'fle.look':
        return c.magenta(`starts election round ${String(e.electionEpoch)}`) + c.dim(` (its last zxid ${hex(e.zxid)}, epoch ${String(e.peerEpoch)})`);
      case 'vote':
      case 'fle.vote':
        if (!v || e.dir !== 'recv') return null;
        return c.dim(`hears from ${sidName(e.from)}: vote for ${sidName(e.leader)} (zxid ${hex(e.zxid)}, ${String(e.state)})`);
      case 'decide':
      case 'fle.decide':
        return c.magenta.bold(`decides: ${sidName(e.leader)} leads`) + c.dim(` (${String(e.state)}, quorum agreed${e.via ? ', ' + String(e.via) : ''})`);
      case 'epoch':
        if (e.accepted !== undefined) return c.magenta(`accepts new epoch ${String(e.accepted)}`) + c.dim(` (as ${String(e.role)}, persisted)`);
        if (e.current !== undefined) return c.magenta(`makes epoch ${String(e.current)} current`) + c.dim(` (as ${String(e.role)})`);
        return c.magenta(genericText(e));
      case 'leader':
        return c.green.bold(`leads epoch ${String(e.epoch)}`) + c.dim(` from zxid ${hex(e.zxid)}: quorum synced, broadcasting`);
      case 'learner': {
        const ev = String(e.event);
        if (ev === 'info') return c.dim(`${sidName(e.sid)} joins as learner (acceptedEpoch ${String(e.acceptedEpoch)})`);
        if (ev === 'newleader-ack') return c.dim(`${sidName(e.sid)} acknowledges NEWLEADER`);
        if (ev === 'lost-leader') return c.red(`lost its leader ${sidName(e.leader)}: ${String(e.reason)}`);
        if (ev === 'diff') return c.blue(`catches up with a DIFF up to ${hex(e.zxid)}`);
        if (ev === 'trunc') return c.red.bold(`TRUNCATES its log to ${hex(e.zxid)}`) + c.red(` (drops ${String(e.dropped)} txn${e.dropped === 1 ? '' : 's'} the leader does not have)`);
        if (ev === 'snap') return c.blue(`receives a SNAPSHOT at ${hex(e.zxid)}`);
        if (ev === 'timeout') return c.red(`drops ${sidName(e.sid)}: heard nothing from it for syncLimit ticks`);
        if (ev === 'ack-timeout') return c.red(`drops ${sidName(e.sid)}: no ACK for ${hex(e.zxid)} within syncLimit ticks (transaction timeout)`);
        if (ev === 'closed') return c.dim(`connection to learner ${sidName(e.sid)} closed`);
        if (ev === 'follower-ahead') return c.red(`drops ${sidName(e.sid)}: its log (${hex(e.lastZxid)}, epoch ${String(e.currentEpoch)}) is ahead of this leader's`);
        if (ev === 'commit-mismatch') return c.red(`gets a COMMIT for ${hex(e.zxid)}, but its next pending txn is ${e.head === null ? 'none' : hex(e.head)}`);
        if (ev === 'crash') return c.red.bold(`fails: ${String(e.reason)}`) + c.dim(` (on the COMMIT of ${hex(e.zxid)})`);
        return c.dim(genericText(e));
      }
      case 'sync':
        return c.blue(`syncs ${sidName(e.peer)} with ${String(e.mode)}`) + c.dim(` up to ${hex(e.zxid)} (${String(e.txns)} txns, peer had ${hex(e.peerZxid)})`);
      case 'stepdown':
        return c.red.bold('STEPS DOWN') + c.red(`: ${String(e.reason)}`);
      // ---- broadcast
      case 'propose':
        if (typeof e.zxid === 'number') this.acked.set(e.zxid, []);
        // the container manager's deletes (of no session) name their node and the check that chose it
        return c.cyan(`PROPOSES ${zx(e.zxid)}`) + c.dim(` ${String(e.type)}${typeof e.path === 'string' ? ' ' + e.path : ''}${e.session ? ' for session ' + hex(e.session) : ''}${typeof e.checked === 'number' ? ` (the container manager's check at ${e.checked} ms)` : ''}`);
      case 'ack':
        if (typeof e.zxid === 'number') this.acked.get(e.zxid)?.push(Number(e.from));
        return c.cyan(`gets ACK for ${hex(e.zxid)} from ${sidName(e.from)}`);
      case 'commit': {
        const listed = Array.isArray(e.acks) ? (e.acks as number[]) : null;
        // The ACKs this narrator saw for the proposal (null: it did not see the proposal). A commit whose list names
        // servers that never ACKed did not wait for them (the commit-before-quorum bug lists every voter).
        const seen = typeof e.zxid === 'number' ? this.acked.get(e.zxid) : undefined;
        if (typeof e.zxid === 'number') this.acked.delete(e.zxid);
        if (seen && listed && !listed.every((sid) => seen.includes(sid))) {
          const got = [...new Set(seen)].sort((a, b) => a - b).map(sidName);
          return c.green(`COMMITS ${hex(e.zxid)}`) + c.red(` without waiting for a quorum of ACKs (${got.length ? 'acked by ' + got.join(',') + ' only' : 'no ACK had arrived'})`);
        }
        return c.green(`COMMITS ${hex(e.zxid)}`) + c.dim(` (acked by ${listed ? listed.map(sidName).join(',') : '?'}: a quorum)`);
      }
      case 'apply':
        return v ? c.dim(`applies ${hex(e.zxid)} ${String(e.type)}`) : null;
      // ---- sessions
      case 'session': {
        const ev = String(e.event);
        const id = hex(e.id);
        if (ev === 'create') return c.yellow(`creates session ${id}`) + c.dim(` for ${String(e.peer)} (timeout ${String(e.timeout)} ms)`);
        if (ev === 'expire') return c.red.bold(`EXPIRES session ${id}`) + c.red(` (no ping within ${String(e.timeout)} ms): its ephemerals and watches go`);
        if (ev === 'closed') return c.yellow(`closes session ${id}`) + c.dim(` (txn ${hex(e.zxid)})`);
        if (ev === 'connected') return c.dim(`${String(e.peer)} attaches to session ${id}`);
        if (ev === 'reattach-expired') return c.red(`refuses session ${id}: it has expired`);
        return c.dim(`session ${id} ${ev}`);
      }
      case 'refuse':
        return c.red(`refuses ${String(e.peer)}: the client has seen zxid ${hex(e.clientZxid)}, this server only ${hex(e.zxid)}`);
      case 'client.connecting':
        return v ? c.dim(`connecting to ${String(e.server)}…`) : null;
      case 'client.connected':
        return c.yellow.bold(`connected to ${String(e.server)}`) + c.dim(` (session ${hex(e.sessionId)}, timeout ${String(e.timeoutMs)} ms)`);
      case 'client.disconnected':
        return e.wasConnected || v ? c.yellow(`disconnected from ${String(e.server)}`) + c.dim(` (${String(e.reason)})`) : null;
      case 'client.expired':
        return c.red.bold(`learns its session ${hex(e.sessionId)} has EXPIRED`);
      case 'client.closed':
        return c.yellow(`closed its session ${hex(e.sessionId)}`);
      case 'client.event':
        return c.magenta.bold(`WATCH EVENT ${eventTypeName(e.type)} ${String(e.path)}`);
      case 'storage-error':
      case 'storage-warning':
        return c.red(genericText(e));
      default:
        if (SILENT_KINDS.has(e.kind)) return null;
        return v ? c.dim(genericText(e)) : null;
    }
  }

  /**
   * A completed call's name, with the time it was called when the process has called something since or has another
   * call in flight (two "sync /x → ok" lines at once are then told apart).
   */
  private callName(h: { id: number; process: unknown }): string {
    const inv = this.invokes.get(h.id);
    const key = String(h.process);
    const open = this.open.get(key);
    const ambiguous = inv !== undefined && (this.lastInvoke.get(key) !== h.id || (open !== undefined && open.size > 1));
    open?.delete(h.id);
    if (!inv) return '#' + h.id;
    return inv.op + argText(inv.args, true) + (ambiguous ? ` (called at ${inv.time} ms)` : '');
  }

  historyText(h: HistoryEvent): string | null {
    const c = this.c;
    switch (h.kind) {
      case 'invoke': {
        this.invokes.set(h.id, h);
        const key = String(h.process);
        this.lastInvoke.set(key, h.id);
        let open = this.open.get(key);
        if (!open) this.open.set(key, (open = new Set()));
        open.add(h.id);
        return c.dim(`calls ${h.op}${argText(h.args)}`);
      }
      case 'ok': {
        const rt = h.result !== undefined ? resultText(h.result) : '';
        return c.green(`${this.callName(h)} → ok`) + c.dim(`${rt ? ' ' + rt : ''}${h.zxid !== undefined ? ' zxid ' + hex(h.zxid) : ''}`);
      }
      case 'fail':
        return c.red(`${this.callName(h)} → ${h.error.name}`) + c.dim(h.notApplied ? ' (certainly not applied)' : '');
      case 'info':
        return c.yellow(`${this.callName(h)} → outcome UNKNOWN`) + c.dim(`${h.error ? ' (' + h.error.name + ')' : ''}: it may or may not take effect`);
      case 'session':
        return null; // the client's own trace says it, with more detail
      case 'event':
        return null;
      default:
        return null;
    }
  }
}

const EVENT_TYPES: Record<number, string> = { [-1]: 'None', 1: 'NodeCreated', 2: 'NodeDeleted', 3: 'NodeDataChanged', 4: 'NodeChildrenChanged', 5: 'DataWatchRemoved', 6: 'ChildWatchRemoved', 7: 'PersistentWatchRemoved' };

function eventTypeName(t: unknown): string {
  return typeof t === 'number' ? EVENT_TYPES[t] ?? String(t) : String(t);
}

function argText(args: unknown, brief = false): string {
  if (args === null || args === undefined) return '';
  if (typeof args !== 'object') return ' ' + short(args, 40);
  const a = args as Record<string, unknown>;
  let s = typeof a.path === 'string' ? ' ' + a.path : '';
  if (!brief) {
    if (a.data !== undefined && a.data !== null) s += ' ' + short(a.data, 40);
    if (typeof a.mode === 'string' && a.mode !== 'PERSISTENT') s += ' ' + a.mode;
    if (typeof a.version === 'number' && a.version !== -1) s += ` version=${a.version}`;
    if (a.watch) s += ' +watch';
    if (Array.isArray(a.ops)) s += ` (${a.ops.length} ops)`;
  }
  return s;
}

function resultText(r: unknown): string {
  if (!r || typeof r !== 'object') return short(r, 80);
  if (Array.isArray(r)) return clip(r.map((x) => (x && typeof x === 'object' ? fieldList(x as Record<string, unknown>, 1) : String(x))).join('; '), 100);
  const o = r as Record<string, unknown>;
  if (Object.keys(o).length === 0) return '';
  // a multiRead: each read's own result ("results object,object,object" before)
  if (Array.isArray(o.results)) {
    return clip(
      o.results
        .map((x) => {
          if (!x || typeof x !== 'object') return short(x, 40);
          const { op, err, ...rest } = x as Record<string, unknown>;
          if (op === 'error') return `error ${typeof err === 'number' ? errorName(err) : short(err, 20)}`;
          const t = resultText(rest);
          return `${String(op)}${t ? ' ' + t : ''}`;
        })
        .join('; '),
      160,
    );
  }
  const parts: string[] = [];
  if (typeof o.path === 'string') parts.push(o.path);
  if ('data' in o) parts.push(`data=${short(o.data, 40)}`);
  if (Array.isArray(o.children)) parts.push(`children=${short(o.children, 80)}`);
  const st = o.stat as Record<string, unknown> | null | undefined;
  if (st && typeof st === 'object') parts.push(`version=${String(st.version)} czxid=${hex(st.czxid)}${st.ephemeralOwner ? ' ephemeralOwner=' + hex(st.ephemeralOwner) : ''}`);
  else if (st === null) parts.push('(no node)');
  return parts.length ? parts.join(' ') : fieldList(o, 1);
}
