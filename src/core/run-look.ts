// One look at a run: every goal of an experiment (the primary, then each secondary goal) analysed with
// the running state of the earlier looks of the same epoch, so that the always-valid p-values keep their
// running minima. The catalog takes a look at every run-data report and keeps the latest; the dashboard,
// the list and the exports read the kept look, and a conclusion freezes the one that decided it. Pure.
//
// A stopped variant (record.stopped_variants) keeps, in every goal, the counts and the comparison it
// had at the last look before it stopped: its traffic now goes to the control's page uncounted, so
// comparing it again against a control that keeps counting would compare two periods. Specification:
// docs/analysis.md ("The running state") and docs/catalog.md.
import { type GateState, gateState } from "./gate.ts";
import { goalKey } from "./goals.ts";
import type { ConversionEvent, ExperimentRecord } from "./schema.ts";
import {
  type Analysis,
  type AnalysisState,
  analyzeLook,
  type Comparison,
  type ParsedAnalysisInput,
  type VariantResult,
} from "./stats/analysis.ts";

export const DEFAULT_ALPHA = 0.05;

export interface RunCounts {
  samples: Record<string, number>;
  conversions: Record<string, Record<string, number>>;
}

/** One goal at one look: the analysis and the state the next look continues from. */
export interface GoalLook {
  readonly analysis: Analysis;
  readonly state: AnalysisState;
}

export interface RunLook {
  /** The epoch (sample) the look belongs to; a reset starts a new one with no looks. */
  readonly epoch: number;
  /** The look's number in its epoch: 1 for the first. */
  readonly look: number;
  /** When it was taken (ISO 8601, UTC). */
  readonly at: string;
  /** Visitors in the sample at this look, all variants together. */
  readonly visitors: number;
  /** Per goal key (goals.ts): the primary goal's and each secondary goal's analysis and state. */
  readonly goals: Readonly<Record<string, GoalLook>>;
}

export type LookRecord = Pick<
  ExperimentRecord,
  "variants" | "conversion_event" | "secondary_goals" | "planned_sample_per_variant" | "stopped_variants"
>;

/** The slugs of the variants still running: all but the stopped ones (the control always runs). */
export function runningVariants(r: Pick<ExperimentRecord, "variants" | "stopped_variants">): string[] {
  const stopped = new Set(r.stopped_variants.map((s) => s.slug));
  return r.variants.filter((v, i) => i === 0 || !stopped.has(v.slug)).map((v) => v.slug);
}

/** The minimum-sample gate, over the running variants (a stopped one no longer grows). */
export function runGate(
  r: Pick<ExperimentRecord, "variants" | "stopped_variants" | "min_sample_threshold" | "significance_override_reason">,
  samples: Readonly<Record<string, number>>,
  overrideReason: string | null = r.significance_override_reason,
): GateState {
  return gateState(r.min_sample_threshold, runningVariants(r), samples, overrideReason);
}

/** The goals a look analyses: the primary first, then the secondary goals, each once. */
export function lookGoals(r: Pick<ExperimentRecord, "conversion_event" | "secondary_goals">): ConversionEvent[] {
  const seen = new Set<string>();
  return [r.conversion_event, ...r.secondary_goals].filter((g) => {
    const key = goalKey(g);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The primary goal's part of a look. */
export function primaryOf(r: Pick<ExperimentRecord, "conversion_event">, look: RunLook): GoalLook | undefined {
  return look.goals[goalKey(r.conversion_event)];
}

/**
 * The next look: `previous` is the kept look (of any epoch: one of another epoch is not continued).
 * Counts are capped so that no variant has more conversions than visitors.
 */
export function takeLook(r: LookRecord, counts: RunCounts, previous: RunLook | null, epoch: number, at: string): RunLook {
  const earlier = previous !== null && previous.epoch === epoch ? previous : null;
  const stopped = new Set(r.stopped_variants.map((s) => s.slug));
  const goals: Record<string, GoalLook> = {};
  for (const goal of lookGoals(r)) {
    const key = goalKey(goal);
    const before = earlier?.goals[key];
    const frozen: Record<string, Comparison | null> = {};
    const frozenCounts = new Map<string, VariantResult>();
    r.variants.forEach((v, i) => {
      if (i === 0 || !stopped.has(v.slug)) return;
      const comparison = before?.analysis.comparisons.find((c) => c.variant === v.slug) ?? null;
      const kept = before?.analysis.variants.find((x) => x.slug === v.slug);
      frozen[v.slug] = comparison;
      if (comparison !== null && kept !== undefined) frozenCounts.set(v.slug, kept);
    });
    const input = goalInput(r, counts, goal, frozenCounts);
    const options = {
      ...(before === undefined ? {} : { previous: before.state }),
      ...(Object.keys(frozen).length === 0 ? {} : { stopped: frozen }),
    };
    goals[key] = analyzeLook(input, options);
  }
  const visitors = r.variants.reduce((sum, v) => sum + (counts.samples[v.slug] ?? 0), 0);
  return { epoch, look: (earlier?.look ?? 0) + 1, at, visitors, goals };
}

/** A single look at `counts` with no history: for a run nothing was kept of (before its first report). */
export function analyzeGoal(r: LookRecord, counts: RunCounts, goal: ConversionEvent): Analysis {
  return analyzeLook(goalInput(r, counts, goal, new Map())).analysis;
}

function goalInput(
  r: LookRecord,
  counts: RunCounts,
  goal: ConversionEvent,
  frozen: ReadonlyMap<string, Pick<VariantResult, "sample" | "conversions">>,
): ParsedAnalysisInput {
  const byVariant = counts.conversions[goalKey(goal)] ?? {};
  return {
    variants: r.variants.map((v) => {
      const kept = frozen.get(v.slug);
      const sample = kept?.sample ?? counts.samples[v.slug] ?? 0;
      return {
        slug: v.slug,
        sample,
        conversions: kept?.conversions ?? Math.min(byVariant[v.slug] ?? 0, sample),
        traffic_share: v.traffic_share,
      };
    }),
    alpha: DEFAULT_ALPHA,
    ...(r.planned_sample_per_variant === null ? {} : { planned_sample_per_variant: r.planned_sample_per_variant }),
  };
}
