import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DataTree } from '../core/datatree.js';
import { prepare, type PrepRequest } from '../core/txn.js';
import { CreateMode } from '../core/protocol.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** Random writes on a small tree; the digest is taken after every one (incremental), then compared with a full pass. */
test('incremental digest equals a full recomputation, after every write', () => {
  const paths = ['/a', '/a/b', '/a/c', '/d', '/d/e'];
  const op = fc.oneof(
    fc.record({ k: fc.constant('create' as const), p: fc.constantFrom(...paths), m: fc.constantFrom(0, 1, 2, 3), d: fc.string({ maxLength: 3 }) }),
    fc.record({ k: fc.constant('delete' as const), p: fc.constantFrom(...paths) }),
    fc.record({ k: fc.constant('set' as const), p: fc.constantFrom(...paths), d: fc.string({ maxLength: 3 }) }),
    fc.record({ k: fc.constant('close' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const tree = new DataTree();
      let zxid = 0;
      const run = (req: PrepRequest, sessionId = 7) => tree.apply(prepare(tree, req, { sessionId, zxid: ++zxid, time: zxid * 10 }));
      run({ op: 'createSession', timeoutMs: 10_000 });
      for (const o of ops) {
        if (o.k === 'create') run({ op: 'create', path: o.p, data: bytes(o.d), mode: o.m as CreateMode });
        else if (o.k === 'delete') run({ op: 'delete', path: o.p, version: -1 });
        else if (o.k === 'set') run({ op: 'setData', path: o.p, data: bytes(o.d), version: -1 });
        else {
          run({ op: 'closeSession' });
          run({ op: 'createSession', timeoutMs: 10_000 });
        }
        const incremental = tree.digest();
        const full = DataTree.fromSnapshot(tree.snapshot()).digest();
        if (incremental !== full) return false;
      }
      return true;
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('digest tells different trees apart and ignores clone boundaries', () => {
  const t = new DataTree();
  const d0 = t.digest();
  t.apply(prepare(t, { op: 'create', path: '/x', data: bytes('1'), mode: CreateMode.PERSISTENT }, { sessionId: 0, zxid: 1, time: 1 }));
  const d1 = t.digest();
  assert.is.not(d0, d1);
  const c = t.clone();
  assert.is(c.digest(), d1);
  c.apply(prepare(c, { op: 'setData', path: '/x', data: bytes('2'), version: -1 }, { sessionId: 0, zxid: 2, time: 2 }));
  assert.is.not(c.digest(), d1);
  assert.is(t.digest(), d1, 'the original is unaffected by writes to its clone');
});

test.run();
