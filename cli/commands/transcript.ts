/**
 * zksim transcript <file.jsonl> [--servers N] [--seed S] [--json] [--normalise] [--against host:port,...]
 *
 * Runs a transcript (JSON Lines, see fidelity/transcript.ts) on the simulated ensemble and prints the output steps.
 * With --against, runs it on a live real ZooKeeper instead (through node-zookeeper-client).
 */
import { parsePositiveInt, refuseEmpty, validSeed } from '../options.js';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { MAX_SERVERS } from '../../explore/options.js';
import { reachableAddresses } from '../against.js';
import { checkSessions, runTranscript, TargetLostError } from '../../fidelity/runner.js';
import { openTarget, type OpenedTarget } from '../../fidelity/targets.js';
import {
  TranscriptError,
  normalise,
  parseTranscriptFile,
  stepLines,
  toJsonLines,
  type OutputStep,
} from '../../fidelity/transcript.js';

interface Opts {
  servers: string;
  seed: string;
  json?: boolean;
  normalise?: boolean;
  against?: string;
}

/** One readable line per output step. */
export function formatStep(o: Record<string, unknown>): string {
  const r = o.result as Record<string, unknown>;
  const args: string[] = [];
  // every argument that changes the answer (removeWatches' watcherType and all, addAuth's scheme, a ttl, an ACL):
  // two removeWatches of one path with other types printed the same line
  for (const k of ['path', 'prefix', 'server', 'timeoutMs', 'mode', 'ttl', 'version', 'watch', 'watcherType', 'all', 'scheme', 'ms']) if (k in o) args.push(`${k}=${JSON.stringify(o[k])}`);
  if ('data' in o) args.push(`data=${shortJson(o.data)}`);
  if ('acl' in o) args.push(`acl=${shortJson(o.acl)}`);
  if ('ops' in o) args.push(`ops=${(o.ops as unknown[]).length}`);
  let res: string;
  if (r.ok) {
    const parts = Object.entries(r)
      .filter(([k]) => k !== 'ok')
      .map(([k, v]) => `${k}=${shortJson(v)}`);
    res = ['ok', ...parts].join(' ');
  } else res = `${r.name} (${r.code})${r.reason ? ` ${r.reason}` : ''}`;
  const ev = (o.events as unknown[]).length ? ` events=${JSON.stringify(o.events)}` : '';
  return `[${o.case}] ${o.session ?? '-'} ${o.op} ${args.join(' ')} -> ${res} zxid=${JSON.stringify(o.zxid)}${ev}`;
}

function shortJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s !== undefined && s.length > 160 ? s.slice(0, 157) + '...' : String(s);
}

export function register(program: Command): void {
  program
    .command('transcript')
    .description('run a JSON Lines transcript on the simulated ensemble (or a live ZooKeeper with --against) and print the output steps')
    .argument('<file>', 'transcript file (.jsonl)')
    .option('--servers <n>', 'number of simulated servers', '1')
    .option('--seed <s>', 'simulation seed', '1')
    .option('--json', 'print output steps as JSON Lines')
    .option('--normalise', 'print the normalised view (zxid offsets, session labels, time relations)')
    .option('--against <hosts>', 'run on a live ZooKeeper (host:port,...) through node-zookeeper-client instead')
    .action(async (file: string, opts: Opts, cmd: Command) => {
      refuseEmpty(opts as unknown as Record<string, unknown>, ['--servers', '--seed', '--against']);
      validSeed(opts.seed, '--seed: ');
      // the simulated ensemble's options: with --against they were ignored without a word
      const simOnly = (['servers', 'seed'] as const).filter((k) => cmd.getOptionValueSource(k) === 'cli').map((k) => `--${k}`);
      if (opts.against !== undefined && simOnly.length) throw new UsageError(`${simOnly.join(' and ')} ${simOnly.length === 1 ? 'applies' : 'apply'} to the simulated ensemble, not with --against (the live ensemble is the one its addresses name)`);
      let steps;
      try {
        steps = parseTranscriptFile(file);
      } catch (e) {
        if (e instanceof TranscriptError) throw new UsageError(e.message);
        throw e;
      }
      // an empty file is more likely a broken pipeline than a transcript: nothing would run and nothing be printed
      if (steps.length === 0) throw new UsageError(`${file}: no steps (a transcript has one JSON step per line)`);
      let spec: Parameters<typeof openTarget>[0];
      let servers: number;
      if (opts.against) {
        const addresses = await reachableAddresses(opts.against);
        servers = addresses.length;
        spec = { kind: 'real', addresses };
      } else {
        servers = parsePositiveInt('--servers', opts.servers);
        // as for run and explore (100000 ran for minutes before a first step)
        if (servers > MAX_SERVERS) throw new UsageError(`--servers must be at most ${MAX_SERVERS}`);
        spec = { kind: 'zksim', servers, seed: opts.seed };
      }
      const problems = checkSessions(steps, servers);
      if (problems.length) {
        const p = problems[0]!;
        throw new UsageError(`${file}:${stepLines.get(p.step) ?? '?'}: ${p.reason}`);
      }
      let opened: OpenedTarget;
      try {
        opened = await openTarget(spec);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      let out: OutputStep[];
      try {
        out = await runTranscript(opened.target, steps);
      } catch (e) {
        if (e instanceof TargetLostError) throw new UsageError(e.message);
        throw e;
      } finally {
        await opened.close();
      }
      const rows: Record<string, unknown>[] = opts.normalise ? normalise(out) : (out as unknown as Record<string, unknown>[]);
      if (opts.json) process.stdout.write(toJsonLines(rows));
      else for (const r of rows) console.log(formatStep(r));
    });
}
