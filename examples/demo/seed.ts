// The demo's seeded experiment (contract section 6), published once to the local KV so that the first
// visit to /pricing already shows the split.
import type { EdgeConfig, ExperimentInput } from "../../src/core/schema.ts";
import { EDGE_CONFIG_KEY } from "../../src/edge/options.ts";

export const DEMO_EXPERIMENT: ExperimentInput = {
  slug: "pricing-page-layout",
  name: "Pricing page layout",
  target_page: "/pricing",
  variants: [
    { slug: "a", label: "Current layout", page: "/pricing", traffic_share: 50 },
    { slug: "b", label: "Table layout", page: "/pricing-b", traffic_share: 50 },
  ],
  conversion_event: { type: "page_view", path: "/thanks" },
  min_sample_threshold: 100,
  max_runtime_days: null,
  notes: "Seeded by the demo.",
  post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running" },
  secondary_goals: [],
};

export function demoEdgeConfig(now: Date): EdgeConfig {
  const e = DEMO_EXPERIMENT;
  return {
    schema_version: 1,
    revision: 1,
    published_at: now.toISOString(),
    experiments: [
      {
        id: 1,
        slug: e.slug,
        target_page: e.target_page,
        state: "live",
        variants: e.variants.map(({ slug, page, traffic_share }) => ({ slug, page, traffic_share })),
        shipped_variant_slug: null,
        conversion_event: e.conversion_event,
        secondary_goals: e.secondary_goals,
        epoch: 0,
      },
    ],
  };
}

let seeded: Promise<void> | undefined;

/** Publishes the demo config unless something is already published. Once per isolate. */
export function seedDemo(kv: KVNamespace | undefined): Promise<void> {
  if (kv === undefined) return Promise.resolve();
  seeded ??= (async () => {
    if ((await kv.get(EDGE_CONFIG_KEY)) === null) {
      await kv.put(EDGE_CONFIG_KEY, JSON.stringify(demoEdgeConfig(new Date())));
    }
  })().catch((err) => {
    seeded = undefined;
    console.warn("demo: could not seed the experiment", err);
  });
  return seeded;
}
