/**
 * Import and export of histories.
 *
 * Formats (detected from the content when not named):
 * - `jepsen`    Jepsen's log lines `INFO  jepsen.util - <process> <:type> <:f> <value>` (the etcd register runs).
 * - `edn`       Jepsen's history format, one EDN map per line: `{:process 3, :type :ok, :f :get, :key "9", :value "x"}`
 *               (`:key` present = key-value op; `:time` used as the clock when present and never decreasing, else
 *               the line index).
 * - `zksim`     zksim's own: JSON lines, one `HistoryEvent` per line (or one JSON array of them).
 * - `porcupine` Porcupine's `[]Operation{ClientId, Input, Call, Output, Return}` as a JSON array; also its
 *               `[]Event{ClientId, Kind: 0 call | 1 return, Value, Id}`.
 *
 * Real-time order (history.ts: the order of the events) keeps each format's own: Jepsen's logs and EDN histories
 * are ordered lists (Knossos orders by list position), so the events keep the file's order, and the line index is the
 * clock unless `:time` is given and never decreases (then the order is the same); Porcupine's Event list is ordered
 * by position too; its Operation list by timestamps, equal timestamps concurrent (Porcupine sorts calls before returns
 * at equal times), so at each timestamp every call is listed before every return. The Porcupine export writes the
 * events' positions as Call and Return, so that what happened in one millisecond keeps its order there.
 *
 * Bad input throws `HistoryParseError` naming the file, the line and what was expected.
 */
import { EdnReader, EdnSyntaxError, Keyword, EdnSymbol, ednToPlain, writeEdn, type EdnValue } from './edn.js';
import {
  CAS_MISMATCH,
  HistoryError,
  pairOperations,
  type ErrorInfo,
  type HistoryEvent,
  type Operation,
  type Process,
} from './history.js';

export type HistoryFormat = 'jepsen' | 'edn' | 'zksim' | 'porcupine';
export const HISTORY_FORMATS: readonly HistoryFormat[] = ['jepsen', 'edn', 'zksim', 'porcupine'];

export class HistoryParseError extends Error {
  override name = 'HistoryParseError';
  constructor(readonly file: string, readonly line: number, readonly expected: string, readonly found?: string) {
    super(`${file}:${line}: expected ${expected}${found !== undefined ? `, found ${found}` : ''}`);
  }
}

