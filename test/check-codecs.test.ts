/** History codecs: detection, round trips through every export format, and bad input naming file, line and expectation. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HistoryParseError,
  detectFormat,
  parseEdnHistory,
  parseHistory,
  parseJepsenLog,
  parsePorcupine,
  parseZksim,
  toEdnLines,
  toJepsenLog,
  toPorcupine,
  toZksimJsonl,
} from '../check/codecs.js';
import { HistoryRecorder, pairOperations, type HistoryEvent } from '../check/history.js';
import { readEdn, writeEdn, Keyword } from '../check/edn.js';
import { checkHistory } from '../check/linearizability.js';
import { registerModel } from '../check/models/register.js';
import { sharedHistoriesProblem } from './shared-histories.js';

const jepsen = [
  'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 1\t:invoke\t:write\t3',
  'INFO  jepsen.util - 0\t:ok\t:read\tnil',
  'INFO  jepsen.util - 1\t:ok\t:write\t3',
  'INFO  jepsen.util - 2   :invoke :cas    [3 4]',
  'INFO  jepsen.util - 2   :fail   :cas    [3 4]',
  'INFO  jepsen.util - 3\t:invoke\t:write\t5',
  'INFO  jepsen.util - 3\t:info\t:write\t:timed-out',
  'INFO  jepsen.util - 4\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 4\t:fail\t:read\t:timed-out',
].join('\n');

function shape(h: HistoryEvent[]): unknown {
  // Results of writes are not carried by every format (Jepsen repeats the value); compare reads' results only.
  return pairOperations(h).map((o) => ({
    p: o.process,
    op: o.op,
    args: o.args,
    status: o.status,
    result: o.op === 'read' || o.op === 'get' ? o.result : undefined,
    err: o.status === 'fail' ? o.error?.name : undefined,
  }));
}

test('detects formats from content', () => {
  assert.is(detectFormat(jepsen), 'jepsen');
  assert.is(detectFormat('{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n'), 'edn');
  assert.is(detectFormat('{"kind":"invoke","id":0,"process":1,"time":0,"op":"read","args":null}\n'), 'zksim');
  assert.is(detectFormat('[{"ClientId":0,"Input":1,"Call":0,"Output":1,"Return":1}]'), 'porcupine');
  assert.is(detectFormat('hello'), undefined);
});

test('Jepsen log: read, write, failed cas, unknown write, timed-out read', () => {
  const h = parseJepsenLog(jepsen, 'x.log');
  const ops = pairOperations(h);
  assert.is(ops.length, 4, 'the timed-out read is dropped');
  assert.equal(ops.map((o) => o.status), ['ok', 'ok', 'fail', 'unknown']);
  assert.equal(ops[2]!.args, [3, 4]);
  assert.is(ops[3]!.ret, Infinity);
  assert.is(pairOperations(h, { keepNotApplied: true }).length, 5);
});

test('round trips: zksim JSONL, EDN lines, Jepsen log, Porcupine JSON', () => {
  const h = parseJepsenLog(jepsen, 'x.log');
  const want = shape(h);
  assert.equal(shape(parseZksim(toZksimJsonl(h))), want);
  assert.equal(shape(parseEdnHistory(toEdnLines(h))), want);
  assert.equal(shape(parseJepsenLog(toJepsenLog(h))), want);
  assert.equal(shape(parsePorcupine(JSON.stringify(toPorcupine(h)))), want);
  // and the verdict survives
  assert.is(checkHistory(registerModel, parseEdnHistory(toEdnLines(h))).verdict, checkHistory(registerModel, h).verdict);
});

test('kv EDN and recorder output round trip', () => {
  const rec = new HistoryRecorder();
  const a = rec.invoke(1, 'append', { key: 'k', value: 'x' }, 0);
  const g = rec.invoke(2, 'get', { key: 'k' }, 1);
  rec.ok(a, undefined, 2);
  rec.ok(g, 'x', 3);
  const back = parseEdnHistory(toEdnLines(rec.events));
  assert.equal(shape(back), shape(rec.events));
  // the Jepsen log has no key and one value a line: such a history is refused, not written with its results lost
  assert.throws(() => toJepsenLog(rec.events), /single-register histories only .* a keyed 'append' \(operation 0\): export it as edn instead/);
});

test('an export read only in part (| head) ends quietly: no EPIPE stack trace', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'zksim-epipe-')), 'big.jsonl');
  const rec = new HistoryRecorder();
  for (let i = 0; i < 50_000; i++) rec.ok(rec.invoke(1, 'write', i, 2 * i), undefined, 2 * i + 1);
  writeFileSync(file, toZksimJsonl(rec.events));
  const r = spawnSync('bash', ['-c', `"${process.execPath}" dist/bin/zksim.js check "${file}" --export edn | head -1; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
  assert.match(r.stdout, /^\{:process 1, :type :invoke, :f :write/);
  assert.is(r.stderr.trim(), 'status 0', r.stderr);
});

test("EDN keeps what zksim's checkers read: pipelined calls (a process each), zxids, error codes, session states, watch events", () => {
  const h: HistoryEvent[] = [
    { kind: 'session', process: 'c1', time: 1, state: 'connected', server: 's2', sessionId: '0x100000000000' },
    { kind: 'invoke', id: 0, process: 'c1', time: 2, op: 'sync', args: { path: '/' } },
    { kind: 'invoke', id: 1, process: 'c1', time: 2, op: 'getData', args: { path: '/a', watch: true } }, // pipelined
    { kind: 'invoke', id: 2, process: 'c2', time: 3, op: 'create', args: { path: '/a', data: 'x', mode: 'PERSISTENT' } },
    { kind: 'ok', id: 0, process: 'c1', time: 4, result: {}, zxid: 4294967297 },
    { kind: 'fail', id: 1, process: 'c1', time: 5, error: { code: -101, name: 'NONODE' }, zxid: 4294967297 },
    { kind: 'fail', id: 2, process: 'c2', time: 6, error: { code: -4, name: 'CONNECTIONLOSS' }, notApplied: true },
    { kind: 'event', process: 'c1', time: 7, type: 'NodeCreated', path: '/a' },
    { kind: 'session', process: 'c2', time: 8, state: 'expired' },
  ];
  const edn = toEdnLines(h);
  // one open operation per process, as in Jepsen's histories: the pipelined getData runs as process "c1#1"
  assert.match(edn, /\{:process "c1#1", :session "c1", :type :invoke, :f :getData/);
  assert.equal(parseEdnHistory(edn), h);
  assert.equal(parseHistory(toZksimJsonl(parseEdnHistory(edn))), h);
  // the Jepsen log allows one open operation per process, and says so
  const reg: HistoryEvent[] = [
    { kind: 'invoke', id: 0, process: 1, time: 0, op: 'write', args: 1 },
    { kind: 'invoke', id: 1, process: 1, time: 1, op: 'read', args: null },
  ];
  assert.throws(() => toJepsenLog(reg), /process 1 has two operations open at once \(operation 1 is a pipelined call\)/);
});

test('Jepsen log export refuses operations other than read, write and cas; the CLI says so in one line (exit 2)', () => {
  const rec = new HistoryRecorder();
  const s = rec.invoke(1, 'setData', { path: '/a', data: 'x', version: -1 }, 0);
  rec.ok(s, { version: 1 }, 1);
  assert.throws(() => toJepsenLog(rec.events), /a keyed 'setData'|'setData'/);
  const plain = new HistoryRecorder();
  plain.ok(plain.invoke(1, 'getData', '/a', 0), 'x', 1);
  assert.throws(() => toJepsenLog(plain.events), /and this one has 'getData' \(operation 0\)/);
  const file = join(mkdtempSync(join(tmpdir(), 'zksim-export-')), 'h.jsonl');
  writeFileSync(file, toZksimJsonl(rec.events));
  const r = spawnSync(process.execPath, ['dist/bin/zksim.js', 'check', file, '--export', 'jepsen'], { encoding: 'utf8' });
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /export it as edn instead/);
  // the register history still exports, as before
  assert.is(spawnSync(process.execPath, ['dist/bin/zksim.js', 'check', file, '--export', 'edn'], { encoding: 'utf8' }).status, 0);
});

test('check --export porcupine says what the format cannot hold: session records and watch events (a check of the export could pass where the history fails)', () => {
  const rec = new HistoryRecorder();
  rec.session('c1', 'connected', 0, { server: 's1', sessionId: 1 });
  rec.ok(rec.invoke('c1', 'create', { path: '/e', data: 'x', mode: 'EPHEMERAL' }, 1), { path: '/e' }, 2, 4294967297);
  rec.session('c1', 'expired', 10);
  rec.event('c2', 'NodeDeleted', '/e', 11);
  const dir = mkdtempSync(join(tmpdir(), 'zksim-export-'));
  const file = join(dir, 'h.jsonl');
  writeFileSync(file, toZksimJsonl(rec.events));
  const r = spawnSync(process.execPath, ['dist/bin/zksim.js', 'check', file, '--export', 'porcupine'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).length, 1);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^note: the Porcupine format holds operations only: 2 session record\(s\) and 1 watch event\(s\) of .* are left out/);
  assert.match(r.stderr, /--export edn keeps them/);
  // nothing to say for a history of operations alone, nor for the formats that keep them
  const plain = join(dir, 'plain.jsonl');
  const p = new HistoryRecorder();
  p.ok(p.invoke('c1', 'getData', { path: '/a' }, 0), { data: 'x' }, 1);
  writeFileSync(plain, toZksimJsonl(p.events));
  assert.is(spawnSync(process.execPath, ['dist/bin/zksim.js', 'check', plain, '--export', 'porcupine'], { encoding: 'utf8' }).stderr, '');
  assert.is(spawnSync(process.execPath, ['dist/bin/zksim.js', 'check', file, '--export', 'edn'], { encoding: 'utf8' }).stderr, '');
});

test('EDN reader and writer', () => {
  const v = readEdn('{:a [1 2 nil], :b "s\\"q", :c :kw, :d #{1}}') as Map<unknown, unknown>;
  assert.equal(v.get('a'), [1, 2, null]);
  assert.is(v.get('b'), 's"q');
  assert.ok(v.get('c') instanceof Keyword);
  assert.is(writeEdn([1, null, 'x']), '[1 nil "x"]');
});

function expectBad(text: string, line: number, re: RegExp): void {
  try {
    parseHistory(text, 'h.txt');
  } catch (e) {
    assert.ok(e instanceof HistoryParseError, String(e));
    const err = e as HistoryParseError;
    assert.is(err.file, 'h.txt');
    assert.is(err.line, line, err.message);
    assert.match(err.message, re);
    assert.match(err.message, new RegExp(`^h\\.txt:${line}: expected`));
    return;
  }
  assert.unreachable('no error for: ' + text);
}

test('bad input names the file, the line and what was expected', () => {
  expectBad('INFO  jepsen.util - 1\t:invoke\t:write\n{:process 3, :type\n', 1, /a value after :write/);
  expectBad('INFO  jepsen.util - 1\t:invoke\t:write\t1\nINFO  jepsen.util - 1\t:bogus\t:write\t1\n', 2, /operation type/);
  expectBad('INFO  jepsen.util - 1\t:ok\t:write\t1\n', 1, /:invoke of process 1/);
  expectBad('INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2\n', 1, /'\]'/);
  expectBad('INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n', 2, /completion/);
  expectBad('{:process 3, :type :invoke, :f :get, :key "1", :value nil}\n{:process 3, :type\n', 2, /value for key :type/);
  expectBad('{:process 3, :type :invoke, :f :get, :key "1", :value "abc}\n', 1, /closing/);
  expectBad('{:process 3, :type :call, :f :get}\n', 1, /:type of :invoke/);
  expectBad('{"kind":"invoke","id":0,"process":1,"time":0,"op":"read","args":null}\n{"kind":"ok","id":0,"process":1,"ti\n', 2, /complete JSON/);
  expectBad('{"kind":"ok","id":5,"process":1,"time":0}\n', 1, /invoke of operation 5/);
  expectBad('{"kind":"invoke","id":0,"process":1,"time":"x","op":"read"}\n', 1, /"time"/);
  expectBad('hello world\n', 1, /history line/);
});

test('empty history is linearizable', () => {
  assert.is(checkHistory(registerModel, parseHistory('', 'empty.log')).verdict, 'linearizable');
});

test('CLI: exit 0, 1 and 2 (one line, no stack trace)', () => {
  const missing = sharedHistoriesProblem();
  if (missing) assert.unreachable(missing);
  const dir = mkdtempSync(join(tmpdir(), 'zksim-check-'));
  const bin = 'dist/bin/zksim.js';
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'check', ...args], { encoding: 'utf8' });
  assert.is(run('../shared/histories/jepsen/etcd_002.log', '--model', 'register').status, 0);
  const v = run('../shared/histories/jepsen/etcd_001.log', '--model', 'register');
  assert.is(v.status, 1);
  assert.match(v.stdout, /cannot be placed/, v.stdout.slice(-400) + v.stderr);
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, 'INFO  jepsen.util - 1\t:invoke\t:write\n{:process 3, :type\n');
  const b = run(bad, '--model', 'register');
  assert.is(b.status, 2);
  assert.is(b.stderr.trim().split('\n').length, 1);
  assert.match(b.stderr, /bad\.txt:1: expected/);
  const m = run('../shared/histories/kv/c01-ok.txt', '--model', 'register');
  assert.is(m.status, 2, 'kv ops against the register model');
  assert.match(m.stderr, /expected a register operation/);
  const j = run('../shared/histories/kv/c10-bad.txt', '--model', 'kv', '--json');
  assert.is(j.status, 1);
  const o = JSON.parse(j.stdout) as { verdict: string; failures: unknown[] };
  assert.is(o.verdict, 'not-linearizable');
  assert.ok(o.failures.length >= 1);
  assert.is(run('../shared/histories/kv/c01-ok.txt', '--model', 'zookeeper').status, 0);
  assert.is(run('nope.log').status, 2);
  assert.is(run('../shared/histories/kv/c01-ok.txt', '--model', 'nope').status, 2);
});

test.run();
