// The analysis of a value metric (revenue per visitor and the like), pure: docs/analysis.md's shape
// with `mean` in place of `conversion_rate`. Per variant the mean and its t interval; per comparison
// against the control Welch's interval and test, the delta-method relative lift, the always-valid test
// and confidence sequence of mean-sequential.ts, and a normal-theory chance to beat the control; the
// sample-ratio check and Holm's outcome are the conversions' own (srm.ts, outcome.ts). One look is
// `analyzeMeansLook(input, { previous })`, as `analyzeLook` is for conversions. docs/metrics.md says why
// each.
import * as z from "zod";
import { type Comparison, emptyComparison } from "./comparison.ts";
import { MIN_EFFECTIVE_VALUES, rho2ForPlan, sequentialMeanLook } from "./mean-sequential.ts";
import { decideOutcome, type Outcome } from "./outcome.ts";
import { type Srm, type SrmState, srmLook } from "./srm.ts";
import { studentTCdf, studentTDensity, studentTQuantile, studentTTwoSidedP } from "./student-t.ts";
import { concentrationSlack, type ExactSum, sumValue, type ValueMoments, valueMoments, varianceNumerator } from "./value-moments.ts";

const ExactSumInput = z.union(
  [
    z.number().min(0, { message: "must not be negative" }),
    z.string().regex(/^\d{1,60}$/, { message: "must be a string of decimal digits (an exact integer)" }),
  ],
  { message: "must be a finite non-negative number, or a string of decimal digits for an exact integer beyond 2^53" },
);

export const MeanVariantInput = z.strictObject({
  slug: z.string().min(1).max(64),
  sample: z.number().int().min(0),
  /** Σ of each visitor's value, in 1/scale of the reported unit (integer cents with scale 100). */
  sum: ExactSumInput,
  /** Σ of each visitor's value squared, in the same units squared. */
  sum_squares: ExactSumInput,
  traffic_share: z.number().min(0).max(100),
});

/** Relative slack for inputs that are not exact integers: their sums carry the caller's rounding. */
const ROUNDING = 1e-12;

export const MeanAnalysisInput = z
  .strictObject({
    metric: z.literal("mean"),
    variants: z.array(MeanVariantInput).min(2, { message: "needs at least two variants, the control first" }).max(20),
    alpha: z.number().gt(0).lt(1).default(0.05),
    planned_sample_per_variant: z.number().int().min(1).optional(),
    /** How many input units make one reported unit: 100 when the sums are in cents. */
    scale: z.number().positive().default(1),
    /** The per-visitor cap run-data applied, in reported units: each visitor's value is min(value, cap). */
    cap: z.strictObject({ value: z.number().positive() }).optional(),
  })
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.variants.forEach((v, i) => {
      const at = (field: string) => ["variants", i, field];
      if (seen.has(v.slug)) ctx.addIssue({ code: "custom", path: at("slug"), message: `variant slug "${v.slug}" is used twice` });
      seen.add(v.slug);
      const sum = sumValue(v.sum);
      const squares = sumValue(v.sum_squares);
      if (v.sample === 0) {
        if (sum !== 0 || squares !== 0)
          ctx.addIssue({ code: "custom", path: at("sum"), message: "an empty variant (sample 0) has sum and sum_squares 0" });
        return;
      }
      const exact =
        typeof v.sum === "string" || typeof v.sum_squares === "string" || (Number.isSafeInteger(sum) && Number.isSafeInteger(squares));
      const slack = exact ? 0 : ROUNDING;
      if (varianceNumerator(v.sample, v.sum, v.sum_squares) < -slack * v.sample * squares) {
        ctx.addIssue({
          code: "custom",
          path: at("sum_squares"),
          message: "must be at least sum² / sample (a variance cannot be negative)",
        });
      }
      if (concentrationSlack(v.sum, v.sum_squares) < -slack * squares) {
        ctx.addIssue({ code: "custom", path: at("sum_squares"), message: "cannot exceed sum² (each visitor's value is non-negative)" });
      }
      if (input.cap !== undefined) {
        const capUnits = input.cap.value * input.scale;
        if (sum > v.sample * capUnits * (1 + ROUNDING)) {
          ctx.addIssue({ code: "custom", path: at("sum"), message: "exceeds sample × cap: the values were not capped" });
        } else if (squares > capUnits * sum * (1 + ROUNDING)) {
          ctx.addIssue({ code: "custom", path: at("sum_squares"), message: "exceeds cap × sum: the values were not capped" });
        }
      }
    });
  });
export type MeanAnalysisInput = z.input<typeof MeanAnalysisInput>;

export interface MeanVariantResult {
  slug: string;
  sample: number;
  /** The sum in reported units. */
  sum: number;
  /** Value per visitor in the sample; null with no sample. */
  mean: number | null;
  /** The mean's 95% t interval; null with fewer than two visitors or no spread at all. */
  ci_low: number | null;
  ci_high: number | null;
}

