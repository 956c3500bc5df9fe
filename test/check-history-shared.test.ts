/**
 * The checkers of one explore run share one pairing of the history, passed explicitly (CheckInput.operations, the
 * checkers' `operations` parameter): runAllChecks pairs the history once and hands the same array to every checker,
 * which only reads it. Shared or not, every checker says exactly what it says alone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pairOperations, type HistoryEvent } from '../check/history.js';
import { checkOsc } from '../check/osc.js';
import { checkWatches } from '../check/watches.js';
import { checkEnsemble, type EnsembleTraceEvent } from '../check/ensemble.js';
import { SEARCH_BUDGET, checkLinearizable, runAllChecks, type CheckInput } from '../explore/checks.js';
import { checkUniqueVersions } from '../explore/light-checks.js';
import { specOf } from '../explore/engine.js';
import { DEFAULT_CONFIG, type ExploreConfig } from '../explore/spec.js';
import { runSpec } from '../explore/runner.js';

const PROPERTIES = ['linearizable', 'unique-versions', 'watch-at-most-once', 'osc', 'watches', 'ensemble'];

/** The checks' input of a real explore run (history and trace kept). */
async function runInput(config: Partial<ExploreConfig>, seed: number): Promise<CheckInput> {
  const spec = specOf({ config: { ...DEFAULT_CONFIG, ...config }, workload: config.workload ?? 'registers' }, seed);
  const o = await runSpec(spec, { keepHistory: true, recordTrace: true });
  return { history: o.history!, trace: o.trace!, servers: spec.config.servers, workload: spec.workload.name };
}

// A passing run with watches (configuration), one with a linearizability violation (commit-before-quorum, seed 4:
// see explore-lin-adapter.test.ts) and one with sequential names (naming).
const runs: Array<[string, Partial<ExploreConfig>, number]> = [
  ['configuration', { workload: 'configuration' }, 3],
  ['commit-before-quorum', { workload: 'registers', bugs: ['commit-before-quorum'], faults: ['crash', 'isolate-leader', 'partition', 'pause-server', 'power-loss'] }, 4],
  ['naming', { workload: 'naming' }, 5],
];

for (const [name, config, seed] of runs) {
  test(`${name} seed ${seed}: each checker says with the shared pairing what it says pairing alone`, async () => {
    const input = await runInput(config, seed);
    const together = runAllChecks(input);
    assert.equal(together.map((v) => v.property), PROPERTIES);
    // alone: the run's only checker, so the pairing it gets is nobody else's
    const alone = PROPERTIES.flatMap((p) => runAllChecks({ ...input, skip: PROPERTIES.filter((q) => q !== p) }).filter((v) => v.property === p));
    assert.equal(together, alone);
    if (name === 'commit-before-quorum') assert.is(together.find((v) => v.property === 'linearizable')!.ok, false, 'the violation is seen');
    // and each checker's whole result, given the operations or pairing them itself
    const h = input.history;
    const ops = pairOperations(h);
    const trace = input.trace as unknown as EnsembleTraceEvent[];
    assert.equal(checkLinearizable({ ...input, operations: ops }), checkLinearizable(input));
    assert.equal(checkUniqueVersions(h, ops), checkUniqueVersions(h));
    assert.equal(checkOsc(h, { maxExplored: SEARCH_BUDGET }, ops), checkOsc(h, { maxExplored: SEARCH_BUDGET }));
    assert.equal(checkWatches(h, ops), checkWatches(h));
    assert.equal(checkEnsemble(trace, h, ops), checkEnsemble(trace, h));
  });
}

test('the shared array and its operations are the same after all the checkers read them', async () => {
  const input = await runInput({ workload: 'naming' }, 5);
  const ops = pairOperations(input.history);
  const before = ops.slice();
  runAllChecks({ ...input, operations: ops });
  // no checker sorted, spliced or pushed into the array it was handed, nor changed an operation
  assert.is(ops.length, before.length);
  assert.ok(ops.every((o, i) => o === before[i]));
  assert.equal(ops, pairOperations(input.history));
});

test('every checker reads the operations it is given and does not pair the history again', async () => {
  const input = await runInput({ workload: 'configuration' }, 3);
  const expected = runAllChecks(input);
  // the same history with a completion of no invocation: pairing it throws, so a checker that paired it itself
  // would report a malformed history
  const last = input.history[input.history.length - 1]!;
  const malformed: HistoryEvent[] = [...input.history, { kind: 'ok', id: -1, process: 'nobody', time: last.time }];
  assert.throws(() => pairOperations(malformed), /not in progress/);
  assert.equal(runAllChecks({ ...input, history: malformed, operations: pairOperations(input.history) }), expected);
});

test('a malformed history, not shared, still gets each checker\'s own report', async () => {
  const h: HistoryEvent[] = [{ kind: 'ok', id: 0, process: 1, time: 0 }];
  const v = runAllChecks({ history: h, servers: 1, workload: 'registers', skip: ['ensemble'] });
  const by = (p: string) => v.find((x) => x.property === p)!;
  assert.is(by('linearizable').ok, false);
  assert.match(by('linearizable').explanation, /malformed history: .*not in progress/);
  assert.match(by('unique-versions').explanation, /not checked: .*not in progress/);
  assert.match(by('osc').explanation, /not checked: the checker threw .*not in progress/);
  assert.match(by('watches').explanation, /not checked: the checker threw .*not in progress/);
});

test.run();
