/**
 * Failure artefacts: <out>/<seed>/ (default reports/runs/<seed>/) with repro.json (self-contained: zksim version,
 * full config, seed, explicit schedule and workload), history.jsonl, trace.jsonl and explanation.txt; reading and
 * validating repro files (a repro of another version, or malformed, is a SpecError: bad input).
 */
import { writeRunReport } from '../reports/run-report.js';
import { counterexampleFromVerdict } from '../reports/model.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { makeDirs } from '../files/dirs.js';
import { join } from 'node:path';
import { toZksimJsonl } from '../check/codecs.js';
import { TRACE_FORMAT_VERSION, formatTraceEvent } from '../sim/trace.js';
import { seedProblem } from '../sim/random.js';
import { BUG_ZOO, findBug } from './bugs.js';
import { describeFault } from './nemesis.js';
import type { RunOutcome } from './runner.js';
import { FAULT_KINDS, REPRO_FORMAT, REPRO_VERSION, SpecError, WORKLOADS, opCount, type Repro, type RunSpec } from './spec.js';
import { headline, type Verdict } from './verdict.js';
import { zksimVersion } from './version.js';
import { Narrator, makeChalk } from '../scenarios/narrate.js';

export const DEFAULT_OUT = join('reports', 'runs');

export function seedDirName(seed: RunSpec['seed']): string {
  return String(seed).replace(/[^A-Za-z0-9._-]/g, '_');
}

export function makeRepro(spec: RunSpec, verdict?: Verdict, traceHash?: string): Repro {
  const r: Repro = { format: REPRO_FORMAT, version: REPRO_VERSION, zksimVersion: zksimVersion(), spec: stripSpec(spec) };
  if (verdict) r.property = verdict.property;
  if (traceHash) r.traceHash = traceHash;
  return r;
}

function stripSpec(spec: RunSpec): RunSpec {
  const config = { ...spec.config };
  delete config.recordTrace;
  return { seed: spec.seed, config, schedule: spec.schedule, workload: spec.workload };
}

const jsonSafe = (_k: string, v: unknown) => (v instanceof Uint8Array ? { bytes: Array.from(v) } : v);

/** Writes the artefacts of one failing run; returns the repro's path. */
export function writeFailure(dir: string, spec: RunSpec, outcome: RunOutcome, verdict: Verdict, name = 'repro.json'): string {
  makeDirs(dir);
  const repro = makeRepro(spec, verdict, outcome.traceHash);
  const reproPath = join(dir, name);
  writeFileSync(reproPath, JSON.stringify(repro, null, 2) + '\n');
  const base = name.replace(/\.json$/, '').replace(/^repro/, '');
  if (outcome.history) writeFileSync(join(dir, `history${base}.jsonl`), toZksimJsonl(outcome.history));
  if (outcome.trace) {
    const lines = [JSON.stringify({ format: 'zksim-trace', version: TRACE_FORMAT_VERSION, traceHash: outcome.traceHash })];
    for (const e of outcome.trace) lines.push(JSON.stringify(e, jsonSafe));
    writeFileSync(join(dir, `trace${base}.jsonl`), lines.join('\n') + '\n');
  }
  writeFileSync(join(dir, `explanation${base}.txt`), explain(spec, outcome, verdict));
  if (outcome.trace && outcome.history) writeFileSync(join(dir, `story${base}.txt`), story(outcome, false).join('\n') + '\n');
  // The picture of the failure: messages, operations, faults and roles, with the failing verdict highlighted.
  // The counterexample highlighted is this verdict's, the one the title names (the run may fail others first).
  if (outcome.trace) writeRunReport(join(dir, `report${base}.html`), outcome, { title: `zksim seed ${String(spec.seed)} — ${verdict.property} FAILED`, counterexample: counterexampleFromVerdict(verdict) });
  return reproPath;
}

/**
 * The run told as a story, line by line (the narration of the scenarios: votes, epochs, proposals, commits, sessions,
 * client calls and their outcomes, faults), from its trace and history; `colour` for a terminal.
 */