export interface MeanComparison extends Comparison {
  /** Whether this look counts for the always-valid test (the validity rule of docs/metrics.md). */
  always_valid_ready: boolean;
}

export interface MeanAnalysis {
  metric: "mean";
  /** The per-visitor cap the values were taken under (reported units), or null. */
  cap: number | null;
  variants: MeanVariantResult[];
  comparisons: MeanComparison[];
  srm: Srm;
  outcome: Outcome;
}

/** What one look hands to the next within an epoch (JSON-safe; the catalog can store it beside the conversions'). */
export interface MeanAnalysisState {
  /** Per non-control variant: the mixture the test ran with and its running minimum p-value. */
  comparisons: Record<string, { rho2: number; p_value: number }>;
  srm: SrmState;
}

export interface AnalyzeMeansOptions {
  /** The running state of earlier looks in this epoch, as the last `analyzeMeansLook` returned it. */
  previous?: MeanAnalysisState;
  /**
   * Running minimum of earlier always-valid p-values per variant slug, for callers that keep only that.
   * Sound only while the mixture stays the same (same plan, same number of variants).
   */
  previousAlwaysValid?: Readonly<Record<string, number>>;
  /** Override of the validity rule's threshold (tests and simulations). */
  minEffectiveValues?: number;
}

/** The mean's t interval at `level` (two-sided), or nulls when it is not defined. */
export function meanInterval(m: ValueMoments, level = 0.95): { low: number | null; high: number | null } {
  if (m.n < 2 || !(m.variance > 0)) return { low: null, high: null };
  const half = studentTQuantile(1 - (1 - level) / 2, m.n - 1) * Math.sqrt(m.variance / m.n);
  return { low: m.mean - half, high: m.mean + half };
}

export interface WelchResult {
  diff: number;
  se: number;
  df: number;
  t: number;
  p: number;
  low: number;
  high: number;
}

/** Welch's unequal-variance t-test and interval for m_v − m_c; null unless both arms have n ≥ 2 and some spread. */
export function welch(control: ValueMoments, variant: ValueMoments, alpha: number): WelchResult | null {
  if (control.n < 2 || variant.n < 2) return null;
  const vc = control.variance / control.n;
  const vv = variant.variance / variant.n;
  const v = vc + vv;
  if (!(v > 0)) return null;
  const se = Math.sqrt(v);
  const df = (v * v) / ((vc * vc) / (control.n - 1) + (vv * vv) / (variant.n - 1));
  const diff = variant.mean - control.mean;
  const t = diff / se;
  const half = studentTQuantile(1 - alpha / 2, df) * se;
  return { diff, se, df, t, p: studentTTwoSidedP(t, df), low: diff - half, high: diff + half };
}

/**
 * m_v / m_c − 1 with its delta-method interval: Var ≈ V_v/m_c² + m_v²·V_c/m_c⁴, and a t quantile whose
 * degrees of freedom are Satterthwaite's for that sum of two estimated variances.
 */
export function relativeLift(
  control: ValueMoments,
  variant: ValueMoments,
  alpha: number,
): { lift: number; low: number | null; high: number | null } | null {
  if (control.n < 2 || variant.n < 2 || !(control.mean > 0)) return null;
  const mc = control.mean;
  const lift = variant.mean / mc - 1;
  const a = variant.variance / variant.n / (mc * mc);
  const b = (variant.mean * variant.mean * control.variance) / control.n / (mc * mc * mc * mc);
  const v = a + b;
  if (!(v > 0)) return { lift, low: null, high: null };
  const df = (v * v) / ((a * a) / (variant.n - 1) + (b * b) / (control.n - 1));
  const half = studentTQuantile(1 - alpha / 2, df) * Math.sqrt(v);
  return { lift, low: lift - half, high: lift + half };
}

/**
 * The chance that the variant's true mean exceeds the control's and the expected shortfall of shipping
 * it, E[max(μ_c − μ_v, 0)], under flat priors on both means with the variances unknown: the posterior of
 * μ_v − μ_c is Behrens–Fisher, approximated (as Welch's test is) by diff + se·T with Welch's degrees of
 * freedom. For T with ν > 1 and c = −diff/se, E[(c − T)⁺] = c·F(c) + (ν + c²)/(ν − 1)·f(c).
 */
export function normalTheoryChance(w: WelchResult): { chance: number; loss: number | null } {
  const c = -w.diff / w.se;
  const chance = studentTCdf(w.t, w.df);
  const loss = w.df > 1 ? w.se * (c * studentTCdf(c, w.df) + ((w.df + c * c) / (w.df - 1)) * studentTDensity(c, w.df)) : null;
  return { chance, loss: loss === null ? null : Math.max(0, loss) };
}

