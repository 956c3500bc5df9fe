/** withPairedOperations: the checkers of one run share one pairing and get exactly what pairOperations gives alone. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryRecorder, pairOperations, withPairedOperations, type HistoryEvent } from '../check/history.js';

function recorded(): HistoryRecorder {
  const r = new HistoryRecorder();
  const a = r.invoke(1, 'create', { path: '/a', data: 'x' }, 0);
  const b = r.invoke(2, 'getData', { path: '/a' }, 1);
  r.ok(a, { path: '/a' }, 2, 5);
  r.fail(b, { code: -101, name: 'NONODE' }, 3, 4, true);
  return r;
}

test('inside, each pairOperations gets its own array, equal to a pairing of its own', () => {
  const r = recorded();
  const alone = pairOperations(r.events);
  withPairedOperations(r.events, () => {
    const x = pairOperations(r.events);
    assert.equal(x, alone);
    assert.ok(x !== pairOperations(r.events));
    x.pop(); // a checker's changes to its array stay its own
    assert.equal(pairOperations(r.events), alone);
    // other options pair anew (the notApplied failure is kept)
    assert.equal(pairOperations(r.events, { keepNotApplied: true }).length, 2);
  });
});

test('a history that grows inside, or another history, is paired anew', () => {
  const r = recorded();
  const other = recorded();
  other.invoke(3, 'exists', { path: '/b' }, 9);
  withPairedOperations(r.events, () => {
    assert.equal(pairOperations(other.events).length, 2);
    r.invoke(3, 'sync', { path: '/' }, 10);
    assert.equal(pairOperations(r.events).length, 2);
  });
});

test('a malformed history still throws in each pairOperations', () => {
  const h: HistoryEvent[] = [{ kind: 'ok', id: 0, process: 1, time: 0 }];
  assert.equal(withPairedOperations(h, () => 'ran'), 'ran');
  assert.throws(() => withPairedOperations(h, () => pairOperations(h)), /not in progress/);
});

test.run();
