/** Look-ups in ascending arrays of numbers (zxids, mostly), shared by the checkers. */

/**
 * How many elements of the ascending array `a` are below x (with `orEqual`, at most x): the index of the first one
 * that is not, by binary search.
 */
export function countBelow(a: readonly number[], x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = a[mid]!;
    if (v < x || (orEqual && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
