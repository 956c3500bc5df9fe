/**
 * The whole conformance suite on zksim against the golden files recorded on the real ZooKeeper 3.8.0: the number of
 * identical cases must not drop below the figure reached, and every differing case must be listed (with its
 * configuration) in fidelity/DIFFERENCES.md. Virtual time only: a seed decides the run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformance, type ConformanceReport } from '../cli/commands/conformance.js';
import { repoRoot } from '../fidelity/suite.js';
import { listedDifferences } from '../fidelity/differences.js';
import { runTranscript } from '../fidelity/runner.js';
import { SimTarget } from '../fidelity/simtarget.js';
import { parseTranscriptText } from '../fidelity/transcript.js';

/** Identical cases reached (fidelity/DIFFERENCES.md): raise these when zksim gets closer, never lower them. */
const MIN_IDENTICAL = { standalone: 206, ensemble: 239 };

let report: ConformanceReport;

test('conformance: zksim against the golden files, both configurations', async () => {
  report = await conformance({ seed: '1' });
  assert.is(report.expected, 'golden');
  assert.is(report.actual, 'zksim');
  assert.is(report.identical + report.differing, report.cases.length);
  for (const config of ['standalone', 'ensemble'] as const) {
    const cases = report.cases.filter((c) => c.config === config);
    const identical = cases.filter((c) => c.identical).length;
    assert.ok(cases.length > 100, `${config}: ${cases.length} cases`);
    assert.ok(identical >= MIN_IDENTICAL[config], `${config}: ${identical} identical, expected at least ${MIN_IDENTICAL[config]}; differing: ${cases.filter((c) => !c.identical).map((c) => c.case).join(', ')}`);
  }
});

test('conformance: every differing case is listed in fidelity/DIFFERENCES.md with its configuration', () => {
  const listed = listedDifferences();
  assert.ok(listed.size > 0);
  for (const c of report.cases) {
    if (c.identical) continue;
    const configs = listed.get(c.case);
    assert.ok(configs, `${c.config} ${c.case} differs from the real server but is not listed in fidelity/DIFFERENCES.md`);
    assert.ok(configs!.includes(c.config), `${c.case} is listed without the configuration ${c.config}`);
  }
});

test('sim target: the same transcript and seed give the same raw output; ephemerals go at expiry', async () => {
  const text = [
    '{"case":"d","op":"reset"}',
    '{"case":"d","session":"a","op":"connect","timeoutMs":4000,"server":1}',
    '{"case":"d","session":"b","op":"connect","timeoutMs":4000,"server":2}',
    '{"case":"d","session":"b","op":"exists","path":"/x","watch":true}',
    '{"case":"d","session":"a","op":"create","path":"/x","data":"1","mode":"EPHEMERAL"}',
    '{"case":"d","session":"a","op":"getData","path":"/bad/"}',
    '{"case":"d","session":"a","op":"expire"}',
    '{"case":"d","session":"b","op":"exists","path":"/x","watch":true}',
  ].join('\n');
  const run = async (seed: string) => {
    const t = new SimTarget({ servers: 3, seed });
    try {
      return await runTranscript(t, parseTranscriptText(text));
    } finally {
      await t.dispose();
    }
  };
  const a = await run('7');
  const b = await run('7');
  assert.equal(a, b);
  assert.equal(a[3]!.result, { ok: false, code: -101, name: 'NONODE' }); // exists-watch on a missing node
  assert.equal(a[5]!.result, { ok: false, code: -101, name: 'NONODE' }); // bad path reaches the server (raw request)
  assert.equal(a[6]!.events, [{ state: 'Disconnected' }, { state: 'Expired' }]);
  // the exists watch fired once (one-shot): NodeCreated, not the NodeDeleted of the expiry
  assert.equal(a[7]!.events, [{ type: 'NodeCreated', path: '/x' }]);
  assert.equal(a[7]!.result, { ok: false, code: -101, name: 'NONODE' });
});

test('sim target: a request sent raw (bad path) that loses the connection: Disconnected belongs to the next step, as with a request the library sent and as on 3.8.0 (random/22/82)', async () => {
  const text = [
    '{"case":"o","op":"reset"}',
    '{"case":"o","session":"a","op":"connect","timeoutMs":4000}',
    '{"case":"o","session":"a","op":"setData","path":"/r/","data":{"fill":"y","length":1048576}}',
    '{"case":"o","session":"a","op":"setData","path":"/r","data":{"fill":"y","length":1048576}}',
    '{"case":"o","session":"a","op":"exists","path":"/r"}',
  ].join('\n');
  for (const seed of ['1', '22']) {
    const t = new SimTarget({ servers: 1, seed });
    try {
      const out = await runTranscript(t, parseTranscriptText(text));
      assert.equal(out[2]!.result, { ok: false, code: -4, name: 'CONNECTIONLOSS' }, 'raw (the library refuses /r/)');
      assert.equal(out[2]!.events, []);
      assert.equal(out[3]!.result, { ok: false, code: -4, name: 'CONNECTIONLOSS' }, 'through the library');
      assert.equal(out[3]!.events, [{ state: 'Disconnected' }, { state: 'SyncConnected' }]);
      assert.equal(out[4]!.events, [{ state: 'Disconnected' }, { state: 'SyncConnected' }]);
    } finally {
      await t.dispose();
    }
  }
});

test('zksim transcript --servers 3 --seed S --json: same seed, same bytes; --normalise gives labels and offsets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-simtarget-'));
  const f = join(dir, 't.jsonl');
  writeFileSync(f, [
    '{"case":"c","session":"a","op":"connect","timeoutMs":10000,"server":2}',
    '{"case":"c","session":"a","op":"create","path":"/t","data":"x","mode":"EPHEMERAL"}',
    '{"case":"c","session":"a","op":"getData","path":"/t","watch":true}',
  ].join('\n') + '\n');
  const bin = join(repoRoot(), 'dist', 'bin', 'zksim.js');
  const run = (...extra: string[]) => spawnSync(process.execPath, [bin, 'transcript', f, '--servers', '3', '--seed', '5', '--json', ...extra], { encoding: 'utf8' });
  const a = run();
  const b = run();
  assert.is(a.status, 0, a.stderr);
  assert.is(a.stdout, b.stdout);
  const n = run('--normalise').stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  assert.is(n.length, 3);
  assert.is(n[0]!.result.sessionId, 'a');
  assert.is(n[1]!.zxid, 2); // the session's createSession txn is 1, as on the real server
  assert.is(n[2]!.result.stat.ephemeralOwner, 'a');
  assert.is(n[2]!.result.stat.mtime, 'ctime');
});

test.run();
