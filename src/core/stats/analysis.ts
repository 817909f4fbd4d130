// The analysis of contract section 5, pure: per-variant Wilson intervals, comparisons against the
// control (Wald difference interval, delta-method relative lift, unpooled z-test, an always-valid
// p-value from a mixture sequential probability ratio test, Bayesian chance to beat the control), a
// sample-ratio-mismatch check, and the outcome after a Holm correction.
import { z } from "zod";
import { chiSquareUpperTail, logBeta, normalCdf, normalQuantile, twoSidedP } from "./distributions.ts";

export const AnalysisVariant = z.strictObject({
  slug: z.string().min(1).max(64),
  sample: z.number().int().min(0),
  conversions: z.number().int().min(0),
  traffic_share: z.number().min(0).max(100),
});

export const AnalysisInput = z
  .strictObject({
    variants: z.array(AnalysisVariant).min(2).max(20),
    alpha: z.number().gt(0).lt(1).default(0.05),
  })
  .superRefine((input, ctx) => {
    input.variants.forEach((v, i) => {
      if (v.conversions > v.sample) ctx.addIssue({ code: "custom", path: ["variants", i, "conversions"], message: "cannot exceed sample" });
    });
  });
export type AnalysisInput = z.input<typeof AnalysisInput>;

/**
 * The mSPRT's mixing distribution on the difference of rates is N(0, τ²), with τ = MIXING_SD × σ̄, where
 * σ̄ = √(p̄(1−p̄)) is the per-visitor standard deviation at the pooled rate. τ sets the effect size the
 * test is most sensitive to: 0.05 σ̄ is a 1.5-point difference at a 10% base rate (15% relative), the
 * middle of the lifts web experiments usually look for. Any τ keeps the false-positive guarantee; a
 * smaller one finds small effects sooner and large ones later. See README, "Statistics".
 */
export const MIXING_SD = 0.05;

const Z95 = normalQuantile(0.975);

export interface VariantResult {
  slug: string;
  sample: number;
  conversions: number;
  conversion_rate: number;
  ci_low: number;
  ci_high: number;
}

export interface Comparison {
  variant: string;
  absolute_diff: number;
  absolute_ci_low: number;
  absolute_ci_high: number;
  relative_lift: number | null;
  relative_ci_low: number | null;
  relative_ci_high: number | null;
  p_value: number;
  always_valid_p_value: number;
  chance_to_beat_control: number;
}

export interface Analysis {
  variants: VariantResult[];
  comparisons: Comparison[];
  srm: { p_value: number; mismatch: boolean };
  outcome: { state: "winner" | "inconclusive"; winner: string | null };
}

