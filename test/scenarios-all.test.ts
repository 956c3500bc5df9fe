/**
 * Every built-in scenario runs as a test and must pass on its default seed; the same seed gives the same trace
 * hash twice (determinism); narration mentions the protocol steps. A scenario that reports itself skipped (a
 * missing part) is registered as skipped with its reason, never as passed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SCENARIOS } from '../scenarios/index.js';
import { runScenario, type ScenarioResult } from '../scenarios/api.js';
import { defineScenario } from '../scenarios/api.js';

// Run them all first (top-level await), so that a skipped scenario can be registered with test.skip.
const results = new Map<string, ScenarioResult>();
const narration = new Map<string, string[]>();
for (const def of SCENARIOS) {
  const lines: string[] = [];
  results.set(def.name, await runScenario(def, { narrate: (l) => lines.push(l), color: false }));
  narration.set(def.name, lines);
}

for (const def of SCENARIOS) {
  const r = results.get(def.name)!;
  if (r.status === 'skipped') {
    test.skip(`scenario ${def.name} — SKIPPED: ${r.message}`, () => {});
    console.log(`SKIPPED scenario ${def.name}: ${r.message}`);
    continue;
  }
  test(`scenario ${def.name} passes (seed ${String(r.seed)})`, () => {
    if (r.status !== 'passed') {
      const lines = narration.get(def.name)!;
      console.log(lines.slice(-40).join('\n'));
    }
    assert.is(r.status, 'passed', r.message);
    assert.ok(r.checks.length >= 3, 'a scenario asserts several outcomes');
    assert.ok(r.checks.every((c) => c.ok));
    assert.ok(r.steps.length >= 2);
  });
}

test('at least the nine required scenarios exist, with one-line summaries', () => {
  const names = SCENARIOS.map((s) => s.name);
  for (const n of ['quorum-write', 'leader-election', 'minority-partition', 'config-watch', 'session-expiry', 'client-failover', 'naming', 'lock-recipe', 'bug-zoo']) assert.ok(names.includes(n), n);
  for (const s of SCENARIOS) assert.not.match(s.summary, /\n/);
});

test('a scenario is deterministic: same seed, same trace hash', async () => {
  const def = SCENARIOS.find((s) => s.name === 'leader-election')!;
  const again = await runScenario(def);
  assert.is(again.traceHash, results.get('leader-election')!.traceHash);
  assert.is(again.history.length, results.get('leader-election')!.history.length);
});

test('narration tells the protocol story', () => {
  const text = narration.get('quorum-write')!.join('\n');
  for (const want of ['is LEADING', 'votes for', 'PROPOSES', 'gets ACK', 'COMMITS', 'CRASH', 'connected to', 'Step 1:']) assert.ok(text.includes(want), want);
  assert.not.match(text, /\u001b\[/, 'color: false means no escape codes');
  const expiry = narration.get('session-expiry')!.join('\n');
  assert.ok(expiry.includes('EXPIRES session'));
  assert.ok(expiry.includes('WATCH EVENT NodeDeleted /alive'));
});

test('a failing check fails the scenario with its message; a skip is a skip', async () => {
  const failing = defineScenario({
    name: 'failing',
    summary: 'fails',
    servers: 1,
    async run(s) {
      await s.step('wait');
      await s.waitForLeader();
      s.check(false, 'this is false');
    },
  });
  const r = await runScenario(failing);
  assert.is(r.status, 'failed');
  assert.is(r.message, 'this is false');
  const skipping = defineScenario({ name: 'skipping', summary: 'skips', servers: 1, async run(s) { s.skip('no ensemble'); } });
  const k = await runScenario(skipping);
  assert.is(k.status, 'skipped');
  assert.is(k.message, 'no ensemble');
});

test.run();
