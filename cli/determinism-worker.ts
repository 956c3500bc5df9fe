/** Runs one config in a worker thread and posts back its summary (with the recorded trace). */
import { parentPort, workerData } from 'node:worker_threads';
import { runOnce, type RunConfig } from '../sim/run.js';

const summary = runOnce(workerData as RunConfig);
// Messages are structured-cloned; drop non-cloneable payloads by round-tripping through JSON-safe data.
parentPort!.postMessage(JSON.parse(JSON.stringify(summary, (_k, v) => (v instanceof Uint8Array ? { bytes: Array.from(v) } : v))));