/** The rate's Wilson score interval at 95%. With no sample, the uninformative [0, 1]. */
export function wilson(x: number, n: number, zq = Z95): { rate: number; low: number; high: number } {
  if (n === 0) return { rate: 0, low: 0, high: 1 };
  const p = x / n;
  const z2 = zq * zq;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (zq * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { rate: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/** 1/Λ of the mSPRT at one look: the always-valid p-value if this is the only look. */
export function msprtPValue(xc: number, nc: number, xv: number, nv: number, mixingSd = MIXING_SD): number {
  if (nc === 0 || nv === 0) return 1;
  const pooled = (xc + xv) / (nc + nv);
  const sigma2 = pooled * (1 - pooled);
  if (sigma2 === 0) return 1; // every visitor alike (all or none converted): no evidence of a difference
  const v = sigma2 * (1 / nc + 1 / nv); // variance of the difference under the null
  const tau2 = mixingSd * mixingSd * sigma2;
  const diff = xv / nv - xc / nc;
  const logLambda = 0.5 * Math.log(v / (v + tau2)) + (tau2 * diff * diff) / (2 * v * (v + tau2));
  return Math.min(1, Math.exp(-logLambda));
}

/**
 * The always-valid confidence interval for the difference of rates at one look: every θ whose mSPRT
 * statistic stays below 1/alpha (the same test as msprtPValue, inverted). Valid at every look at once.
 */
export function alwaysValidInterval(
  xc: number,
  nc: number,
  xv: number,
  nv: number,
  alpha: number,
  mixingSd = MIXING_SD,
): { low: number; high: number } | null {
  if (nc === 0 || nv === 0) return null;
  const pooled = (xc + xv) / (nc + nv);
  const sigma2 = pooled * (1 - pooled);
  if (sigma2 === 0) return null;
  const v = sigma2 * (1 / nc + 1 / nv);
  const tau2 = mixingSd * mixingSd * sigma2;
  const half = Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
  const diff = xv / nv - xc / nc;
  return { low: diff - half, high: diff + half };
}

/** P(rate_v > rate_c) under independent Beta(1 + conversions, 1 + non-conversions) posteriors. */
export function chanceToBeat(xc: number, nc: number, xv: number, nv: number): number {
  const ac = 1 + xc;
  const bc = 1 + nc - xc;
  const av = 1 + xv;
  const bv = 1 + nv - xv;
  // Exact sum (Evan Miller's closed form) over the smaller of the two success counts; the normal
  // approximation of two Betas beyond that size differs from the exact value by far less than 1e-6.
  if (Math.min(av, ac) <= 20_000) return av <= ac ? betaBeats(ac, bc, av, bv) : 1 - betaBeats(av, bv, ac, bc);
  const mean = (a: number, b: number) => a / (a + b);
  const variance = (a: number, b: number) => (a * b) / ((a + b) * (a + b) * (a + b + 1));
  return normalCdf((mean(av, bv) - mean(ac, bc)) / Math.sqrt(variance(av, bv) + variance(ac, bc)));
}

/** P(X_B > X_A) for X_A ~ Beta(aA, bA), X_B ~ Beta(aB, bB), summing aB terms. */
function betaBeats(aA: number, bA: number, aB: number, bB: number): number {
  let total = 0;
  const base = logBeta(aA, bA);
  for (let i = 0; i < aB; i++) {
    total += Math.exp(logBeta(aA + i, bA + bB) - Math.log(bB + i) - logBeta(1 + i, bB) - base);
  }
  return Math.min(1, Math.max(0, total));
}

/** Pearson chi-square of the samples against the traffic shares. */
export function sampleRatioMismatch(variants: ReadonlyArray<{ sample: number; traffic_share: number }>): {
  p_value: number;
  mismatch: boolean;
} {
  const total = variants.reduce((s, v) => s + v.sample, 0);
  const shareSum = variants.reduce((s, v) => s + v.traffic_share, 0);
  if (total === 0 || shareSum === 0) return { p_value: 1, mismatch: false };
  let chi2 = 0;
  let df = -1;
  for (const v of variants) {
    const expected = (total * v.traffic_share) / shareSum;
    if (expected === 0) {
      if (v.sample > 0) return { p_value: 0, mismatch: true };
      continue;
    }
    chi2 += ((v.sample - expected) * (v.sample - expected)) / expected;
    df++;
  }
  const p = df > 0 ? chiSquareUpperTail(chi2, df) : 1;
  return { p_value: p, mismatch: p < 0.001 };
}

/** Which comparisons Holm's step-down procedure rejects at `alpha`. */
export function holmRejects(pValues: readonly number[], alpha: number): boolean[] {
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const rejected = pValues.map(() => false);
  for (let k = 0; k < order.length; k++) {
    const entry = order[k] as { p: number; i: number };
    if (entry.p > alpha / (order.length - k)) break;
    rejected[entry.i] = true;
  }
  return rejected;
}

export interface AnalyzeOptions {
  /** Running minimum of earlier always-valid p-values per variant slug (the dashboard keeps it). */
  previousAlwaysValid?: Readonly<Record<string, number>>;
  mixingSd?: number;
}

export function analyze(raw: z.output<typeof AnalysisInput>, options: AnalyzeOptions = {}): Analysis {
  const { variants: input, alpha } = raw;
  const zq = normalQuantile(1 - alpha / 2);
  const variants: VariantResult[] = input.map((v) => {
    const w = wilson(v.conversions, v.sample);
    return { slug: v.slug, sample: v.sample, conversions: v.conversions, conversion_rate: w.rate, ci_low: w.low, ci_high: w.high };
  });
  const control = input[0] as z.output<typeof AnalysisVariant>;
  const pc = control.sample > 0 ? control.conversions / control.sample : 0;
  const varC = control.sample > 0 ? (pc * (1 - pc)) / control.sample : 0;

  const comparisons: Comparison[] = input.slice(1).map((v) => {
    const pv = v.sample > 0 ? v.conversions / v.sample : 0;
    const varV = v.sample > 0 ? (pv * (1 - pv)) / v.sample : 0;
    const diff = pv - pc;
    const se = Math.sqrt(varC + varV);
    const zStat = se > 0 ? diff / se : 0;
    let relative: Pick<Comparison, "relative_lift" | "relative_ci_low" | "relative_ci_high"> = {
      relative_lift: null,
      relative_ci_low: null,
      relative_ci_high: null,
    };
    if (pc > 0) {
      const lift = pv / pc - 1;
      const seLift = Math.sqrt(varV / (pc * pc) + (pv * pv * varC) / (pc * pc * pc * pc));
      relative = { relative_lift: lift, relative_ci_low: lift - zq * seLift, relative_ci_high: lift + zq * seLift };
    }
    const now = msprtPValue(control.conversions, control.sample, v.conversions, v.sample, options.mixingSd);
    const earlier = options.previousAlwaysValid?.[v.slug];
    return {
      variant: v.slug,
      absolute_diff: diff,
      absolute_ci_low: diff - zq * se,
      absolute_ci_high: diff + zq * se,
      ...relative,
      p_value: se > 0 ? twoSidedP(zStat) : 1,
      always_valid_p_value: earlier === undefined ? now : Math.min(earlier, now),
      chance_to_beat_control: chanceToBeat(control.conversions, control.sample, v.conversions, v.sample),
    };
  });

  return { variants, comparisons, srm: sampleRatioMismatch(input), outcome: decideOutcome(variants, comparisons, alpha) };
}

function decideOutcome(variants: readonly VariantResult[], comparisons: readonly Comparison[], alpha: number): Analysis["outcome"] {
  const rejected = holmRejects(
    comparisons.map((c) => c.always_valid_p_value),
    alpha,
  );
  const better = comparisons.filter((c, i) => rejected[i] && c.absolute_diff > 0);
  if (better.length > 0) {
    const rateOf = (slug: string) => variants.find((v) => v.slug === slug)?.conversion_rate ?? 0;
    const best = better.reduce((a, b) => (rateOf(b.variant) > rateOf(a.variant) ? b : a));
    return { state: "winner", winner: best.variant };
  }
  if (comparisons.length > 0 && comparisons.every((c, i) => rejected[i] && c.absolute_diff < 0)) {
    return { state: "winner", winner: (variants[0] as VariantResult).slug };
  }
  return { state: "inconclusive", winner: null };
}
