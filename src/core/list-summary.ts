// What the experiment list says about each run, kept apart from the minimum-sample gate: the gate only
// says whether every running variant has the minimum sample; the outcome says what the statistics found.
// Pure: the catalog hands in the counts of the last run-data report (or the conclusion's) and the
// primary goal's analysis at the look the dashboard shows (the kept one), nothing is read here.
import type { GateState } from "./gate.ts";
import { analyzeGoal, type LookRecord, type RunCounts, runGate, runningVariants } from "./run-look.ts";
import type { ExperimentRecord } from "./schema.ts";
import type { Analysis } from "./stats/analysis.ts";

export interface RunSummary {
  /** The minimum-sample gate, or null for a draft (nothing counted yet). */
  readonly gate: GateState | null;
  /** How far the least-filled variant is towards the minimum sample, 0 to 1; null for a draft. */
  readonly gate_progress: number | null;
  /**
   * About how many more visitors (all variants together, at the current split) until every variant has
   * the minimum sample; null once it has, or for a draft.
   */
  readonly needs_visitors: number | null;
  /** The variant with the highest observed conversion rate, and its lift over the control; null without visitors. */
  readonly leading: {
    readonly variant: string;
    /** Relative lift over the control; for the control itself, the best other variant's (≤ 0); null when undefined. */
    readonly relative_lift: number | null;
    /** Whether the outcome (always-valid p-values after Holm) names this variant as the winner. */
    readonly significant: boolean;
  } | null;
  /** The analysis outcome as the dashboard reports it; null for a draft. */
  readonly outcome: {
    readonly state: "winner" | "inconclusive";
    readonly winner: string | null;
    /** Variants significantly worse than the control. */
    readonly losers: readonly string[];
  } | null;
  /** Whole days from the start to the conclusion (or now); null before the start. */
  readonly days_running: number | null;
}

type SummaryRecord = LookRecord &
  Pick<
    ExperimentRecord,
    "conversion_event" | "min_sample_threshold" | "significance_override_reason" | "started_at" | "concluded_at" | "lifecycle_state"
  >;

const DAY_MS = 86_400_000;

/** Whole days an experiment has run at `now` (to its conclusion once concluded), or null before it started. */
export function daysRunning(r: Pick<ExperimentRecord, "started_at" | "concluded_at">, now: number): number | null {
  if (r.started_at === null) return null;
  const end = r.concluded_at === null ? now : new Date(r.concluded_at).getTime();
  return Math.max(0, Math.floor((end - new Date(r.started_at).getTime()) / DAY_MS));
}

/**
 * The list's view of one experiment. `counts` are the summed run-data of the current epoch as last
 * reported (null: none yet); `kept` the primary goal's analysis at the kept look (the conclusion's for a
 * concluded experiment), so the outcome is the one the dashboard shows; without one (before the first
 * report), a single look at `counts`, as the dashboard then takes.
 */
export function summarizeRun(r: SummaryRecord, counts: RunCounts | null, kept: Analysis | null, now: number): RunSummary {
  const days = daysRunning(r, now);
  if (r.lifecycle_state === "draft" && r.started_at === null) {
    return { gate: null, gate_progress: null, needs_visitors: null, leading: null, outcome: null, days_running: null };
  }
  const run: RunCounts = counts ?? { samples: {}, conversions: {} };
  const slugs = r.variants.map((v) => v.slug);
  // Over the running variants, as the automation: a stopped variant no longer grows.
  const gate = runGate(r, run.samples);
  const running = new Set(runningVariants(r));
  const min = r.min_sample_threshold;
  let progress = 1;
  let needs = 0;
  for (const v of r.variants) {
    if (!running.has(v.slug)) continue;
    const n = run.samples[v.slug] ?? 0;
    progress = Math.min(progress, n / min);
    // Visitors split by the shares: a variant with share s% short of d visitors needs about d / s% more in all.
    if (n < min && v.traffic_share > 0) needs = Math.max(needs, Math.ceil(((min - n) * 100) / v.traffic_share));
  }
  const analysis = kept ?? analyzeGoal(r, run, r.conversion_event);
  let leading: RunSummary["leading"] = null;
  const rated = analysis.variants.filter((v) => v.sample > 0);
  if (rated.length > 0) {
    // The highest observed rate; a tie goes to the earlier variant (the control first).
    const best = rated.reduce((a, b) => ((b.conversion_rate ?? 0) > (a.conversion_rate ?? 0) ? b : a));
    const lifts = analysis.comparisons.map((c) => c.relative_lift).filter((l): l is number => l !== null && Number.isFinite(l));
    const ownLift = analysis.comparisons.find((c) => c.variant === best.slug)?.relative_lift ?? null;
    const lift = best.slug === slugs[0] ? (lifts.length === 0 ? null : Math.max(...lifts)) : ownLift;
    leading = { variant: best.slug, relative_lift: lift, significant: analysis.outcome.winner === best.slug };
  }
  return {
    gate,
    gate_progress: Math.min(1, progress),
    needs_visitors: gate === "pending" ? needs : null,
    leading,
    outcome: { state: analysis.outcome.state, winner: analysis.outcome.winner, losers: [...analysis.outcome.losers] },
    days_running: days,
  };
}

/** The number the list sorts a derived column on; null sorts last in either order. */
export function summaryRank(s: RunSummary, key: "gate" | "outcome"): number | null {
  if (key === "gate") return s.gate === "override" ? 1 : s.gate_progress;
  if (s.leading === null) return null;
  // Significant winners first (descending), then by the size of the leading lift.
  const lift = s.leading.relative_lift ?? 0;
  return (s.leading.significant ? 1_000_000 : 0) + (Number.isFinite(lift) ? lift : 0);
}
