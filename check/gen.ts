/**
 * Synthetic ZooKeeper-like histories for tests and the benchmark: sessions on three servers, writes applied in one
 * order consistent with real time, each session reading its server's applied prefix (stale but monotonic, and
 * including its own writes). Such a history is ordered-sequentially consistent but usually not linearizable.
 * Operations are Porcupine kv style (get / put, one key space), optionally with zxids like zksim's client records.
 */
import type { HistoryEvent } from './history.js';

export interface GenOptions {
  ops: number;
  sessions: number;
  keys: number;
  seed: number;
  /** Record zxids (write: its txn; read: the prefix it saw). */
  zxids?: boolean;
  /** Maximum duration of an operation (time units); operations of different sessions overlap. */
  maxLatency?: number;
}

export function generateStaleReadHistory(o: GenOptions): HistoryEvent[] {
  let x = o.seed >>> 0 || 1;
  const rnd = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
  const maxLat = o.maxLatency ?? 1;
  // 1. intervals: each session is sequential, sessions overlap
  interface Op {
    id: number;
    s: number;
    call: number;
    ret: number;
    eff: number;
    write: boolean;
    key: string;
    value?: string;
    result?: string;
    z?: number;
  }
  const ops: Op[] = [];
  const busyUntil = new Array<number>(o.sessions).fill(-1);
  let t = 0;
  while (ops.length < o.ops) {
    t += 1;
    const s = Math.floor(rnd() * o.sessions);
    if (busyUntil[s]! >= t) continue;
    const ret = t + 1 + Math.floor(rnd() * maxLat);
    busyUntil[s] = ret;
    const id = ops.length;
    const write = rnd() < 0.3;
    const op: Op = { id, s, call: t, ret, eff: t + 0.5 + rnd() * (ret - t - 0.5), write, key: `k${Math.floor(rnd() * o.keys)}` };
    if (write) op.value = `v${id}`;
    ops.push(op);
  }
  // 2. effects in effect-time order: writes form the zxid order; a read sees a prefix at most a few writes stale,
  //    never older than what its session saw before
  const snaps: Array<Map<string, string>> = [new Map()];
  const cur = new Map<string, string>();
  const seen = new Array<number>(o.sessions).fill(0);
  for (const op of ops.slice().sort((a, b) => a.eff - b.eff)) {
    if (op.write) {
      cur.set(op.key, op.value!);
      snaps.push(new Map(cur));
      op.z = snaps.length - 1;
    } else {
      const latest = snaps.length - 1;
      op.z = Math.max(seen[op.s]!, latest - Math.floor(rnd() * 4));
      op.result = snaps[op.z]!.get(op.key) ?? '';
    }
    seen[op.s] = op.z;
  }
  const ev: Array<[number, number, HistoryEvent]> = [];
  for (const op of ops) {
    const { id, s } = op;
    if (op.write) {
      ev.push([op.call, 0, { kind: 'invoke', id, process: s, time: op.call, op: 'put', args: { key: op.key, value: op.value } }]);
      ev.push([op.ret, 1, o.zxids ? { kind: 'ok', id, process: s, time: op.ret, zxid: op.z! } : { kind: 'ok', id, process: s, time: op.ret }]);
    } else {
      ev.push([op.call, 0, { kind: 'invoke', id, process: s, time: op.call, op: 'get', args: { key: op.key } }]);
      ev.push([op.ret, 1, o.zxids ? { kind: 'ok', id, process: s, time: op.ret, result: op.result, zxid: op.z! } : { kind: 'ok', id, process: s, time: op.ret, result: op.result }]);
    }
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return ev.map((e) => e[2]);
}
