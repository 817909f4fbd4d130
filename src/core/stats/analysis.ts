// The analysis of docs/analysis.md, pure: per-variant Wilson intervals; per comparison against the
// control the fixed-horizon difference (Wald, or Newcombe and Fisher where the normal approximation
// fails), the delta-method relative lift, the always-valid p-value and confidence sequence, the Bayesian
// chance to beat the control and expected loss; the sample-ratio check; the outcome after Holm.
//
// One look is `analyzeLook(input, previous)`: it takes the running state of the earlier looks in the
// same epoch (or nothing) and returns the analysis with the new state. `analyze(input)` is a single look,
// which is what `sgen-ab analyze` computes. Specification: docs/analysis.md.
import * as z from "zod";
import { chanceToBeat, expectedLoss } from "./bayes.ts";
import { type Comparison, emptyComparison } from "./comparison.ts";
import { normalQuantile } from "./distributions.ts";
import { fixedHorizon, wilsonInterval } from "./fixed-horizon.ts";
import { decideOutcome, type Outcome } from "./outcome.ts";
import { confidenceSequence, type SequentialTestState, sequentialLook } from "./sequential.ts";
import { type Srm, type SrmState, srmLook } from "./srm.ts";

export type { Comparison } from "./comparison.ts";

export { holmRejects } from "./outcome.ts";

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
    planned_sample_per_variant: z.number().int().positive().max(1e12).optional(),
  })
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.variants.forEach((v, i) => {
      if (v.conversions > v.sample) ctx.addIssue({ code: "custom", path: ["variants", i, "conversions"], message: "cannot exceed sample" });
      if (seen.has(v.slug)) ctx.addIssue({ code: "custom", path: ["variants", i, "slug"], message: "duplicate slug" });
      seen.add(v.slug);
    });
  });
export type AnalysisInput = z.input<typeof AnalysisInput>;
export type ParsedAnalysisInput = z.output<typeof AnalysisInput>;

const Z95 = normalQuantile(0.975);

