// Student's t distribution for the analysis of value metrics: its upper tail, density and quantile at
// any (non-integer) degrees of freedom, as Welch's test needs. Built on the regularized incomplete beta
// function (two continued fractions, each where it converges without cancellation) and a log-beta that
// stays accurate when one argument is huge: Welch's degrees of freedom reach millions. Checked against
// mpmath and SciPy in test/fixtures/means-scipy.json.
import { logGamma, normalQuantile } from "./distributions.ts";

const EPS = 1e-16;
const TINY = 1e-300;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln Γ(x) − (x − ½) ln x + x − ½ ln 2π: the Stirling series' remainder, for x ≥ 10 (seven terms keep it
 * below 1e-17 there). Subtracting two of these is how ln Γ(a) − ln Γ(a + b) keeps its digits for large a.
 */
function stirlingRemainder(x: number): number {
  const r = 1 / (x * x);
  return (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r * (1 / 1680 - r * (1 / 1188 - r * (691 / 360360 - r / 156)))))) / x;
}

/** ln B(a, b) for a, b > 0, accurate to a few ulps of the result even when a or b is in the millions. */
export function logBetaAccurate(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  // ln Γ(big) − ln Γ(big + small) by Stirling with the large terms cancelled by hand.
  const sum = big + small;
  const diff = -(big - 0.5) * Math.log1p(small / big) - small * Math.log(sum) + small + stirlingRemainder(big) - stirlingRemainder(sum);
  if (small < 10) return logGamma(small) + diff;
  return (small - 0.5) * Math.log(small) - small + HALF_LOG_2PI + stirlingRemainder(small) + diff;
}

/**
 * I_x(a, b) = x^a (1−x)^(b−1) / (a B(a, b)) · ₂F₁(1, 1−b; a+1; −z) with z = x / (1 − x) (Pfaff's
 * transformation of the incomplete beta's hypergeometric form), the ₂F₁ evaluated as Gauss's continued
 * fraction 1 / (1 + e₁ / (1 + e₂ / (1 + …))) by the modified Lentz method. For b < 1 every partial
 * numerator is positive, so the fraction converges for every z > 0 without cancellation; and z enters
 * only as a ratio, never as 1 − x, which keeps the t tail's digits when df is in the millions.
 */
function betaFractionZ(a: number, b: number, z: number): number {
  let f = 1;
  let c = 1;
  let d = 0;
  for (let k = 1; k < 100_000; k++) {
    const m = Math.floor(k / 2);
    const e =
      k % 2 === 1
        ? (-(a + m) * (b - 1 - m) * z) / ((a + 2 * m) * (a + 2 * m + 1))
        : (m * (a + b + m - 1) * z) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + e * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + e / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = c * d;
    f *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return 1 / f;
}

/** The classic continued fraction of I_x(a, b) (modified Lentz); good for x < (a+1)/(a+b+2). */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** I_x(a, b) on the side where its fraction converges (x < (a+1)/(a+b+2)), front factor in logs. */
function betaDirect(a: number, b: number, x: number, y: number, logX: number, logY: number): number {
  const logBeta = logBetaAccurate(a, b);
  if (b < 1) return Math.exp(a * logX + (b - 1) * logY - logBeta) * (betaFractionZ(a, b, x / y) / a);
  return Math.exp(a * logX + b * logY - logBeta) * (betaFraction(a, b, x) / a);
}

/**
 * The regularized incomplete beta I_x(a, b). A caller who knows 1 − x, ln x or ln(1 − x) more accurately
 * than by subtraction passes them: with a in the millions, the front factor x^a needs ln x to full
 * relative precision, which ln of an x rounded near 1 does not have (the t tail at large df).
 */
export function incompleteBeta(
  a: number,
  b: number,
  x: number,
  oneMinusX = 1 - x,
  logX = Math.log(x),
  logOneMinusX = Math.log(oneMinusX),
): number {
  if (x <= 0) return 0;
  if (oneMinusX <= 0) return 1;
  if (x < (a + 1) / (a + b + 2)) return betaDirect(a, b, x, oneMinusX, logX, logOneMinusX);
  return 1 - betaDirect(b, a, oneMinusX, x, logOneMinusX, logX);
}

/** P(T > t) for Student's t with `df` > 0 degrees of freedom, accurate far into either tail. */
export function studentTUpperTail(t: number, df: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (t === Number.NEGATIVE_INFINITY) return 1;
  const t2 = t * t;
  // x = df / (df + t²) and 1 − x = t² / (df + t²), each (and ln x) computed without subtraction.
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2), -Math.log1p(t2 / df), Math.log(t2 / (df + t2)));
  return t >= 0 ? tail : 1 - tail;
}

/** P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  return 1 - studentTUpperTail(t, df);
}

/** The density of Student's t at t. */
export function studentTDensity(t: number, df: number): number {
  // Γ((df+1)/2) / (Γ(df/2) √(df π)) = 1 / (√df · B(df/2, ½)).
  return Math.exp(-0.5 * Math.log(df) - logBetaAccurate(df / 2, 0.5) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** Two-sided p-value of a t statistic. */
export function studentTTwoSidedP(t: number, df: number): number {
  return Math.min(1, 2 * studentTUpperTail(Math.abs(t), df));
}

/**
 * The t quantile: the t with P(T ≤ t) = p. The lower half is the mirror of the upper, so that a small p
 * is never rounded through 1 − p.
 */
export function studentTQuantile(p: number, df: number): number {
  if (Number.isNaN(p)) return Number.NaN;
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  return p < 0.5 ? -upperQuantile(p, df) : upperQuantile(1 - p, df);
}

/**
 * The t with P(T > t) = q for 0 < q < ½: Newton's method on the upper tail, kept inside a bracket so
 * that heavy tails (df near 1) cannot throw it out.
 */
function upperQuantile(q: number, df: number): number {
  const z = -normalQuantile(q);
  let lo = 0;
  let hi = Math.max(1, z);
  while (studentTUpperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
  }
  let t = Math.min(hi, Math.max(lo, z));
  for (let i = 0; i < 200; i++) {
    const excess = studentTUpperTail(t, df) - q;
    if (excess === 0) return t;
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / studentTDensity(t, df);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 2e-16 * next || hi - lo <= 2e-16 * hi) return next;
    t = next;
  }
  return t;
}
