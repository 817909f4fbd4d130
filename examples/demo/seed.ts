// The demo's seeded experiments (the README's quick start), created and started in the catalog on first use so
// that the first visit to /pricing already shows the split. It goes through the catalog's public
// methods, as an operator's would: the catalog knows nothing of demos.
import { type CatalogNamespace, catalogStub } from "../../src/catalog/names.ts";
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
  post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running", on_loser: "keep" },
  secondary_goals: [],
  allow_script_overrides: false,
  min_runtime_days: 7,
  planned_sample_per_variant: null,
  guardrails: [],
  audience: null,
  coverage_percent: 100,
  layer: null,
  scheduled_start_at: null,
  scheduled_end_at: null,
  bots: "like_visitors",
};

/**
 * A second experiment, to try value metrics and the circuit breaker locally: revenue per visitor from
 * the checkout's purchase events, and a guardrail on the origin's error rate. Its variant page, /flaky,
 * always answers 500: its visitors get the control's page (and are not counted), and after a few dozen
 * views of /checkout the breaker stops the variant, audited as system and bannered on the dashboard.
 */
export const DEMO_CHECKOUT_EXPERIMENT: ExperimentInput = {
  slug: "checkout-redesign",
  name: "Checkout redesign",
  target_page: "/checkout",
  variants: [
    { slug: "a", label: "Current checkout", page: "/checkout", traffic_share: 50 },
    { slug: "b", label: "Redesign (broken)", page: "/flaky", traffic_share: 50 },
  ],
  conversion_event: { type: "custom", name: "purchase", aggregate: "sum", cap: { value: 500 } },
  min_sample_threshold: 100,
  max_runtime_days: null,
  notes: "Seeded by the demo: its variant page answers 500, so the circuit breaker stops it.",
  post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running", on_loser: "keep" },
  secondary_goals: [],
  allow_script_overrides: false,
  min_runtime_days: 7,
  planned_sample_per_variant: null,
  guardrails: [
    { metric: "error_rate", max_degradation: 0.05, include_4xx: false },
    { metric: "origin_latency_ms", max_degradation: 500 },
  ],
  audience: null,
  coverage_percent: 100,
  layer: null,
  scheduled_start_at: null,
  scheduled_end_at: null,
  bots: "like_visitors",
};

const SEEDER = { name: "demo-seed", role: "system" };

let seeded: Promise<void> | undefined;

/**
 * Creates and starts the demo experiments unless the catalog has history (any audit entry: an operator
 * has been at work, or the demo was seeded before). Once per isolate; another isolate seeding at the
 * same moment is refused by the unique slug, so the experiment is never created twice.
 */
export function seedDemo(catalog: CatalogNamespace | undefined): Promise<void> {
  if (catalog === undefined) return Promise.resolve();
  seeded ??= seed(catalogStub(catalog)).catch((err) => {
    seeded = undefined;
    console.warn("demo: could not seed the experiment", err);
  });
  return seeded;
}

async function seed(stub: ReturnType<typeof catalogStub>): Promise<void> {
  if ((await stub.activity(null, 1)).length > 0) return;
  for (const input of [DEMO_EXPERIMENT, DEMO_CHECKOUT_EXPERIMENT]) {
    const created = await stub.create(SEEDER, input);
    if (created.ok) await stub.act(SEEDER, created.value.value.id, "start", {});
  }
}
