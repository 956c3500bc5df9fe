/**
 * OSC's look-ahead compares a getChildren listing with the children its parent has in the state reached
 * (check/osc.ts, listingDiff): the listed paths missing there and the paths there that are not listed. It replaced a
 * look-up of every listed child at every configuration; it must give the two sets a look-up by name gives.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { listingDiff } from '../check/osc.js';

function diffBySets(prefix: string, want: string[], have: string[]): { missing: string[]; extra: string[] } {
  const w = new Set(want);
  const h = new Set(have);
  return { missing: want.filter((c) => !h.has(c)).map((c) => prefix + c), extra: have.filter((c) => !w.has(c)).map((c) => prefix + c) };
}

test('a listing against the children there: missing and extra paths, in order', () => {
  const want = ['a', 'b', 'm-0000000003', 'z'];
  const have = ['b', 'c', 'm-0000000002', 'z', 'zz'];
  const d = listingDiff('/w/', want, want.map((c) => `/w/${c}`), have);
  assert.equal(d.missing, ['/w/a', '/w/m-0000000003']);
  assert.equal(d.extra, ['/w/c', '/w/m-0000000002', '/w/zz']);
});

test('the same names: nothing missing, nothing extra; the root has no double slash', () => {
  assert.equal(listingDiff('/', ['x', 'y'], ['/x', '/y'], ['x', 'y']), { missing: [], extra: [] });
  assert.equal(listingDiff('/', [], [], ['zookeeper']), { missing: [], extra: ['/zookeeper'] });
  assert.equal(listingDiff('/', ['x'], ['/x'], []), { missing: ['/x'], extra: [] });
});

test('property: the merge walk gives what a look-up by name gives (sorted lists, as the model keeps them)', () => {
  const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'n-0000000001', 'n-0000000010', 'n-0000000002', 'B', 'é', 'zk'), { maxLength: 9 });
  fc.assert(
    fc.property(names, names, (w, h) => {
      const want = [...w].sort();
      const have = [...h].sort();
      const d = listingDiff('/p/', want, want.map((c) => `/p/${c}`), have);
      assert.equal(d, diffBySets('/p/', want, have));
    }),
    { seed: 30, numRuns: 500 },
  );
});

test.run();