export interface VariantResult {
  slug: string;
  sample: number;
  conversions: number;
  /** null with no visitors; so are the interval's ends. */
  conversion_rate: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export interface Analysis {
  variants: VariantResult[];
  comparisons: Comparison[];
  srm: Srm;
  outcome: Outcome;
}

/** What one look hands to the next within an epoch (JSON-safe; the catalog stores it). */
export interface AnalysisState {
  /** The always-valid test's state per non-control variant slug. */
  comparisons: Record<string, SequentialTestState>;
  srm: SrmState;
}

export interface AnalyzeOptions {
  /** The running state of earlier looks in this epoch, as the last `analyzeLook` returned it. */
  previous?: AnalysisState;
  /**
   * Running minimum of earlier always-valid p-values per variant slug, for callers that keep only that.
   * Sound only while no plan tunes the test (the mixture is then the same at every look).
   */
  previousAlwaysValid?: Readonly<Record<string, number>>;
  /**
   * Variants that no longer receive visitors (stopped: their traffic goes to the control's page and is
   * not counted), by slug. Each maps to its comparison as it stood when it stopped, which is carried
   * unchanged, with its test state from `previous` (the control keeps counting, so comparing it again
   * would compare different periods); or to null when there is none yet, and the comparison is then
   * computed from the input's counts this once. The sample-ratio check continues on the running arms.
   * The stopped variants stay in Holm's family, so the other comparisons keep their level.
   */
  stopped?: Readonly<Record<string, Comparison | null>>;
}

/** One look: the analysis of these counts and the state for the next look. */
export function analyzeLook(input: ParsedAnalysisInput, options: AnalyzeOptions = {}): { analysis: Analysis; state: AnalysisState } {
  const { variants: arms, alpha } = input;
  const planned = input.planned_sample_per_variant;
  const control = arms[0] as z.output<typeof AnalysisVariant>;
  const others = arms.slice(1);
  // Each comparison's always-valid test is judged at Holm's first step, alpha / (number of comparisons),
  // so it is tuned for that level.
  const comparisonAlpha = alpha / others.length;
  const zq = normalQuantile(1 - alpha / 2);

  const variants: VariantResult[] = arms.map((v) => {
    if (v.sample === 0) return { slug: v.slug, sample: 0, conversions: 0, conversion_rate: null, ci_low: null, ci_high: null };
    const w = wilsonInterval(v.conversions, v.sample, Z95);
    return {
      slug: v.slug,
      sample: v.sample,
      conversions: v.conversions,
      conversion_rate: v.conversions / v.sample,
      ci_low: w.low,
      ci_high: w.high,
    };
  });

  const states: Record<string, SequentialTestState> = {};
  const directions: Array<-1 | 0 | 1> = [];
  const comparisons: Comparison[] = others.map((v) => {
    const frozen = options.stopped?.[v.slug];
    if (frozen !== undefined && frozen !== null) {
      const kept = options.previous?.comparisons[v.slug];
      if (kept !== undefined) states[v.slug] = kept;
      directions.push(frozenDirection(frozen, kept));
      return { ...frozen, variant: v.slug };
    }
    const xc = control.conversions;
    const nc = control.sample;
    const xv = v.conversions;
    const nv = v.sample;
    const shares = control.traffic_share + v.traffic_share;
    const rho = shares > 0 ? v.traffic_share / shares : 0;
    let avp: number | null = null;
    let labelDirection = 0;
    if (nc > 0 && nv > 0 && rho > 0 && rho < 1) {
      const state = sequentialLook({ xc, nc, xv, nv, rho }, comparisonAlpha, planned, options.previous?.comparisons[v.slug]);
      states[v.slug] = state;
      // Stored JSON may hold null for a comparison that had none: only a finite number is a floor.
      const floor: unknown = options.previousAlwaysValid?.[v.slug];
      avp = typeof floor === "number" && Number.isFinite(floor) ? Math.min(Math.max(floor, 0), state.p_value) : state.p_value;
      labelDirection = Math.sign(xv * (1 - rho) - xc * rho);
    }
    const fixed = fixedHorizon(xc, nc, xv, nv, alpha);
    if (fixed === null) {
      directions.push(0);
      return emptyComparison(v.slug);
    }
    directions.push(Math.sign(fixed.diff) === labelDirection ? (labelDirection as -1 | 0 | 1) : 0);
    const pc = xc / nc;
    const pv = xv / nv;
    let relative_lift: number | null = null;
    let relative_ci_low: number | null = null;
    let relative_ci_high: number | null = null;
    if (pc > 0) {
      const varC = (pc * (1 - pc)) / nc;
      const varV = (pv * (1 - pv)) / nv;
      relative_lift = pv / pc - 1;
      const seLift = Math.sqrt(varV / (pc * pc) + (pv * pv * varC) / (pc * pc * pc * pc));
      relative_ci_low = relative_lift - zq * seLift;
      relative_ci_high = relative_lift + zq * seLift;
    }
    const cs = confidenceSequence(xc, nc, xv, nv, comparisonAlpha, planned);
    return {
      variant: v.slug,
      absolute_diff: fixed.diff,
      absolute_ci_low: fixed.low,
      absolute_ci_high: fixed.high,
      relative_lift,
      relative_ci_low,
      relative_ci_high,
      p_value: fixed.p_value,
      always_valid_p_value: avp,
      absolute_cs_low: cs?.low ?? null,
      absolute_cs_high: cs?.high ?? null,
      chance_to_beat_control: chanceToBeat(xc, nc, xv, nv),
      expected_loss: expectedLoss(xc, nc, xv, nv),
    };
  });

  const { srm, state: srmState } = srmLook(
    arms.map((v) => v.sample),
    arms.map((v) => v.traffic_share),
    options.previous?.srm,
    arms.map((v, i) => i === 0 || options.stopped?.[v.slug] === undefined),
  );
  const outcome = decideOutcome(
    control.slug,
    comparisons.map((c, i) => ({
      variant: c.variant,
      always_valid_p_value: c.always_valid_p_value,
      direction: directions[i] ?? 0,
      rate: variants[i + 1]?.conversion_rate ?? null,
    })),
    alpha,
  );
  return { analysis: { variants, comparisons, srm, outcome }, state: { comparisons: states, srm: srmState } };
}

/** The analysis of one look (no earlier state unless given). */
export function analyze(input: ParsedAnalysisInput, options: AnalyzeOptions = {}): Analysis {
  return analyzeLook(input, options).analysis;
}

/** The direction of a carried comparison, by the rule of a computed one: the estimate and the converters' split agree. */
function frozenDirection(c: Comparison, state: SequentialTestState | undefined): -1 | 0 | 1 {
  if (c.absolute_diff === null || state === undefined) return 0;
  const label = Math.sign(state.conversions_variant * (1 - state.rho) - state.conversions_control * state.rho);
  return Math.sign(c.absolute_diff) === label ? (label as -1 | 0 | 1) : 0;
}
