import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { TraceHash } from '../sim/trace.js';

/** The hash of a sequence of strings, on a fresh TraceHash (as each run has its own). */
function hashOf(strings: readonly string[]): string {
  const h = new TraceHash();
  for (const s of strings) h.str(s);
  return h.hex();
}

// Strings that share a length and first character land in the same slot of TraceHash's string cache, so they
// evict each other: the codes must still be the table's, whatever the order.
const COLLIDING = ['ab', 'ac', 'ad', 'b', 'bcd', 'bce', '', 'x'];

test('string codes: equal sequences hash equal, and any difference (value or order) changes the hash', () => {
  const word = fc.constantFrom(...COLLIDING);
  fc.assert(
    // b is a with one element replaced (often by one sharing its cache slot), or a reordered
    fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), fc.nat(), word, fc.boolean(), (a, i, r, swap) => {
      const b = [...a];
      const at = i % a.length;
      if (swap) [b[0], b[at]] = [b[at]!, b[0]!];
      else b[at] = r;
      const same = a.every((s, k) => s === b[k]);
      assert.is(hashOf(a) === hashOf(b), same, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }),
    { seed: 9, numRuns: 3000 },
  );
});

test('a string seen before and a new one differ, at any point of a run', () => {
  assert.is.not(hashOf(['apply', 'apply']), hashOf(['apply', 'fsync']));
  assert.is.not(hashOf(['apply', 'fsync', 'apply']), hashOf(['apply', 'fsync', 'fsync']));
  // a string equal by content but built at run time is the same string
  const built = ['ap', 'ply'].join('');
  assert.is(hashOf(['apply', built]), hashOf(['apply', 'apply']));
});

test('past the table cap, new strings are still told apart (hashed in full)', () => {
  const many = Array.from({ length: 5000 }, (_, i) => `path-${i}`);
  assert.is.not(hashOf([...many, 'late-one']), hashOf([...many, 'late-two']));
  assert.is(hashOf([...many, 'late-one', 'path-3']), hashOf([...many, 'late-one', 'path-3']));
  assert.is.not(hashOf([...many, 'late-one', 'path-3']), hashOf([...many, 'late-one', 'path-4']));
});

test('integers beyond 32 bits are hashed whole (zxids, session ids)', () => {
  const h = (x: number): string => {
    const t = new TraceHash();
    t.int(x);
    return t.hex();
  };
  assert.is.not(h(0x100000001), h(0x200000001));
  assert.is.not(h(-1), h(0xffffffff));
});

test.run();
