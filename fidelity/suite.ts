/**
 * The conformance suite: JSONL files in fidelity/suite/, listed in fidelity/suite/manifest.json with the
 * configurations each runs on ("standalone": 1 server, "ensemble": 3 servers). Golden output recorded on the real
 * server lives in fidelity/golden/<config>/<name>.jsonl (raw) and <name>.norm.jsonl (normalised).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOutputText, parseTranscriptFile, type InputStep, type OutputStep } from './transcript.js';

export type ConfigName = 'standalone' | 'ensemble';
export const CONFIG_SERVERS: Record<ConfigName, number> = { standalone: 1, ensemble: 3 };

/**
 * Server options a suite needs (manifest "server"), the same on zksim (ServerConfig) and on the real server (JVM
 * system properties): extendedTypesEnabled = zookeeper.extendedTypesEnabled (TTL nodes), containerCheckIntervalMs =
 * znode.container.checkIntervalMs. Suites with different options run on different ensembles.
 */
export interface SuiteServerOptions {
  extendedTypesEnabled?: boolean;
  containerCheckIntervalMs?: number;
}

export interface SuiteEntry {
  name: string;
  file: string;
  configs: ConfigName[];
  description?: string;
  server?: SuiteServerOptions;
}

/** A key naming a suite's server options ('' for none): suites with equal keys can share an ensemble. */
export function serverKey(o: SuiteServerOptions | undefined): string {
  if (!o) return '';
  const parts: string[] = [];
  if (o.extendedTypesEnabled) parts.push('extendedTypes');
  if (o.containerCheckIntervalMs !== undefined) parts.push(`containerCheck=${o.containerCheckIntervalMs}`);
  return parts.join(',');
}

/** The real server's JVM system properties for a suite's server options. */
export function serverJvmProps(o: SuiteServerOptions | undefined): Record<string, string> {
  const p: Record<string, string> = {};
  if (o?.extendedTypesEnabled) p['zookeeper.extendedTypesEnabled'] = 'true';
  if (o?.containerCheckIntervalMs !== undefined) p['znode.container.checkIntervalMs'] = String(o.containerCheckIntervalMs);
  return p;
}

/** The repository root (works from the sources and from dist/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fidelity'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

export const suiteDir = (): string => join(repoRoot(), 'fidelity', 'suite');
export const goldenDir = (config: ConfigName): string => join(repoRoot(), 'fidelity', 'golden', config);

export function loadManifest(): SuiteEntry[] {
  const m = JSON.parse(readFileSync(join(suiteDir(), 'manifest.json'), 'utf8')) as { suites: SuiteEntry[] };
  return m.suites;
}

export function loadSuite(entry: SuiteEntry): InputStep[] {
  return parseTranscriptFile(join(suiteDir(), entry.file));
}

export function goldenPaths(config: ConfigName, name: string): { raw: string; norm: string } {
  return { raw: join(goldenDir(config), `${name}.jsonl`), norm: join(goldenDir(config), `${name}.norm.jsonl`) };
}

export function loadGoldenRaw(config: ConfigName, name: string): OutputStep[] | null {
  const p = goldenPaths(config, name).raw;
  if (!existsSync(p)) return null;
  return parseOutputText(readFileSync(p, 'utf8'), p);
}

/** Selects suite entries by name (all when names is empty); unknown names throw. */
export function selectSuites(names: string[]): SuiteEntry[] {
  const all = loadManifest();
  if (names.length === 0) return all;
  // a name given twice (--suite errors,errors) ran the suite once and counted its cases twice
  return [...new Set(names)].map((n) => {
    const e = all.find((x) => x.name === n);
    if (!e) throw new Error(`unknown suite '${n}' (known: ${all.map((x) => x.name).join(', ')})`);
    return e;
  });
}

/** Number of cases in a suite file. */
export function caseCount(steps: InputStep[]): number {
  return new Set(steps.map((s) => s.case)).size;
}
