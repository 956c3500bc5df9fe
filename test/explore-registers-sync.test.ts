/**
 * The registers workload's sync-then-read operations: which reads sync comes from a stream of its own (the rest of
 * the plan is drawn as before), each is recorded as a `sync` followed by a `getData` of the same session, and osc's
 * rule 3 catches a follower that answers the sync from its own state (the zoo's sync-skips-leader). Some syncing
 * reads are pipelined (sync and getData sent back to back, from another stream of their own); osc catches a follower
 * that lets such a read overtake its pending sync (the zoo's read-overtakes-sync).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBug } from '../explore/bugs.js';
import { specOf, type ExploreBase } from '../explore/engine.js';
import { runSpec } from '../explore/runner.js';
import { DEFAULT_CONFIG, type PlannedOp } from '../explore/spec.js';
import { planWorkload } from '../explore/workloads/index.js';
import { planRegisters } from '../explore/workloads/registers.js';
import { RandomStreams } from '../sim/random.js';
import { checkOsc } from '../check/osc.js';
import { pairOperations } from '../check/history.js';

const strip = (ops: PlannedOp[][]): PlannedOp[][] => ops.map((c) => c.map(({ sync: _s, pipelined: _p, ...o }) => o));
const stripPipelined = (ops: PlannedOp[][]): PlannedOp[][] => ops.map((c) => c.map(({ pipelined: _p, ...o }) => o));

test('sync decisions come from their own stream: the plan without them is the plan drawn without syncs', () => {
  let reads = 0;
  let syncs = 0;
  for (let seed = 1; seed <= 50; seed++) {
    const config = { ...DEFAULT_CONFIG, workload: 'registers' as const };
    const plan = planWorkload(seed, config);
    const without = planRegisters(new RandomStreams(seed).stream('workload:registers'), config, config.clients);
    assert.equal(strip(plan.clients), without.clients, `seed ${seed}`);
    assert.is(plan.keys, without.keys);
    for (const o of plan.clients.flat()) {
      if (o.op === 'read') reads++;
      if (o.sync) {
        syncs++;
        assert.is(o.op, 'read', 'only reads sync');
      }
    }
    assert.ok(without.clients.flat().every((o) => o.sync === undefined));
  }
  // at least half of the reads of a seed sync (uniform(0.5, 1) per seed)
  assert.ok(syncs >= reads / 2 && syncs < reads, `${syncs} of ${reads} reads sync`);
});

test('pipelined decisions come from another stream: without them the plan is the sync-then-read plan of 0.7.0', () => {
  let syncs = 0;
  let pipelined = 0;
  for (const clients of [3, 16]) {
    for (let seed = 1; seed <= 100; seed++) {
      const config = { ...DEFAULT_CONFIG, clients, workload: 'registers' as const };
      const plan = planWorkload(seed, config);
      const streams = new RandomStreams(seed);
      const without = planRegisters(streams.stream('workload:registers'), config, clients, streams.stream('workload:registers:sync'));
      assert.equal(stripPipelined(plan.clients), without.clients, `seed ${seed}, ${clients} clients`);
      assert.ok(without.clients.flat().every((o) => o.pipelined === undefined));
      for (const o of plan.clients.flat()) {
        if (o.sync) syncs++;
        if (o.pipelined) {
          pipelined++;
          assert.ok(o.op === 'read' && o.sync, 'only syncing reads are pipelined');
        }
      }
    }
  }
  // a share uniform(0.2, 0.8) per seed of the syncing reads
  assert.ok(pipelined > syncs / 5 && pipelined < (syncs * 4) / 5, `${pipelined} of ${syncs} syncing reads pipelined`);
});

// The zoo entry's configuration (registers, network faults, 3 servers); seed 6 is the first of seeds 1..500 that
// osc fails with the bug (99 of them do since some syncing reads are pipelined, none without it).
const zoo = findBug('sync-skips-leader')!;
const base = (bugs: string[]): ExploreBase => ({ config: { ...DEFAULT_CONFIG, bugs, faults: [...zoo.faults], servers: zoo.servers }, workload: 'registers' });
const SEED = 6;

test(`registers seed ${SEED} with sync-skips-leader: osc catches the stale read after sync; without the bug it holds`, async () => {
  assert.is(zoo.workload, 'registers');
  const withBug = await runSpec(specOf(base(['sync-skips-leader']), SEED), { keepHistory: true });
  const osc = withBug.verdicts.find((v) => v.property === 'osc');
  assert.is(osc?.ok, false, osc?.explanation);
  // every other property holds: only osc's sync rule sees this bug
  assert.equal(withBug.verdicts.filter((v) => v.ok === false).map((v) => v.property), ['osc']);
  // the planned sync-then-reads are in the history as syncs of a register's path, each followed by its read
  const ops = pairOperations(withBug.history!);
  const syncs = ops.filter((o) => o.op === 'sync' && /^\/r\d$/.test(String((o.args as { path?: unknown }).path)));
  assert.ok(syncs.length > 10, `${syncs.length} syncs of registers`);
  // rule 3 is what fails: with syncs as plain reads (strictSync false) the same history is consistent
  assert.is(checkOsc(withBug.history!).verdict, 'violation');
  assert.is(checkOsc(withBug.history!, { strictSync: false }).verdict, 'ok');

  const clean = await runSpec(specOf(base([]), SEED));
  assert.equal(clean.verdicts.filter((v) => v.ok === false).map((v) => v.property), []);
});

// read-overtakes-sync's zoo configuration (registers, slow links / latency spikes / slow fsyncs, 3 servers): 427 of
// seeds 1..500 fail osc with the bug, none without it. In seed 3, rule 3 alone sees it: without zxids, osc still
// finds a violation, and not once syncs are plain reads.
const overtake = findBug('read-overtakes-sync')!;
const base2 = (bugs: string[]): ExploreBase => ({ config: { ...DEFAULT_CONFIG, bugs, faults: [...overtake.faults], servers: overtake.servers }, workload: 'registers' });
const SEED2 = 3;

test(`registers seed ${SEED2} with read-overtakes-sync: osc catches a read pipelined behind its sync that ran first; without the bug it holds`, async () => {
  assert.is(overtake.workload, 'registers');
  const withBug = await runSpec(specOf(base2(['read-overtakes-sync']), SEED2), { keepHistory: true });
  assert.equal(withBug.verdicts.filter((v) => v.ok === false).map((v) => v.property), ['osc']);
  const h = withBug.history!;
  // pipelined pairs: a getData of the session invoked after its sync was invoked and before the sync completed
  const ops = pairOperations(h);
  const pairs = ops.filter((o) => o.op === 'sync' && ops.some((q) => q.process === o.process && q.op === 'getData' && q.index > o.index && q.index < (o.retIndex ?? Infinity)));
  assert.ok(pairs.length > 10, `${pairs.length} pipelined syncs`);
  assert.is(checkOsc(h).verdict, 'violation');
  // without zxids, rule 3 (the pipelined read follows its sync in the session's program order) is what fails
  assert.is(checkOsc(h, { useZxids: false }).verdict, 'violation');
  assert.is(checkOsc(h, { useZxids: false, strictSync: false }).verdict, 'ok');

  const clean = await runSpec(specOf(base2([]), SEED2), { keepHistory: true });
  assert.equal(clean.verdicts.filter((v) => v.ok === false).map((v) => v.property), []);
  assert.is(checkOsc(clean.history!, { useZxids: false }).verdict, 'ok');
});

test.run();
