// The run dashboard (docs/admin-api.md#dashboard, its analysis docs/analysis.md): for one experiment, the gate, the analysis of the primary
// goal, the secondary goals' analyses (shown, never deciding), a sample-ratio-mismatch warning, the
// automated post-test action if one took effect, and daily cumulative counts for charts.
import type { PostTestApplied, RunState } from "../catalog/catalog-object.ts";
import { gateState } from "../core/gate.ts";
import { goalKey } from "../core/goals.ts";
import { analyzeGoal } from "../core/run-analysis.ts";
import { reminderText } from "./reminder.ts";

export function buildDashboard(s: RunState) {
  const r = s.record;
  const slugs = r.variants.map((v) => v.slug);
  const analysis = analyzeGoal(r, s.run, r.conversion_event, s.previousAlwaysValid);
  const primary = goalKey(r.conversion_event);
  return {
    experiment_id: r.id,
    slug: r.slug,
    name: r.name,
    lifecycle_state: r.lifecycle_state,
    epoch: s.epoch,
    gate: {
      state: gateState(r.min_sample_threshold, slugs, s.run.samples, r.significance_override_reason),
      min_sample_threshold: r.min_sample_threshold,
    },
    analysis,
    variants: r.variants.map((v) => ({
      slug: v.slug,
      label: v.label,
      traffic_share: v.traffic_share,
      sample: s.run.samples[v.slug] ?? 0,
      conversions: s.run.conversions[primary]?.[v.slug] ?? 0,
      last_conversion_at:
        s.run.lastConversionAt[v.slug] === undefined ? null : new Date(s.run.lastConversionAt[v.slug] as number).toISOString(),
    })),
    secondary_goals: r.secondary_goals.map((goal) => ({ goal, analysis: analyzeGoal(r, s.run, goal) })),
    warnings: analysis.srm.mismatch
      ? [
          {
            code: "sample_ratio_mismatch",
            message: `the samples do not match the traffic split (p = ${analysis.srm.p_value.toExponential(2)}); automated post-test actions are blocked`,
          },
        ]
      : [],
    post_test: { configured: r.post_test, applied: s.postTestApplied satisfies PostTestApplied | null, blocked_at: s.srmBlockedAt },
    shipped_variant_slug: r.shipped_variant_slug,
    significance_override_reason: r.significance_override_reason,
    decision_record: r.decision_record,
    rollout_percent: r.rollout_percent,
    concluded_at: r.concluded_at,
    reminder: reminderText(s.reminder),
    conclusion: s.conclusion === null ? null : { at: s.conclusion.at, analysis: analyzeGoal(r, s.conclusion.run, r.conversion_event) },
    timeseries: cumulativeDaily(s, primary, slugs),
  };
}

/** Per day: cumulative sample and primary-goal conversions per variant, for the charts. */
function cumulativeDaily(s: RunState, primary: string, slugs: readonly string[]) {
  const days = Object.keys(s.run.daily).sort();
  const sample: Record<string, number> = {};
  const conversions: Record<string, number> = {};
  return days.map((day) => {
    const d = s.run.daily[day] ?? {};
    for (const v of slugs) {
      sample[v] = (sample[v] ?? 0) + (d[""]?.[v] ?? 0);
      conversions[v] = (conversions[v] ?? 0) + (d[primary]?.[v] ?? 0);
    }
    return { day, sample: { ...sample }, conversions: { ...conversions } };
  });
}
