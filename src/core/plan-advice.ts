// The plan offered from an experiment's own numbers (docs/analysis.md, Planning; docs/admin-api.md):
// the sample per variant `sgen-ab plan` computes for its number of variants, the baseline taken from the
// control's observed rate when none is given, and, from the traffic counted so far, about how
// many days that sample takes. Pure: the admin hands in the record, the counts and the times.
import { fail, issuesOf, ok, type Result } from "./errors.ts";
import { runningVariants } from "./run-look.ts";
import type { ExperimentRecord } from "./schema.ts";
import { PlanInput, plan, type SamplePlan } from "./stats/plan.ts";

const DAY_MS = 86_400_000;
/** Less counted traffic than this is too little to extrapolate from. */
const MIN_OBSERVED_MS = 3_600_000;

export interface PlanQuery {
  readonly baseline_rate?: string | undefined;
  readonly relative_mde?: string | undefined;
  readonly power?: string | undefined;
  readonly alpha?: string | undefined;
}

export interface PlanAdvice {
  readonly input: { baseline_rate: number; relative_mde: number; alpha: number; power: number; variants: number };
  /** Where the baseline came from: the query, or the control's rate so far. */
  readonly baseline_from: "query" | "control";
  readonly plan: SamplePlan;
  /** What to store: the plan tunes the always-valid test and is the gate's suggested minimum sample. */
  readonly suggested: { readonly planned_sample_per_variant: number; readonly min_sample_threshold: number };
  /** Visitors counted a day, on average since the current sample started; null without enough traffic yet. */
  readonly traffic: { readonly visitors_per_day: number; readonly since: string } | null;
  /**
   * At that traffic: days from the start of the sample until every running variant has the sequential
   * sample, and how many of them are still ahead; null without traffic.
   */
  readonly estimate: { readonly visitors_per_variant: number; readonly days: number; readonly days_left: number } | null;
  /** The same in words, for the editor. */
  readonly message: string;
}

export interface PlanFacts {
  readonly record: Pick<ExperimentRecord, "variants" | "stopped_variants">;
  /** Samples and the primary goal's conversions per variant in the current sample. */
  readonly samples: Readonly<Record<string, number>>;
  readonly conversions: Readonly<Record<string, number>>;
  /** When the current sample started (null: not started). */
  readonly sampleStartedAt: string | null;
  readonly now: number;
}

const numberOf = (raw: string | undefined): number | undefined => (raw === undefined || raw.trim() === "" ? undefined : Number(raw));

const fmt = (n: number) => Math.round(n).toLocaleString("en");

export function planAdvice(q: PlanQuery, f: PlanFacts): Result<PlanAdvice> {
  const control = f.record.variants[0]?.slug ?? "";
  const controlSample = f.samples[control] ?? 0;
  const controlConversions = f.conversions[control] ?? 0;
  let baseline = numberOf(q.baseline_rate);
  let from: PlanAdvice["baseline_from"] = "query";
  if (baseline === undefined) {
    if (controlSample === 0 || controlConversions === 0) {
      return fail(422, "validation_failed", "give baseline_rate: the control has no conversions yet to take it from", [
        { path: "baseline_rate", message: "required until the control has conversions" },
      ]);
    }
    baseline = controlConversions / controlSample;
    from = "control";
  }
  const raw = {
    baseline_rate: baseline,
    relative_mde: numberOf(q.relative_mde),
    alpha: numberOf(q.alpha),
    power: numberOf(q.power),
    variants: f.record.variants.length,
  };
  const parsed = PlanInput.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const why =
      from === "control"
        ? `the plan's parameters are not valid (the baseline is the control's rate so far, ${(baseline * 100).toLocaleString("en", { maximumFractionDigits: 3 })}%: give baseline_rate)`
        : "the plan's parameters are not valid";
    return fail(400, "invalid_query", why, issuesOf(parsed.error));
  }
  const input = parsed.data;
  const samplePlan = plan(input);
  const perVariant = samplePlan.sequential_per_variant;

  const running = runningVariants(f.record);
  const counted = running.reduce((s, slug) => s + (f.samples[slug] ?? 0), 0);
  const started = f.sampleStartedAt === null ? null : Date.parse(f.sampleStartedAt);
  const observed = started === null ? 0 : f.now - started;
  let traffic: PlanAdvice["traffic"] = null;
  let estimate: PlanAdvice["estimate"] = null;
  if (started !== null && counted > 0 && observed >= MIN_OBSERVED_MS) {
    const perDay = (counted * DAY_MS) / observed;
    traffic = { visitors_per_day: perDay, since: f.sampleStartedAt as string };
    const shares = f.record.variants.filter((v) => running.includes(v.slug));
    const total = shares.reduce((s, v) => s + v.traffic_share, 0);
    // Each running variant gets its share of the counted traffic; the slowest one sets the pace.
    let days = 0;
    let left = 0;
    for (const v of shares) {
      const rate = total > 0 ? (perDay * v.traffic_share) / total : 0;
      if (rate <= 0) continue;
      days = Math.max(days, perVariant / rate);
      left = Math.max(left, Math.max(0, perVariant - (f.samples[v.slug] ?? 0)) / rate);
    }
    estimate = { visitors_per_variant: perVariant, days: Math.ceil(days), days_left: Math.ceil(left) };
  }
  const lift = `${(input.relative_mde * 100).toLocaleString("en", { maximumFractionDigits: 2 })}%`;
  const base = `${(input.baseline_rate * 100).toLocaleString("en", { maximumFractionDigits: 3 })}%`;
  const what = `To find a ${lift} relative change from a ${base} baseline with ${Math.round(input.power * 100)}% power, the always-valid test needs ${fmt(perVariant)} visitors a variant (a single look at a fixed sample would need ${fmt(samplePlan.fixed_horizon_per_variant)}).`;
  const when =
    estimate === null || traffic === null
      ? counted === 0 || started === null
        ? " There is no traffic yet to estimate how long that takes."
        : " Less than an hour of traffic so far: too little to estimate how long that takes."
      : ` At your current traffic (about ${fmt(traffic.visitors_per_day)} visitors a day) this needs ${fmt(perVariant)} visitors a variant, about ${fmt(estimate.days)} days${estimate.days_left < estimate.days ? ` (${fmt(estimate.days_left)} more)` : ""}.`;
  return ok({
    input: {
      baseline_rate: input.baseline_rate,
      relative_mde: input.relative_mde,
      alpha: input.alpha,
      power: input.power,
      variants: input.variants,
    },
    baseline_from: from,
    plan: samplePlan,
    suggested: { planned_sample_per_variant: perVariant, min_sample_threshold: perVariant },
    traffic,
    estimate,
    message: what + when,
  });
}
