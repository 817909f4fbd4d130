// The run dashboard (contract section 5): per-variant samples and the gate, for one experiment.
import { gateState } from "../core/gate.ts";
import type { ExperimentRecord } from "../core/schema.ts";

export function buildDashboard(s: { record: ExperimentRecord; epoch: number; samples: Record<string, number> }) {
  const r = s.record;
  const slugs = r.variants.map((v) => v.slug);
  return {
    experiment_id: r.id,
    slug: r.slug,
    lifecycle_state: r.lifecycle_state,
    epoch: s.epoch,
    gate: {
      state: gateState(r.min_sample_threshold, slugs, s.samples, r.significance_override_reason),
      min_sample_threshold: r.min_sample_threshold,
    },
    variants: r.variants.map((v) => ({ slug: v.slug, label: v.label, traffic_share: v.traffic_share, sample: s.samples[v.slug] ?? 0 })),
    shipped_variant_slug: r.shipped_variant_slug,
    significance_override_reason: r.significance_override_reason,
  };
}
