// The few special functions the analysis needs, written out so the core has no dependency: log-gamma
// (Lanczos), the regularized incomplete gamma (series and Lentz's continued fraction), and from them the
// normal and chi-square tails. Checked against SciPy in test/fixtures/analysis-scipy.json.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) − its Stirling approximation, for x ≥ 15 (the series to x⁻⁹ is exact to double precision). */
function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0: Lanczos below 15, Stirling's series above (no loss at 10^7 and beyond). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  if (x >= 15) return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + stirlingCorrection(x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-15;
const TINY = 1e-300;

/** Regularized lower incomplete gamma P(a, x) by its series (good for x < a + 1). */
function gammaPSeries(a: number, x: number): number {
  let sum = 1 / a;
  let term = sum;
  for (let n = 1; n < 10_000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Regularized upper incomplete gamma Q(a, x) by its continued fraction (good for x ≥ a + 1). */
function gammaQFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Q(a, x) = 1 − P(a, x), accurate in the far tail. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  return x < a + 1 ? 1 - gammaPSeries(a, x) : gammaQFraction(a, x);
}

/** P(Z > z) for a standard normal Z, accurate far into the tail. */
export function normalUpperTail(z: number): number {
  if (z < 0) return 1 - normalUpperTail(-z);
  return 0.5 * gammaQ(0.5, (z * z) / 2);
}

export function normalCdf(z: number): number {
  return 1 - normalUpperTail(z);
}

/** Two-sided p-value of a z statistic. */
export function twoSidedP(z: number): number {
  return Math.min(1, 2 * normalUpperTail(Math.abs(z)));
}

// Acklam's rational approximation of the normal quantile, then one Halley step on the exact CDF.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

const poly = (coefs: readonly number[], x: number): number => coefs.reduce((acc, c) => acc * x + c, 0);

/** The standard normal quantile Φ⁻¹(p) for 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = poly(C, q) / (poly(D, q) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = (poly(A, r) * q) / (poly(B, r) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -poly(C, q) / (poly(D, q) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** P(X > x) for a chi-square variable with `df` degrees of freedom. */
export function chiSquareUpperTail(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/**
 * ln B(a, b). For large arguments the three log-gammas are each ~10^8 at 10^7 visitors and their sum
 * would lose eight digits; the Stirling form keeps only the differences, written with log1p.
 */
export function logBeta(a: number, b: number): number {
  if (a < 15 && b < 15) return logGamma(a) + logGamma(b) - logGamma(a + b);
  if (a < 15 || b < 15) {
    // One small argument s, one large L: ln Γ(L) − ln Γ(L + s) from the Stirling difference, so that
    // 2/990,000 against 2/10,000 does not lose nine digits to two log-gammas of 10^7.
    const s = Math.min(a, b);
    const L = Math.max(a, b);
    return logGamma(s) - (L - 0.5) * Math.log1p(s / L) - s * Math.log(L + s) + s + stirlingCorrection(L) - stirlingCorrection(L + s);
  }
  const n = a + b;
  return (
    HALF_LOG_2PI +
    (a - 0.5) * logShare(a, b) +
    (b - 0.5) * logShare(b, a) -
    0.5 * Math.log(n) +
    stirlingCorrection(a) +
    stirlingCorrection(b) -
    stirlingCorrection(n)
  );
}

/** ln(a / (a + b)), exact whether the share is tiny or close to one. */
function logShare(a: number, b: number): number {
  return a <= b ? Math.log(a / (a + b)) : Math.log1p(-b / (a + b));
}
