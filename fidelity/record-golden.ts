/**
 * Records the golden files: starts a standalone real ZooKeeper and a 3-node loopback ensemble (Debian package
 * `zookeeper`; installs nothing), runs every suite of fidelity/suite/manifest.json through node-zookeeper-client,
 * writes fidelity/golden/<config>/<suite>.jsonl (raw output steps) and <suite>.norm.jsonl (normalised), and stops the
 * servers by their process ids (also on errors and signals).
 *
 *   node dist/fidelity/record-golden.js [suite...] [--config standalone|ensemble]
 * (npm run record-golden = tsc, then this.)
 */
import { writeFileSync } from 'node:fs';
import { makeDirs } from '../files/dirs.js';
import { checkSessions, runTranscript } from './runner.js';
import { realZooKeeperAvailable } from './realzk.js';
import { openTarget } from './targets.js';
import { CONFIG_SERVERS, caseCount, goldenDir, goldenPaths, loadSuite, selectSuites, serverKey, type ConfigName } from './suite.js';
import { normalise, stepLines, toJsonLines } from './transcript.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let configs: ConfigName[] = ['standalone', 'ensemble'];
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--config') {
      const c = args[++i];
      if (c !== 'standalone' && c !== 'ensemble') {
        process.stderr.write(`record-golden: --config must be standalone or ensemble\n`);
        return 2;
      }
      configs = [c];
    } else if (a.startsWith('--')) {
      process.stderr.write(`record-golden: unknown option ${a}\n`);
      return 2;
    } else names.push(a);
  }
  if (!realZooKeeperAvailable()) {
    process.stderr.write('record-golden: the Debian package `zookeeper` is not installed (apt-get install -y zookeeper)\n');
    return 2;
  }
  const suites = selectSuites(names);
  let total = 0;
  for (const config of configs) {
    const chosen = suites.filter((s) => s.configs.includes(config));
    if (chosen.length === 0) continue;
    const servers = CONFIG_SERVERS[config];
    // suites with the same server options (manifest "server") share one ensemble, started with them
    const groups = new Map<string, typeof chosen>();
    for (const s of chosen) groups.set(serverKey(s.server), [...(groups.get(serverKey(s.server)) ?? []), s]);
    for (const [key, group] of groups) {
      process.stderr.write(`record-golden: starting ${config} (${servers} server${servers > 1 ? 's' : ''}${key ? `, ${key}` : ''})\n`);
      const server = group[0]!.server;
      const opened = await openTarget({ kind: 'real-local', servers, ...(server ? { server } : {}) });
      try {
        makeDirs(goldenDir(config));
        for (const entry of group) {
          const steps = loadSuite(entry);
          const problems = checkSessions(steps, servers);
          if (problems.length) {
            const p = problems[0]!;
            throw new Error(`${entry.file}:${stepLines.get(p.step) ?? '?'}: ${p.reason}`);
          }
          const t0 = Date.now();
          const out = await runTranscript(opened.target, steps);
          const paths = goldenPaths(config, entry.name);
          writeFileSync(paths.raw, toJsonLines(out));
          writeFileSync(paths.norm, toJsonLines(normalise(out)));
          const harness = out.filter((o) => !o.result.ok && 'reason' in o.result && String(o.result.reason).startsWith('harness')).length;
          const n = caseCount(steps);
          total += n;
          process.stderr.write(
            `record-golden: ${config}/${entry.name}: ${n} cases, ${out.length} steps, ${((Date.now() - t0) / 1000).toFixed(1)} s` +
              (harness ? `, ${harness} HARNESS FAILURES` : '') +
              '\n',
          );
        }
      } finally {
        await opened.close();
      }
    }
  }
  process.stderr.write(`record-golden: done, ${total} case runs recorded\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`record-golden: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
