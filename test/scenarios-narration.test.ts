/**
 * The scenarios' own explanations (s.say, checks) state what the run's events show, over several seeds: the
 * narration is checked against the trace and the history of the same run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario, type ScenarioDef, type ScenarioResult } from '../scenarios/api.js';
import leaderElection from '../scenarios/leader-election.js';
import quorumWrite from '../scenarios/quorum-write.js';
import minorityPartition from '../scenarios/minority-partition.js';
import clientFailover from '../scenarios/client-failover.js';
import sessionExpiry from '../scenarios/session-expiry.js';
import configWatch from '../scenarios/config-watch.js';
import partitionTcp from '../scenarios/partition-tcp.js';
import { pairOperations } from '../check/history.js';

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

test('quorum-write: the lone leader steps down at its next tick check, and the CONNECTIONLOSS write is told as unknown (here: it survived)', async () => {
  assert.not.match(quorumWrite.summary, /does not succeed/);
  for (const seed of SEEDS) {
    const { r, lines } = await narrated(quorumWrite, seed);
    const text = said(lines);
    assert.not.match(text, /after syncLimit ticks it steps down/);
    for (const c of r.checks) assert.not.match(c.text, /does not succeed/, c.text);
    assert.ok(r.checks.some((c) => /c2 gets CONNECTIONLOSS — its outcome is unknown/.test(c.text)), `seed ${seed}`);
    const down = r.trace.find((e) => e.kind === 'stepdown')!;
    const closed = r.trace.filter((e) => e.kind === 'learner' && e.node === down.node && e.event === 'closed' && e.t <= down.t);
    assert.ok(down && closed.length, `seed ${seed}`);
    const tick = 2000;
    assert.ok(down.t - closed.at(-1)!.t <= tick, `seed ${seed}: it stepped down within a tick of its last follower leaving`);
    assert.ok(text.includes(`${down.t - closed.at(-1)!.t} ms later, it STEPPED DOWN`), `seed ${seed}: ${text}`);
    // the write that got CONNECTIONLOSS: did a later read see it?
    const ops = pairOperations(r.history);
    const w = ops.find((o) => o.op === 'setData' && (o.args as { data?: unknown }).data === 'no quorum')!;
    assert.is(w.status, 'unknown', 'its outcome is unknown');
    const reads = ops.filter((o) => o.op === 'getData' && o.status === 'ok' && o.call > w.call);
    const seen = reads.map((o) => (o.result as { data: unknown }).data);
    assert.ok(seen.length > 0, `seed ${seed}: a read after the write`);
    if (seen[0] === 'no quorum') assert.match(text, /took effect after all/, `seed ${seed}`);
    else assert.match(text, /did not take effect/, `seed ${seed}`);
    assert.match(text, /CONNECTIONLOSS means "unknown"/);
  }
});

test('minority-partition: step 6 says whether the isolated follower went LOOKING and dropped c3, as the events show; step 3 names the sync the old leader got', async () => {
  const variants: Array<[string, ScenarioDef]> = [
    ['default', minorityPartition],
    // a shorter syncLimit: the 5.4 s cut outlasts the follower's limit, and it goes LOOKING
    ['syncLimit 2', { ...minorityPartition, cluster: { ...minorityPartition.cluster, syncLimit: 2 } }],
  ];
  const branches = new Set<boolean>();
  for (const [label, def] of variants) {
    for (const seed of SEEDS.slice(0, 4)) {
      const { r, lines } = await narrated(def, seed);
      const step6 = lines.slice(lines.findIndex((l) => l.startsWith('Step 6')));
      const text = said(step6);
      const cut = r.trace.filter((e) => e.kind === 'partition').pop()!;
      const iso = (cut.groups as string[][])[0]![0]!;
      const looking = r.trace.some((e) => e.kind === 'state' && e.node === iso && e.role === 'LOOKING' && e.t >= cut.t);
      const c3Dropped = r.history.some((e) => e.kind === 'session' && e.process === 'c3' && e.state === 'disconnected' && e.time >= cut.t);
      branches.add(looking);
      const where = `${label} seed ${seed}: ${text}`;
      if (looking) assert.match(text, new RegExp(`${iso} went LOOKING`), where);
      else {
        assert.not.match(text, /went LOOKING|dropped its clients/, where);
        assert.match(text, new RegExp(`${iso} stayed FOLLOWING on the same connection`), where);
      }
      if (c3Dropped) assert.match(text, /c3 reconnects/, where);
      else assert.not.match(text, /c3 reconnects/, where);
      // every sync result line of c3 that is not the answer to the call just before it names when it was called
      const syncOks = step6.filter((l) => /c3 +sync \/x/.test(l) && /→ ok/.test(l));
      const plainOks = syncOks.filter((l) => !/called at/.test(l));
      assert.ok(plainOks.length <= 1, where + '\n' + syncOks.join('\n'));
      // step 3: the check names the sync mode the old leader got (SNAP in 3.8 across an epoch), not a TRUNC that did not happen
      const step3 = r.checks.find((c) => /now serves v2/.test(c.text))!;
      const old = (r.trace.find((e) => e.kind === 'partition')!.groups as string[][])[0]![0]!;
      const mode = r.trace.filter((e) => e.kind === 'sync' && `s${String(e.peer)}` === old && e.t >= r.stepTimes[2]!).pop()!.mode;
      if (mode === 'snap') assert.match(step3.text, /replaced by the leader's snapshot \(SNAP\)/, where);
      if (mode !== 'trunc') assert.not.match(step3.text, /truncated/, where);
    }
  }
  assert.equal([...branches].sort(), [false, true], 'both branches were exercised');
});

test('client-failover: session ids in hex, as everywhere else in the narration', async () => {
  const { r, lines } = await narrated(clientFailover, 1);
  const sid = r.history.find((h) => h.kind === 'session' && h.sessionId !== undefined) as { sessionId: number } | undefined;
  assert.ok(sid);
  const check = lines.find((l) => l.includes('same session id'))!;
  assert.ok(check.includes(`("0x${sid!.sessionId.toString(16)}")`), check);
  assert.not.ok(lines.some((l) => l.includes(String(sid!.sessionId))), 'never in decimal');
});

test('a client that reads a node another client just wrote syncs first (no cross-client read-your-writes in ZooKeeper)', async () => {
  const cases: Array<[ScenarioDef, string, string, string]> = [
    // scenario, reader, path, the other client's write
    [configWatch, 'c2', '/config', 'c1'],
    [partitionTcp, 'c1', '/x', 'c2'],
    [sessionExpiry, 'c2', '/alive', 'c1'],
  ];
  for (const [def, reader, path, writer] of cases) {
    const { r } = await narrated(def, 1);
    const ops = pairOperations(r.history);
    const write = ops.find((o) => o.process === writer && (o.op === 'create' || o.op === 'setData') && (o.args as { path?: string }).path === path)!;
    const firstRead = ops.find((o) => o.process === reader && ['getData', 'exists', 'getChildren'].includes(o.op) && (o.args as { path?: string }).path === path && o.call >= write.ret)!;
    const synced = ops.some((o) => o.process === reader && o.op === 'sync' && o.call >= write.ret && o.ret <= firstRead.call && o.status === 'ok');
    assert.ok(synced, `${def.name}: ${reader} reads ${path} after ${writer}'s write without a sync`);
  }
});

test.run();
