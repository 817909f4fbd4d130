// The run dashboard (docs/admin-api.md#dashboard, its analysis docs/analysis.md): for one experiment,
// the gate, the analysis of the primary goal, the secondary goals' analyses (shown, never deciding), the
// sample-ratio check explained, what the automation waits for, the plan's progress, the stopped
// variants, the automated post-test action if one took effect, and daily cumulative counts for charts.
//
// The analysis shown is never a fresh recomputation: it is the look the catalog keeps (the epoch's
// latest, with the running minima of its always-valid p-values), and for a concluded experiment the look
// that decided it, frozen at conclusion. Only before the first report of an epoch, when nothing is kept
// yet, is it one look at the counts now (`look.source: "first_look"`).
import type { PostTestApplied, RunState } from "../catalog/catalog-object.ts";
import { goalKey } from "../core/goals.ts";
import { type GoalLook, primaryOf, type RunCounts, type RunLook, runGate, runningVariants, takeLook } from "../core/run-look.ts";
import { metricsSections } from "./dashboard-metrics.ts";
import { reminderText } from "./reminder.ts";

/** Where the shown look comes from. */
export type LookSource = "conclusion" | "recomputed" | "latest" | "first_look";

export interface ShownLook {
  readonly look: RunLook;
  readonly source: LookSource;
  /** The counts the look analysed (a concluded experiment's as kept at conclusion). */
  readonly counts: RunState["run"];
}

/** The look the dashboard and the exports show for `s`, and where it comes from. */
export function shownLook(s: RunState): ShownLook {
  const r = s.record;
  const concluded = s.conclusion !== null && (r.lifecycle_state === "done" || r.lifecycle_state === "archived") ? s.conclusion : null;
  if (concluded !== null) {
    if (concluded.look !== undefined) {
      return { look: concluded.look, source: concluded.source === "recomputed" ? "recomputed" : "conclusion", counts: concluded.run };
    }
    return { look: takeLook(r, concluded.run, null, concluded.epoch, concluded.at), source: "recomputed", counts: concluded.run };
  }
  if (s.look !== null) return { look: s.look, source: "latest", counts: s.run };
  return { look: takeLook(r, s.run, null, s.epoch, s.now), source: "first_look", counts: s.run };
}

/** What a sample-ratio mismatch means, what usually causes it, and what to do: shown beside the counts. */
export const SRM_EXPLANATION = {
  meaning:
    "The visitors counted in each variant do not follow the traffic split: the sequential sample-ratio test is below 0.001, which a correct split reaches in fewer than 1 in 1,000 experiments however often it is checked. When the split is broken, the visitors who were counted are not the visitors the split sent, so the comparison of the variants cannot be trusted either way. Automated post-test actions are blocked for the rest of this sample, even if the counts later look balanced again.",
  causes: [
    "A variant page that fails, redirects or is much slower, so that some of its visitors leave or are never counted.",
    "Visitors left out of one variant more than another: bots or crawler rules, consent, a per-client counting limit (the ledger of visitors not counted, where shown, says how many and why).",
    "A cached page that carries an assignment, or links and redirects that send visitors to a variant's own URL.",
    "Visitor ids that change between visits (a custom visitor id, cookies cleared or blocked), counting one person more than once.",
    "Traffic shares or variants changed by hand in the published config, outside the admin.",
  ],
  actions: [
    "Compare each variant's sample with its share, and look for the day the gap opened (the daily counts).",
    "Open each variant page as a visitor would: errors, redirects, load time.",
    "Fix the cause, then reset the sample (edit with ?confirm=reset) to start a new test; the mismatch belongs to this sample only.",
    "Until then, conclude only by hand, with a reason (override), knowing the numbers may mislead.",
  ],
} as const;

function goalAnalyses(r: RunState["record"], look: RunLook) {
  return r.secondary_goals
    .filter((goal) => goalKey(goal) !== goalKey(r.conversion_event))
    .map((goal) => ({ goal, analysis: look.goals[goalKey(goal)]?.analysis ?? null }));
}

function lookInfo(shown: ShownLook) {
  return { number: shown.look.look, at: shown.look.at, visitors: shown.look.visitors, source: shown.source };
}

