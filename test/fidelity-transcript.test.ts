import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TranscriptError,
  addWatchModeCode,
  dataBytes,
  dataJson,
  groupCases,
  parseOutputText,
  parseTranscriptFile,
  parseTranscriptText,
  stepLines,
} from '../fidelity/transcript.js';
import { checkSessions } from '../fidelity/runner.js';
import { loadManifest, loadSuite, caseCount } from '../fidelity/suite.js';

function parseError(text: string): TranscriptError {
  try {
    parseTranscriptText(text, 'x.jsonl');
  } catch (e) {
    assert.instance(e, TranscriptError);
    return e as TranscriptError;
  }
  throw new Error('expected a TranscriptError');
}

test('a line that is not JSON: file, line number, reason', () => {
  const e = parseError('{"case":"c","session":"a","op":"connect","timeoutMs":1000}\n\n{not json');
  assert.is(e.file, 'x.jsonl');
  assert.is(e.line, 3);
  assert.match(e.reason, /^not JSON/);
  assert.match(e.message, /^x\.jsonl:3: not JSON/);
});

test('unknown op', () => {
  const e = parseError('{"case":"c","session":"a","op":"frobnicate"}');
  assert.is(e.line, 1);
  assert.match(e.reason, /unknown op "frobnicate"/);
});

test('missing fields', () => {
  assert.match(parseError('{"session":"a","op":"close"}').reason, /missing field "case"/);
  assert.match(parseError('{"case":"c","session":"a"}').reason, /missing field "op"/);
  assert.match(parseError('{"case":"c","op":"close"}').reason, /missing field "session"/);
  assert.match(parseError('{"case":"c","session":"a","op":"connect"}').reason, /missing field "timeoutMs"/);
  assert.match(parseError('{"case":"c","session":"a","op":"getData"}').reason, /missing field "path"/);
  assert.match(parseError('{"case":"c","op":"wait"}').reason, /missing field "ms"/);
  assert.match(parseError('{"case":"c","session":"a","op":"multi"}').reason, /missing field "ops"/);
  assert.match(parseError('{"case":"c","session":"a","op":"multi","ops":[{"op":"check"}]}').reason, /missing field "path" in ops\[0\]/);
  assert.match(parseError('{"case":"c","session":"a","op":"multi","ops":[{"op":"getData","path":"/"}]}').reason, /unknown op "getData" in ops\[0\]/);
});

