/** Shared by the tests of the shipped recipes (test/recipe-*.test.ts). */
import * as assert from 'uvu/assert';
import type { Verdict } from 'zksim';

/** The verdict of `property` among a run's verdicts; the test fails when the run gave none. */
export function verdict(vs: Verdict[], property: string): Verdict {
  const v = vs.find((x) => x.property === property);
  assert.ok(v, `no verdict ${property}`);
  return v!;
}
