/**
 * addWatch (opcode 106) as the 3.8.0 server answers it, sent raw (past the client library): FinalRequestProcessor
 * checks neither the path nor the ACL, and a mode other than PERSISTENT (0) / PERSISTENT_RECURSIVE (1) makes
 * WatcherMode.fromZooDef throw, answered MARSHALLINGERROR with no watch added (conformance persistent-watches/bad-mode,
 * bad-paths, acl-no-read, recorded on the real 3.8.0).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code } from '../core/errors.js';
import type { AddWatchMode, Request, ServerMessage } from '../core/protocol.js';
import { makeCluster, rawSession } from './server-harness.js';

type Reply = Extract<ServerMessage, { type: 'reply' }>;

test('addWatch with a mode other than 0/1: MARSHALLINGERROR, no watch; bad paths and unreadable nodes: OK', async () => {
  const tc = makeCluster({ servers: 1, seed: 69 });
  const r = await rawSession(tc, 'r1', 's1');
  let xid = 0;
  const call = async (req: Request): Promise<Reply> => {
    const n = r.received.length;
    r.send({ type: 'request', xid: ++xid, req });
    await tc.until(() => r.received.slice(n).some((m) => m.type === 'reply' && m.xid === xid), 5000);
    return r.received.slice(n).find((m) => m.type === 'reply' && m.xid === xid) as Reply;
  };
  for (const mode of [2, -1]) {
    const a = await call({ op: 'addWatch', path: '/bm', mode: mode as AddWatchMode });
    assert.is(a.err, Code.MARSHALLINGERROR, `mode ${mode}`);
  }
  assert.is((await call({ op: 'removeWatches', path: '/bm', type: 3 })).err, Code.NOWATCHER, 'no watch was added');
  for (const path of ['nope', '/trailing/', '', '/a//b']) assert.is((await call({ op: 'addWatch', path, mode: 0 })).err, Code.OK, JSON.stringify(path));
  assert.is((await call({ op: 'create', path: '/s', data: null, mode: 0, acl: [{ perms: 30, scheme: 'world', id: 'anyone' }] })).err, Code.OK);
  assert.is((await call({ op: 'addWatch', path: '/s', mode: 1 })).err, Code.OK, 'no READ needed');
});

test.run();