/** Guesses the format from the first non-blank line. Returns undefined when nothing matches. */
export function detectFormat(text: string): HistoryFormat | undefined {
  const first = text.split('\n').find((l) => l.trim() !== '')?.trim();
  if (first === undefined) return 'jepsen'; // empty: any line format reads it as an empty history
  if (/^(INFO|DEBUG|WARN)\b.*jepsen/.test(first) || /^\S+\s+:(invoke|ok|fail|info)\s/.test(first)) return 'jepsen';
  if (/^\{\s*:/.test(first)) return 'edn';
  if (first.startsWith('{"') || first.startsWith('{ "')) return /"kind"\s*:/.test(first) ? 'zksim' : /"ClientId"/.test(first) ? 'porcupine' : 'zksim';
  if (first.startsWith('[')) {
    const head = text.slice(0, 2000);
    return /"ClientId"/.test(head) ? 'porcupine' : 'zksim';
  }
  return undefined;
}

/** Parses a history from text. `file` names the source in errors. */
export function parseHistory(text: string, file = '<input>', format?: HistoryFormat): HistoryEvent[] {
  const fmt = format ?? detectFormat(text);
  if (!fmt) {
    const n = text.split('\n').findIndex((l) => l.trim() !== '') + 1;
    throw new HistoryParseError(file, n, 'a history line (Jepsen log, EDN map or zksim JSON)', JSON.stringify(text.split('\n')[n - 1]!.slice(0, 30)));
  }
  switch (fmt) {
    case 'jepsen':
      return parseJepsenLog(text, file);
    case 'edn':
      return parseEdnHistory(text, file);
    case 'zksim':
      return parseZksim(text, file);
    case 'porcupine':
      return parsePorcupine(text, file);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Jepsen log and EDN: shared conversion of (process, type, f, value[, key]) records to history events

interface JepsenRecord {
  process: Process;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  value: EdnValue;
  key?: unknown;
  time: number;
  line: number;
  error?: unknown;
  /**
   * The client session the operation belongs to, when it is not `process` (zksim's EDN export): a session that
   * pipelines calls has several operations open at once, and each open one gets a process of its own (`c2#1`),
   * as Jepsen and Knossos allow one open operation per process; the history's event keeps the session.
   */
  session?: Process;
  /** zksim's export: the reply's zxid, the error's code, whether a failed call certainly did not take effect. */
  zxid?: number;
  errorCode?: number;
  notApplied?: boolean;
}

class JepsenConverter {
  readonly events: HistoryEvent[] = [];
  private readonly open = new Map<Process, { id: number; f: string; line: number; value: EdnValue; key?: unknown }>();
  private nextId = 0;
  constructor(readonly file: string) {}

  /** An event that is no operation (zksim's export: a session state, a watch notification), in its place. */
  addOther(e: HistoryEvent): void {
    this.events.push(e);
  }

  add(r: JepsenRecord): void {
    const { file } = this;
    if (r.type === 'invoke') {
      const prev = this.open.get(r.process);
      if (prev) throw new HistoryParseError(file, r.line, `a completion of process ${r.process}'s operation invoked at line ${prev.line} before its next invoke`, `another :invoke`);
      const id = this.nextId++;
      this.open.set(r.process, { id, f: r.f, line: r.line, value: r.value, key: r.key });
      this.events.push({ kind: 'invoke', id, process: r.session ?? r.process, time: r.time, op: r.f, args: invokeArgs(r) });
      return;
    }
    const inv = this.open.get(r.process);
    if (!inv) throw new HistoryParseError(file, r.line, `an :invoke of process ${r.process} before its :${r.type}`, `:${r.type} without invoke`);
    if (inv.f !== r.f) throw new HistoryParseError(file, r.line, `a completion of :${inv.f} (invoked at line ${inv.line})`, `:${r.f}`);
    this.open.delete(r.process);
    const id = inv.id;
    const process = r.session ?? r.process;
    const zxid = r.zxid !== undefined ? { zxid: r.zxid } : {};
    if (r.type === 'ok') {
      this.events.push({ kind: 'ok', id, process, time: r.time, result: okResult(r), ...zxid });
    } else if (r.type === 'info') {
      const e: HistoryEvent = { kind: 'info', id, process, time: r.time };
      const err = errorOf(r.error ?? r.value, r.errorCode);
      if (err) e.error = err;
      this.events.push(e);
    } else if (r.errorCode !== undefined) {
      // zksim's own export: the error as the server gave it, and whether the call observed anything (a NONODE did)
      this.events.push({ kind: 'fail', id, process, time: r.time, error: errorOf(r.error, r.errorCode) ?? { code: r.errorCode, name: 'FAIL' }, ...zxid, ...(r.notApplied ? { notApplied: true } : {}) });
    } else {
      // :fail. For a compare-and-set the compare failed (a result); anything else did not take effect.
      if (r.f === 'cas') this.events.push({ kind: 'fail', id, process, time: r.time, error: CAS_MISMATCH });
      else this.events.push({ kind: 'fail', id, process, time: r.time, error: errorOf(r.error ?? r.value) ?? { code: 0, name: 'FAIL' }, notApplied: true });
    }
  }
}

function invokeArgs(r: JepsenRecord): unknown {
  const v = ednToPlain(r.value);
  if (r.key !== undefined) return r.f === 'get' || r.f === 'read' ? { key: r.key } : { key: r.key, value: v };
  if (r.f === 'read') return null;
  return v;
}
function okResult(r: JepsenRecord): unknown {
  return ednToPlain(r.value);
}
function errorOf(v: unknown, code = 0): ErrorInfo | undefined {
  if (v instanceof Keyword) return { code, name: v.name };
  if (typeof v === 'string') return { code, name: v };
  return undefined;
}

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

export function parseJepsenLog(text: string, file = '<input>'): HistoryEvent[] {
  const conv = new JepsenConverter(file);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const n = i + 1;
    let body = raw;
    const m = /^\s*\S+\s+jepsen\.util\s+-\s+(.*)$/.exec(raw);
    if (m) body = m[1]!;
    else if (/^\s*(INFO|DEBUG|WARN)\b/.test(raw)) throw new HistoryParseError(file, n, "'jepsen.util - ' after the log level", JSON.stringify(raw.slice(0, 40)));
    const tok = body.trim().split(/\s+/);
    if (tok.length < 3) {
      const what = ['a process number', 'an operation type (:invoke, :ok, :fail or :info)', 'an operation name (e.g. :read)', 'a value'][tok.length]!;
      throw new HistoryParseError(file, n, what, 'end of line');
    }
    const [p, t, f] = tok as [string, string, string];
    const process: Process = /^-?\d+$/.test(p) ? Number(p) : p;
    if (!t.startsWith(':') || !TYPES.has(t.slice(1))) throw new HistoryParseError(file, n, 'an operation type (:invoke, :ok, :fail or :info)', JSON.stringify(t));
    if (!f.startsWith(':') || f.length < 2) throw new HistoryParseError(file, n, 'an operation name (e.g. :read)', JSON.stringify(f));
    const rest = tok.slice(3).join(' ');
    if (rest === '') throw new HistoryParseError(file, n, `a value after ${f}`, 'end of line');
    let value: EdnValue;
    try {
      const r = new EdnReader(rest);
      value = r.read();
      if (!r.atEnd()) throw new EdnSyntaxError(r.pos, 'end of line', JSON.stringify(rest.slice(r.pos, r.pos + 12)));
    } catch (e) {
      if (e instanceof EdnSyntaxError) throw new HistoryParseError(file, n, e.expected, e.found);
      throw e;
    }
    conv.add({ process, type: t.slice(1) as JepsenRecord['type'], f: f.slice(1), value, time: n, line: n });
  }
  return conv.events;
}

const SESSION_STATES = new Set(['connected', 'disconnected', 'expired', 'closed']);
const WATCH_TYPES = new Set(['NodeCreated', 'NodeDeleted', 'NodeDataChanged', 'NodeChildrenChanged']);

/** A `:type :session` or `:type :event` record of zksim's EDN export, as the history event it was. */
function otherEvent(v: Map<unknown, EdnValue>, type: string, process: Process, file: string, n: number): HistoryEvent {
  const time = typeof v.get('time') === 'number' ? (v.get('time') as number) : n;
  if (type === 'session') {
    const st = v.get('state');
    if (!(st instanceof Keyword) || !SESSION_STATES.has(st.name)) throw new HistoryParseError(file, n, 'a :state of :connected, :disconnected, :expired or :closed', st === undefined ? 'none' : writeEdn(st));
    const e: HistoryEvent = { kind: 'session', process, time, state: st.name as 'connected' };
    const server = v.get('server');
    if (typeof server === 'string' || typeof server === 'number') e.server = server;
    const sid = v.get('session-id');
    if (typeof sid === 'string' || typeof sid === 'number') e.sessionId = sid;
    return e;
  }
  const f = v.get('f');
  const name = f instanceof Keyword ? f.name : f;
  if (typeof name !== 'string' || !WATCH_TYPES.has(name)) throw new HistoryParseError(file, n, 'an :f of :NodeCreated, :NodeDeleted, :NodeDataChanged or :NodeChildrenChanged', f === undefined ? 'none' : writeEdn(f));
  const path = v.get('path');
  if (typeof path !== 'string') throw new HistoryParseError(file, n, 'a :path string', path === undefined ? 'none' : writeEdn(path));
  return { kind: 'event', process, time, type: name as 'NodeCreated', path };
}

export function parseEdnHistory(text: string, file = '<input>'): HistoryEvent[] {
  const conv = new JepsenConverter(file);
  const records: Array<JepsenRecord | { other: HistoryEvent; time: number; line: number }> = [];
  const timed: boolean[] = []; // whether each record has its own :time
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.trim().startsWith(';')) continue;
    const n = i + 1;
    let v: EdnValue;
    if (!raw.trimStart().startsWith('{')) throw new HistoryParseError(file, n, "an EDN map '{:process .., :type .., :f ..}'", JSON.stringify(raw.trim().slice(0, 20)));
    try {
      const r = new EdnReader(raw);
      v = r.read('an EDN map');
      if (!r.atEnd()) throw new EdnSyntaxError(r.pos, 'end of line after the map', JSON.stringify(raw.slice(r.pos, r.pos + 12)));
    } catch (e) {
      if (e instanceof EdnSyntaxError) throw new HistoryParseError(file, n, e.expected, e.found);
      throw e;
    }
    if (!(v instanceof Map)) throw new HistoryParseError(file, n, 'an EDN map {:process .., :type .., :f ..}', JSON.stringify(raw.slice(0, 30)));
    const p = v.get('process');
    if (p === undefined) throw new HistoryParseError(file, n, 'a :process entry');
    if (p instanceof Keyword && p.name === 'nemesis') continue; // nemesis operations are not client operations
    const process: Process = typeof p === 'number' ? p : typeof p === 'string' ? p : p instanceof Keyword || p instanceof EdnSymbol ? p.name : String(p);
    const t = v.get('type');
    if (t instanceof Keyword && (t.name === 'session' || t.name === 'event')) {
      // zksim's export of a history's session states and watch notifications (no operations: Jepsen has none)
      const other = otherEvent(v, t.name, process, file, n);
      timed.push(typeof v.get('time') === 'number');
      records.push({ other, time: other.time, line: n });
      continue;
    }
    if (!(t instanceof Keyword) || !TYPES.has(t.name)) throw new HistoryParseError(file, n, 'a :type of :invoke, :ok, :fail or :info', t === undefined ? 'none' : writeEdn(t));
    const f = v.get('f');
    if (!(f instanceof Keyword || typeof f === 'string')) throw new HistoryParseError(file, n, 'an :f (operation name)', f === undefined ? 'none' : writeEdn(f));
    const time = typeof v.get('time') === 'number' ? (v.get('time') as number) : n;
    timed.push(typeof v.get('time') === 'number');
    const rec: JepsenRecord = { process, type: t.name as JepsenRecord['type'], f: f instanceof Keyword ? f.name : f, value: v.has('value') ? v.get('value')! : null, time, line: n };
    if (v.has('key')) rec.key = ednToPlain(v.get('key')!);
    if (typeof v.get('zxid') === 'number') rec.zxid = v.get('zxid') as number;
    if (typeof v.get('error-code') === 'number') rec.errorCode = v.get('error-code') as number;
    if (v.get('not-applied') === true) rec.notApplied = true;
    if (v.has('session')) {
      const sv = v.get('session');
      rec.session = typeof sv === 'number' || typeof sv === 'string' ? sv : sv instanceof Keyword || sv instanceof EdnSymbol ? sv.name : String(sv);
    }
    if (v.has('error')) rec.error = v.get('error');
    records.push(rec);
  }
  // The list's order is the real-time order (Knossos): :time, when some entry lacks it or it decreases somewhere,
  // gives way to the line index, so that the times agree with the order.
  let ordered = timed.every((t) => t === timed[0]);
  for (let i = 1; ordered && i < records.length; i++) if (records[i]!.time < records[i - 1]!.time) ordered = false;
  if (!ordered) for (const r of records) r.time = r.line;
  for (const rec of records) {
    if ('other' in rec) conv.addOther({ ...rec.other, time: rec.time });
    else conv.add(rec);
  }
  return conv.events;
}

