/**
 * Properties: a history generated from a sequential execution with random real-time overlap is accepted (by the
 * linearizability checker with the register, kv and znode models, and by the OSC checker); after a random read's
 * result is replaced by a value that was never written, it is rejected.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { HistoryRecorder, type HistoryEvent } from '../check/history.js';
import { checkHistory } from '../check/linearizability.js';
import { registerModel } from '../check/models/register.js';
import { kvModel } from '../check/models/kv.js';
import { znodeModel } from '../check/models/znode.js';
import { checkOsc } from '../check/osc.js';

type Kind = 'register' | 'kv' | 'znode';

/**
 * Simulates `procs` clients. Each scheduler choice picks a process: an idle one invokes a random operation, a pending
 * one takes effect atomically (its linearization point), an applied one returns. With `unknownRate` an applied or
 * pending operation ends as info (unknown) instead, and the process stops.
 */
function generate(kind: Kind, procs: number, choices: number[], ops: number[], unknownAt: number): HistoryEvent[] {
  const rec = new HistoryRecorder();
  const reg = { v: null as number | null };
  const kv = new Map<string, string>();
  const zn = new Map<string, { data: string; version: number }>();
  type P = { state: 'idle' | 'pending' | 'applied' | 'dead'; id: number; op: string; args: unknown; result?: unknown; fail?: boolean };
  const ps: P[] = Array.from({ length: procs }, () => ({ state: 'idle', id: -1, op: '', args: null }));
  let t = 0;
  let oi = 0;
  let nextVal = 1;
  const pick = (): number => ops[oi++ % ops.length]!;
  for (let i = 0; i < choices.length; i++) {
    const p = ps[choices[i]! % procs]!;
    t++;
    if (p.state === 'dead') continue;
    if (p.state === 'idle') {
      const r = pick();
      if (kind === 'register') {
        const k = r % 3;
        if (k === 0) [p.op, p.args] = ['read', null];
        else if (k === 1) [p.op, p.args] = ['write', nextVal++];
        else [p.op, p.args] = ['cas', [r % 4 === 0 ? null : nextVal - 1 - (r % 2), nextVal++]];
      } else if (kind === 'kv') {
        const key = String(r % 2);
        const k = (r >> 2) % 3;
        if (k === 0) [p.op, p.args] = ['get', { key }];
        else [p.op, p.args] = [k === 1 ? 'put' : 'append', { key, value: `v${nextVal++};` }];
      } else {
        const path = `/n${r % 2}`;
        const k = (r >> 2) % 4;
        if (k === 0) [p.op, p.args] = ['getData', { path }];
        else if (k === 1) [p.op, p.args] = ['create', { path, data: `c${nextVal++}` }];
        else if (k === 2) [p.op, p.args] = ['setData', { path, data: `s${nextVal++}`, version: r % 8 < 4 ? -1 : (r >> 4) % 3 }];
        else [p.op, p.args] = ['delete', { path, version: -1 }];
      }
      p.id = rec.invoke(i % procs === -1 ? 0 : choices[i]! % procs, p.op, p.args, t);
      p.state = 'pending';
      continue;
    }
    if (i === unknownAt) {
      rec.info(p.id, t);
      p.state = 'dead';
      continue;
    }
    if (p.state === 'pending') {
      // the linearization point
      p.fail = false;
      p.result = undefined;
      if (kind === 'register') {
        if (p.op === 'read') p.result = reg.v;
        else if (p.op === 'write') reg.v = p.args as number;
        else {
          const [a, b] = p.args as [number | null, number];
          if (reg.v === a) reg.v = b;
          else p.fail = true;
        }
      } else if (kind === 'kv') {
        const { key, value } = p.args as { key: string; value?: string };
        const cur = kv.get(key) ?? '';
        if (p.op === 'get') p.result = cur;
        else kv.set(key, p.op === 'put' ? value! : cur + value!);
      } else {
        const a = p.args as { path: string; data?: string; version?: number };
        const n = zn.get(a.path);
        if (p.op === 'getData') {
          if (n) p.result = { data: n.data, stat: { version: n.version } };
          else p.fail = true;
        } else if (p.op === 'create') {
          if (n) p.fail = true;
          else {
            zn.set(a.path, { data: a.data!, version: 0 });
            p.result = { path: a.path };
          }
        } else if (p.op === 'setData') {
          if (!n || (a.version !== -1 && a.version !== n.version)) p.fail = true;
          else {
            zn.set(a.path, { data: a.data!, version: n.version + 1 });
            p.result = { stat: { version: n.version + 1 } };
          }
        } else {
          if (!n) p.fail = true;
          else zn.delete(a.path);
        }
        if (p.fail) {
          p.result = !n ? 'NONODE' : p.op === 'create' ? 'NODEEXISTS' : 'BADVERSION';
        }
      }
      p.state = 'applied';
      continue;
    }
    // applied: return
    if (p.fail) {
      if (kind === 'register') rec.fail(p.id, { code: 1, name: 'CASMISMATCH' }, t);
      else {
        const name = p.result as string;
        rec.fail(p.id, { code: name === 'NONODE' ? -101 : name === 'NODEEXISTS' ? -110 : -103, name }, t);
      }
    } else rec.ok(p.id, p.result, t);
    p.state = 'idle';
  }
  return rec.events;
}