export function story(outcome: RunOutcome, colour: boolean): string[] {
  const narrator = new Narrator({ chalk: makeChalk(colour ? undefined : false) });
  return narrator.narrate(outcome.trace ?? [], outcome.history ?? []);
}

/** How many of the trace's faults and server states explanation.txt lists. */
const EXPLAIN_TRACE_LINES = 200;

export function explain(spec: RunSpec, outcome: RunOutcome, verdict: Verdict): string {
  const lines = [
    `seed ${spec.seed}: property '${verdict.property}' violated`,
    `workload ${spec.workload.name} (${spec.workload.clients.length} client(s), ${opCount(spec)} planned op(s)), ${spec.config.servers} server(s)` +
      (spec.config.bugs.length ? `, bugs: ${spec.config.bugs.join(', ')}` : '') +
      (spec.config.extendedTypes ? `, extended types (container check every ${spec.config.containerCheckMs ?? 60_000} ms)` : ''),
    `trace hash ${outcome.traceHash}, ${outcome.events} events, ${outcome.simulatedMs} ms simulated`,
    '',
    verdict.explanation,
    '',
    `fault schedule (${spec.schedule.length}):`,
    ...spec.schedule.map((f) => `  ${describeFault(f)}`),
    '',
    'all verdicts:',
    ...outcome.verdicts.map((v) => `  ${v.ok === true ? 'ok  ' : v.ok === false ? 'FAIL' : '--  '} ${v.property}: ${headline(v.explanation, Infinity).text}`),
  ];
  // The other violated properties in full: the list above gives one line each. By property: a shrunk run's verdict
  // comes from the shrinker's own run of the spec, another object than the replayed outcome's.
  for (const v of outcome.verdicts) if (v.ok === false && v.property !== verdict.property) lines.push('', `also violated, ${v.property}:`, v.explanation);
  if (outcome.trace) {
    const faults = outcome.trace.filter((e) => e.kind === 'fault' || e.kind === 'state' || e.kind === 'fault-heal');
    lines.push('', 'faults and server states in the trace:', ...faults.slice(0, EXPLAIN_TRACE_LINES).map((e) => `  ${formatTraceEvent(e)}`));
    // a long run has more: say how many were left out rather than end the list as if the run had ended there
    if (faults.length > EXPLAIN_TRACE_LINES) lines.push(`  ... and ${faults.length - EXPLAIN_TRACE_LINES} more, the last at t=${faults[faults.length - 1]!.t} (trace.jsonl has every one)`);
  }
  return lines.join('\n') + '\n';
}

/** Reads and validates a repro file. Throws SpecError (bad input) with a one-line reason. */
/**
 * Reads and checks a repro file. `workloadModule` replaces the path of the recipe module a repro names (an absolute
 * path on the machine that wrote it, a CI runner's): the path is no part of the run, and the trace hash tells
 * whether the module given is the same recipe.
 */
export function readRepro(path: string, opts: { workloadModule?: string } = {}): Repro {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SpecError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SpecError(`${path} is not JSON`);
  }
  if (opts.workloadModule !== undefined) {
    const config = (v as { spec?: { config?: { workload?: unknown; workloadModule?: unknown } } } | null)?.spec?.config;
    if (!config || config.workload !== 'module') throw new SpecError(`${path}: runs the built-in workload ${JSON.stringify(config?.workload ?? null)}, not a recipe module: there is no module path to replace`);
    config.workloadModule = opts.workloadModule;
  }
  return validateRepro(v, path);
}

