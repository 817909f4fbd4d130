// The always-valid test of docs/analysis.md: a mixture test on the arms of the converting visitors.
//
// Each visitor is assigned to the variant with probability ρ = share_v / (share_c + share_v) (the hash
// does this independently of everything else the visitor does). If the variant changes nothing, the
// arm of every converting visitor is therefore an independent Bernoulli(ρ) draw, whatever the base
// rate, the split, the sample size or the delay before conversion. If the variant multiplies the rate by
// r = e^λ, a converter is in the variant with probability q_λ = ρe^λ / (ρe^λ + 1 − ρ). The likelihood
// ratio of x_v variant and x_c control converters, mixed over λ ~ N(0, τ²),
//   m_τ = ∫ (q_λ/ρ)^{x_v} ((1 − q_λ)/(1 − ρ))^{x_c} φ_τ(λ) dλ = ∫ exp(x_v λ − k ln(1 − ρ + ρe^λ)) φ_τ(λ) dλ,
// k = x_v + x_c, is a nonnegative martingale with mean 1 under the null in the order the conversions
// arrive, so by Ville's inequality P(sup m_τ ≥ 1/α) ≤ α: 1 / (running maximum) is an always-valid p-value.
// It is exact (no normal approximation), so rare conversions, 99/1 splits and tiny samples keep the
// guarantee. Its one assumption is the one the sample-ratio check tests: that visitors reach the arms in
// the configured shares.
//
// τ is chosen per look, before that look's converters are counted: m_τ is a martingale for any fixed τ,
// and the running statistic multiplies, look by look, m_τℓ(now) / m_τℓ(previous look) — each factor has
// mean 1 given the past — so τ may follow the pooled rate (which the null makes independent of the arms).
// With τ² = r*/I*, the mixture's boundary is tightest when the information k ρ(1−ρ) reaches I* (Howard
// et al. 2021: r* solves r = 2 ln(1/α) + ln(1 + r)). I* is the information at the planned sample,
// p̂ · n*/2 (n* visitors a variant at equal shares, p̂ the pooled rate), or DEFAULT_INFORMATION.
/** Information the test is tuned to when no plan is given: about 4,000 conversions at 50/50. */
export const DEFAULT_INFORMATION = 1000;
const MIN_TAU = 0.002;
const MAX_TAU = 2;

/** r* with r = 2 ln(1/α) + ln(1 + r): the ratio of prior to sampling variance that minimises the boundary. */
export function optimalMixingRatio(alpha: number): number {
  const known = ratios.get(alpha);
  if (known !== undefined) return known;
  const c = 2 * Math.log(1 / alpha);
  let r = c + 2;
  for (let i = 0; i < 60; i++) r = c + Math.log1p(r); // a contraction: converges to double precision
  if (ratios.size < 64) ratios.set(alpha, r);
  return r;
}
const ratios = new Map<number, number>();

/** The planned information: p̂ · n* / 2 with a plan, DEFAULT_INFORMATION without. */
export function plannedInformation(pooledRate: number, plannedSamplePerVariant: number | undefined): number {
  if (plannedSamplePerVariant === undefined) return DEFAULT_INFORMATION;
  return (pooledRate * plannedSamplePerVariant) / 2;
}

/** τ, the mixing standard deviation of the log rate ratio, for a test judged at level `alpha`. */
export function mixingSd(alpha: number, information: number): number {
  if (!(information > 0)) return MAX_TAU;
  const tau = Math.sqrt(optimalMixingRatio(alpha) / information);
  return Math.min(MAX_TAU, Math.max(MIN_TAU, tau));
}

