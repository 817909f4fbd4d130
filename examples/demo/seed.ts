// The demo's seeded experiment (contract section 6), created and started in the catalog on first use so
// that the first visit to /pricing already shows the split.
import { type CatalogNamespace, catalogStub } from "../../src/admin/api.ts";
import type { ExperimentInput } from "../../src/core/schema.ts";

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
  allow_script_overrides: false,
};

let seeded: Promise<void> | undefined;

/** Creates and starts the demo experiment in the catalog unless the catalog has history. Once per isolate. */
export function seedDemo(catalog: CatalogNamespace | undefined): Promise<void> {
  if (catalog === undefined) return Promise.resolve();
  seeded ??= catalogStub(catalog)
    .seed({ name: "demo-seed", role: "system" }, DEMO_EXPERIMENT)
    .catch((err) => {
      seeded = undefined;
      console.warn("demo: could not seed the experiment", err);
    });
  return seeded;
}
