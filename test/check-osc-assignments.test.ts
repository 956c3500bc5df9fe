/**
 * The order in which OSC tries assignments of sequential names (check/osc.ts, AssignmentQueue): fewest steps from the
 * defaults first, the order of opening among equals — each single change before any pair, as the checker's comment
 * promises, and the same order as the scan it replaced.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AssignmentQueue } from '../check/osc.js';

test('fewest steps first; among equals, the first opened', () => {
  const q = new AssignmentQueue();
  q.open([]);
  assert.equal(q.next(), []);
  q.open([1]);
  q.open([0, 2]);
  q.open([0, 1]);
  q.open([0, 0, 1]);
  assert.equal(q.next(), [1]);
  q.open([2]);
  q.open([1, 1]);
  assert.equal(q.next(), [0, 1]);
  assert.equal(q.next(), [0, 0, 1]);
  assert.equal(q.next(), [0, 2], 'two steps: opened before [2] and [1, 1]');
  assert.equal(q.next(), [2]);
  assert.equal(q.next(), [1, 1]);
  assert.is(q.next(), undefined);
  q.open([3]);
  assert.equal(q.next(), [3], 'opened after it ran dry');
  assert.is(q.next(), undefined);
});

test.run();
