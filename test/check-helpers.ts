/** Shared helpers of the check-* tests. */
import { zkError, type HistoryEvent, type Process, type ZkErrorName } from '../check/history.js';

export type Outcome = { ok: unknown; zxid?: number } | { fail: ZkErrorName; zxid?: number } | 'unknown';
export type Spec = [Process, string, unknown, number, number, Outcome];

/** Builds a history from [process, op, args, call, return, outcome] rows (times must be distinct per row). */
export function hist(...rows: Spec[]): HistoryEvent[] {
  const ev: Array<[number, number, HistoryEvent]> = [];
  rows.forEach(([p, op, args, call, ret, out], id) => {
    ev.push([call, 0, { kind: 'invoke', id, process: p, time: call, op, args }]);
    if (out === 'unknown') ev.push([ret, 1, { kind: 'info', id, process: p, time: ret, error: zkError('CONNECTIONLOSS') }]);
    else if ('ok' in out) ev.push([ret, 1, { kind: 'ok', id, process: p, time: ret, result: out.ok, ...(out.zxid !== undefined ? { zxid: out.zxid } : {}) }]);
    else ev.push([ret, 1, { kind: 'fail', id, process: p, time: ret, error: zkError(out.fail), ...(out.zxid !== undefined ? { zxid: out.zxid } : {}) }]);
  });
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return ev.map((x) => x[2]);
}
