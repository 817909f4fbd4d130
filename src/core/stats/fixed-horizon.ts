// The fixed-horizon comparison of two rates (docs/analysis.md): the difference with its interval at
// 1 − alpha and a two-sided p-value, valid for one look at a sample fixed in advance.
//
// Where the normal approximation holds, the unpooled Wald interval and z-test. Where it does not —
// fewer than MIN_EXPECTED conversions or non-conversions in either arm, counted both as observed and as
// expected under the pooled rate (so 0/10 against 10/10, which has zero standard error, is not p = 1) —
// Newcombe's hybrid score interval and Fisher's exact test.
import { logGamma, normalQuantile, twoSidedP } from "./distributions.ts";

export const MIN_EXPECTED = 5;

/** The rate's Wilson score interval at two-sided level 1 − alpha (z = Φ⁻¹(1 − alpha/2)). */
export function wilsonInterval(x: number, n: number, z: number): { low: number; high: number } {
  const p = x / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At x = 0 (x = n) the lower (upper) end is exactly 0 (1); rounding would leave 1e-17.
  return { low: x === 0 ? 0 : Math.max(0, centre - half), high: x === n ? 1 : Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (his method 10) for p_v − p_c from the two Wilson intervals:
 *   [d − √((p_v − l_v)² + (u_c − p_c)²),  d + √((u_v − p_v)² + (p_c − l_c)²)].
 */
export function newcombeInterval(xc: number, nc: number, xv: number, nv: number, z: number): { low: number; high: number } {
  const pc = xc / nc;
  const pv = xv / nv;
  const c = wilsonInterval(xc, nc, z);
  const v = wilsonInterval(xv, nv, z);
  const d = pv - pc;
  return {
    low: d - Math.sqrt((pv - v.low) ** 2 + (c.high - pc) ** 2),
    high: d + Math.sqrt((v.high - pv) ** 2 + (pc - c.low) ** 2),
  };
}

/**
 * Fisher's exact test, two-sided as SciPy's `fisher_exact` computes it: the null probability of every
 * table with the same margins that is no more likely than the observed one (within a relative 1e-14).
 * The hypergeometric terms are walked from the mode outwards by their ratio in logs, so nothing
 * underflows, and the walk stops once terms are e^-45 below both the mode and the observed table.
 */
export function fisherExact(xc: number, nc: number, xv: number, nv: number): number {
  // Table [[xv, nv − xv], [xc, nc − xc]]; x = conversions in the variant, margins fixed.
  const n = nc + nv;
  const k = xc + xv;
  if (k === 0 || k === n || nc === 0 || nv === 0) return 1;
  const lo = Math.max(0, k - nc);
  const hi = Math.min(k, nv);
  // log of term(x + 1) / term(x) for the hypergeometric count of variant conversions
  const step = (x: number) => Math.log(((nv - x) * (k - x)) / ((x + 1) * (nc - k + x + 1)));
  let mode = Math.floor(((k + 1) * (nv + 1)) / (n + 2));
  mode = Math.min(hi, Math.max(lo, mode));
  // A table a million steps from the mode (a broken arm at huge samples) is astronomically unlikely
  // whenever its log-gamma distance says so; answer at once rather than walk there.
  if (Math.abs(xv - mode) > 1e6) {
    const logTerm = (x: number) => -logGamma(x + 1) - logGamma(nv - x + 1) - logGamma(k - x + 1) - logGamma(nc - k + x + 1);
    if (logTerm(xv) - logTerm(mode) < -800) return 0;
  }
  // log term at the observed x relative to the mode
  let logObs = 0;
  if (xv > mode) for (let x = mode; x < xv; x++) logObs += step(x);
  else for (let x = mode - 1; x >= xv; x--) logObs -= step(x);
  const threshold = logObs + Math.log1p(1e-14);
  const floor = Math.min(logObs, 0) - 45;
  let total = 1;
  let tail = 0 <= threshold ? 1 : 0; // the mode's own term
  let log = 0;
  for (let x = mode; x < hi; x++) {
    log += step(x);
    const t = Math.exp(log);
    total += t;
    if (log <= threshold) tail += t;
    if (log < floor) break;
  }
  log = 0;
  for (let x = mode - 1; x >= lo; x--) {
    log -= step(x);
    const t = Math.exp(log);
    total += t;
    if (log <= threshold) tail += t;
    if (log < floor) break;
  }
  return Math.min(1, tail / total);
}

export interface FixedHorizon {
  readonly method: "wald" | "exact";
  readonly diff: number;
  readonly low: number;
  readonly high: number;
  readonly p_value: number;
}

/** Whether the normal approximation may be trusted for these two arms. */
export function normalApproximationHolds(xc: number, nc: number, xv: number, nv: number): boolean {
  const pooled = (xc + xv) / (nc + nv);
  return Math.min(xc, nc - xc, xv, nv - xv) >= MIN_EXPECTED && Math.min(nc, nv) * Math.min(pooled, 1 - pooled) >= MIN_EXPECTED;
}

/** The fixed-horizon comparison at level 1 − alpha; null without a visitor in either arm. */
export function fixedHorizon(xc: number, nc: number, xv: number, nv: number, alpha: number): FixedHorizon | null {
  if (nc === 0 || nv === 0) return null;
  const z = normalQuantile(1 - alpha / 2);
  const pc = xc / nc;
  const pv = xv / nv;
  const diff = pv - pc;
  if (!normalApproximationHolds(xc, nc, xv, nv)) {
    const ci = newcombeInterval(xc, nc, xv, nv, z);
    return { method: "exact", diff, low: ci.low, high: ci.high, p_value: fisherExact(xc, nc, xv, nv) };
  }
  const se = Math.sqrt((pc * (1 - pc)) / nc + (pv * (1 - pv)) / nv);
  return { method: "wald", diff, low: diff - z * se, high: diff + z * se, p_value: twoSidedP(diff / se) };
}
