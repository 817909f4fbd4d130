// The dashboard's metrics sections (docs/metrics.md): the analysis of each value goal (revenue per
// visitor beside the conversion rate), the guardrails with the circuit breaker's stops, and the ledger
// of requests not counted, shown beside the sample-ratio check. Pure: buildDashboard hands it the run
// state and places what it returns; the pages render it with pages/metrics-section.ts.
import { VALUE_SCALE } from "../core/field-rules.ts";
import { capCents, goalKey, isValueGoal } from "../core/goals.ts";
import { checkGuardrails, type GuardrailResult } from "../core/guardrails.ts";
import { DEFAULT_ALPHA } from "../core/run-look.ts";
import type { ConversionEvent, ExperimentRecord, StoppedVariant } from "../core/schema.ts";
import { analyzeMeans, type MeanAnalysis } from "../core/stats/means.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";

export interface ValueGoalSection {
  goal: ConversionEvent;
  /** run-data's key of the goal (`sum:purchase`, `sum:purchase@50000` with a cap). */
  key: string;
  primary: boolean;
  /** Per variant sample, sum, mean, ci_low, ci_high in currency units; comparisons with the control. */
  analysis: MeanAnalysis;
}

export interface OriginSection {
  variant: string;
  responses: number;
  status_4xx: number;
  status_5xx: number;
  /** 5xx per response, or null with none. */
  error_rate: number | null;
  /** Mean time to the origin's response headers (ms), or null with none. */
  mean_latency_ms: number | null;
}

export interface LedgerSection {
  /** Per variant ('' for requests whose variant was not known): reason → requests not counted. */
  by_variant: Record<string, Record<string, number>>;
  /** Per reason over all variants. */
  totals: Record<string, number>;
  total: number;
}

export interface MetricsSections {
  value_goals: ValueGoalSection[];
  guardrails: {
    checks: GuardrailResult[];
    /** Variants the circuit breaker stopped, each with when and why. */
    stopped: StoppedVariant[];
  };
  origin: OriginSection[];
  not_counted: LedgerSection;
  /** Banners the dashboard puts at its top (the breaker's stops). */
  banners: Array<{ code: "variant_stopped"; variant: string; message: string }>;
}

/** The analysis of one value goal over the run's counts: sums in cents, results in currency units. */
export function analyzeValueGoal(record: Pick<ExperimentRecord, "variants">, run: ShardSnapshot, goal: ConversionEvent): MeanAnalysis {
  const sums = run.values?.[goalKey(goal)] ?? {};
  const cap = capCents(goal);
  return analyzeMeans({
    metric: "mean",
    variants: record.variants.map((v) => {
      const sample = run.samples[v.slug] ?? 0;
      const s = sums[v.slug];
      // An empty arm has no value: a sum can only exist where the sample does (run-data adds it per exposed visitor).
      return {
        slug: v.slug,
        sample,
        sum: sample === 0 ? 0 : (s?.sum ?? "0"),
        sum_squares: sample === 0 ? 0 : (s?.sum_squares ?? "0"),
        traffic_share: v.traffic_share,
      };
    }),
    alpha: DEFAULT_ALPHA,
    scale: VALUE_SCALE,
    ...(cap === null ? {} : { cap: { value: cap / VALUE_SCALE } }),
  });
}

export function metricsSections(record: ExperimentRecord, run: ShardSnapshot): MetricsSections {
  const goals = [record.conversion_event, ...record.secondary_goals];
  const value_goals = goals.flatMap((goal, i) =>
    isValueGoal(goal) ? [{ goal, key: goalKey(goal), primary: i === 0, analysis: analyzeValueGoal(record, run, goal) }] : [],
  );
  const stopped = record.stopped_variants;
  const checks = checkGuardrails(
    record,
    { ...run, values: run.values ?? {}, responses: run.responses ?? {} },
    stopped.map((s) => s.slug),
  );
  const origin = record.variants.map((v): OriginSection => {
    const r = run.responses?.[v.slug];
    const n = r?.n ?? 0;
    return {
      variant: v.slug,
      responses: n,
      status_4xx: r?.status_4xx ?? 0,
      status_5xx: r?.status_5xx ?? 0,
      error_rate: n === 0 ? null : (r?.status_5xx ?? 0) / n,
      mean_latency_ms: n === 0 ? null : (r?.latency_sum ?? 0) / n,
    };
  });
  const by_variant = run.notCounted ?? {};
  const totals: Record<string, number> = {};
  let total = 0;
  for (const reasons of Object.values(by_variant)) {
    for (const [reason, n] of Object.entries(reasons)) {
      totals[reason] = (totals[reason] ?? 0) + n;
      total += n;
    }
  }
  return {
    value_goals,
    guardrails: { checks, stopped },
    origin,
    not_counted: { by_variant, totals, total },
    // The variants table shows every stop; a guardrail's is bannered too, being harm found by itself.
    banners: stopped
      .filter((s) => s.reason === "guardrail")
      .map((s) => ({
        code: "variant_stopped" as const,
        variant: s.slug,
        message: `the circuit breaker stopped ${s.slug} at ${s.at}: its visitors get the control and are no longer counted. ${s.detail}`,
      })),
  };
}
