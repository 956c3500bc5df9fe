/**
 * The report model and pages: every delivered message becomes one arrow record, faults become intervals, server
 * roles come from 'state' events, counterexamples map to operations; the HTML is self-contained and its embedded
 * data survives hostile strings; the text summary tells the same story.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDemo } from '../sim/demo.js';
import type { TraceEvent } from '../sim/trace.js';
import type { HistoryEvent } from '../check/history.js';
import { buildReportModel, counterexampleFromVerdict } from '../reports/model.js';
import { renderHtmlReport } from '../reports/html.js';
import { textSummary } from '../reports/text.js';
import { runReportInput } from '../reports/run-report.js';
import { runScenario } from '../scenarios/api.js';
import leaderElection from '../scenarios/leader-election.js';
import minorityPartition from '../scenarios/minority-partition.js';
import { scenarioStory } from '../scenarios/api.js';

const demo = runDemo(5, { durationMs: 3_000, recordTrace: true });
const trace = demo.world.trace;

test('one message record per send; delivered/dropped counts match the world', () => {
  const m = buildReportModel({ trace });
  assert.is(m.msgs.s.length, trace.filter((e) => e.kind === 'send').length);
  assert.is(m.counts.delivered, demo.delivered);
  assert.is(m.counts.dropped, demo.dropped);
  assert.is(m.msgs.r.filter((r) => r >= 0).length, demo.delivered);
  for (let i = 0; i < m.msgs.s.length; i++) if (m.msgs.r[i]! >= 0) assert.ok(m.msgs.r[i]! >= m.msgs.s[i]!);
  assert.equal(m.lanes, ['p1', 'p2', 'p3', 'p4']);
});

test('faults become intervals: crash..restart, pause..resume, partition..heal', () => {
  const t: TraceEvent[] = [
    { t: 0, kind: 'start', node: 's1', inc: 1 },
    { t: 0, kind: 'start', node: 's2', inc: 1 },
    { t: 0, kind: 'start', node: 'c1', inc: 1 },
    { t: 10, kind: 'crash', node: 's1', lostWrites: 2, torn: false },
    { t: 20, kind: 'partition', groups: [['s2'], ['c1']] },
    { t: 25, kind: 'pause', node: 'c1' },
    { t: 30, kind: 'restart', node: 's1', inc: 2 },
    { t: 40, kind: 'heal' },
    { t: 45, kind: 'resume', node: 'c1', deferred: 0 },
    { t: 50, kind: 'crash', node: 's2', lostWrites: 0, torn: true },
  ];
  const m = buildReportModel({ trace: t });
  const rows = m.faults.map((f) => [m.faultKinds[f[0]!], f[1], f[2], f[3] === -1 ? null : m.lanes[f[3]!]]);
  assert.equal(rows, [
    ['crash', 10, 30, 's1'],
    ['partition', 20, 40, null],
    ['pause', 25, 45, 'c1'],
    ['crash', 50, -1, 's2'],
  ]);
  assert.ok(m.strs.includes('partition {s2} | {c1}'));
});

test("latency spikes and slow fsyncs are drawn as fault bands, from the nemesis's notes (they were left out of the picture)", () => {
  // `run --seed 3 --faults latency-spike,...` drew 5 bands for a schedule of 8 faults: its 3 latency spikes had none
  const t: TraceEvent[] = [
    { t: 0, kind: 'start', node: 's1' },
    { t: 0, kind: 'start', node: 's2' },
    { t: 100, kind: 'fault', id: 0, what: 'latency-spike' },
    { t: 100, kind: 'default-latency', latency: { min: 80, max: 320 } },
    { t: 200, kind: 'fault', id: 1, what: 'slow-fsync', nodes: ['s2', 's1'] },
    { t: 300, kind: 'fault', id: 2, what: 'partition', groups: [['s1'], ['s2']] },
    { t: 400, kind: 'fault-heal', id: 0 },
    { t: 500, kind: 'fault-heal', id: 1 },
    { t: 600, kind: 'fault-heal', id: 2 },
  ];
  const m = buildReportModel({ trace: t });
  const rows = m.faults.map((f) => [m.faultKinds[f[0]!], f[1], f[2], f[3] === -1 ? null : m.lanes[f[3]!], m.strs[f[4]!]]);
  assert.equal(rows, [
    ['latency-spike', 100, 400, null, 'latency spike'],
    ['slow-fsync', 200, 500, 's2', 'slow fsync s2'],
    ['slow-fsync', 200, 500, 's1', 'slow fsync s1'],
  ]);
});

test('server roles and epochs from state events; crashes show as CRASHED', async () => {
  const r = await runScenario(leaderElection);
  const m = buildReportModel({ trace: r.trace, history: r.history });
  const roles = new Set(m.roles.map((x) => m.roleNames[x[2]!]));
  for (const want of ['LOOKING', 'FOLLOWING', 'LEADING', 'CRASHED']) assert.ok(roles.has(want), want);
  assert.ok(m.roles.some((x) => m.roleNames[x[2]!] === 'LEADING' && x[3]! >= 2), 'a leader in epoch 2');
  assert.ok(m.ops.length > 0 && m.procs.includes('c1'));
  const text = textSummary({ trace: r.trace, history: r.history, title: 'leader-election' });
  assert.match(text, /leading epoch 1/);
  assert.match(text, /leading epoch 2/);
  assert.match(text, /crash s\d/);
  assert.match(text, /c1\s+ok \d+/);
});

test('counterexamples: operations, their messages, and the window', () => {
  const h: HistoryEvent[] = [
    { kind: 'invoke', id: 0, process: 'p1', time: 100, op: 'write', args: 1 },
    { kind: 'ok', id: 0, process: 'p1', time: 200 },
    { kind: 'invoke', id: 1, process: 'p2', time: 300, op: 'read', args: null },
    { kind: 'ok', id: 1, process: 'p2', time: 350, result: 0 },
  ];
  const m = buildReportModel({ trace, history: h, counterexample: { property: 'linearizability', text: 'stale read', opIds: [0, 1] } });
  assert.ok(m.cx);
  assert.equal(m.cx!.ops, [0, 1]);
  assert.equal(m.cx!.win, [100, 350]);
  const expected = trace.filter((e) => e.kind === 'send' && ((e.from === 'p1' || e.to === 'p1') && e.t >= 100 && e.t <= 200 || (e.from === 'p2' || e.to === 'p2') && e.t >= 300 && e.t <= 350)).length;
  assert.is(m.cx!.mids.length, expected);
  const v = counterexampleFromVerdict({ property: 'osc', ok: false, explanation: 'x\n  pc5 #8 [51, 311] setData ... \n  pc2 #11 [209, 749] create' });
  assert.equal(v.opIds, [8, 11]);
  assert.match(textSummary({ trace, history: h, counterexample: { text: 'stale read', opIds: [1] } }), /COUNTEREXAMPLE[\s\S]*stale read/);
});

test('a counterexample that names no operation of the history promises no highlight; one that names some counts only those', () => {
  // config-convergence ("final value of /config is v19 but c2 last saw v7") read "highlighted in orange below: 0
  // operation(s), 0 message(s) ...; the shaded window is where it happens", with nothing highlighted or shaded
  const h: HistoryEvent[] = [
    { kind: 'invoke', id: 0, process: 'p1', time: 100, op: 'write', args: 1 },
    { kind: 'ok', id: 0, process: 'p1', time: 200 },
  ];
  const none = renderHtmlReport({ trace, history: h, counterexample: { property: 'config-convergence', text: 'final value is v19 but c2 last saw v7', opIds: [] } });
  assert.match(none, /Counterexample: config-convergence<\/h2> — the explanation names no operation of the history, so nothing below is highlighted\./);
  assert.not.match(none, /shaded window/);
  // an id that the history lacks is not counted as highlighted
  const m = buildReportModel({ trace, history: h, counterexample: { property: 'osc', text: 'x', opIds: [0, 7] } });
  assert.equal(m.cx!.ops, [0]);
  const some = renderHtmlReport({ trace, history: h, counterexample: { property: 'osc', text: 'pc1 #0 [100, 200] write', opIds: [0, 7] } });
  assert.match(some, /highlighted in orange below: 1 operation\(s\), \d+ message\(s\) of those sessions; the shaded window is where it happens\./);
});

test('zxids and session ids in tooltips, operation labels and protocol events are hex, as in the story (they were decimal: 4294967297)', () => {
  const t: TraceEvent[] = [
    { t: 1, kind: 'send', node: 's3', from: 's3', to: 's2', conn: 1, mid: 1, type: 'proposal', msg: { type: 'proposal', t: { zxid: 4294967297, sessionId: 35184372088832, cxid: 0, type: 'createSession', timeoutMs: 4000 } } },
    { t: 3, kind: 'recv', node: 's2', from: 's3', to: 's2', conn: 1, mid: 1, type: 'proposal', msg: null },
    { t: 4, kind: 'recover', node: 's2', zxid: 4294967303, txns: 7, snapshot: null, acceptedEpoch: 2, currentEpoch: 1 },
  ];
  const h: HistoryEvent[] = [
    { kind: 'invoke', id: 0, process: 'c1', time: 1, op: 'setData', args: { path: '/r0', data: 'x', version: -1 } },
    { kind: 'ok', id: 0, process: 'c1', time: 5, zxid: 4294967305, result: { stat: { czxid: 4294967298, mzxid: 4294967305, version: 1 } } },
  ];
  const m = buildReportModel({ trace: t, history: h });
  const msg = m.strs[m.msgs.x![0]!]!;
  assert.match(msg, /"zxid":"0x100000001"/);
  assert.match(msg, /"sessionId":"0x200000000000"/);
  assert.match(msg, /"timeoutMs":4000/);
  assert.match(m.strs[m.marks[0]![3]!]!, /"zxid":"0x100000007","txns":7/);
  const op = m.strs[m.ops[0]![4]!]!;
  assert.match(op, /"czxid":"0x100000002","mzxid":"0x100000009","version":1/);
  assert.not.match(msg + op, /4294967/);
});

test("the page header tells the fault intervals drawn from the run's scheduled faults (a power loss is a crash per server)", () => {
  // a 320 s run with 77 scheduled faults (19 power losses) said "faults: 115" beside an explanation of 77
  const t: TraceEvent[] = [
    ...['s1', 's2', 's3'].map((node, i) => ({ t: 10 + i, kind: 'crash', node })),
    ...['s1', 's2', 's3'].map((node, i) => ({ t: 100 + i, kind: 'restart', node })),
  ];
  const html = renderHtmlReport(runReportInput({ seed: 1, trace: t, history: [], verdicts: [], faults: 1 }));
  assert.match(html, /fault intervals: <b>3<\/b>/);
  assert.match(html, /faults scheduled: <b>1<\/b>/);
  assert.not.match(html, />faults: </);
});

test('the HTML page is self-contained and hostile strings stay data', () => {
  const hostile: TraceEvent[] = [
    { t: 0, kind: 'send', node: 's1', from: 's1', to: 's2', conn: 1, mid: 1, type: '</script><script>alert(1)</script>', msg: null },
    { t: 3, kind: 'recv', node: 's2', from: 's1', to: 's2', conn: 1, mid: 1, type: '</script><script>alert(1)</script>', msg: null },
  ];
  const html = renderHtmlReport({ trace: hostile, title: '<b>title</b> & "quotes"' });
  assert.not.match(html, /<script>alert/);
  assert.ok(html.includes('&lt;b&gt;title&lt;/b&gt;'));
  const page = renderHtmlReport({ trace });
  assert.not.match(page, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no external resources');
  assert.not.match(page, /@import|@font-face|<link\b|url\(\s*["']?https?:/i, 'no external styles or fonts');
  assert.is((page.match(/<script/g) ?? []).length, 2, 'the data and the inline script');
  const json = /<script type="application\/json" id="zk-data">([\s\S]*?)<\/script>/.exec(page)![1]!;
  const data = JSON.parse(json) as { packed: number; msgs: { s: number[] } };
  assert.is(data.packed, 1);
  assert.is(data.msgs.s.length, trace.filter((e) => e.kind === 'send').length);
});

test('the text summary: messages, faults, no colour codes', () => {
  const text = textSummary({ trace, title: 'demo', meta: { seed: 5 } });
  assert.match(text, /== demo ==/);
  assert.match(text, /seed: 5/);
  assert.match(text, new RegExp(`${demo.delivered} delivered`));
  assert.match(text, /by type: p[io]ng \d+, p[io]ng \d+/);
  assert.match(text, /faults: \d+/);
  assert.not.match(text, /\u001b\[/);
});

test('writeRunReport input: the first failing verdict becomes the counterexample', () => {
  const input = runReportInput({
    seed: 9,
    traceHash: 'abc',
    trace,
    history: [],
    verdicts: [
      { property: 'recovery', ok: true, explanation: 'fine' },
      { property: 'linearizable', ok: false, explanation: 'cannot place\n  p1 #4 [10, 20] read -> ok 3' },
    ],
  });
  assert.is(input.counterexample?.property, 'linearizable');
  assert.equal(input.counterexample?.opIds, [4]);
  assert.match(String(input.meta?.verdicts), /linearizable FAILED/);
  assert.throws(() => runReportInput({ seed: 1 }), /recordTrace/);
});

test('message counts add up: sent = delivered + never delivered, a message lost to a cut and never delivered counts as never delivered', async () => {
  const r = await runScenario(minorityPartition);
  const t = r.trace;
  const m = buildReportModel({ trace: t, history: r.history });
  const sent = t.filter((e) => e.kind === 'send').length;
  const received = new Set(t.filter((e) => e.kind === 'recv').map((e) => e.mid));
  const lost = new Set(t.filter((e) => e.kind === 'drop').map((e) => e.mid));
  const never = t.filter((e) => e.kind === 'send' && !received.has(e.mid));
  assert.ok(never.some((e) => lost.has(e.mid)), 'the run has messages lost to a cut that never arrived');
  const c = m.counts;
  assert.is(c.sent, sent);
  assert.is(c.delivered + c.undelivered, c.sent);
  assert.is(c.undelivered, never.length);
  assert.is(c.undeliveredLost, never.filter((e) => lost.has(e.mid)).length);
  assert.is(c.dropped, t.filter((e) => e.kind === 'drop').length);
  assert.is(c.lateDelivered, [...lost].filter((mid) => received.has(mid)).length);
  // the same numbers in the text summary and the HTML header
  const line = `${c.sent} sent: ${c.delivered} delivered, ${c.undelivered} never delivered`;
  assert.ok(textSummary({ trace: t, history: r.history }).includes('messages: ' + line));
  assert.ok(renderHtmlReport({ trace: t, history: r.history }).includes(line));
  assert.not.match(renderHtmlReport({ trace: t, history: r.history }), /0 undelivered/);
});

test("the report's end is the run's end when given, and says which it is; trace records and simulation events are named apart", async () => {
  const r = await runScenario(leaderElection);
  const last = Math.max(...r.trace.map((e) => e.t), ...r.history.map((h) => h.time));
  const without = buildReportModel({ trace: r.trace, history: r.history });
  assert.is(without.tEnd, last);
  assert.match(textSummary({ trace: r.trace, history: r.history }), new RegExp(`virtual time ${last} ms \\(the last trace record\\), ${r.trace.length} trace records`));
  const input = { trace: r.trace, history: r.history, endMs: r.virtualMs + 500, simEvents: r.events, story: scenarioStory(r) };
  const m = buildReportModel(input);
  assert.is(m.tEnd, r.virtualMs + 500);
  const text = textSummary(input);
  assert.match(text, new RegExp(`virtual time ${r.virtualMs + 500} ms \\(end of run; last trace record at ${last} ms\\), ${r.trace.length} trace records, ${r.events} simulation events`));
  const page = renderHtmlReport(input);
  assert.ok(page.includes(`${r.virtualMs + 500} ms (end of run; last trace record at ${last} ms)`));
  assert.ok(page.includes(`simulation events: <b>${r.events}</b>`));
});

test.run();
