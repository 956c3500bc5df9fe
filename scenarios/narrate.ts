/**
 * Narration: turns trace events (and client history events) into readable, coloured lines — who leads in which
 * epoch, votes, proposals, acks, commits, session states, watch events, faults. Everything is derived from what
 * the run recorded; nothing here changes the run.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { TraceEvent } from '../sim/trace.js';
import type { HistoryEvent } from '../check/history.js';

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
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

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

  constructor(opts: NarratorOptions) {
    this.c = opts.chalk;
    this.verbose = opts.verbose ?? false;
  }

  narrate(trace: readonly TraceEvent[], history: readonly HistoryEvent[]): string[] {
    const items: Array<{ t: number; o: number; line: string }> = [];
    let o = 0;
    // Collapse a burst of vote sends (one per peer) into one line.
    for (let i = 0; i < trace.length; i++) {
      const e = trace[i]!;
      if ((e.kind === 'vote' || e.kind === 'fle.vote') && e.dir === 'send') {
        const to: string[] = [sidName(e.to)];
        while (i + 1 < trace.length) {
          const n = trace[i + 1]!;
          if ((n.kind === 'vote' || n.kind === 'fle.vote') && n.dir === 'send' && n.node === e.node && n.t === e.t && n.leader === e.leader && n.zxid === e.zxid) {
            to.push(sidName(n.to));
            i++;
          } else break;
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
      case 'link-latency':
        return c.red(`slow link ${String(e.a)} ↔ ${String(e.b)}: ${short(e.latency)}`);
      case 'recover':
        return c.dim(`reads its disk: last logged zxid ${hex(e.zxid)}, ${String(e.txns)} txns, snapshot ${e.snapshot === null ? 'none' : hex(e.snapshot)}, acceptedEpoch ${String(e.acceptedEpoch)}, currentEpoch ${String(e.currentEpoch)}`);
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
        return c.magenta('epoch ' + short(e));
      case 'leader':
        return c.green.bold(`leads epoch ${String(e.epoch)}`) + c.dim(` from zxid ${hex(e.zxid)}: quorum synced, broadcasting`);
      case 'learner': {
        const ev = String(e.event);
        if (ev === 'info') return c.dim(`${sidName(e.sid)} joins as learner (acceptedEpoch ${String(e.acceptedEpoch)})`);
        if (ev === 'newleader-ack') return c.dim(`${sidName(e.sid)} acknowledges NEWLEADER`);
        if (ev === 'lost-leader') return c.red(`lost its leader ${sidName(e.leader)}: ${String(e.reason)}`);
        if (ev === 'diff') return c.blue(`catches up with a DIFF up to ${hex(e.zxid)}`);
        if (ev === 'trunc') return c.red.bold(`TRUNCATES its log to ${hex(e.zxid)}`) + c.red(` (drops ${String(e.dropped)} uncommitted txns from an old epoch)`);
        if (ev === 'snap') return c.blue(`receives a SNAPSHOT at ${hex(e.zxid)}`);
        if (ev === 'timeout') return c.red(`${sidName(e.sid)} timed out (no ack within syncLimit)`);
        if (ev === 'closed') return c.dim(`connection to learner ${sidName(e.sid)} closed`);
        return c.dim(`learner ${ev} ${short(e)}`);
      }
      case 'sync':
        return c.blue(`syncs ${sidName(e.peer)} with ${String(e.mode)}`) + c.dim(` up to ${hex(e.zxid)} (${String(e.txns)} txns, peer had ${hex(e.peerZxid)})`);
      case 'stepdown':
        return c.red.bold('STEPS DOWN') + c.red(`: ${String(e.reason)}`);
      // ---- broadcast
      case 'propose':
        return c.cyan(`PROPOSES ${zx(e.zxid)}`) + c.dim(` ${String(e.type)}${e.session ? ' for session ' + hex(e.session) : ''}`);
      case 'ack':
        return c.cyan(`gets ACK for ${hex(e.zxid)} from ${sidName(e.from)}`);
      case 'commit': {
        const acks = Array.isArray(e.acks) ? (e.acks as number[]).map(sidName).join(',') : '?';
        return c.green(`COMMITS ${hex(e.zxid)}`) + c.dim(` (acked by ${acks}: a quorum)`);
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
        return c.red(`${e.kind}: ${short(e, 100)}`);
      case 'send':
      case 'recv':
      case 'drop':
      case 'timer':
      case 'disk':
      case 'fsync':
      case 'synced':
      case 'connect':
      case 'accept':
      case 'connected':
      case 'closed':
      case 'close':
      case 'driver':
      case 'start':
      case 'default-latency':
        return null;
      default:
        return v ? c.dim(`${e.kind} ${short(e, 100)}`) : null;
    }
  }

  historyText(h: HistoryEvent): string | null {
    const c = this.c;
    switch (h.kind) {
      case 'invoke':
        this.invokes.set(h.id, h);
        return c.dim(`calls ${h.op}${argText(h.args)}`);
      case 'ok': {
        const inv = this.invokes.get(h.id);
        return c.green(`${inv ? inv.op + argText(inv.args, true) : '#' + h.id} → ok`) + c.dim(`${h.result !== undefined ? ' ' + resultText(h.result) : ''}${h.zxid !== undefined ? ' zxid ' + hex(h.zxid) : ''}`);
      }
      case 'fail': {
        const inv = this.invokes.get(h.id);
        return c.red(`${inv ? inv.op + argText(inv.args, true) : '#' + h.id} → ${h.error.name}`) + c.dim(h.notApplied ? ' (certainly not applied)' : '');
      }
      case 'info': {
        const inv = this.invokes.get(h.id);
        return c.yellow(`${inv ? inv.op + argText(inv.args, true) : '#' + h.id} → outcome UNKNOWN`) + c.dim(`${h.error ? ' (' + h.error.name + ')' : ''}: it may or may not take effect`);
      }
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
  const o = r as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof o.path === 'string') parts.push(o.path);
  if ('data' in o) parts.push(`data=${short(o.data, 40)}`);
  if (Array.isArray(o.children)) parts.push(`children=${short(o.children, 80)}`);
  const st = o.stat as Record<string, unknown> | null | undefined;
  if (st && typeof st === 'object') parts.push(`version=${String(st.version)} czxid=${hex(st.czxid)}${st.ephemeralOwner ? ' ephemeralOwner=' + hex(st.ephemeralOwner) : ''}`);
  else if (st === null) parts.push('(no node)');
  return parts.length ? parts.join(' ') : short(r, 80);
}
