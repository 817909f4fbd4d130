// The published config the benchmarks serve: the measured experiments, and as many more live ones as a
// curve asks for, so that what a request pays for a large catalog shows.
import type { EdgeConfig } from "../src/core/schema.ts";

type Experiment = EdgeConfig["experiments"][number];

const goal = { type: "page_view", path: "/thanks" } as const;
/** The measured experiments target everyone (an audience would not change which maps a request reads). */
const everyone = { audience: null, coverage_percent: 100, layer: null, scheduled_end_at: null, bots: "like_visitors" } as const;
const valueGoal = { type: "custom", name: "purchase", aggregate: "sum", cap: { value: 500 } } as const;

/** The experiment every page figure measures: 50/50, the variant a page of its own (/pricing-b). */
const pricing: Experiment = {
  id: 1,
  slug: "pricing-page-layout",
  target_page: "/pricing",
  state: "live",
  variants: [
    { slug: "a", page: "/pricing", traffic_share: 50 },
    { slug: "b", page: "/pricing-b", traffic_share: 50 },
  ],
  shipped_variant_slug: null,
  conversion_event: goal,
  // A value goal (revenue summed per visitor, capped), counted from custom events.
  secondary_goals: [valueGoal],
  epoch: 0,
  shards: 4,
  rollout_percent: 100,
  allow_script_overrides: false,
  ...everyone,
};

/** The same home page served plain (a) or edited in the stream by two overrides (b). */
const homeHero: Experiment = {
  id: 2,
  slug: "home-hero",
  target_page: "/",
  state: "live",
  variants: [
    { slug: "a", traffic_share: 50 },
    {
      slug: "b",
      traffic_share: 50,
      overrides: [
        { selector: "h1#headline", action: "set_text", value: "A new headline" },
        { selector: "p.promo", action: "remove" },
      ],
    },
  ],
  shipped_variant_slug: null,
  conversion_event: goal,
  secondary_goals: [],
  epoch: 0,
  shards: 4,
  rollout_percent: 100,
  allow_script_overrides: false,
  ...everyone,
};

/**
 * Another live experiment on a page of its own (/p/<i>), some with overrides, some with a variant page,
 * so a large config looks like a real catalog rather than one experiment copied.
 */
function filler(i: number): Experiment {
  const withOverrides = i % 3 === 0;
  return {
    id: 100 + i,
    slug: `catalog-experiment-${i}`,
    target_page: `/p/${i}`,
    state: "live",
    variants: [
      { slug: "a", traffic_share: 50 },
      withOverrides
        ? { slug: "b", traffic_share: 50, overrides: [{ selector: "h1", action: "set_text", value: `Headline ${i}` }] }
        : { slug: "b", page: `/p/${i}-b`, traffic_share: 50 },
    ],
    shipped_variant_slug: null,
    conversion_event: i % 2 === 0 ? goal : { type: "page_view", path: `/p/${i}/done` },
    secondary_goals: i % 4 === 0 ? [valueGoal] : [],
    epoch: 0,
    shards: 4,
    rollout_percent: 100,
    allow_script_overrides: false,
    ...everyone,
    // Every fifth with an audience (country and device) and a slice of a layer, as a real catalog has.
    ...(i % 5 === 0
      ? {
          audience: {
            match: "all",
            conditions: [
              { attribute: "country", operator: "in", values: ["US", "CA", "GB", "DE"] },
              { attribute: "device", operator: "in", values: ["desktop"] },
            ],
          },
          layer: { slug: "catalog-layer", from: (i * 7) % 90, to: ((i * 7) % 90) + 10 },
        }
      : {}),
  };
}

/**
 * The measured experiment with targeting on the request path: an audience the benchmark's requests
 * match (a desktop User-Agent and an Accept header: what `fetch` from Node sends), a coverage of 100 and
 * the whole of a layer (0 to 100), so every visitor still enters and the page work is the same as the
 * plain one's, plus what the rules cost. The guardrails are not in the published config: the edge's
 * part of them is the response tally every in-sample request already makes.
 */
const pricingTargeted: Experiment = {
  ...pricing,
  audience: {
    match: "all",
    conditions: [
      { attribute: "device", operator: "in", values: ["desktop"] },
      { attribute: "header.accept", operator: "exists", values: [] },
    ],
  },
  layer: { slug: "pricing-layer", from: 0, to: 100 },
};

/**
 * The benchmark's config with `live` live experiments in all (at least the two measured ones);
 * `targeted`: the measured experiment with an audience and a layer (pricingTargeted above).
 */
export function benchConfig(live = 2, targeted = false): EdgeConfig {
  const experiments = [targeted ? pricingTargeted : pricing, homeHero];
  for (let i = 0; experiments.length < live; i++) experiments.push(filler(i));
  return { schema_version: 1, revision: 1, published_at: new Date().toISOString(), experiments } as EdgeConfig;
}
