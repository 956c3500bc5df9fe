import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAULT_KINDS, DEFAULT_CONFIG, type ExploreConfig } from '../explore/spec.js';
import { generateSchedule, swarmFor, applicableKinds } from '../explore/nemesis.js';
import { runSpec, specForSeed } from '../explore/runner.js';
import { runOneSeed } from '../explore/engine.js';
import { spawnSync } from 'node:child_process';

const cfg = (over: Partial<ExploreConfig> = {}): ExploreConfig => ({ ...DEFAULT_CONFIG, durationMs: 8000, recoveryMs: 12000, ...over });

test('swarm testing: seeds switch different subsets of fault kinds on', () => {
  const subsets = new Set<string>();
  for (let s = 1; s <= 40; s++) {
    const w = swarmFor(s, cfg());
    assert.ok(w.kinds.length >= 1);
    subsets.add(w.kinds.join(','));
  }
  assert.ok(subsets.size > 20, `${subsets.size} distinct subsets`);
  assert.equal(applicableKinds(FAULT_KINDS, 1).includes('bridge'), false);
  assert.equal(generateSchedule(1, cfg({ faults: [] })), []);
});

test('a node (or the network) takes a new fault only after the previous one healed, never in its heal\'s millisecond', () => {
  // A fault starting in the millisecond of the previous fault's heal ran first and was undone at once by that heal.
  const nodesOf = (f: { kind: string; node?: string }, servers: string[]): string[] =>
    f.kind === 'crash' || f.kind === 'pause' ? [f.node!] : f.kind === 'power-loss' ? servers : [];
  const NET = new Set(['partition', 'isolate-leader', 'isolate', 'bridge', 'one-way']);
  let checked = 0;
  for (const faults of [['crash'], ['power-loss'], ['pause-server'], ['pause-client'], ['partition', 'one-way'], [...FAULT_KINDS]] as const) {
    const config: ExploreConfig = { ...DEFAULT_CONFIG, faults: [...faults] };
    const servers = Array.from({ length: config.servers }, (_, i) => `s${i + 1}`);
    for (let seed = 1; seed <= 1500; seed++) {
      const busy = new Map<string, number>();
      for (const f of generateSchedule(seed, config)) {
        const keys = NET.has(f.fault.kind) ? ['net'] : nodesOf(f.fault as { kind: string; node?: string }, servers);
        for (const k of keys) {
          assert.ok((busy.get(k) ?? -1) < f.at, `seed ${seed} (${faults.join(',')}): ${f.fault.kind} on ${k} at ${f.at}, busy until ${busy.get(k)}`);
          busy.set(k, f.at + f.duration);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 10_000, `${checked} faults checked`);
});

for (const kind of FAULT_KINDS) {
  test(`fault ${kind}: scheduled, applied, healed; the ensemble recovers`, async () => {
    const config = cfg({ faults: [kind] });
    let seed = 1;
    while (generateSchedule(seed, config).length === 0) seed++;
    const spec = specForSeed(seed, config);
    for (const f of spec.schedule) assert.ok(f.at + f.duration <= config.durationMs);
    const o = await runSpec(spec, { recordTrace: true });
    const v = (p: string) => o.verdicts.find((x) => x.property === p)!;
    assert.is(v('no-exception').ok, true, v('no-exception').explanation);
    assert.is(v('recovery').ok, true, v('recovery').explanation);
    const applied = o.trace!.filter((e) => e.kind === 'fault').length;
    const healed = o.trace!.filter((e) => e.kind === 'fault-heal').length;
    assert.ok(applied >= 1);
    assert.is(healed, spec.schedule.length);
  });
}

test('`zksim run --seed S` is seed S of `zksim explore`', async () => {
  const r = JSON.parse(spawnSync(process.execPath, ['dist/bin/zksim.js', 'run', '--seed', '4', '--json'], { encoding: 'utf8' }).stdout);
  const e = await runOneSeed({ config: DEFAULT_CONFIG, workload: 'mixed' }, 4);
  assert.is(r.traceHash, e.traceHash);
});

test.run();