/** ln m_τ for x_v variant and x_c control converters at variant probability ρ (0 < ρ < 1). */
export function logMixture(xv: number, xc: number, rho: number, tau: number): number {
  const k = xv + xc;
  if (k === 0) return 0;
  // ln of the integrand, less the normal density's constant: x_v λ − k L(λ) − λ²/2τ².
  const logOneMinusRho = Math.log1p(-rho);
  const logRho = Math.log(rho);
  const L = (lambda: number): number =>
    lambda > 0 ? lambda + logRho + Math.log1p(Math.exp(logOneMinusRho - logRho - lambda)) : Math.log1p(rho * Math.expm1(lambda));
  const q = (lambda: number): number => 1 / (1 + Math.exp(logOneMinusRho - logRho - lambda));
  const g = (lambda: number): number => xv * lambda - k * L(lambda) - (lambda * lambda) / (2 * tau * tau);
  // The mode of the concave g: g'(λ) = x_v − k q_λ − λ/τ², decreasing; safeguarded Newton in a bracket.
  let lo = -(tau * tau * k) - 1;
  let hi = tau * tau * k + 1;
  let lambda = 0;
  for (let i = 0; i < 200; i++) {
    const qq = q(lambda);
    const slope = xv - k * qq - lambda / (tau * tau);
    if (slope > 0) lo = lambda;
    else hi = lambda;
    const curvature = k * qq * (1 - qq) + 1 / (tau * tau);
    let next = lambda + slope / curvature;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - lambda) < 1e-13 * (1 + Math.abs(lambda))) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  const qm = q(lambda);
  const sd = 1 / Math.sqrt(k * qm * (1 - qm) + 1 / (tau * tau));
  // Trapezoid rule on a smooth, log-concave integrand: exponentially accurate; step sd/3, outwards until
  // the integrand falls below e^-42 of its peak.
  const h = sd / 3;
  const peak = g(lambda);
  let total = 1;
  for (const sign of [1, -1]) {
    for (let j = 1; j < 10_000; j++) {
      const v = g(lambda + sign * j * h) - peak;
      total += Math.exp(v);
      if (v < -42) break;
    }
  }
  return peak + Math.log(total * h) - Math.log(tau) - 0.5 * Math.log(2 * Math.PI);
}

/** What the always-valid test carries from one look to the next, per comparison (JSON-safe). */
export interface SequentialTestState {
  /** ρ the test ran with; another split is another run. */
  readonly rho: number;
  /** Converters at the last look. */
  readonly conversions_control: number;
  readonly conversions_variant: number;
  /** τ in use and ln m_τ at the last look's counts. */
  readonly tau: number;
  readonly log_m: number;
  /** ln of the test martingale at the last look. */
  readonly log_e: number;
  /** The always-valid p-value so far: 1 / running maximum of the martingale, at most 1. */
  readonly p_value: number;
}

export interface SequentialLook {
  readonly xc: number;
  readonly nc: number;
  readonly xv: number;
  readonly nv: number;
  /** ρ: the variant's share of the two arms' traffic shares, 0 < ρ < 1. */
  readonly rho: number;
}

/** τ moves only when the tuning it follows has moved by more than this factor (fewer integrals). */
const RETUNE = 1.1;

/**
 * One look of the always-valid test. `previous` is the state the last look returned (same epoch);
 * without it this is the first look. Counts that went down, or another ρ, mean a new run, so the test
 * starts again. `alpha` is the level the p-value is judged at (alpha / comparisons, Holm's first step).
 */
export function sequentialLook(
  look: SequentialLook,
  alpha: number,
  plannedSamplePerVariant: number | undefined,
  previous?: SequentialTestState,
): SequentialTestState {
  const { xc, xv, nc, nv, rho } = look;
  const pooled = nc + nv > 0 ? (xc + xv) / (nc + nv) : 0;
  const target = mixingSd(alpha, plannedInformation(pooled, plannedSamplePerVariant));
  const prev =
    previous !== undefined && previous.rho === rho && xc >= previous.conversions_control && xv >= previous.conversions_variant
      ? previous
      : undefined;
  if (prev === undefined) {
    const logM = logMixture(xv, xc, rho, target);
    return {
      rho,
      conversions_control: xc,
      conversions_variant: xv,
      tau: target,
      log_m: logM,
      log_e: logM,
      p_value: Math.min(1, Math.exp(-logM)),
    };
  }
  const keep = Math.abs(Math.log(target / prev.tau)) < Math.log(RETUNE);
  const tau = keep ? prev.tau : target;
  const before = keep ? prev.log_m : logMixture(prev.conversions_variant, prev.conversions_control, rho, tau);
  const unchanged = xc === prev.conversions_control && xv === prev.conversions_variant;
  const logM = unchanged ? before : logMixture(xv, xc, rho, tau);
  const logE = prev.log_e + logM - before;
  return {
    rho,
    conversions_control: xc,
    conversions_variant: xv,
    tau,
    log_m: logM,
    log_e: logE,
    p_value: Math.min(prev.p_value, 1, Math.exp(-logE)),
  };
}

