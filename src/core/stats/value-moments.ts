// The moments of a value metric from what run-data keeps per variant: the sample n, the sum S and the sum
// of squares Q of each visitor's (capped) value, in integer minor units. The variance comes from the
// difference n·Q − S², which cancels catastrophically when the values are nearly alike; here it is
// computed exactly for the given inputs (Dekker's exact products for numbers, BigInt for decimal strings
// beyond 2^53), so the only error left is one rounding at the end, whatever the cancellation.

/** A sum as run-data or a JSON line gives it: a number, or a decimal string for an exact integer beyond 2^53. */
export type ExactSum = number | string;

export interface ValueMoments {
  /** Visitors in the sample. */
  n: number;
  /** Σv / (n · scale): the mean in reported units; NaN when n = 0. */
  mean: number;
  /** The sample variance (n − 1 in the denominator), in reported units squared; NaN when n < 2. */
  variance: number;
  /**
   * S² / Q: how many visitors' worth of equal values the sum is made of (Kish's effective sample size of
   * the values). For 0/1 values it is the number of converters; one visitor carrying the whole sum gives 1.
   * The always-valid test counts a look only when every arm's is large enough (see mean-sequential.ts).
   */
  effective: number;
}

const SPLITTER = 134_217_729; // 2^27 + 1, Veltkamp's constant for doubles

/** The rounding error of a · b: a·b − fl(a·b), exactly (Dekker's product with Veltkamp's split). */
function productError(a: number, b: number, product: number): number {
  const ca = SPLITTER * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLITTER * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return al * bl - (product - ah * bh - al * bh - ah * bl);
}

/** a·b − c·d, correct to a few units in the last place of the result itself, however much it cancels. */
export function differenceOfProducts(a: number, b: number, c: number, d: number): number {
  const p = a * b;
  const q = c * d;
  return p - q + (productError(a, b, p) - productError(c, d, q));
}

const DIGITS = /^\d+$/;

/** The number an exact sum stands for (a decimal string rounds once, to the nearest double). */
export function sumValue(s: ExactSum): number {
  return typeof s === "number" ? s : Number(s);
}

function isExactInteger(s: ExactSum): boolean {
  return typeof s === "string" ? DIGITS.test(s) : Number.isSafeInteger(s);
}

/**
 * n·Q − S² = n(n−1)·variance·scale², exact for integer inputs (so its sign is the truth), and within a
 * few ulps of the exact value of the given doubles otherwise.
 */
export function varianceNumerator(n: number, sum: ExactSum, sumSquares: ExactSum): number {
  if ((typeof sum === "string" || typeof sumSquares === "string") && isExactInteger(sum) && isExactInteger(sumSquares)) {
    return Number(BigInt(n) * BigInt(sumSquares) - BigInt(sum) * BigInt(sum));
  }
  const s = sumValue(sum);
  return differenceOfProducts(n, sumValue(sumSquares), s, s);
}

/** S² − Q, likewise exact: non-negative for non-negative values (Σv² ≤ (Σv)²). */
export function concentrationSlack(sum: ExactSum, sumSquares: ExactSum): number {
  if ((typeof sum === "string" || typeof sumSquares === "string") && isExactInteger(sum) && isExactInteger(sumSquares)) {
    return Number(BigInt(sum) * BigInt(sum) - BigInt(sumSquares));
  }
  const s = sumValue(sum);
  return differenceOfProducts(s, s, 1, sumValue(sumSquares));
}

/**
 * The moments of one arm. `scale` converts the input's units to reported ones (100 when the sums are
 * in cents and the mean is to read in currency units). A variance numerator within rounding of zero
 * (possible only for non-integer inputs) counts as zero.
 */
export function valueMoments(n: number, sum: ExactSum, sumSquares: ExactSum, scale = 1): ValueMoments {
  const s = sumValue(sum);
  const q = sumValue(sumSquares);
  if (n === 0) return { n, mean: Number.NaN, variance: Number.NaN, effective: 0 };
  const mean = s / n / scale;
  const numerator = Math.max(0, varianceNumerator(n, sum, sumSquares));
  const variance = n < 2 ? Number.NaN : numerator / n / (n - 1) / (scale * scale);
  return { n, mean, variance, effective: q > 0 ? (s / q) * s : 0 };
}