// ---------------------------------------------------------------------------------------------------------------
// zksim JSON lines

function describeJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Validates one zksim event; returns the reason it is invalid, or undefined. */
function invalidEvent(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'a JSON object (a history event)';
  const o = e as Record<string, unknown>;
  const kinds = ['invoke', 'ok', 'fail', 'info', 'event', 'session'];
  if (typeof o.kind !== 'string' || !kinds.includes(o.kind)) return `"kind" one of ${kinds.join(', ')}`;
  if (typeof o.process !== 'number' && typeof o.process !== 'string') return '"process" (a number or string)';
  if (typeof o.time !== 'number' || !Number.isFinite(o.time)) return '"time" (a finite number)';
  if (o.kind === 'event') return typeof o.type === 'string' && typeof o.path === 'string' ? undefined : '"type" and "path" strings in a watch event';
  if (o.kind === 'session') return typeof o.state === 'string' ? undefined : '"state" (connected, disconnected, expired or closed)';
  if (typeof o.id !== 'number' || !Number.isInteger(o.id)) return '"id" (an integer operation id)';
  if (o.kind === 'invoke' && typeof o.op !== 'string') return '"op" (the operation name)';
  if (o.kind === 'fail' && (typeof o.error !== 'object' || o.error === null || typeof (o.error as { code?: unknown }).code !== 'number')) {
    return '"error" {code, name} in a fail event';
  }
  return undefined;
}