function emptyMeanComparison(variant: string): MeanComparison {
  return { ...emptyComparison(variant), always_valid_ready: false };
}

/**
 * One look at a value metric: the analysis and the state for the next look. Each comparison's
 * always-valid test is tuned, and its confidence sequence drawn, at Holm's first step α′ = alpha/m (m
 * comparisons), as the conversions' are. A state whose mixture differs from this look's (the plan or
 * the number of variants changed) is not carried over: that is another test.
 *
 * @example
 * const { analysis, state } = analyzeMeansLook(MeanAnalysisInput.parse({
 *   metric: "mean", scale: 100,
 *   variants: [
 *     { slug: "a", sample: 20000, sum: 4_100_000, sum_squares: "9300000000", traffic_share: 50 },
 *     { slug: "b", sample: 20000, sum: 4_500_000, sum_squares: "9900000000", traffic_share: 50 },
 *   ],
 * }));
 * analysis.comparisons[0]?.always_valid_p_value; // keep `state` for the next look
 */
export function analyzeMeansLook(
  input: z.output<typeof MeanAnalysisInput>,
  options: AnalyzeMeansOptions = {},
): { analysis: MeanAnalysis; state: MeanAnalysisState } {
  const { alpha, scale } = input;
  const moments = input.variants.map((v) => valueMoments(v.sample, v.sum as ExactSum, v.sum_squares as ExactSum, scale));
  const variants: MeanVariantResult[] = input.variants.map((v, i) => {
    const m = moments[i] as ValueMoments;
    const ci = meanInterval(m);
    return {
      slug: v.slug,
      sample: v.sample,
      sum: sumValue(v.sum) / scale,
      mean: m.n > 0 ? m.mean : null,
      ci_low: ci.low,
      ci_high: ci.high,
    };
  });
  const control = moments[0] as ValueMoments;
  const comparisonAlpha = alpha / (input.variants.length - 1);
  const rho2 = rho2ForPlan(comparisonAlpha, input.planned_sample_per_variant);
  const minEffective = options.minEffectiveValues ?? MIN_EFFECTIVE_VALUES;
  const states: MeanAnalysisState["comparisons"] = {};

  const comparisons = input.variants.slice(1).map((v, k): MeanComparison => {
    const variant = moments[k + 1] as ValueMoments;
    if (control.n === 0 || variant.n === 0) return emptyMeanComparison(v.slug);
    const w = welch(control, variant, alpha);
    const lift = relativeLift(control, variant, alpha);
    const look = sequentialMeanLook(control, variant, comparisonAlpha, rho2, minEffective);
    const kept = options.previous?.comparisons[v.slug];
    const floor: unknown = kept !== undefined && kept.rho2 === rho2 ? kept.p_value : options.previousAlwaysValid?.[v.slug];
    const p = typeof floor === "number" && Number.isFinite(floor) ? Math.min(Math.max(floor, 0), look.p) : look.p;
    states[v.slug] = { rho2, p_value: p };
    const bayes = w !== null && look.ready ? normalTheoryChance(w) : null;
    return {
      variant: v.slug,
      absolute_diff: variant.mean - control.mean,
      absolute_ci_low: w?.low ?? null,
      absolute_ci_high: w?.high ?? null,
      relative_lift: lift?.lift ?? null,
      relative_ci_low: lift?.low ?? null,
      relative_ci_high: lift?.high ?? null,
      p_value: w?.p ?? null,
      always_valid_p_value: p,
      absolute_cs_low: look.low,
      absolute_cs_high: look.high,
      chance_to_beat_control: bayes?.chance ?? null,
      expected_loss: bayes?.loss ?? null,
      always_valid_ready: look.ready,
    };
  });

  const { srm, state: srmState } = srmLook(
    input.variants.map((v) => v.sample),
    input.variants.map((v) => v.traffic_share),
    options.previous?.srm,
  );
  const outcome = decideOutcome(
    (input.variants[0] as { slug: string }).slug,
    comparisons.map((c, i) => ({
      variant: c.variant,
      always_valid_p_value: c.always_valid_p_value,
      direction: c.absolute_diff === null ? 0 : (Math.sign(c.absolute_diff) as -1 | 0 | 1),
      rate: variants[i + 1]?.mean ?? null,
    })),
    alpha,
  );
  return {
    analysis: { metric: "mean", cap: input.cap?.value ?? null, variants, comparisons, srm, outcome },
    state: { comparisons: states, srm: srmState },
  };
}

/** The analysis of one look (no earlier state unless given). */
export function analyzeMeans(input: z.output<typeof MeanAnalysisInput>, options: AnalyzeMeansOptions = {}): MeanAnalysis {
  return analyzeMeansLook(input, options).analysis;
}
