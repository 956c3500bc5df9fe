/** Runs one exploration spec in a worker thread and posts back its trace hash and trace. */
import { parentPort, workerData } from 'node:worker_threads';
import { runSpec } from './runner.js';
import type { RunSpec } from './spec.js';

const o = await runSpec(workerData as RunSpec, { recordTrace: true });
parentPort!.postMessage(JSON.parse(JSON.stringify({ traceHash: o.traceHash, trace: o.trace ?? [] }, (_k, v) => (v instanceof Uint8Array ? { bytes: Array.from(v) } : v))));