test('multiRead, getEphemerals, getAllChildrenNumber: their fields are checked', () => {
  assert.match(parseError('{"case":"c","session":"a","op":"multiRead"}').reason, /missing field "ops" \(op multiRead\)/);
  assert.match(parseError('{"case":"c","session":"a","op":"multiRead","ops":[{"op":"getData"}]}').reason, /missing field "path" in ops\[0\]/);
  assert.match(parseError('{"case":"c","session":"a","op":"multiRead","ops":[{"op":"setData","path":"/"}]}').reason, /unknown op "setData" in ops\[0\] \(multiRead allows getData, getChildren/);
  assert.match(parseError('{"case":"c","session":"a","op":"getEphemerals"}').reason, /missing field "prefix"/);
  assert.match(parseError('{"case":"c","session":"a","op":"getEphemerals","prefix":1}').reason, /field "prefix" must be a string/);
  assert.match(parseError('{"case":"c","session":"a","op":"getAllChildrenNumber"}').reason, /missing field "path"/);
  const steps = parseTranscriptText(
    [
      '{"case":"c","session":"a","op":"multiRead","ops":[{"op":"getData","path":"/a"},{"op":"getChildren","path":"/"},{"op":"exists","path":"/"}]}',
      '{"case":"c","session":"a","op":"multiRead","ops":[]}',
      '{"case":"c","session":"a","op":"getEphemerals","prefix":""}',
      '{"case":"c","session":"a","op":"getAllChildrenNumber","path":"/"}',
    ].join('\n'),
    'x.jsonl',
  );
  assert.equal(steps.map((s) => s.op), ['multiRead', 'multiRead', 'getEphemerals', 'getAllChildrenNumber']);
});

test('addWatch: path and mode (a name, or an integer sent as written)', () => {
  assert.match(parseError('{"case":"c","session":"a","op":"addWatch","mode":"PERSISTENT"}').reason, /missing field "path"/);
  assert.match(parseError('{"case":"c","session":"a","op":"addWatch","path":"/"}').reason, /missing field "mode" \(op addWatch\)/);
  assert.match(parseError('{"case":"c","session":"a","op":"addWatch","path":"/","mode":"RECURSIVE"}').reason, /field "mode" must be one of PERSISTENT, PERSISTENT_RECURSIVE or an integer, got "RECURSIVE"/);
  const steps = parseTranscriptText(
    ['PERSISTENT', 'PERSISTENT_RECURSIVE', 2].map((m) => JSON.stringify({ case: 'c', session: 'a', op: 'addWatch', path: '/p', mode: m })).join('\n'),
    'x.jsonl',
  );
  assert.equal(steps.map((s) => (s.op === 'addWatch' ? addWatchModeCode(s.mode) : null)), [0, 1, 2]);
});

test('bad field types and values', () => {
  assert.match(parseError('{"case":"c","session":"a","op":"create","path":"/a","mode":"TTL"}').reason, /field "mode"/);
  assert.match(parseError('{"case":"c","session":"a","op":"setData","path":"/a","version":"1"}').reason, /field "version" must be a number/);
  assert.match(parseError('{"case":"c","session":"a","op":"create","path":"/a","data":{"hex":"00"}}').reason, /field "data"/);
  assert.match(parseError('[1,2]').reason, /must be a JSON object/);
});

test('bad values that used to pass: data that is not base64, an oversized fill, a wait of years, a timeout <= 0', () => {
  const create = (data: unknown) => JSON.stringify({ case: 'c', session: 'a', op: 'create', path: '/a', data, mode: 'PERSISTENT' });
  assert.match(parseError(create({ base64: '!!!' })).reason, /field "data": "!!!" is not base64/);
  assert.match(parseError(create({ base64: 'AAE=x' })).reason, /is not base64/);
  assert.match(parseError(create({ fill: 'x', length: 1e9 })).reason, /"length" must be at most 8388608/);
  // a data object with both forms, or an empty fill, ran as something else than written (the base64 alone; 'x')
  assert.match(parseError(create({ fill: '', length: 3 })).reason, /field "data": "fill" must not be empty/);
  assert.match(parseError(create({ base64: 'AA==', length: 5 })).reason, /field "data": data must be a string, \{"base64"/);
  assert.match(parseError(create({ base64: 'AA==', fill: 'x', length: 5 })).reason, /field "data": data must be a string/);
  assert.match(parseError(create({ fill: 'x', length: 3, base64: 'AA==' })).reason, /field "data": data must be a string/);
  assert.match(parseError('{"case":"c","op":"wait","ms":1e12}').reason, /field "ms" must be at most 600000/);
  assert.match(parseError('{"case":"c","session":"a","op":"connect","timeoutMs":0}').reason, /field "timeoutMs" must be > 0/);
  assert.match(parseError('{"case":"c","session":"a","op":"connect","timeoutMs":-5}').reason, /field "timeoutMs" must be > 0/);
  // the accepted forms: padded and unpadded base64, the longest fill and wait
  const ok = parseTranscriptText(
    [create({ base64: 'AAEC/w==' }), create({ base64: 'AAEC/w' }), create({ fill: 'x', length: 8388608 }), '{"case":"c","op":"wait","ms":600000}'].join('\n'),
  );
  assert.is(ok.length, 4);
});


test('integers the wire carries in 32 bits (versions, timeoutMs, an addWatch mode, ACL perms) and a ttl past 2^53 are bad input', () => {
  // the real target's encoder wrapped 4294967295 to -1 ("any version": the setData passed there, BADVERSION on
  // zksim), and a timeoutMs of 1e20 crashed node-zookeeper-client's ConnectRequest encoder with a stack trace
  const step = (o: Record<string, unknown>) => JSON.stringify({ case: 'c', session: 'a', ...o });
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ op: 'setData', path: '/a', version: 4294967295 }, /field "version" must be a 32-bit integer .*got 4294967295/],
    [{ op: 'setData', path: '/a', version: 2147483648 }, /field "version" must be a 32-bit integer/],
    [{ op: 'delete', path: '/a', version: -2147483649 }, /field "version" must be a 32-bit integer/],
    [{ op: 'setACL', path: '/a', acl: [], version: 1e20 }, /field "version" must be a 32-bit integer/],
    [{ op: 'multi', ops: [{ op: 'check', path: '/a', version: 4294967296 }] }, /field "version" in ops\[0\] must be a 32-bit integer/],
    [{ op: 'multi', ops: [{ op: 'setData', path: '/a', version: -4294967297 }] }, /field "version" in ops\[0\] must be a 32-bit integer/],
    [{ op: 'connect', timeoutMs: 1e20 }, /field "timeoutMs" must be a 32-bit integer/],
    [{ op: 'addWatch', path: '/a', mode: 4294967296 }, /field "mode" must be a 32-bit integer/],
    [{ op: 'create', path: '/a', acl: [{ perms: 4294967327, scheme: 'world', id: 'anyone' }] }, /field "perms" in acl\[0\] must be a 32-bit integer/],
    [{ op: 'create', path: '/a', mode: 'PERSISTENT_WITH_TTL', ttl: 1e20 }, /field "ttl" must be a safe integer/],
  ];
  for (const [o, re] of bad) assert.match(parseError(step(o)).reason, re, JSON.stringify(o));
  // the edges are accepted
  const ok = parseTranscriptText(
    [
      step({ op: 'setData', path: '/a', version: 2147483647 }),
      step({ op: 'delete', path: '/a', version: -2147483648 }),
      step({ op: 'connect', timeoutMs: 2147483647 }),
      step({ op: 'addWatch', path: '/a', mode: -2147483648 }),
      step({ op: 'create', path: '/a', mode: 'PERSISTENT_WITH_TTL', ttl: 1099511627776 }),
    ].join('\n'),
  );
  assert.is(ok.length, 5);
});
test('a field the op does not take is refused, naming what it takes (a misspelt argument ran with its default)', () => {
  const bad: Array<[string, RegExp]> = [
    // "wacth" ran as a read without a watch; "verison" as version -1; "server" on a read is not how a session picks one
    ['{"case":"c","session":"a","op":"getData","path":"/","wacth":true}', /^unknown field "wacth" \(op getData takes path, watch\)$/],
    ['{"case":"c","session":"a","op":"setData","path":"/","verison":3}', /^unknown field "verison" \(op setData takes path, data, version\)$/],
    ['{"case":"c","session":"a","op":"getData","path":"/","server":1}', /^unknown field "server" \(op getData takes path, watch\)$/],
    ['{"case":"c","session":"a","op":"close","path":"/"}', /^unknown field "path" \(op close takes no arguments\)$/],
    ['{"case":"c","session":"a","op":"multi","ops":[{"op":"check","path":"/","verison":3}]}', /^unknown field "verison" in ops\[0\] \(multi's check takes path, version\)$/],
    ['{"case":"c","session":"a","op":"multiRead","ops":[{"op":"getData","path":"/","watch":true}]}', /^unknown field "watch" in ops\[0\] \(multiRead's getData takes path\)$/],
  ];
  for (const [text, re] of bad) assert.match(parseError(text).reason, re, text);
  // wait and reset belong to no session: one given was reported as 'session "s" is used before a connect'
  assert.is(parseError('{"case":"c","session":"s","op":"reset"}').reason, 'op reset takes no field "session" (it belongs to no session)');
  assert.is(parseError('{"case":"c","session":"s","op":"wait","ms":5}').reason, 'op wait takes no field "session" (it belongs to no session)');
  const acl = '{"case":"c","session":"a","op":"setACL","path":"/","acl":[{"perms":31,"scheme":"world","id":"anyone","perm":1}]}';
  assert.match(parseError(acl).reason, /^acl\[0\] must be \{"perms": integer, "scheme": string, "id": string\}$/);
  // every documented field, and an output step's, still parse
  const ok = parseTranscriptText(
    [
      '{"case":"c","session":"a","op":"connect","timeoutMs":4000,"server":0,"note":"n","race":false}',
      '{"case":"c","session":"a","op":"create","path":"/a","data":"x","mode":"PERSISTENT","acl":[{"perms":31,"scheme":"world","id":"anyone"}]}',
      '{"case":"c","session":"a","op":"removeWatches","path":"/a","watcherType":"ANY","all":true}',
      '{"case":"c","session":"a","op":"getData","path":"/a","watch":true,"result":{"ok":true},"zxid":3,"events":[],"baseZxid":2}',
      '{"case":"c","op":"wait","ms":5}',
    ].join('\n'),
  );
  assert.is(ok.length, 5);
});

test('valid steps parse, with line numbers; blank and // lines are skipped', () => {
  const steps = parseTranscriptText(
    [
      '// comment',
      '{"case":"c","op":"reset"}',
      '{"case":"c","session":"a","op":"connect","timeoutMs":4000,"server":0}',
      '',
      '{"case":"c","session":"a","op":"create","path":"/a","data":{"base64":"AAE="},"mode":"EPHEMERAL"}',
      '{"case":"c","session":"a","op":"multi","ops":[{"op":"check","path":"/a","version":0},{"op":"delete","path":"/a"}]}',
      '{"case":"d","op":"wait","ms":5}',
    ].join('\n'),
  );
  assert.is(steps.length, 5);
  assert.equal(steps.map((s) => stepLines.get(s)), [2, 3, 5, 6, 7]);
  assert.equal(groupCases(steps).map((c) => [c.name, c.steps.length]), [['c', 4], ['d', 1]]);
});

test('parseTranscriptFile names the file in errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-tr-'));
  const f = join(dir, 't.jsonl');
  writeFileSync(f, '{"case":"c","session":"a","op":"connect","timeoutMs":1}\n{"case":"c","session":"a","op":"nope"}\n');
  try {
    parseTranscriptFile(f);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TranscriptError);
    assert.match((e as Error).message, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: unknown op`));
  }
  try {
    parseTranscriptFile(join(dir, 'missing.jsonl'));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /cannot read: ENOENT/);
  }
  // a folder, or a file that is not there: the file named without a line number (it said "<file>:0: ...")
  for (const [p, code] of [[dir, 'EISDIR'], [join(dir, 'missing.jsonl'), 'ENOENT']] as const) {
    try {
      parseTranscriptFile(p);
      assert.unreachable();
    } catch (e) {
      assert.is((e as Error).message, `${p}: cannot read: ${code}`);
    }
  }
});

test('output steps need result, events and zxid', () => {
  assert.throws(() => parseOutputText('{"case":"c","session":"a","op":"close","events":[],"zxid":1}'), /missing field "result"/);
  const ok = parseOutputText('{"case":"c","session":"a","op":"close","result":{"ok":true},"events":[],"zxid":1}');
  assert.is(ok.length, 1);
});

test('data: null vs empty, base64, fill; result data as text, base64 or digest', () => {
  assert.is(dataBytes(null), null);
  assert.is(dataBytes(undefined), null);
  assert.equal([...dataBytes('')!], []);
  assert.equal([...dataBytes({ base64: 'AAH/' })!], [0, 1, 255]);
  assert.equal([...dataBytes({ fill: 'ab', length: 5 })!], [97, 98, 97, 98, 97]);
  assert.is(dataJson(null), null);
  assert.is(dataJson(new Uint8Array(0)), '');
  assert.is(dataJson(new Uint8Array(Buffer.from('zé☃'))), 'zé☃');
  assert.equal(dataJson(new Uint8Array([0xff, 0x00])), { base64: '/wA=' });
  const big = dataJson(new Uint8Array(2000)) as { length: number; sha256: string };
  assert.is(big.length, 2000);
  assert.is(big.sha256.length, 64);
});

test('checkSessions: session used before connect, reset not first, server out of range', () => {
  const steps = parseTranscriptText(
    [
      '{"case":"c","session":"a","op":"getData","path":"/"}',
      '{"case":"c","op":"reset"}',
      '{"case":"c","session":"b","op":"connect","timeoutMs":1,"server":2}',
    ].join('\n'),
  );
  const p = checkSessions(steps, 1).map((x) => x.reason);
  assert.is(p.length, 3);
  assert.match(p[0]!, /used before a connect/);
  assert.match(p[1]!, /reset must be the first step/);
  assert.match(p[2]!, /server 2 does not exist/);
});

test('checkSessions: a case name seen again after another case is a problem, reported at its first step', () => {
  // case "a" split in two: the second part lost the first part's sessions (a confusing "used before a connect") or,
  // with a new connect, ran as a second case "a" whose ephemerals of the first part were gone, silently
  const steps = parseTranscriptText(
    [
      '{"case":"a","session":"s","op":"connect","timeoutMs":4000}',
      '{"case":"b","session":"t","op":"connect","timeoutMs":4000}',
      '{"case":"a","session":"s2","op":"connect","timeoutMs":4000}',
      '{"case":"a","session":"s","op":"exists","path":"/"}',
    ].join('\n'),
  );
  const p = checkSessions(steps, 1);
  assert.ok(p.length >= 1);
  assert.is(p[0]!.reason, `case "a" appears again after case "b": a case's steps must be contiguous`);
  assert.is(stepLines.get(p[0]!.step), 3);
  // contiguous cases with the same sessions labels are fine
  const ok = parseTranscriptText(
    ['{"case":"a","session":"s","op":"connect","timeoutMs":4000}', '{"case":"b","session":"s","op":"connect","timeoutMs":4000}'].join('\n'),
  );
  assert.equal(checkSessions(ok, 1), []);
});

test('the conformance suite parses, is consistent and has at least 100 cases', () => {
  let total = 0;
  for (const entry of loadManifest()) {
    const steps = loadSuite(entry);
    assert.equal(checkSessions(steps, entry.configs.includes('standalone') ? 1 : 3), [], entry.name);
    total += caseCount(steps);
  }
  assert.ok(total >= 100, `only ${total} cases`);
});

test.run();