/**
 * The always-valid confidence sequence for the difference of rates p_v − p_c at 1 − alpha: the normal
 * mixture boundary of the asymptotic confidence sequences of Waudby-Smith et al. (2023) around the
 * observed difference, with the unpooled variance of each arm (each rate taken as (x + 1)/(n + 2), so
 * that no arm has zero variance), tuned to the same planned information as the test:
 *   half-width = √V · √((1 + 1/(r* u)) (2 ln(1/α) + ln(1 + r* u))),   u = I / I*,
 * where I = k ρ̂(1 − ρ̂) is the information so far. Null without a visitor in either arm.
 */
export function confidenceSequence(
  xc: number,
  nc: number,
  xv: number,
  nv: number,
  alpha: number,
  plannedSamplePerVariant?: number,
): { low: number; high: number } | null {
  if (nc === 0 || nv === 0) return null;
  const diff = xv / nv - xc / nc;
  const pc = (xc + 1) / (nc + 2);
  const pv = (xv + 1) / (nv + 2);
  const variance = (pc * (1 - pc)) / nc + (pv * (1 - pv)) / nv;
  const n = nc + nv;
  const k = xc + xv;
  const information = (k * nc * nv) / (n * n);
  const planned = plannedInformation(k / n, plannedSamplePerVariant);
  const u = planned > 0 ? information / planned : 0;
  if (!(u > 0)) return { low: -1, high: 1 };
  const r = optimalMixingRatio(alpha) * u;
  const half = Math.sqrt(variance * (1 + 1 / r) * (2 * Math.log(1 / alpha) + Math.log1p(r)));
  return { low: Math.max(-1, diff - half), high: Math.min(1, diff + half) };
}

/**
 * The same confidence sequence for the relative lift p_v / p_c − 1, for a chart drawn in percent: the
 * boundary above applied to the log rate ratio ln(p̃_v / p̃_c), p̃ = (x + ½)/(n + 1), with its delta-method
 * variance (1 − p̃_v)/(n_v p̃_v) + (1 − p̃_c)/(n_c p̃_c), then mapped back by exp(·) − 1 (so it is never
 * below −100%). Null without a visitor in either arm.
 */
export function relativeConfidenceSequence(
  xc: number,
  nc: number,
  xv: number,
  nv: number,
  alpha: number,
  plannedSamplePerVariant?: number,
): { low: number; high: number } | null {
  if (nc === 0 || nv === 0) return null;
  const pc = (xc + 0.5) / (nc + 1);
  const pv = (xv + 0.5) / (nv + 1);
  const centre = Math.log(pv / pc);
  const variance = (1 - pv) / (nv * pv) + (1 - pc) / (nc * pc);
  const n = nc + nv;
  const k = xc + xv;
  const planned = plannedInformation(k / n, plannedSamplePerVariant);
  const u = planned > 0 ? (k * nc * nv) / (n * n) / planned : 0;
  if (!(u > 0)) return { low: -1, high: Number.POSITIVE_INFINITY };
  const r = optimalMixingRatio(alpha) * u;
  const half = Math.sqrt(variance * (1 + 1 / r) * (2 * Math.log(1 / alpha) + Math.log1p(r)));
  return { low: Math.expm1(centre - half), high: Math.expm1(centre + half) };
}
