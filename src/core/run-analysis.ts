// From summed run-data to the analysis of one goal: the counts the dashboard and the gate read.
import { goalKey } from "./goals.ts";
import type { ConversionEvent, ExperimentRecord } from "./schema.ts";
import { type Analysis, analyze } from "./stats/analysis.ts";

export interface RunCounts {
  samples: Record<string, number>;
  conversions: Record<string, Record<string, number>>;
}

export const DEFAULT_ALPHA = 0.05;

export function analyzeGoal(
  record: Pick<ExperimentRecord, "variants">,
  counts: RunCounts,
  goal: ConversionEvent,
  previousAlwaysValid?: Readonly<Record<string, number>>,
): Analysis {
  const byVariant = counts.conversions[goalKey(goal)] ?? {};
  return analyze(
    {
      variants: record.variants.map((v) => ({
        slug: v.slug,
        sample: counts.samples[v.slug] ?? 0,
        conversions: Math.min(byVariant[v.slug] ?? 0, counts.samples[v.slug] ?? 0),
        traffic_share: v.traffic_share,
      })),
      alpha: DEFAULT_ALPHA,
    },
    previousAlwaysValid === undefined ? {} : { previousAlwaysValid },
  );
}