export function buildDashboard(s: RunState) {
  const r = s.record;
  const slugs = r.variants.map((v) => v.slug);
  const shown = shownLook(s);
  const primary = primaryOf(r, shown.look) as GoalLook;
  const analysis = primary.analysis;
  const primaryKey = goalKey(r.conversion_event);
  const counts = shown.counts;
  // The gate as the automation sees it: on the samples of the look (the variants' counts below are read now).
  const lookSamples = Object.fromEntries(analysis.variants.map((v) => [v.slug, v.sample]));
  const gate = runGate(r, lookSamples);
  const running = runningVariants(r);
  const srmBlocked = s.srmBlockedAt !== null || analysis.srm.mismatch;
  const nowMs = Date.parse(s.now);
  const from = s.automationFrom === null ? null : Date.parse(s.automationFrom);
  const runtimeReached = from !== null && from <= nowMs;
  const smallest = running.length === 0 ? 0 : Math.min(...running.map((slug) => lookSamples[slug] ?? 0));
  const metrics = metricsSections(r, counts);
  // The circuit breaker's stops first, then a mismatch with the ledger's likeliest causes.
  const warnings: Array<{ code: string; message: string }> = [...metrics.banners];
  if (srmBlocked) {
    warnings.push({
      code: "sample_ratio_mismatch",
      message: `the samples do not match the traffic split (sequential p = ${analysis.srm.sequential_p_value.toExponential(2)}); automated post-test actions are blocked for the rest of this sample${ledgerHint(metrics.not_counted.totals)}`,
    });
  }
  if (r.max_runtime_days !== null && r.min_runtime_days > r.max_runtime_days && r.lifecycle_state !== "done") {
    warnings.push({
      code: "runtime_conflict",
      message: `the experiment pauses itself after ${r.max_runtime_days} days, before its minimum runtime of ${r.min_runtime_days} days has passed: automated post-test actions can never take effect`,
    });
  }
  const waitingFor: string[] = [];
  if (r.lifecycle_state === "live") {
    if (gate !== "reached") waitingFor.push("gate");
    if (!runtimeReached) waitingFor.push("min_runtime");
    if (srmBlocked) waitingFor.push("sample_ratio_mismatch");
  }
  return {
    experiment_id: r.id,
    slug: r.slug,
    name: r.name,
    lifecycle_state: r.lifecycle_state,
    epoch: s.epoch,
    gate: {
      state: gate,
      min_sample_threshold: r.min_sample_threshold,
      /** The plan's sample per variant, the threshold the plan suggests; null without a plan. */
      suggested_min_sample_threshold: r.planned_sample_per_variant,
    },
    analysis,
    /** The look the analysis is: its number in the epoch, its time and visitors, and where it comes from. */
    look: lookInfo(shown),
    variants: r.variants.map((v) => {
      const stopped = r.stopped_variants.find((x) => x.slug === v.slug) ?? null;
      return {
        slug: v.slug,
        label: v.label,
        traffic_share: v.traffic_share,
        sample: counts.samples[v.slug] ?? 0,
        conversions: counts.conversions[primaryKey]?.[v.slug] ?? 0,
        last_conversion_at:
          counts.lastConversionAt[v.slug] === undefined ? null : new Date(counts.lastConversionAt[v.slug] as number).toISOString(),
        stopped,
      };
    }),
    secondary_goals: goalAnalyses(r, shown.look),
    srm: {
      p_value: analysis.srm.p_value,
      sequential_p_value: analysis.srm.sequential_p_value,
      mismatch: srmBlocked,
      blocked_at: s.srmBlockedAt,
      explanation: srmBlocked ? SRM_EXPLANATION : null,
    },
    warnings,
    automation: {
      min_runtime_days: r.min_runtime_days,
      /** When automated actions may act: min_runtime_days after the start of this sample. */
      from: s.automationFrom,
      runtime_reached: runtimeReached,
      /** What the automation still waits for (a live experiment): the gate, the runtime, a mismatch. */
      waiting_for: waitingFor,
    },
    plan:
      r.planned_sample_per_variant === null
        ? null
        : {
            planned_sample_per_variant: r.planned_sample_per_variant,
            /** The sample of the least-filled running variant, and how far it is towards the plan. */
            smallest_sample: smallest,
            progress: Math.min(1, smallest / r.planned_sample_per_variant),
          },
    stopped_variants: r.stopped_variants,
    /** Value goals (revenue per visitor), guardrails and the breaker, origin answers, and the ledger of what was not counted. */
    value_goals: metrics.value_goals,
    guardrails: metrics.guardrails,
    origin: metrics.origin,
    not_counted: metrics.not_counted,
    post_test: { configured: r.post_test, applied: s.postTestApplied satisfies PostTestApplied | null, blocked_at: s.srmBlockedAt },
    shipped_variant_slug: r.shipped_variant_slug,
    significance_override_reason: r.significance_override_reason,
    decision_record: r.decision_record,
    rollout_percent: r.rollout_percent,
    concluded_at: r.concluded_at,
    reminder: reminderText(s.reminder),
    conclusion:
      s.conclusion === null || shown.source === "latest" || shown.source === "first_look"
        ? null
        : {
            at: s.conclusion.at,
            source: shown.source,
            look: lookInfo(shown),
            analysis,
            state: primary.state,
            secondary_goals: goalAnalyses(r, shown.look),
          },
    timeseries: cumulativeDaily(counts, primaryKey, slugs),
  };
}

/** The likeliest causes of a sample-ratio mismatch, from the ledger: its largest reasons. */
function ledgerHint(totals: Record<string, number>): string {
  const top = Object.entries(totals)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, n]) => `${reason.replaceAll("_", " ")} ${n}`);
  return top.length === 0 ? "" : `; requests not counted: ${top.join(", ")}`;
}

/** Per day: cumulative sample and primary-goal conversions per variant, for the charts. */
function cumulativeDaily(run: RunCounts & { daily: RunState["run"]["daily"] }, primary: string, slugs: readonly string[]) {
  const days = Object.keys(run.daily).sort();
  const sample: Record<string, number> = {};
  const conversions: Record<string, number> = {};
  return days.map((day) => {
    const d = run.daily[day] ?? {};
    for (const v of slugs) {
      sample[v] = (sample[v] ?? 0) + (d[""]?.[v] ?? 0);
      conversions[v] = (conversions[v] ?? 0) + (d[primary]?.[v] ?? 0);
    }
    return { day, sample: { ...sample }, conversions: { ...conversions } };
  });
}