export function parseZksim(text: string, file = '<input>'): HistoryEvent[] {
  const trimmed = text.trimStart();
  let items: Array<{ value: unknown; line: number }> = [];
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch (e) {
      throw new HistoryParseError(file, jsonErrorLine(text, e), 'a complete JSON array of history events', (e as Error).message);
    }
    if (!Array.isArray(arr)) throw new HistoryParseError(file, 1, 'a JSON array');
    // Line numbers of elements: best effort (one element per line is the usual layout).
    items = arr.map((value, i) => ({ value, line: i + 2 }));
  } else {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!.trim();
      if (l === '') continue;
      try {
        items.push({ value: JSON.parse(l), line: i + 1 });
      } catch {
        throw new HistoryParseError(file, i + 1, 'one complete JSON history event per line', describeJson(l.slice(0, 40)));
      }
    }
  }
  const events: HistoryEvent[] = [];
  const open = new Map<number, number>();
  const seen = new Set<number>();
  for (const { value, line } of items) {
    const why = invalidEvent(value);
    if (why) throw new HistoryParseError(file, line, why, describeJson(value));
    const e = value as HistoryEvent;
    if (e.kind === 'invoke') {
      if (seen.has(e.id)) throw new HistoryParseError(file, line, `a fresh operation id (id ${e.id} was used before)`);
      seen.add(e.id);
      open.set(e.id, line);
    } else if (e.kind === 'ok' || e.kind === 'fail' || e.kind === 'info') {
      if (!open.has(e.id)) throw new HistoryParseError(file, line, `an invoke of operation ${e.id} before its completion`);
      open.delete(e.id);
    }
    events.push(e);
  }
  return events;
}

