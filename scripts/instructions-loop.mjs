// The zksim side of the fidelity bench (bench/fidelity.ts startZksimLoad), for counting instructions:
//   node scripts/instructions-loop.mjs DIST WARMUP_MS RUN_MS  ->  {"ops":N,"trace":"…"}
// N counts every completed operation of the run (warm-up included); it and the trace hash are the same for the same
// build and lengths, so two lengths sharing one warm-up differ only by the steady-state operations between them.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [distArg, warmArg, runArg] = process.argv.slice(2);
if (!distArg || !Number.isInteger(Number(warmArg)) || !Number.isInteger(Number(runArg))) {
  console.error('usage: node scripts/instructions-loop.mjs DIST WARMUP_MS RUN_MS');
  process.exit(2);
}
const dist = pathToFileURL(resolve(distArg)).href;
const { startZksimLoad } = await import(`${dist}/bench/fidelity.js`);
const { cluster, load } = await startZksimLoad(1);
await cluster.runFor(Number(warmArg) + Number(runArg));
const ops = load.ops;
await cluster.run(load.stop());
console.log(JSON.stringify({ ops, trace: cluster.world.traceHash }));
