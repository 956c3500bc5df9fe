/**
 * zksim check <history-file> --model register|kv|znode|zookeeper [--format jepsen|edn|zksim|porcupine] [--json]
 * Exit 0: linearizable (or, for --model zookeeper, ordered-sequentially consistent); 1: violation (the
 * counterexample is printed); 2: bad input (one line naming the file, the line and what was expected);
 * 4: no verdict ("unknown"): --timeout ran out, or the search filled most of the heap. `--export FORMAT` converts instead of checking (Porcupine JSON,
 * Jepsen EDN or log lines, zksim JSON lines), to cross-check a verdict with those tools.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { UsageError, EXIT_OK, EXIT_VIOLATION } from '../errors.js';
import { HISTORY_FORMATS, HistoryError, toEdnLines, toJepsenLog, toPorcupine, toZksimJsonl, type HistoryFormat } from '../../check/codecs.js';
import { BadHistoryError, MODEL_NAMES, checkEvents, parseFileText, type ModelName } from '../../check/run.js';

/** Exit code when --timeout ran out before a verdict. */
export const EXIT_UNDECIDED = 4;

export function register(program: Command): void {
  program
    .command('check')
    .description('check a recorded history: linearizability (register, kv, znode) or ZooKeeper ordered sequential consistency (zookeeper)')
    .argument('<history-file>', 'history file (Jepsen log, Jepsen EDN, zksim JSON lines or Porcupine JSON)')
    .option('--model <model>', `model: ${MODEL_NAMES.join(', ')} (default: from the first operation: register for read/write/cas, kv for get/put/append, else zookeeper)`)
    .option('--format <format>', `input format: ${HISTORY_FORMATS.join(', ')} (default: detected from the content)`)
    .option('--timeout <ms>', 'give up after this many milliseconds of search (exit 4, verdict unknown)')
    .option('--json', 'print one JSON object')
    .option('--all-partitions', 'on a violation, search every partition and show each failing one (default: stop at the first)')
    .option('--export <format>', 'print the history converted to zksim (JSON lines), edn (Jepsen EDN lines), jepsen (Jepsen log) or porcupine (JSON) instead of checking it')
    .action((file: string, o: { model?: string; format?: string; json?: boolean; timeout?: string; export?: string; allPartitions?: boolean }) => {
      if (o.export !== undefined && !['zksim', 'edn', 'jepsen', 'porcupine'].includes(o.export)) {
        throw new UsageError(`unknown export format '${o.export}' (known: zksim, edn, jepsen, porcupine)`);
      }
      if (o.model !== undefined && !(MODEL_NAMES as readonly string[]).includes(o.model)) {
        throw new UsageError(`unknown model '${o.model}' (known: ${MODEL_NAMES.join(', ')})`);
      }
      if (o.format !== undefined && !(HISTORY_FORMATS as readonly string[]).includes(o.format)) {
        throw new UsageError(`unknown format '${o.format}' (known: ${HISTORY_FORMATS.join(', ')})`);
      }
      let timeoutMs: number | undefined;
      if (o.timeout !== undefined) {
        timeoutMs = Number(o.timeout);
        if (!/^\d+$/.test(o.timeout) || !(timeoutMs > 0)) throw new UsageError(`--timeout expects a positive number of milliseconds, got '${o.timeout}'`);
      }
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      try {
        const events = parseFileText(text, file, o.format as HistoryFormat | undefined);
        if (o.export === 'porcupine') {
          // Porcupine's JSON holds operations only: a session's end (which ends its ephemerals and orders it for osc)
          // and watch events do not survive, so say so rather than let a check of the export differ without a word
          const sessions = events.filter((e) => e.kind === 'session').length;
          const watchEvents = events.filter((e) => e.kind === 'event').length;
          if (sessions || watchEvents) process.stderr.write(`note: the Porcupine format holds operations only: ${sessions} session record(s) and ${watchEvents} watch event(s) of ${file} are left out, so a check of the export may differ (a session's expiry or close no longer ends it); --export edn keeps them\n`);
        }
        if (o.export !== undefined) {
          const out =
            o.export === 'zksim' ? toZksimJsonl(events) : o.export === 'edn' ? toEdnLines(events) : o.export === 'jepsen' ? toJepsenLog(events) : JSON.stringify(toPorcupine(events)) + '\n';
          process.stdout.write(out);
          return;
        }
        // an empty history is trivially correct (as for Porcupine), but more likely an export that wrote nothing
        if (!events.some((e) => e.kind === 'invoke')) process.stderr.write(`note: ${file} has no operations\n`);
        const model = (o.model as ModelName | undefined) ?? guessModel(events);
        const r = checkEvents(events, model, file, { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(o.allPartitions ? { allPartitions: true } : {}), giveUp: heapNearlyFull });
        if (o.json) console.log(JSON.stringify({ file, model, ok: r.ok, ms: Math.round(r.ms * 1000) / 1000, ...r.json }));
        else console.log(r.text);
        process.exitCode = r.verdict === 'unknown' ? EXIT_UNDECIDED : r.ok ? EXIT_OK : EXIT_VIOLATION;
      } catch (e) {
        if (e instanceof BadHistoryError) throw new UsageError(e.message);
        if (e instanceof HistoryError) throw new UsageError(`${file}: ${e.message}`);
        throw e;
      }
    });
}

/**
 * The linearizability search's memory guard: a search whose cache fills 70% of V8's heap limit ends with verdict
 * unknown (exit 4) and says so, where it went on until V8 aborted the process with an out-of-memory stack trace
 * (kv/c50-bad with --all-partitions: 4 GB in about 140 s).
 */
function heapNearlyFull(): string | undefined {
  const h = getHeapStatistics();
  if (h.used_heap_size <= HEAP_SHARE * h.heap_size_limit) return undefined;
  const mb = (n: number): string => `${Math.round(n / 1048576)} MB`;
  return `the search filled ${mb(h.used_heap_size)} of the heap's ${mb(h.heap_size_limit)} (node --max-old-space-size raises the limit; --timeout bounds the search in time)`;
}
const HEAP_SHARE = 0.7;

function guessModel(events: ReturnType<typeof parseFileText>): ModelName {
  const first = events.find((e) => e.kind === 'invoke');
  if (!first || first.kind !== 'invoke') return 'register';
  if (first.op === 'read' || first.op === 'write' || first.op === 'cas') return 'register';
  if (first.op === 'get' || first.op === 'put' || first.op === 'append') return 'kv';
  return 'zookeeper';
}