function jsonErrorLine(text: string, e: unknown): number {
  const m = /position (\d+)/.exec(String((e as Error).message));
  if (!m) return text.split('\n').length;
  return text.slice(0, Number(m[1])).split('\n').length;
}

// ---------------------------------------------------------------------------------------------------------------
// Porcupine

interface PorcupineOperation {
  ClientId: number;
  Input: unknown;
  Call: number;
  Output: unknown;
  Return: number;
}

/**
 * Porcupine's Operation list as JSON. Input = {op, args}; Output = {status, result?, error?}. Call and Return are the
 * positions of the invocation and the completion in the history (unknown → Return = the history's length): Porcupine
 * orders by them and takes equal ones as concurrent, so times in milliseconds would lose the order of events within
 * a millisecond (history.ts).
 */
export function toPorcupine(history: readonly HistoryEvent[]): PorcupineOperation[] {
  const ops = pairOperations(history);
  const procIds = new Map<Process, number>();
  return ops.map((o) => {
    if (!procIds.has(o.process)) procIds.set(o.process, typeof o.process === 'number' ? o.process : procIds.size);
    const out: Record<string, unknown> = { status: o.status };
    if (o.result !== undefined) out.result = o.result;
    if (o.error) out.error = o.error;
    if (o.zxid !== undefined) out.zxid = o.zxid;
    return { ClientId: procIds.get(o.process)!, Input: { op: o.op, args: o.args ?? null }, Call: o.index, Output: out, Return: Number.isFinite(o.retIndex!) ? o.retIndex! : history.length };
  });
}

