// A connect the simulated target gives up on (a session timeout so short that the client's connect timeout,
// timeout / servers, passes before the handshake's reply: Java's client behaves so too) must leave no client behind.
// The handle kept retrying: once through, the session's next step answered SESSIONEXPIRED with a SyncConnected event,
// and a session nobody would close stayed on the ensemble.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTranscriptText } from '../fidelity/transcript.js';
import { SimTarget } from '../fidelity/simtarget.js';
import { runTranscript } from '../fidelity/runner.js';

test('a failed connect stops its client: no late SyncConnected, the label has no session', async () => {
  const t = new SimTarget({ servers: 3, seed: '1' });
  const steps = parseTranscriptText(
    [
      '{"case":"c","op":"reset"}',
      '{"case":"c","session":"s","op":"connect","timeoutMs":20}',
      '{"case":"c","op":"wait","ms":9000}',
      '{"case":"c","session":"s","op":"create","path":"/z"}',
      '{"case":"c","session":"t","op":"connect","timeoutMs":4000}',
      '{"case":"c","session":"t","op":"getChildren","path":"/"}',
    ].join('\n'),
  );
  const out = await runTranscript(t, steps);
  assert.equal(out[1]!.result.ok ? 'ok' : out[1]!.result.name, 'CONNECTIONLOSS');
  assert.equal(out[3]!.result.ok ? 'ok' : out[3]!.result.name, 'SESSIONEXPIRED');
  assert.equal(out[3]!.events, []);
  // nothing was created by the stray handle either
  assert.equal(out[5]!.result.ok && out[5]!.result.children, ['zookeeper']);
});

test.run();
