// The Bayesian guides of docs/analysis.md: the chance that the variant's rate beats the control's
// and the expected loss of shipping it, under independent Beta(1 + conversions, 1 + non-conversions)
// posteriors. Both are exact sums, not approximations, at every size.
//
// P(X_B > X_A) for X_A ~ Beta(aA, bA), X_B ~ Beta(aB, bB) with integer aB is the distribution function,
// at aB − 1, of a beta–negative-binomial count with terms
//   T_0 = B(aA, bA + bB) / B(aA, bA),   T_{i+1} / T_i = (aA + i)(bB + i) / ((aA + bA + bB + i)(1 + i)),
// (Evan Miller's closed form). The terms are log-concave in i, so only the window around their peak
// matters: the sum starts at the peak (or at aB − 1 when the peak lies beyond it), walks outwards with
// the ratio, and stops once a term is below 1e-18 of the running total. Its length is a few dozen
// standard deviations of the count, not aB: about 10^4 terms at 10^7 visitors, 0.1 ms.
//
// Above SUM_LIMIT in every parameter the four posteriors are within a few percent of normal on the
// logit scale, and a two-dimensional Gauss rule there (Gauss–Hermite across, Gauss–Legendre along the
// difference) costs a fixed ~800 density evaluations instead of ~sd terms.
import { logBeta } from "./distributions.ts";
import { gaussHermite, gaussLegendre } from "./quadrature.ts";

const NEGLIGIBLE = 1e-18;
const SUM_LIMIT = 2000;

/** P(X_B > X_A) for independent X_A ~ Beta(aA, bA), X_B ~ Beta(aB, bB); integer parameters ≥ 1. */
export function probBetaGreater(aA: number, bA: number, aB: number, bB: number): number {
  const smallest = Math.min(aA, bA, aB, bB);
  if (smallest > SUM_LIMIT) return logitQuadrature(aA, bA, aB, bB);
  // Sum over whichever of the four equivalent forms has the shortest count: over aB; its mirror image
  // over bA (P(X_B > X_A) = P(1 − X_A > 1 − X_B)); and the complements over aA and bB.
  if (smallest === aB) return betaNegBinCdf(aA, bA, aB, bB);
  if (smallest === bA) return betaNegBinCdf(bB, aB, bA, aA);
  if (smallest === aA) return 1 - betaNegBinCdf(aB, bB, aA, bA);
  return 1 - betaNegBinCdf(bA, aA, bB, aB);
}

const INNER = gaussHermite(12);
const OUTER = gaussLegendre(16);
const INNER_X = Float64Array.from(INNER.x);
const INNER_W = Float64Array.from(INNER.w);
const OUTER_X = Float64Array.from(OUTER.x);
const OUTER_W = Float64Array.from(OUTER.w);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const ORDER = 12;

/**
 * Cumulants κ_2 … κ_ORDER of a Bernoulli(s) variable as polynomials in s (κ_1 = s, κ_{k+1} = s(1−s) κ_k'),
 * coefficient arrays lowest power first, built once.
 */
const BERNOULLI_CUMULANTS: number[][] = (() => {
  const out: number[][] = [[0, 1]];
  for (let k = 1; k < ORDER; k++) {
    const prev = out[k - 1] as number[];
    const derivative = prev.slice(1).map((c, i) => c * (i + 1));
    // multiply by s − s²
    const next = new Array<number>(derivative.length + 2).fill(0);
    derivative.forEach((c, i) => {
      next[i + 1] = (next[i + 1] as number) + c;
      next[i + 2] = (next[i + 2] as number) - c;
    });
    out.push(next);
  }
  return out;
})();

/**
 * The log density of Y = logit(X), X ~ Beta(a, b), around its mode μ = ln(a/b):
 *   ln g(μ + δ) = ln g(μ) − n Σ_{k≥2} κ_k(s) δ^k / k!,   s = a/n, n = a + b,
 * since a·y − n·ln(1 + e^y) = const − n·[K(δ) − sδ] with K the Bernoulli cumulant generating function,
 * whose series converges for |δ| < π. ln g(μ) = ½ ln(ab/n) − ½ ln 2π − (Stirling corrections), free of
 * the cancellation between terms of size n that the direct formula suffers at 10^7 visitors.
 */
interface LogitDensity {
  mode: number;
  variance: number;
  logPeak: number;
  coefficients: Float64Array; // n κ_k / k!, k = 2 … ORDER, at index k − 2
}

function logitDensity(a: number, b: number): LogitDensity {
  const n = a + b;
  const s = a / n;
  const coefficients = new Float64Array(ORDER - 1);
  let factorial = 1;
  for (let k = 2; k <= ORDER; k++) {
    factorial *= k;
    const poly = BERNOULLI_CUMULANTS[k - 1] as number[];
    let value = 0;
    for (let i = poly.length - 1; i >= 0; i--) value = value * s + (poly[i] as number);
    coefficients[k - 2] = (n * value) / factorial;
  }
  const logPeak = 0.5 * Math.log((a * b) / n) - HALF_LOG_2PI - stirling(a) - stirling(b) + stirling(n);
  return { mode: Math.log(a / b), variance: 1 / a + 1 / b, logPeak, coefficients };
}

/** ln Γ(x) − Stirling's approximation (x ≥ 15). */
function stirling(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
}

/**
 * P(Y_B > Y_A) with Y = logit(X): ∫_{t>0} H(t) dt, H(t) = ∫ g_A(w) g_B(w + t) dw. The inner rule is
 * centred where the normal approximation puts the conditional mean of Y_A given Y_B − Y_A = t; the outer
 * one integrates the tail on the side of 0 away from the mean difference, in two panels.
 */