export function parsePorcupine(text: string, file = '<input>'): HistoryEvent[] {
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch (e) {
    throw new HistoryParseError(file, jsonErrorLine(text, e), 'a complete JSON array of Porcupine operations', (e as Error).message);
  }
  if (!Array.isArray(arr)) throw new HistoryParseError(file, 1, 'a JSON array of Porcupine operations or events');
  const events: Array<{ t: number; order: number; e: HistoryEvent }> = [];
  if (arr.length > 0 && typeof arr[0] === 'object' && arr[0] !== null && 'Kind' in arr[0]) {
    // []Event{ClientId, Kind, Value, Id}: order is the clock.
    const calls = new Map<number, { op: string; args: unknown }>();
    arr.forEach((x: Record<string, unknown>, i: number) => {
      if (typeof x?.Id !== 'number' || (x.Kind !== 0 && x.Kind !== 1)) throw new HistoryParseError(file, i + 2, 'an Event {ClientId, Kind: 0|1, Value, Id}', describeJson(x));
      const process = typeof x.ClientId === 'number' ? x.ClientId : 0;
      if (x.Kind === 0) {
        const { op, args } = porcupineInput(x.Value);
        calls.set(x.Id, { op, args });
        events.push({ t: i, order: i, e: { kind: 'invoke', id: x.Id, process, time: i, op, args } });
      } else {
        if (!calls.has(x.Id)) throw new HistoryParseError(file, i + 2, `a call event of operation ${x.Id} before its return`);
        events.push({ t: i, order: i, e: porcupineCompletion(x.Id, process, i, x.Value) });
      }
    });
    return events.map((x) => x.e);
  }
  arr.forEach((x: Record<string, unknown>, i: number) => {
    if (typeof x !== 'object' || x === null || typeof x.Call !== 'number' || typeof x.Return !== 'number' || x.Return < x.Call) {
      throw new HistoryParseError(file, i + 2, 'an Operation {ClientId, Input, Call, Output, Return} with Call <= Return', describeJson(x));
    }
    const process = typeof x.ClientId === 'number' ? x.ClientId : 0;
    const { op, args } = porcupineInput(x.Input);
    events.push({ t: x.Call, order: 0, e: { kind: 'invoke', id: i, process, time: x.Call, op, args } });
    events.push({ t: x.Return, order: 1, e: porcupineCompletion(i, process, x.Return, x.Output) });
  });
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  return events.map((x) => x.e);
}

function porcupineInput(v: unknown): { op: string; args: unknown } {
  if (v && typeof v === 'object' && typeof (v as { op?: unknown }).op === 'string') {
    const o = v as { op: string; args?: unknown };
    return { op: o.op, args: 'args' in o ? o.args : null };
  }
  return { op: 'op', args: v ?? null };
}
function porcupineCompletion(id: number, process: Process, time: number, out: unknown): HistoryEvent {
  if (out && typeof out === 'object' && typeof (out as { status?: unknown }).status === 'string') {
    const o = out as { status: string; result?: unknown; error?: ErrorInfo; zxid?: number };
    if (o.status === 'unknown') return { kind: 'info', id, process, time };
    if (o.status === 'fail') return { kind: 'fail', id, process, time, error: o.error ?? { code: 0, name: 'FAIL' }, ...(o.zxid !== undefined ? { zxid: o.zxid } : {}) };
    return { kind: 'ok', id, process, time, result: o.result, ...(o.zxid !== undefined ? { zxid: o.zxid } : {}) };
  }
  return { kind: 'ok', id, process, time, result: out };
}

// ---------------------------------------------------------------------------------------------------------------
// Export: zksim JSON lines and Jepsen EDN lines

export function toZksimJsonl(history: readonly HistoryEvent[]): string {
  return history.map((e) => JSON.stringify(e)).join('\n') + (history.length ? '\n' : '');
}

/**
 * Jepsen EDN lines: `{:process P, :type :invoke, :f :op, :value V, :time T, :index I}`; key-value ops carry :key.
 * A failed compare-and-set is `:fail`; an unknown outcome is `:info`; watch and session records are left out.
 */
