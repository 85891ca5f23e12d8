/** Index of the first element of the ascending `xs` that is not below `x` (xs.length if none). */
export function lowerBound<T extends number | string>(xs: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