function logitQuadrature(aA: number, bA: number, aB: number, bB: number): number {
  const A = logitDensity(aA, bA);
  const B = logitDensity(aB, bB);
  const md = B.mode - A.mode;
  const sd = Math.sqrt(A.variance + B.variance);
  const d = Math.abs(md) / sd;
  if (d > 38) return md > 0 ? 1 : 0;
  const sw = Math.SQRT2 * Math.sqrt((A.variance * B.variance) / (A.variance + B.variance));
  const shrink = A.variance / (A.variance + B.variance);
  const direction = md >= 0 ? -1 : 1; // the tail lies at t = direction · u, u ≥ 0
  const ca = A.coefficients;
  const cb = B.coefficients;
  const peaks = A.logPeak + B.logPeak;
  const top = ca.length - 1;
  // The standardised distance from the mean difference runs from d to zMax; the first panel takes the
  // steep start of the tail.
  const zMax = Math.max(9.5, d + 5);
  const split = Math.min(zMax, d + 1.5);
  let tail = 0;
  for (let panel = 0; panel < 2; panel++) {
    const from = panel === 0 ? d : split;
    const to = panel === 0 ? split : zMax;
    const half = ((to - from) * sd) / 2;
    const mid = ((from + to) * sd) / 2 - d * sd;
    for (let j = 0; j < OUTER_X.length; j++) {
      const t = direction * (mid + half * (OUTER_X[j] as number));
      // H(t) = ∫ g_A(w) g_B(w + t) dw by Gauss–Hermite around the conditional mean of Y_A.
      const centre = A.mode - shrink * (t - md);
      let inner = 0;
      for (let i = 0; i < INNER_X.length; i++) {
        const x = INNER_X[i] as number;
        const da = centre + sw * x - A.mode;
        const db = da + A.mode + t - B.mode;
        let pa = ca[top] as number;
        let pb = cb[top] as number;
        for (let k = top - 1; k >= 0; k--) {
          pa = pa * da + (ca[k] as number);
          pb = pb * db + (cb[k] as number);
        }
        inner += (INNER_W[i] as number) * Math.exp(x * x + peaks - pa * da * da - pb * db * db);
      }
      tail += half * (OUTER_W[j] as number) * sw * inner;
    }
  }
  const p = md >= 0 ? 1 - tail : tail;
  return Math.min(1, Math.max(0, p));
}

/** Σ_{i=0}^{aB−1} T_i with the terms above, summed from their peak outwards. */
function betaNegBinCdf(aA: number, bA: number, aB: number, bB: number): number {
  const last = aB - 1;
  const c = aA + bA + bB;
  const ratio = (i: number) => ((aA + i) * (bB + i)) / ((c + i) * (1 + i));
  // The peak: the largest i with ratio(i − 1) ≥ 1, from (aA + i)(bB + i) = (c + i)(1 + i), a linear
  // equation in i since the i² terms cancel.
  const denom = c + 1 - aA - bB;
  let peak = denom > 0 ? Math.ceil((aA * bB - c) / denom) : last;
  peak = Math.max(0, Math.min(last, Number.isFinite(peak) ? peak : last));
  while (peak > 0 && ratio(peak - 1) < 1) peak--;
  while (peak < last && ratio(peak) >= 1) peak++;
  // log T_peak directly from the beta functions, then ratios in both directions.
  const logT0 = logBeta(aA, bA + bB) - logBeta(aA, bA);
  const logTpeak = peak === 0 ? logT0 : logT0 + logTermRatio(aA, bA, bB, peak);
  let total = 1;
  let term = 1;
  for (let i = peak; i < last; i++) {
    term *= ratio(i);
    total += term;
    if (term < NEGLIGIBLE * total) break;
  }
  term = 1;
  for (let i = peak - 1; i >= 0; i--) {
    term /= ratio(i);
    total += term;
    if (term < NEGLIGIBLE * total) break;
  }
  const p = Math.exp(logTpeak + Math.log(total));
  return Math.min(1, Math.max(0, p));
}

/** log(T_i / T_0) in closed form through the beta functions (exact, no accumulation over i). */
function logTermRatio(aA: number, bA: number, bB: number, i: number): number {
  // T_i = B(aA + i, bA + bB) / ((bB + i) B(1 + i, bB) B(aA, bA)); T_0 = B(aA, bA + bB) / B(aA, bA).
  return logBeta(aA + i, bA + bB) - logBeta(aA, bA + bB) - Math.log(bB + i) - logBeta(1 + i, bB);
}

/** P(rate_v > rate_c) under Beta(1 + x, 1 + n − x) posteriors; null without a visitor in either arm. */
export function chanceToBeat(xc: number, nc: number, xv: number, nv: number): number | null {
  if (nc === 0 || nv === 0) return null;
  return probBetaGreater(1 + xc, 1 + nc - xc, 1 + xv, 1 + nv - xv);
}

/**
 * E[max(p_control − p_variant, 0)] under the same posteriors: the rate given up, on average, by shipping
 * the variant. With X' the size-biased posterior (x f_{a,b}(x) = a/(a+b) · f_{a+1,b}(x)):
 *   E[X_c 1{X_c > X_v}] − E[X_v 1{X_c > X_v}] = m_c P(X_c' > X_v) − m_v P(X_c > X_v').
 */
export function expectedLoss(xc: number, nc: number, xv: number, nv: number): number | null {
  if (nc === 0 || nv === 0) return null;
  const ac = 1 + xc;
  const bc = 1 + nc - xc;
  const av = 1 + xv;
  const bv = 1 + nv - xv;
  const meanC = ac / (ac + bc);
  const meanV = av / (av + bv);
  const loss = meanC * probBetaGreater(av, bv, ac + 1, bc) - meanV * probBetaGreater(av + 1, bv, ac, bc);
  return Math.max(0, loss);
}