export function toEdnLines(history: readonly HistoryEvent[]): string {
  const invokes = new Map<number, { op: string; args: unknown; lane: number }>();
  const lanes = new OpenLanes();
  const out: string[] = [];
  let index = 0;
  for (const e of history) {
    if (e.kind === 'session' || e.kind === 'event') {
      // not operations: records of types Jepsen does not have, which a Jepsen tool drops (see check/README.md)
      const m = new Map<unknown, unknown>([['process', e.process], ['type', new Keyword(e.kind)]]);
      if (e.kind === 'session') {
        m.set('state', new Keyword(e.state));
        if (e.server !== undefined) m.set('server', e.server);
        if (e.sessionId !== undefined) m.set('session-id', e.sessionId);
      } else {
        m.set('f', new Keyword(e.type));
        m.set('path', e.path);
      }
      m.set('time', e.time);
      m.set('index', index++);
      out.push(writeEdn(m));
      continue;
    }
    if (e.kind !== 'invoke' && e.kind !== 'ok' && e.kind !== 'fail' && e.kind !== 'info') continue;
    if (e.kind === 'invoke') invokes.set(e.id, { op: e.op, args: e.args, lane: lanes.open(e.process) });
    const inv = invokes.get(e.id)!;
    if (e.kind !== 'invoke') lanes.close(e.process, inv.lane);
    const m = new Map<unknown, unknown>();
    // a pipelined call (another of its session's calls still open) gets a process of its own: one open operation
    // per process, as Jepsen's histories have; :session keeps the session for zksim's checkers
    m.set('process', inv.lane === 0 ? e.process : `${String(e.process)}#${inv.lane}`);
    if (inv.lane !== 0) m.set('session', e.process);
    m.set('type', new Keyword(e.kind));
    m.set('f', new Keyword(inv.op));
    const a = inv.args as { key?: unknown; value?: unknown } | null;
    const isKv = a !== null && typeof a === 'object' && !Array.isArray(a) && 'key' in a;
    if (isKv) m.set('key', a!.key);
    if (e.kind === 'invoke') m.set('value', isKv ? (a!.value ?? null) : inv.args);
    else if (e.kind === 'ok') m.set('value', e.result === undefined ? (isKv ? (a!.value ?? null) : inv.args) : e.result);
    else if (e.kind === 'fail') {
      m.set('value', isKv ? (a!.value ?? null) : inv.args);
      m.set('error', new Keyword(e.error.name));
      // zksim's checkers read the code, and whether the call observed anything (a Jepsen :fail never did)
      m.set('error-code', e.error.code);
      if (e.notApplied) m.set('not-applied', true);
    } else {
      m.set('value', isKv ? (a!.value ?? null) : inv.args);
      if (e.kind === 'info' && e.error) {
        m.set('error', new Keyword(e.error.name));
        m.set('error-code', e.error.code);
      }
    }
    if ((e.kind === 'ok' || e.kind === 'fail') && e.zxid !== undefined) m.set('zxid', e.zxid);
    m.set('time', e.time);
    m.set('index', index++);
    out.push(writeEdn(m));
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

/** Per process, the lanes (0, 1, ...) its open operations take: the lowest free one for each new operation. */
class OpenLanes {
  private readonly busy = new Map<Process, Set<number>>();
  open(p: Process): number {
    let set = this.busy.get(p);
    if (!set) this.busy.set(p, (set = new Set()));
    let lane = 0;
    while (set.has(lane)) lane++;
    set.add(lane);
    return lane;
  }
  close(p: Process, lane: number): void {
    this.busy.get(p)?.delete(lane);
  }
}

/**
 * Jepsen log lines as in the etcd runs (`INFO  jepsen.util - P\t:type\t:f\tvalue`). The format carries one value
 * per line and no key, so it holds single-register histories only (read, write, cas); any other history is refused
 * (HistoryError) rather than written with its results lost: EDN (`toEdnLines`) carries keys, results and errors.
 */
export function toJepsenLog(history: readonly HistoryEvent[]): string {
  const invokes = new Map<number, { op: string; args: unknown }>();
  const open = new Set<Process>(); // processes with an operation open
  const lines: string[] = [];
  for (const e of history) {
    if (e.kind !== 'invoke' && e.kind !== 'ok' && e.kind !== 'fail' && e.kind !== 'info') continue;
    if (e.kind === 'invoke') {
      const keyed = e.args !== null && typeof e.args === 'object' && !Array.isArray(e.args);
      if (!REGISTER_OPS.has(e.op) || keyed) {
        throw new HistoryError(`the Jepsen log format holds single-register histories only (read, write, cas, without keys), and this one has ${keyed ? `a keyed '${e.op}'` : `'${e.op}'`} (operation ${e.id}): export it as edn instead`);
      }
      if (open.has(e.process)) {
        throw new HistoryError(`process ${String(e.process)} has two operations open at once (operation ${e.id} is a pipelined call): the Jepsen log format allows one per process; export it as edn instead`);
      }
      open.add(e.process);
      invokes.set(e.id, { op: e.op, args: e.args });
    } else open.delete(e.process);
    const inv = invokes.get(e.id)!;
    let v: string;
    if (e.kind === 'invoke') v = writeEdn(inv.args);
    else if (e.kind === 'ok') v = writeEdn(inv.op === 'read' ? e.result : inv.args);
    else if (e.kind === 'fail') v = inv.op === 'cas' ? writeEdn(inv.args) : ':timed-out';
    else v = ':timed-out';
    lines.push(`INFO  jepsen.util - ${e.process}\t:${e.kind}\t:${inv.op}\t${v}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** The operations of a single-register history, the only kind the Jepsen log format holds. */
const REGISTER_OPS = new Set(['read', 'write', 'cas']);

export { HistoryError };
export type { Operation };
