/**
 * whoAmI (opcode 107, 3.7+): the order of a connection's ids as 3.8.0 lists them (its ConcurrentHashMap, replayed by
 * authInfoOrder; expected orders below are the ones the real 3.8.0 answered in fidelity/golden/*\/whoami.jsonl), the
 * server answering it like a read (after the session's earlier requests, with the ids held when it was read, on a
 * follower without forwarding), and the client call with its history record.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { authInfoOrder, clientInfos, digestOf, fixupAcl, CLIENT_IP_ID, type Id } from '../core/acl.js';
import { Cluster } from '../sim/cluster.js';
import { Code, CreateMode, Perms } from '../core/client/index.js';
import { code, standalone } from './client-helpers.js';
import { checkEvents } from '../check/run.js';
import { makeCluster, rawSession, type RawClient, type TestCluster } from './server-harness.js';
import type { ServerMessage } from '../core/protocol.js';
import { parseTranscriptText, TranscriptError } from '../fidelity/transcript.js';

const dig = (t: string): Id => ({ scheme: 'digest', id: digestOf(t) });
const users = (ids: readonly Id[]): string[] => clientInfos(ids).map((c) => c.user);

test('authInfoOrder: the orders the real 3.8.0 answered (bins, arrival within a bin, a doubling, a presize)', () => {
  assert.equal(clientInfos([CLIENT_IP_ID]), [{ authScheme: 'ip', user: '127.0.0.1' }]);
  assert.equal(clientInfos([CLIENT_IP_ID, dig('alice:secret')]), [{ authScheme: 'digest', user: 'alice' }, { authScheme: 'ip', user: '127.0.0.1' }]);
  // same bin: arrival order; a second password for alice is another id with the same user name
  assert.equal(users([CLIENT_IP_ID, dig('alice:secret'), dig('bob:pw'), dig('alice:other')]), ['alice', 'bob', 'alice', '127.0.0.1']);
  // user names: before the first ':', all of it without one, "" when it starts with ':'
  assert.equal(users([CLIENT_IP_ID, dig('nocolon'), dig(':nouser'), dig('carol:pw:with:colons'), dig('dörte:pässwort')]), ['nocolon', '', 'dörte', '127.0.0.1', 'carol']);
  // 15 ids: 16 bins doubled to 32 when the 12th arrived (whoami/many-ids)
  const many = [CLIENT_IP_ID, ...Array.from({ length: 14 }, (_, k) => dig(`u${k}:pw`))];
  assert.equal(users(many), ['u3', 'u9', 'u5', 'u11', 'u4', 'u0', '127.0.0.1', 'u1', 'u6', 'u13', 'u2', 'u12', 'u7', 'u8', 'u10']);
  // 9 digests of one bin: the 9th presizes to 128 bins; the split reverses the nodes before the last run (whoami/one-bin)
  const oneBin = [CLIENT_IP_ID, ...['u24', 'u47', 'u48', 'u59', 'u65', 'u76', 'u85', 'u88', 'u102'].map((u) => dig(`${u}:pw`))];
  assert.equal(users(oneBin), ['u47', 'u48', 'u76', '127.0.0.1', 'u65', 'u24', 'u102', 'u59', 'u85', 'u88']);
  // the input is not changed, and a repeated id counts once
  const ids = [CLIENT_IP_ID, dig('u0:pw'), dig('u3:pw'), dig('u0:pw')];
  assert.equal(authInfoOrder(ids).map((u) => u.id.split(':')[0]), ['u3', 'u0', '127.0.0.1']);
  assert.is(ids[1]!.id, digestOf('u0:pw'));
});

test('fixupACL expands the auth scheme in the same order (whoami/auth-acl-order: u3 before u0)', () => {
  const fixed = fixupAcl([{ perms: Perms.ALL, scheme: 'auth', id: '' }], [CLIENT_IP_ID, dig('u0:pw'), dig('u3:pw')]);
  assert.equal(fixed, [{ perms: Perms.ALL, ...dig('u3:pw') }, { perms: Perms.ALL, ...dig('u0:pw') }]);
});

type Reply = Extract<ServerMessage, { type: 'reply' }>;
const enc = (s: string) => new TextEncoder().encode(s);

test('server: a read after the session\'s pending write (reply zxid = the write\'s), with the ids held when it was read', async () => {
  const tc = makeCluster({ servers: 1, seed: 67 });
  const r = await rawSession(tc, 'r1', 's1');
  r.send({ type: 'request', xid: 1, req: { op: 'whoAmI' } });
  await tc.until(() => r.received.length >= 2, 5000);
  const first = r.received[1] as Reply;
  assert.equal([first.xid, first.zxid, first.err], [1, 1, 0]); // zxid 1: the createSession
  assert.equal(first.body, { op: 'whoAmI', clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }] });
  // pipelined: a create, a whoAmI read before the auth packet, the auth packet, a whoAmI read after it
  r.send({ type: 'request', xid: 2, req: { op: 'create', path: '/w', data: enc('v'), mode: 0 } });
  r.send({ type: 'request', xid: 3, req: { op: 'whoAmI' } });
  r.send({ type: 'request', xid: -4, req: { op: 'auth', scheme: 'digest', auth: enc('alice:secret') } });
  r.send({ type: 'request', xid: 4, req: { op: 'whoAmI' } });
  await tc.until(() => r.received.length >= 6, 5000);
  const rs = r.received.slice(2) as Reply[];
  // the auth reply overtakes (answered when read); the reads wait for the create and carry its zxid
  assert.equal(rs.map((m) => [m.xid, m.zxid, m.err]), [[-4, 0, 0], [2, 2, 0], [3, 2, 0], [4, 2, 0]]);
  assert.equal(rs[2]!.body, { op: 'whoAmI', clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }] }, 'read before the auth packet');
  assert.equal(rs[3]!.body, { op: 'whoAmI', clientInfo: [{ authScheme: 'digest', user: 'alice' }, { authScheme: 'ip', user: '127.0.0.1' }] });
  assert.is(tc.server('s1')!.lastProcessedZxid, 2, 'no zxid consumed');
});

test('server: a follower answers from its own connection without forwarding (the leader sees no request)', async () => {
  const tc = makeCluster({ servers: 3, seed: 68, recordTrace: true });
  assert.ok(await tc.until(() => tc.leader() !== null && tc.names.every((n) => tc.server(n)!.serving), 30000));
  const follower = tc.names.find((n) => n !== tc.leader())!;
  const r = await rawSession(tc, 'r1', follower);
  r.send({ type: 'request', xid: -4, req: { op: 'auth', scheme: 'digest', auth: enc('bob:pw') } });
  const before = tc.server(tc.leader()!)!.lastProcessedZxid;
  r.send({ type: 'request', xid: 1, req: { op: 'whoAmI' } });
  await tc.until(() => r.received.length >= 3, 5000);
  const m = r.received[2] as Reply;
  assert.equal([m.xid, m.err, m.zxid], [1, 0, tc.server(follower)!.lastProcessedZxid]);
  assert.equal(m.body, { op: 'whoAmI', clientInfo: [{ authScheme: 'digest', user: 'bob' }, { authScheme: 'ip', user: '127.0.0.1' }] });
  assert.is(tc.server(tc.leader()!)!.lastProcessedZxid, before, 'no txn');
});

test('client: whoAmI before and after addAuthInfo (not awaited: its packet goes first), per connection; history and checkers', async () => {
  const { cl, c1, c2 } = await standalone(70);
  assert.equal(await cl.run(c1.whoAmI()), [{ authScheme: 'ip', user: '127.0.0.1' }]);
  c1.addAuthInfo('digest', 'u0:pw');
  c1.addAuthInfo('digest', 'u3:pw');
  const p = c1.whoAmI();
  assert.equal(await cl.run(p), [{ authScheme: 'digest', user: 'u3' }, { authScheme: 'digest', user: 'u0' }, { authScheme: 'ip', user: '127.0.0.1' }]);
  assert.equal(await cl.run(c2.whoAmI()), [{ authScheme: 'ip', user: '127.0.0.1' }], 'another connection');
  await cl.run(c1.create('/a', 'x', CreateMode.PERSISTENT, undefined, [{ perms: Perms.ALL, scheme: 'auth', id: '' }]));
  assert.equal((await cl.run(c1.getACL('/a'))).acl.map((a) => a.id.split(':')[0]), ['u3', 'u0']);
  const ops = cl.history.events.filter((e) => e.kind === 'invoke' && (e as { op?: string }).op === 'whoAmI');
  assert.is(ops.length, 3);
  const oks = cl.history.events.filter((e) => e.kind === 'ok' && Array.isArray((e as { result?: { clientInfo?: unknown } }).result?.clientInfo));
  assert.is(oks.length, 3);
  for (const model of ['znode', 'zookeeper'] as const) {
    const r = checkEvents(cl.history.events, model, 'whoami');
    assert.ok(r.ok, `${model}: ${r.verdict}`);
  }
});

test('client: after a refused auth whoAmI fails AUTHFAILED; after a reconnect the re-sent auth is in the answer', async () => {
  const { cl, c1 } = await standalone(71);
  c1.addAuthInfo('kerberos', 'x');
  assert.ok(await cl.until(() => c1.authFailed, 5000));
  assert.is(await code(cl, c1.whoAmI()), Code.AUTHFAILED);
  const ens = new Cluster({ seed: 72, servers: 3 });
  const z = ens.client('z', { timeoutMs: 12_000 });
  assert.ok(await ens.ready(60_000));
  z.addAuthInfo('digest', 'alice:secret');
  const s = z.server!;
  ens.world.crash(s);
  assert.ok(await ens.until(() => z.state === 'CONNECTED' && z.server !== s, 60_000), 'reconnected elsewhere');
  assert.equal(await ens.run(z.whoAmI(), 30_000), [{ authScheme: 'digest', user: 'alice' }, { authScheme: 'ip', user: '127.0.0.1' }]);
});

test('client: the auth packets of a handshake go out last-added first (Java primeConnection addFirst): same-bin ids come back reversed', async () => {
  // alice:secret and bob:pw share a bin, so the server lists them in arrival order
  const ens = new Cluster({ seed: 73, servers: 3 });
  const z = ens.client('z', { timeoutMs: 12_000 });
  z.addAuthInfo('digest', 'alice:secret'); // before the first handshake: sent by it
  z.addAuthInfo('digest', 'bob:pw');
  assert.ok(await ens.ready(60_000));
  const reversed = [{ authScheme: 'digest', user: 'bob' }, { authScheme: 'digest', user: 'alice' }, { authScheme: 'ip', user: '127.0.0.1' }];
  assert.equal(await ens.run(z.whoAmI(), 30_000), reversed);
  z.addAuthInfo('digest', 'carol:pw'); // connected: sent at once, after the others
  const s = z.server!;
  ens.world.crash(s);
  assert.ok(await ens.until(() => z.state === 'CONNECTED' && z.server !== s, 60_000), 'reconnected elsewhere');
  const after = await ens.run(z.whoAmI(), 30_000);
  assert.equal(after.map((c) => c.user), users([CLIENT_IP_ID, dig('carol:pw'), dig('bob:pw'), dig('alice:secret')]));
  assert.equal(after.filter((c) => c.user === 'alice' || c.user === 'bob').map((c) => c.user), ['bob', 'alice']);
});

test('transcripts: op whoAmI parses (a session, no other field) and needs its session', () => {
  const steps = parseTranscriptText('{"case":"w/1","session":"a","op":"whoAmI"}\n');
  assert.equal(steps.map((x) => x.op), ['whoAmI']);
  assert.throws(() => parseTranscriptText('{"case":"w/1","op":"whoAmI"}\n'), (e: unknown) => e instanceof TranscriptError && /session/.test((e as Error).message));
});

test.run();