/** Replaces the result of one completed read with a value never written. Returns undefined if there is no read. */
function corrupt(kind: Kind, h: HistoryEvent[], which: number): HistoryEvent[] | undefined {
  const readOps = new Set<number>();
  for (const e of h) if (e.kind === 'invoke' && (e.op === 'read' || e.op === 'get' || e.op === 'getData')) readOps.add(e.id);
  const idx = h.map((e, i) => (e.kind === 'ok' && readOps.has(e.id) ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return undefined;
  const i = idx[which % idx.length]!;
  const out = h.slice();
  const e = out[i]!;
  if (e.kind !== 'ok') return undefined;
  const bogus = kind === 'register' ? -7 : kind === 'kv' ? 'never-written' : { data: 'never-written' };
  out[i] = { ...e, result: bogus };
  return out;
}

const model = { register: registerModel, kv: kvModel, znode: znodeModel } as const;
const arb = fc.record({
  procs: fc.integer({ min: 1, max: 5 }),
  choices: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 5, maxLength: 120 }),
  ops: fc.array(fc.integer({ min: 0, max: 1 << 20 }), { minLength: 1, maxLength: 40 }),
  unknownAt: fc.integer({ min: -1, max: 150 }),
  which: fc.nat(),
});

for (const kind of ['register', 'kv', 'znode'] as const) {
  test(`${kind}: generated histories are linearizable; a corrupted read is not`, () => {
    fc.assert(
      fc.property(arb, ({ procs, choices, ops, unknownAt, which }) => {
        const h = generate(kind, procs, choices, ops, unknownAt);
        const m = model[kind] as unknown as Parameters<typeof checkHistory>[0];
        assert.is(checkHistory(m, h).verdict, 'linearizable');
        const bad = corrupt(kind, h, which);
        if (bad) assert.is(checkHistory(m, bad).verdict, 'not-linearizable');
      }),
      { seed: 42, numRuns: 300 },
    );
  });
}

test('OSC: generated kv and znode histories pass; a corrupted read fails', () => {
  for (const kind of ['kv', 'znode'] as const) {
    fc.assert(
      fc.property(arb, ({ procs, choices, ops, unknownAt, which }) => {
        const h = generate(kind, procs, choices, ops, unknownAt);
        assert.is(checkOsc(h).verdict, 'ok');
        assert.is(checkOsc(h, { noShortcut: true } as never).verdict, 'ok');
        const bad = corrupt(kind, h, which);
        if (bad) {
          assert.is(checkOsc(bad).verdict, 'violation');
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  }
});

test.run();
