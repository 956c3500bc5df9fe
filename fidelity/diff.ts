/**
 * Field-by-field comparison of normalised output steps (see transcript.ts `normalise`), case by case.
 */
import { groupCases } from './transcript.js';

export interface FieldDiff {
  /** 0-based index of the step inside its case. */
  step: number;
  /** Short description of the step: "s1 getData /a". */
  what: string;
  /** Dotted field path, e.g. "result.stat.mzxid" or "events[0].type". */
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface CaseDiff {
  case: string;
  identical: boolean;
  diffs: FieldDiff[];
}

type Row = Record<string, unknown>;

function flatten(v: unknown, prefix: string, out: Map<string, unknown>): void {
  if (Array.isArray(v)) {
    if (v.length === 0) out.set(prefix, []);
    v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out));
    return;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as object);
    if (keys.length === 0) out.set(prefix, {});
    for (const k of keys) flatten((v as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  out.set(prefix, v);
}

function describe(s: Row | undefined): string {
  if (!s) return '(missing)';
  const parts = [s.session, s.op, s.path].filter((x) => typeof x === 'string');
  return parts.join(' ');
}

/** Fields compared for a step marked "race": input fields, result.ok and result.code only. */
function raceFilter(field: string): boolean {
  if (!field.startsWith('result') && !field.startsWith('events') && field !== 'zxid') return true;
  return field === 'result.ok' || field === 'result.code' || field === 'result.name';
}

export function diffStep(expected: Row | undefined, actual: Row | undefined, step: number): FieldDiff[] {
  const what = describe(expected ?? actual);
  if (!expected || !actual) return [{ step, what, field: '(step)', expected: expected ? 'present' : 'absent', actual: actual ? 'present' : 'absent' }];
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(expected, '', a);
  flatten(actual, '', b);
  const race = expected.race === true || actual.race === true;
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  const out: FieldDiff[] = [];
  for (const f of fields) {
    if (race && !raceFilter(f)) continue;
    const x = a.has(f) ? a.get(f) : undefined;
    const y = b.has(f) ? b.get(f) : undefined;
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ step, what, field: f, expected: x, actual: y });
  }
  return out;
}

/** Compares two normalised transcripts case by case (cases matched by name, steps by position). */
export function diffTranscripts(expected: Row[], actual: Row[]): CaseDiff[] {
  const ex = groupCases(expected as Array<Row & { case: string }>);
  const ac = new Map(groupCases(actual as Array<Row & { case: string }>).map((c) => [c.name, c.steps]));
  const out: CaseDiff[] = [];
  for (const c of ex) {
    const got = ac.get(c.name);
    ac.delete(c.name);
    if (!got) {
      out.push({ case: c.name, identical: false, diffs: [{ step: 0, what: '(case)', field: '(case)', expected: 'present', actual: 'absent' }] });
      continue;
    }
    const diffs: FieldDiff[] = [];
    const n = Math.max(c.steps.length, got.length);
    for (let i = 0; i < n; i++) diffs.push(...diffStep(c.steps[i], got[i], i));
    out.push({ case: c.name, identical: diffs.length === 0, diffs });
  }
  for (const [name] of ac) {
    out.push({ case: name, identical: false, diffs: [{ step: 0, what: '(case)', field: '(case)', expected: 'absent', actual: 'present' }] });
  }
  return out;
}

export function formatDiff(d: FieldDiff): string {
  return `step ${d.step + 1} (${d.what}) ${d.field}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`;
}