export function validateRepro(v: unknown, where = 'repro'): Repro {
  const bad = (why: string): never => {
    throw new SpecError(`${where}: ${why}`);
  };
  if (!v || typeof v !== 'object') bad('not a JSON object');
  const r = v as Partial<Repro>;
  if (r.format !== REPRO_FORMAT) bad(`not a zksim repro (format is not "${REPRO_FORMAT}")`);
  if (r.version !== REPRO_VERSION) bad(`repro format version ${String(r.version)} is not supported (this zksim reads version ${REPRO_VERSION})`);
  if (r.zksimVersion !== zksimVersion()) bad(`made by zksim ${String(r.zksimVersion)}, this is zksim ${zksimVersion()}: replay it with that version`);
  const spec = r.spec as RunSpec | undefined;
  if (!spec || typeof spec !== 'object') bad('missing spec');
  const s = spec!;
  const sp = seedProblem(s.seed);
  if (sp) bad(sp);
  const c = s.config as unknown as Record<string, unknown>;
  if (!c || typeof c !== 'object') bad('missing spec.config');
  for (const k of ['servers', 'clients', 'durationMs', 'recoveryMs', 'tickTime', 'initLimit', 'syncLimit', 'sessionTimeoutMs']) {
    const x = c[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < (k === 'durationMs' ? 0 : 1)) bad(`spec.config.${k} must be a positive integer`);
  }
  if (c.workload === 'module') {
    if (typeof c.workloadModule !== 'string' || !existsSync(c.workloadModule)) bad(`spec.config.workloadModule must name an existing recipe module (${JSON.stringify(c.workloadModule ?? null)}; a repro made elsewhere: give the module's place here with --workload FILE)`);
  } else if (!WORKLOADS.includes(c.workload as never)) bad(`unknown workload ${JSON.stringify(c.workload)}`);
  if (!Array.isArray(c.faults) || !c.faults.every((f) => FAULT_KINDS.includes(f as never))) bad('spec.config.faults must list known fault kinds');
  if (!Array.isArray(c.bugs) || !c.bugs.every((b) => typeof b === 'string')) bad('spec.config.bugs must be a list of names');
  const unknownBug = (c.bugs as string[]).find((b) => !findBug(b));
  if (unknownBug !== undefined) bad(`spec.config.bugs: unknown bug '${unknownBug}' (known: ${BUG_ZOO.map((b) => b.name).join(', ')})`);
  if (c.extendedTypes !== undefined && typeof c.extendedTypes !== 'boolean') bad('spec.config.extendedTypes must be true or false');
  if (c.containerCheckMs !== undefined && (typeof c.containerCheckMs !== 'number' || !Number.isInteger(c.containerCheckMs) || c.containerCheckMs < 1)) bad('spec.config.containerCheckMs must be a positive integer');
  if (!Array.isArray(s.schedule)) bad('spec.schedule must be a list');
  const servers = Array.from({ length: c.servers as number }, (_, i) => `s${i + 1}`);
  s.schedule.forEach((f, i) => {
    if (!f || typeof f !== 'object' || typeof f.at !== 'number' || typeof f.duration !== 'number' || f.at < 0 || f.duration < 0) bad(`spec.schedule[${i}] needs numeric at and duration`);
    const k = (f.fault as { kind?: unknown } | undefined)?.kind;
    const known = ['partition', 'isolate-leader', 'isolate', 'bridge', 'one-way', 'crash', 'power-loss', 'pause', 'slow-link', 'latency-spike', 'slow-fsync'];
    if (!known.includes(k as string)) bad(`spec.schedule[${i}]: unknown fault ${JSON.stringify(k)}`);
    const node = (f.fault as { node?: unknown }).node;
    if ((k === 'crash' || k === 'slow-fsync') && !servers.includes(node as string)) bad(`spec.schedule[${i}]: ${String(node)} is not a server`);
  });
  const w = s.workload as unknown as Record<string, unknown>;
  if (!w || typeof w !== 'object' || !(WORKLOADS.includes(w.name as never) || w.name === 'module')) bad('spec.workload must name a known workload');
  if (w.name !== c.workload) bad('spec.workload.name differs from spec.config.workload');
  if (!Array.isArray(w.clients) || w.clients.length < 1) bad('spec.workload.clients must list at least one client');
  (w.clients as unknown[]).forEach((ops, i) => {
    if (!Array.isArray(ops)) bad(`spec.workload.clients[${i}] must be a list`);
    for (const o of ops as Array<Record<string, unknown>>) {
      if (!o || typeof o.gap !== 'number' || typeof o.op !== 'string') bad(`spec.workload.clients[${i}] has a malformed operation`);
    }
  });
  if (typeof w.keys !== 'number') bad('spec.workload.keys must be a number');
  return r as Repro;
}
