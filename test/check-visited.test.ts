/**
 * The OSC search's memo of visited configurations (check/visited.ts): a configuration is visited once; the same key
 * with another second hash or other positions is another configuration, however many share the key, and nothing is
 * lost when the arrays grow.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { VisitedConfigurations } from '../check/visited.js';

const at = (...xs: number[]): Int32Array => Int32Array.from(xs);

test('a configuration is new once; the same key with another hash or other positions is another one', () => {
  const v = new VisitedConfigurations(3, 2);
  assert.is(v.visit(7, 1, at(0, 1, 2)), false);
  assert.is(v.visit(7, 1, at(0, 1, 2)), true);
  assert.is(v.visit(7, 2, at(0, 1, 2)), false, 'another second hash');
  assert.is(v.visit(7, 1, at(0, 1, 3)), false, 'other positions (the last one)');
  assert.is(v.visit(8, 1, at(0, 1, 2)), false, 'another key');
  // every entry of the chain of key 7 is still found, the oldest too, after the arrays grew (capacity 2)
  assert.is(v.visit(7, 1, at(0, 1, 2)), true);
  assert.is(v.visit(7, 2, at(0, 1, 2)), true);
  assert.is(v.visit(7, 1, at(0, 1, 3)), true);
  assert.is(v.visit(-7, -1, at(0, 1, 2)), false, 'negative hashes');
  assert.is(v.visit(-7, -1, at(0, 1, 2)), true);
  assert.is(v.size, 5);
});

test('property: visit answers as a set of (key, hash, positions) does, through collisions and growth', () => {
  const configuration = fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }));
  fc.assert(
    fc.property(fc.array(configuration, { maxLength: 300 }), (cs) => {
      const v = new VisitedConfigurations(4, 1);
      const set = new Set<string>();
      for (const [k, h, p] of cs) {
        const id = `${k}/${h}/${p.join(',')}`;
        assert.is(v.visit(k, h, Int32Array.from(p)), set.has(id), id);
        set.add(id);
      }
      assert.is(v.size, set.size);
    }),
    { seed: 30, numRuns: 300 },
  );
});

test.run();
