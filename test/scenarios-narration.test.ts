/**
 * The scenarios' own explanations (s.say, checks) state what the run's events show, over several seeds: the
 * narration is checked against the trace and the history of the same run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario, type ScenarioDef, type ScenarioResult } from '../scenarios/api.js';
import leaderElection from '../scenarios/leader-election.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

async function narrated(def: ScenarioDef, seed: number): Promise<{ r: ScenarioResult; text: string; lines: string[] }> {
  const lines: string[] = [];
  const r = await runScenario(def, { seed, narrate: (l) => lines.push(l), color: false });
  assert.is(r.status, 'passed', `${def.name} seed ${seed}: ${r.message}`);
  return { r, text: lines.join('\n'), lines };
}

/** The explanation lines (s.say), joined without their line breaks. */
function said(lines: string[]): string {
  return lines.filter((l) => l.startsWith('  » ')).map((l) => l.slice(4)).join(' ');
}

test('leader-election: a crashed leader\'s followers see the connection close and go LOOKING at once, not after syncLimit', async () => {
  for (const seed of SEEDS) {
    const { r, lines } = await narrated(leaderElection, seed);
    const crash = r.trace.find((e) => e.kind === 'crash')!;
    const lost = r.trace.filter((e) => e.t >= crash.t && e.kind === 'learner' && e.event === 'lost-leader');
    assert.ok(lost.length >= 2, `seed ${seed}`);
    const text = said(lines);
    assert.not.match(text, /After syncLimit ticks without a ping they go LOOKING/);
    if (lost.every((e) => e.reason === 'leader connection closed')) {
      assert.match(text, /saw their connection to s\d close and went LOOKING at once \(\d+ ms after the crash\)/, `seed ${seed}`);
      const last = Math.max(...lost.map((e) => e.t));
      assert.ok(text.includes(`(${last - crash.t} ms after the crash)`), `seed ${seed}: ${text}`);
    }
  }
});

test.run();
