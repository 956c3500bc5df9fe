/**
 * The fidelity bench's workload loops (bench/fidelity.ts startLoops): the figure is only honest if a paused load has
 * no operation in flight and counts none until resumed, and if a load that is never paused awaits nothing more
 * than its operations (zksim's side runs unpaused, and its trace hash must not depend on the gate).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startLoops } from '../bench/fidelity.js';

/** Operations the test completes by hand: each call returns a promise and queues its resolver. */
function manualOps(): { op: (i: number) => Promise<void>; inFlight: () => number; completeAll: () => void; issued: number[] } {
  const resolvers: Array<() => void> = [];
  const issued: number[] = [];
  return {
    op: (i) => {
      issued.push(i);
      return new Promise<void>((r) => resolvers.push(r));
    },
    inFlight: () => resolvers.length,
    completeAll: () => {
      for (const r of resolvers.splice(0)) r();
    },
    issued,
  };
}

/** Lets every queued microtask (and the continuations they queue) run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('pause waits for the operations in flight, then nothing runs until resume', async () => {
  const m = manualOps();
  const load = startLoops(2, m.op, m.op);
  await settle();
  assert.is(m.inFlight(), 2, 'each loop has issued its setData');
  let paused = false;
  const p = load.pause().then(() => (paused = true));
  await settle();
  assert.is(paused, false, 'pause resolves only once no operation is in flight');
  m.completeAll(); // the two setData: a loop goes on to its getData, as it always finishes a pair
  await settle();
  assert.is(load.ops, 2);
  assert.is(paused, false);
  assert.is(m.inFlight(), 2);
  m.completeAll(); // the two getData: both loops now wait at the gate
  await p;
  assert.is(load.ops, 4);
  await settle();
  assert.is(m.inFlight(), 0, 'a paused load issues nothing');
  assert.is(m.issued.length, 4);
  load.resume();
  await settle();
  assert.is(m.inFlight(), 2, 'resumed, each loop issues its next setData');
  const stopped = load.stop();
  m.completeAll();
  await stopped;
  assert.is(load.ops, 6, 'stop lets the operations in flight finish and counts them');
});

test('pause when every loop already waits resolves at once; resume then pause again', async () => {
  const m = manualOps();
  const load = startLoops(1, m.op, m.op);
  await settle();
  const p1 = load.pause();
  m.completeAll();
  await settle();
  m.completeAll();
  await p1;
  let again = false;
  void load.pause().then(() => (again = true)); // already paused: the same promise
  await settle();
  assert.is(again, true);
  load.resume();
  await settle();
  assert.is(m.inFlight(), 1);
  const stopped = load.stop();
  m.completeAll(); // its setData: stopped, the loop ends without the getData
  await stopped;
  assert.is(load.ops, 3);
  assert.is(m.inFlight(), 0);
});

test('an unpaused loop takes exactly one microtask turn per operation: the gate adds no await', async () => {
  // Resolved operations: count how many microtask turns pass between one operation's issue and the next. A gate that
  // awaited something even while open would add a turn (and change zksim's runs, hence their trace hashes).
  let turn = 0;
  let running = true;
  const ticker = async (): Promise<void> => {
    while (running) {
      await null;
      turn++;
    }
  };
  const at: number[] = [];
  const op = (): Promise<void> => {
    at.push(turn);
    return Promise.resolve();
  };
  void ticker();
  const load = startLoops(1, op, op);
  try {
    while (at.length < 20) await null;
  } finally {
    running = false;
    await load.stop(); // (a loop of resolved operations never yields to the event loop: it must end here)
  }
  const gaps = at.slice(2, 20).map((t, i) => t - at[i + 1]!); // from the second operation: the first starts the loop
  assert.ok(gaps.every((g) => g === 1), `one turn per operation, gaps ${gaps.join(' ')}`);
});

test.run();
