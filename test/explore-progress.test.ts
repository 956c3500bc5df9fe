import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkProgress, settleMs } from '../explore/progress.js';
import { runSeed } from '../explore/runner.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';
import { recoveryWindowNotes } from '../cli/commands/explore.js';

const window = { healedAt: 20_000, end: 40_000, sessionTimeoutMs: 4_000, tickTime: 500 };

test('settle: twice the negotiated session timeout plus 2 s (the server clamps the timeout to 2..20 ticks)', () => {
  assert.is(settleMs({ sessionTimeoutMs: 4_000, tickTime: 500 }), 10_000);
  assert.is(settleMs({ sessionTimeoutMs: 100, tickTime: 500 }), 4_000); // raised to 2 ticks
  assert.is(settleMs({ sessionTimeoutMs: 60_000, tickTime: 500 }), 22_000); // lowered to 20 ticks
});

test('explore says before the run what a short --recovery costs: progress unchecked below the settle time, recovery flaky below 12 s', () => {
  assert.equal(recoveryWindowNotes(DEFAULT_CONFIG), []);
  assert.equal(recoveryWindowNotes({ ...DEFAULT_CONFIG, recoveryMs: 12_000 }), []);
  const at11 = recoveryWindowNotes({ ...DEFAULT_CONFIG, recoveryMs: 11_000 });
  assert.equal(at11.length, 1);
  assert.match(at11[0]!, /below 12000 ms a few seeds fail recovery/);
  const at9 = recoveryWindowNotes({ ...DEFAULT_CONFIG, recoveryMs: 9_999 });
  assert.is(at9.length, 2);
  assert.match(at9[0]!, /--recovery 9999 is shorter than the 10000 ms the progress check needs/);
  assert.match(at9[1]!, /below 12000 ms a few seeds fail recovery/);
  // a longer session timeout needs a longer quiet phase: 15 s of recovery no longer checks progress
  const longSessions = recoveryWindowNotes({ ...DEFAULT_CONFIG, recoveryMs: 15_000, sessionTimeoutMs: 8_000 });
  assert.equal(longSessions.length, 1);
  assert.match(longSessions[0]!, /18000 ms the progress check needs/);
});

test('progress holds when nothing is still running', () => {
  const v = checkProgress([], window);
  assert.is(v.ok, true);
  assert.is(v.property, 'progress');
});

test('an operation still running long after the heal fails progress, with what it waits for', () => {
  const v = checkProgress([{ slot: 1, session: 'c2-2', index: 7, startedAt: 18_000, waitingFor: '/lock/x-0000000003 to go' }], window);
  assert.is(v.ok, false);
  assert.match(v.explanation, /c2 \(c2-2\) op #7, started at 18000 ms/);
  assert.match(v.explanation, /waiting for \/lock\/x-0000000003 to go/);
});

test('a quiet phase shorter than the settle time is not checked (a shrunk run cannot tell waiting from stuck)', () => {
  const v = checkProgress([{ slot: 0, session: 'c1', index: 1, startedAt: 1 }], { ...window, end: window.healedAt + 9_999 });
  assert.is(v.ok, null);
  assert.match(v.explanation, /^not checked/);
});

test('every built-in workload reports progress; lock seeds that once hung finish (25: a node left by an abandoned attempt; 119: a read that missed a write of its own session; 217, 554: a clean-up with no /lock)', async () => {
  for (const workload of ['registers', 'lock'] as const) {
    for (const seed of [25, 119, 217, 554]) {
      const o = await runSeed(seed, { ...DEFAULT_CONFIG, workload });
      const v = o.verdicts.find((x) => x.property === 'progress');
      assert.ok(v, `${workload} seed ${seed} has a progress verdict`);
      assert.is(v!.ok, true, `${workload} seed ${seed}: ${v!.explanation}`);
    }
  }
});

test.run();
