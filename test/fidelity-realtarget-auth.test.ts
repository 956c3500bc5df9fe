// The real target's addAuth goes through node-zookeeper-client's ConnectionManager.addAuthInfo, which refuses an empty
// scheme itself ("scheme must be a non-empty string"): the step was a harness error (OPERATIONTIMEOUT) and the session
// lived on, where the Java client sends the packet and a live 3.8.0 answers AUTHFAILED (as zksim's target records).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { addAuthInfo } from '../fidelity/realtarget.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ConnectionManager: any = require('node-zookeeper-client/lib/ConnectionManager.js');

/** A ConnectionManager that never connects, in the given state, whose queued requests are kept as bytes. */
function manager(state: number): { cm: { credentials: unknown[]; addAuthInfo(s: string, a: Buffer): void }; sent: Buffer[] } {
  const cm = Object.create(ConnectionManager.prototype);
  cm.credentials = [];
  cm.state = state;
  const sent: Buffer[] = [];
  cm.queue = (req: { toBuffer(): Buffer }) => sent.push(req.toBuffer());
  return { cm, sent };
}

test('an empty scheme is sent as the auth packet (xid -4, opcode 100, AuthPacket{0, "", auth}) and remembered', () => {
  const { cm, sent } = manager(ConnectionManager.STATES.CONNECTED);
  addAuthInfo(cm, '', Buffer.from('u:p'));
  assert.is(sent.length, 1);
  const b = sent[0]!;
  // frame: length, then RequestHeader{xid, type}, then AuthPacket{type, scheme, auth}
  assert.is(b.readInt32BE(0), b.length - 4);
  assert.is(b.readInt32BE(4), -4);
  assert.is(b.readInt32BE(8), 100);
  assert.is(b.readInt32BE(12), 0);
  assert.is(b.readInt32BE(16), 0); // scheme: empty string
  assert.is(b.readInt32BE(20), 3);
  assert.is(b.subarray(24).toString(), 'u:p');
  assert.equal(cm.credentials, [{ scheme: '', auth: Buffer.from('u:p') }]);
});

test('not connected: remembered (re-sent after the handshake by the library), nothing sent now', () => {
  const { cm, sent } = manager(ConnectionManager.STATES.DISCONNECTED);
  addAuthInfo(cm, '', Buffer.from('x'));
  assert.is(sent.length, 0);
  assert.is(cm.credentials.length, 1);
});

test('a non-empty scheme goes through the library as before', () => {
  const { cm, sent } = manager(ConnectionManager.STATES.CONNECTED);
  addAuthInfo(cm, 'digest', Buffer.from('u:p'));
  assert.is(sent.length, 1);
  assert.is(sent[0]!.readInt32BE(16), 6);
  assert.is(sent[0]!.subarray(20, 26).toString(), 'digest');
  // what the library alone does with an empty scheme: the refusal this target no longer meets
  assert.throws(() => cm.addAuthInfo('', Buffer.from('x')), /scheme must be a non-empty string/);
});

test.run();
