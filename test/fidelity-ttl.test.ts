/**
 * TTL in the transcript format and the harness: the two TTL modes and the `ttl` field parse; the wire encoding sends
 * createTTL (opcode 21, CreateTTLRequest = CreateRequest + ttl as a long) when a ttl is given; the simulated target
 * passes the suite's server options to its servers and answers a request the client library refuses (a bad ttl) at
 * once on virtual time (it used to run the world on to its 120 s limit, enough for TTL nodes to expire).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTranscriptText, TranscriptError } from '../fidelity/transcript.js';
import { CreateFlags, OpCode, createOpcode, encodeCreate } from '../fidelity/wire.js';
import { SimTarget } from '../fidelity/simtarget.js';
import { runTranscript } from '../fidelity/runner.js';
import { serverJvmProps, serverKey } from '../fidelity/suite.js';

test('transcripts: TTL modes and an integer ttl parse; a non-integer ttl is refused', () => {
  const steps = parseTranscriptText(
    '{"case":"c","session":"a","op":"create","path":"/t","mode":"PERSISTENT_WITH_TTL","ttl":5}\n' +
      '{"case":"c","session":"a","op":"multi","ops":[{"op":"create","path":"/s-","mode":"PERSISTENT_SEQUENTIAL_WITH_TTL","ttl":7}]}\n',
    'x.jsonl',
  );
  assert.is(steps.length, 2);
  assert.is((steps[0] as { ttl?: number }).ttl, 5);
  assert.throws(() => parseTranscriptText('{"case":"c","session":"a","op":"create","path":"/t","ttl":1.5}\n', 'x.jsonl'), (e: unknown) => e instanceof TranscriptError && /ttl/.test(String(e)));
});

test('wire: createTTL with a ttl (8 more bytes, the ttl last), create2/createContainer without', () => {
  assert.is(OpCode.createTTL, 21);
  assert.is(createOpcode(CreateFlags.PERSISTENT_WITH_TTL!, 1000), 21);
  assert.is(createOpcode(CreateFlags.PERSISTENT_WITH_TTL!), OpCode.create2);
  assert.is(createOpcode(CreateFlags.CONTAINER!), OpCode.createContainer);
  const plain = encodeCreate('/t', null, 5);
  const ttl = encodeCreate('/t', null, 5, 2 ** 40 - 1);
  assert.is(ttl.length, plain.length + 8);
  assert.is(ttl.readBigInt64BE(ttl.length - 8), BigInt(2 ** 40 - 1));
});

test('suite server options: key and the real server\'s JVM properties', () => {
  assert.is(serverKey(undefined), '');
  assert.is(serverKey({ extendedTypesEnabled: true, containerCheckIntervalMs: 1000 }), 'extendedTypes,containerCheck=1000');
  assert.equal(serverJvmProps({ extendedTypesEnabled: true, containerCheckIntervalMs: 1000 }), { 'zookeeper.extendedTypesEnabled': 'true', 'znode.container.checkIntervalMs': '1000' });
});

test('sim target: extended types from the options; a refused (raw) request takes no virtual time to speak of', async () => {
  const t = new SimTarget({ servers: 1, seed: '1', server: { extendedTypesEnabled: true, containerCheckIntervalMs: 1000 } });
  const steps = parseTranscriptText(
    [
      '{"case":"c","op":"reset"}',
      '{"case":"c","session":"a","op":"connect","timeoutMs":10000}',
      '{"case":"c","session":"a","op":"create","path":"/t","mode":"PERSISTENT_WITH_TTL","ttl":600000}',
      '{"case":"c","session":"a","op":"create","path":"/b","mode":"PERSISTENT_WITH_TTL","ttl":0}',
      '{"case":"c","session":"a","op":"create","path":"/b","mode":"PERSISTENT_WITH_TTL"}',
      '{"case":"c","session":"a","op":"exists","path":"/t"}',
    ].join('\n') + '\n',
    'x.jsonl',
  );
  const out = await runTranscript(t, steps);
  assert.equal(out.map((o) => (o.result.ok ? 'ok' : o.result.name)), ['ok', 'ok', 'ok', 'BADARGUMENTS', 'BADARGUMENTS', 'ok']);
  // the whole case (settling included) took a few virtual seconds at most, not 2 × 120 s
  assert.ok(t.world.now < 10_000, `virtual time ${t.world.now}`);
});

test.run();
