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

// The fused calls (head2, head3, int2w, iwiiw) must mix the same words in the same order as the calls they stand
// for: the trace hash of every run depends on it.
test('fused calls hash as the separate calls they replace (any integers, past 2^32 and negative too)', () => {
  const any = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32) - 1, 2 ** 53 - 1, -(2 ** 53) + 1));
  const both = (prefix: readonly number[], fused: (h: TraceHash) => void, separate: (h: TraceHash) => void): void => {
    const f = new TraceHash();
    const s = new TraceHash();
    for (const x of prefix) {
      f.int(x);
      s.int(x);
    }
    fused(f);
    separate(s);
    assert.is(f.hex(), s.hex());
  };
  fc.assert(
    fc.property(fc.array(any, { maxLength: 3 }), any, any, any, any, any, any, (pre, x, c, v, w1, w2, w3) => {
      both(pre, (h) => h.head2(x, c, v, w1, w2), (h) => {
        h.head(x, c, v);
        h.small(w1);
        h.small(w2);
      });
      both(pre, (h) => h.head3(x, c, v, w1, w2, w3), (h) => {
        h.head(x, c, v);
        h.small(w1);
        h.small(w2);
        h.small(w3);
      });
      both(pre, (h) => h.int2w(x, c, w1), (h) => {
        h.int(x);
        h.int(c);
        h.small(w1);
      });
      both(pre, (h) => h.iwiiw(x, w1, c, v, w2), (h) => {
        h.int(x);
        h.small(w1);
        h.int(c);
        h.int(v);
        h.small(w2);
      });
    }),
    { seed: 88, numRuns: 3000 },
  );
});

test('cached(s): 0 (and nothing hashed) until s has a code in the cache, then the code str(s) hashes', () => {
  const word = fc.constantFrom(...COLLIDING, 'apply', 'log.0000000100000001', 'log.0000000100000002');
  fc.assert(
    fc.property(fc.array(word, { maxLength: 20 }), (words) => {
      const h = new TraceHash();
      const ref = new TraceHash();
      for (const s of words) {
        const before = h.hex();
        const c = h.cached(s);
        assert.is(h.hex(), before); // a look-up hashes nothing
        if (c !== 0) {
          assert.is(c, h.code(s)); // a hit: the table's code (code() hashes nothing on a hit either)
          assert.is(h.hex(), before);
          h.small(c);
        } else h.str(s);
        ref.str(s);
        assert.is(h.hex(), ref.hex());
      }
    }),
    { seed: 88, numRuns: 2000 },
  );
  const h = new TraceHash();
  assert.is(h.cached('apply'), 0);
  h.str('apply');
  assert.ok(h.cached('apply') > 0);
  h.str('b');
  const b = h.cached('b');
  assert.ok(b > 0);
  h.str('bcd'); // the same cache slot as 'b' (from length and last character): evicts it
  assert.is(h.cached('b'), 0);
  assert.is(h.code('b'), b); // still in the table
});

test.run();
