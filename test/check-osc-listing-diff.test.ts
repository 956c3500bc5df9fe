/**
 * OSC's look-ahead compares a getChildren listing with the children its parent has in the state reached
 * (check/osc.ts, listingDiffers): the listed names missing there and the names there that are not listed, in one
 * merge walk. It replaced a look-up of every listed child at every configuration; it must find what a look-up by
 * name finds, and stop at the first difference its caller accepts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { listingDiffers } from '../check/osc.js';

/** Every difference the walk reports (its callbacks never stop it), as `-name` (missing) and `+name` (extra). */
function walk(want: string[], have: string[]): string[] {
  const seen: string[] = [];
  const stopped = listingDiffers(
    want,
    have,
    seen,
    (out, i) => (out.push(`-${want[i]!}`), false),
    (out, name) => (out.push(`+${name}`), false),
  );
  assert.is(stopped, false);
  return seen;
}

function bySets(want: string[], have: string[]): string[] {
  const w = new Set(want);
  const h = new Set(have);
  return [...want.filter((c) => !h.has(c)).map((c) => `-${c}`), ...have.filter((c) => !w.has(c)).map((c) => `+${c}`)].sort();
}

test('a listing against the children there: each listed name missing, each unlisted name there', () => {
  const want = ['a', 'b', 'm-0000000003', 'z'];
  const have = ['b', 'c', 'm-0000000002', 'z', 'zz'];
  assert.equal(walk(want, have), ['-a', '+c', '+m-0000000002', '-m-0000000003', '+zz']);
  assert.equal(walk(['x', 'y'], ['x', 'y']), []);
  assert.equal(walk([], ['zookeeper']), ['+zookeeper']);
  assert.equal(walk(['x'], []), ['-x']);
});

test('the walk stops at the first difference its caller accepts, and says so', () => {
  const asked: string[] = [];
  const r = listingDiffers(['a', 'b', 'c'], ['c', 'd'], null, (_, i) => (asked.push(`-${i}`), i === 1), () => (asked.push('+'), false));
  assert.is(r, true);
  assert.equal(asked, ['-0', '-1']);
  assert.is(listingDiffers(['a'], ['a'], null, () => true, () => true), false);
});

test('property: the merge walk finds what a look-up by name finds (sorted lists, as the model keeps them)', () => {
  const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'n-0000000001', 'n-0000000010', 'n-0000000002', 'B', 'é', 'zk'), { maxLength: 9 });
  fc.assert(
    fc.property(names, names, (w, h) => {
      const want = [...w].sort();
      const have = [...h].sort();
      assert.equal([...walk(want, have)].sort(), bySets(want, have));
    }),
    { seed: 30, numRuns: 500 },
  );
});

test.run();
