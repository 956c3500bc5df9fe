/**
 * The S1 check of listings (check/ensemble.ts) judges zxid windows with binary searches; here it is compared with
 * the plain definition, listing by listing, on random histories of ephemerals under one parent: the same ephemerals
 * are reported, each at most once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { checkEnsemble, type EnsembleTraceEvent } from '../check/ensemble.js';
import { HistoryRecorder } from '../check/history.js';

const SESSIONS = [7, 8, 9];
const NAMES = ['a', 'b', 'c'];

type Step =
  | { k: 'create'; s: number; name: string }
  | { k: 'delete'; name: string }
  | { k: 'list'; shown: string[] }
  | { k: 'close'; s: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ k: fc.constant('create' as const), s: fc.constantFrom(...SESSIONS), name: fc.constantFrom(...NAMES) }),
  fc.record({ k: fc.constant('delete' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ k: fc.constant('list' as const), shown: fc.subarray(NAMES) }),
  fc.record({ k: fc.constant('close' as const), s: fc.constantFrom(...SESSIONS) }),
);

/**
 * Each step's zxid: a write (create, delete, close) takes the next one; a listing carries the last one, as a read's
 * reply does, so a listing may share its zxid with the create or delete before it (the windows' edges).
 */
function zxids(steps: Step[]): number[] {
  let z = 0;
  return steps.map((st) => (st.k === 'list' ? z : ++z));
}

/** The definition: every listing of /p at or after an ephemeral's create, one by one, first violation reported. */
function reference(steps: Step[], closeProposed: boolean): Map<string, number> {
  const zx = zxids(steps);
  const close = new Map<number, number>();
  steps.forEach((st, i) => {
    if (st.k === 'close' && !close.has(st.s)) close.set(st.s, zx[i]!);
  });
  const creates = (name: string) => steps.flatMap((st, i) => (st.k === 'create' && st.name === name ? [zx[i]!] : []));
  const deletes = (name: string) => steps.flatMap((st, i) => (st.k === 'delete' && st.name === name ? [zx[i]!] : []));
  const between = (l: number[], lo: number, hi: number) => l.some((x) => x > lo && x <= hi);
  const out = new Map<string, number>();
  steps.forEach((st, i) => {
    if (st.k !== 'create') return;
    const ez = zx[i]!;
    const c = close.get(st.s);
    steps.forEach((l, j) => {
      const z = zx[j]!;
      if (l.k !== 'list' || z < ez || out.get(`${st.name}@${ez}`)) return;
      const exists = l.shown.includes(st.name);
      const other = between(creates(st.name), ez, z);
      const seen = exists && c !== undefined && c > ez && z >= c && !other;
      const missing = !exists && (c === undefined ? !closeProposed : z < c) && !between(deletes(st.name), ez, z);
      if (seen || missing) out.set(`${st.name}@${ez}`, 1);
    });
  });
  return out;
}

function checked(steps: Step[], closeProposed: boolean): Map<string, number> {
  const h = new HistoryRecorder();
  for (const s of SESSIONS) h.session(`c${s}`, 'connected', 0, { sessionId: s });
  h.session('reader', 'connected', 0, { sessionId: 99 });
  const trace: EnsembleTraceEvent[] = [{ t: 0, node: 's1', kind: 'apply', zxid: 0, type: 'createSession', session: 99, digest: 'd' }];
  const closed = new Set<number>();
  const zxs = zxids(steps);
  let t = 1;
  steps.forEach((st, i) => {
    const zx = zxs[i]!;
    if (st.k === 'create') {
      const o = h.invoke(`c${st.s}`, 'create', { path: `/p/${st.name}`, data: '', mode: 'EPHEMERAL' }, t++);
      h.ok(o, { path: `/p/${st.name}` }, t++, zx);
    } else if (st.k === 'delete') {
      const o = h.invoke('reader', 'delete', { path: `/p/${st.name}`, version: -1 }, t++);
      h.ok(o, {}, t++, zx);
    } else if (st.k === 'list') {
      const o = h.invoke('reader', 'getChildren', { path: '/p' }, t++);
      h.ok(o, { children: st.shown }, t++, zx);
    } else if (!closed.has(st.s)) {
      closed.add(st.s);
      trace.push({ t: t++, node: 's1', kind: 'session', id: st.s, event: 'closed', zxid: zx });
    }
  });
  if (closeProposed) for (const s of SESSIONS) trace.push({ t: t++, node: 's1', kind: 'propose', zxid: 1000 + s, type: 'closeSession', session: s, epoch: 0 });
  const out = new Map<string, number>();
  for (const v of checkEnsemble(trace, h.events).violations) {
    if (!v.invariant.startsWith('S1')) continue;
    const m = /ephemeral \/p\/(\w)/.exec(v.message)!;
    // which incarnation: the create before the listing's zxid, latest first
    const lz = Number.parseInt(/at zxid 0x([0-9a-f]+)/.exec(v.message)![1]!, 16);
    const ez = Math.max(...steps.flatMap((st, i) => (st.k === 'create' && st.name === m[1] && zxs[i]! <= lz ? [zxs[i]!] : [])));
    const created = /created at 0x([0-9a-f]+)/.exec(v.message);
    const key = `${m[1]}@${created ? Number.parseInt(created[1]!, 16) : ez}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

test('S1 on listings: the windowed check reports the ephemerals the listing-by-listing definition does', () => {
  let flagged = 0;
  fc.assert(
    fc.property(fc.array(step, { maxLength: 30 }), fc.boolean(), (steps, closeProposed) => {
      const want = reference(steps, closeProposed);
      if (want.size > 0) flagged++;
      assert.equal(Object.fromEntries([...checked(steps, closeProposed)].sort()), Object.fromEntries([...want].sort()));
    }),
    { seed: 2811, numRuns: 3000 },
  );
  assert.ok(flagged > 200, `only ${flagged} of 3000 histories had a violation to find`); // the property is not vacuous
});

test.run();
