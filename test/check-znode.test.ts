/** The znode model: ZooKeeper's error results, multi, children, sequential names, partitions kept sound. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory } from '../check/linearizability.js';
import { znodeModel } from '../check/models/znode.js';
import { checkOsc } from '../check/osc.js';
import { pairOperations } from '../check/history.js';
import { hist } from './check-helpers.js';

const lin = (h: ReturnType<typeof hist>): string => checkHistory(znodeModel, h).verdict;

test('error results follow ZooKeeper: NONODE, NODEEXISTS, BADVERSION, NOTEMPTY', () => {
  assert.is(lin(hist(['a', 'create', { path: '/x/y', data: '' }, 0, 1, { fail: 'NONODE' }])), 'linearizable');
  assert.is(lin(hist(['a', 'create', { path: '/x', data: '' }, 0, 1, { ok: { path: '/x' } }], ['a', 'create', { path: '/x', data: '' }, 2, 3, { fail: 'NODEEXISTS' }])), 'linearizable');
  assert.is(lin(hist(['a', 'create', { path: '/x', data: '' }, 0, 1, { ok: { path: '/x' } }], ['a', 'create', { path: '/x', data: '' }, 2, 3, { ok: { path: '/x' } }])), 'not-linearizable');
  assert.is(lin(hist(['a', 'create', { path: '/x', data: '' }, 0, 1, { ok: { path: '/x' } }], ['a', 'setData', { path: '/x', data: '1', version: 3 }, 2, 3, { fail: 'BADVERSION' }])), 'linearizable');
  assert.is(lin(hist(['a', 'create', { path: '/x', data: '' }, 0, 1, { ok: { path: '/x' } }], ['a', 'setData', { path: '/x', data: '1', version: 0 }, 2, 3, { fail: 'BADVERSION' }])), 'not-linearizable');
  // BADVERSION beats NOTEMPTY; NOTEMPTY with the right version
  const tree = [
    ['a', 'create', { path: '/p', data: '' }, 0, 1, { ok: { path: '/p' } }],
    ['a', 'create', { path: '/p/c', data: '' }, 2, 3, { ok: { path: '/p/c' } }],
  ] as const;
  assert.is(lin(hist(...(tree as unknown as never[]), ['a', 'delete', { path: '/p', version: 5 }, 4, 5, { fail: 'BADVERSION' }])), 'linearizable');
  assert.is(lin(hist(...(tree as unknown as never[]), ['a', 'delete', { path: '/p', version: 5 }, 4, 5, { fail: 'NOTEMPTY' }])), 'not-linearizable');
  assert.is(lin(hist(...(tree as unknown as never[]), ['a', 'delete', { path: '/p', version: 0 }, 4, 5, { fail: 'NOTEMPTY' }])), 'linearizable');
  // a delete of the parent that succeeds while a child exists (in another partition by path) is caught
  assert.is(lin(hist(...(tree as unknown as never[]), ['b', 'delete', { path: '/p', version: -1 }, 4, 5, { ok: {} }])), 'not-linearizable');
});

test('getChildren sees creates and deletes of children', () => {
  const h = hist(
    ['a', 'create', { path: '/p', data: '' }, 0, 1, { ok: { path: '/p' } }],
    ['a', 'create', { path: '/p/b', data: '' }, 2, 3, { ok: { path: '/p/b' } }],
    ['b', 'getChildren', { path: '/p' }, 4, 5, { ok: { children: ['b'] } }],
    ['a', 'delete', { path: '/p/b', version: -1 }, 6, 7, { ok: {} }],
    ['b', 'getChildren', { path: '/p' }, 8, 9, { ok: { children: ['b'] } }],
  );
  assert.is(lin(h), 'not-linearizable');
  assert.is(checkOsc(h).verdict, 'ok', 'a stale children list is allowed by OSC');
});

test('multi: all or nothing, the first error', () => {
  const base = [['a', 'create', { path: '/m', data: '' }, 0, 1, { ok: { path: '/m' } }]] as never[];
  const multi = { ops: [{ op: 'create', path: '/m/a', data: '' }, { op: 'check', path: '/m', version: 7 }, { op: 'setData', path: '/m', data: 'z', version: -1 }] };
  const ok = hist(...base, ['a', 'multi', multi, 2, 3, { fail: 'BADVERSION' }], ['a', 'exists', { path: '/m/a' }, 4, 5, { ok: { stat: null } }]);
  assert.is(lin(ok), 'linearizable');
  const applied = hist(...base, ['a', 'multi', multi, 2, 3, { fail: 'BADVERSION' }], ['a', 'exists', { path: '/m/a' }, 4, 5, { ok: { stat: { version: 0 } } }]);
  assert.is(lin(applied), 'not-linearizable');
  const good = { ops: [{ op: 'create', path: '/m/a', data: '' }, { op: 'check', path: '/m', version: 0 }, { op: 'setData', path: '/m', data: 'z', version: -1 }] };
  assert.is(lin(hist(...base, ['a', 'multi', good, 2, 3, { ok: { results: [{ path: '/m/a' }, {}, {}] } }], ['b', 'getData', { path: '/m' }, 4, 5, { ok: { data: 'z', stat: { version: 1 } } }])), 'linearizable');
});

test('sequential names: unique and increasing under a parent', () => {
  const seq = (n: string, t: number): never => ['a', 'create', { path: '/q/n-', data: '', mode: 'PERSISTENT_SEQUENTIAL' }, t, t + 1, { ok: { path: `/q/n-${n}` } }] as never;
  const q = ['a', 'create', { path: '/q', data: '' }, 0, 1, { ok: { path: '/q' } }] as never;
  assert.is(lin(hist(q, seq('0000000000', 2), seq('0000000001', 4))), 'linearizable');
  assert.is(lin(hist(q, seq('0000000001', 2), seq('0000000000', 4))), 'not-linearizable');
  assert.is(lin(hist(q, seq('0000000001', 2), seq('0000000001', 4))), 'not-linearizable');
});

test('ephemerals vanish at closeSession', () => {
  const h = hist(
    ['a', 'create', { path: '/e', data: '', mode: 'EPHEMERAL' }, 0, 1, { ok: { path: '/e' } }],
    ['a', 'closeSession', null, 2, 3, { ok: {} }],
    ['b', 'exists', { path: '/e' }, 4, 5, { ok: { stat: { version: 0 } } }],
  );
  assert.is(lin(h), 'not-linearizable');
  assert.is(checkOsc(h).verdict, 'ok', 'a stale read of another session is allowed');
  const synced = hist(
    ['a', 'create', { path: '/e', data: '', mode: 'EPHEMERAL' }, 0, 1, { ok: { path: '/e' } }],
    ['a', 'closeSession', null, 2, 3, { ok: {} }],
    ['b', 'sync', { path: '/e' }, 4, 5, { ok: {} }],
    ['b', 'exists', { path: '/e' }, 6, 7, { ok: { stat: { version: 0 } } }],
  );
  assert.is(checkOsc(synced).verdict, 'violation');
});

test('the partition of the tree keeps every path an operation can observe', () => {
  const h = hist(
    ['a', 'create', { path: '/p', data: '' }, 0, 1, { ok: { path: '/p' } }],
    ['a', 'create', { path: '/p/c', data: '' }, 2, 3, { ok: { path: '/p/c' } }],
    ['b', 'create', { path: '/r', data: '' }, 0, 1, { ok: { path: '/r' } }],
    ['b', 'setData', { path: '/r', data: 'x', version: -1 }, 2, 3, { ok: {} }],
  );
  const parts = znodeModel.partition!(pairOperations(h));
  assert.is(parts.length, 2, 'the /p family and /r');
});

test.run();
