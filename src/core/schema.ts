// The experiment record and the view of it the edge reads, as zod schemas. The admin parses with these,
// and kv-schema/*.schema.json is generated from them. The edge reads the published document with the
// hand-checked parser of edge-config.ts instead (no zod on a visitor's request), which a property test
// holds to EdgeConfig here: a field added to the published config goes into both, and into kv-schema/.
import * as z from "zod";
import { shareInBuckets } from "./assignment.ts";
import {
  CUSTOM_EVENT_MESSAGE,
  CUSTOM_EVENT_NAME,
  EDGE_CONFIG_SCHEMA_VERSION,
  EDGE_STATES,
  GOAL_AGGREGATES,
  LIMITS,
  MAX_VALUE_CAP,
  SLUG_MESSAGE,
  SLUG_PATTERN,
  valueInCents,
} from "./field-rules.ts";
import { Override } from "./overrides.ts";
import { samePathProblem } from "./paths.ts";
import { utcInstant } from "./targeting/schedule.ts";
import { edgeTargetingFields, HoldoutsSchema, targetingFields, targetingProblems } from "./targeting/schema.ts";

export { CUSTOM_EVENT_NAME, EDGE_CONFIG_SCHEMA_VERSION, EDGE_STATES, SLUG_PATTERN } from "./field-rules.ts";

export const Slug = z.string().regex(SLUG_PATTERN, SLUG_MESSAGE);

export const SitePath = z.string().superRefine((path, ctx) => {
  const problem = samePathProblem(path);
  if (problem) ctx.addIssue({ code: "custom", message: `a same-site path ${problem}` });
});

export const TrafficShare = z
  .number()
  .min(0)
  .max(100)
  .refine((s) => !Number.isNaN(shareInBuckets(s)), "at most two decimals");

export const Variant = z.strictObject({
  slug: Slug,
  label: z.string().min(1).max(200),
  page: SitePath.optional(),
  overrides: z.array(Override).max(LIMITS.maxOverrides).optional(),
  traffic_share: TrafficShare,
});
export type Variant = z.infer<typeof Variant>;

/** A per-visitor cap of a value goal, in currency units (docs/metrics.md, "Outliers"). */
export const ValueCap = z.strictObject({
  value: z
    .number()
    .gt(0)
    .max(MAX_VALUE_CAP)
    .refine((v) => !Number.isNaN(valueInCents(v)), "at most two decimals"),
});

export const ConversionEvent = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("page_view"), path: SitePath }),
  z.strictObject({ type: z.literal("form_submission"), path: SitePath }),
  z
    .strictObject({
      type: z.literal("custom"),
      name: z.string().regex(CUSTOM_EVENT_NAME, CUSTOM_EVENT_MESSAGE),
      /** `sum`: a value metric, the sum of the events' `value` per visitor in the sample (revenue per visitor). */
      aggregate: z.enum(GOAL_AGGREGATES).optional(),
      /** Each visitor's total is counted up to this (a value goal only). */
      cap: ValueCap.optional(),
    })
    .refine((e) => e.cap === undefined || e.aggregate === "sum", { path: ["cap"], message: 'a cap needs "aggregate": "sum"' }),
]);
export type ConversionEvent = z.infer<typeof ConversionEvent>;

/**
 * A guardrail (docs/metrics.md, "Guardrails"): a harm the experiment must not do, measured per variant
 * against the control. A variant whose always-valid confidence sequence shows it worse than the control
 * by more than `max_degradation` is stopped by the circuit breaker.
 * - `error_rate`: the share of target-page responses the origin answered 5xx (with `include_4xx`, 4xx
 *   too), as an absolute rate (0.01: one percentage point more than the control's);
 * - `origin_latency_ms`: the mean time to the origin's response headers, in milliseconds;
 * - `goal`: a goal of the experiment (the primary or a secondary one) whose rate, or value per visitor,
 *   must not fall by more than `max_degradation` (a rate, or currency units).
 */
export const Guardrail = z.discriminatedUnion("metric", [
  z.strictObject({ metric: z.literal("error_rate"), max_degradation: z.number().gt(0).max(1), include_4xx: z.boolean().default(false) }),
  z.strictObject({ metric: z.literal("origin_latency_ms"), max_degradation: z.number().gt(0).max(60_000) }),
  z.strictObject({ metric: z.literal("goal"), goal: ConversionEvent, max_degradation: z.number().gt(0).max(MAX_VALUE_CAP) }),
]);
export type Guardrail = z.infer<typeof Guardrail>;

export const PostTest = z.strictObject({
  on_winner: z.enum(["assign_winner", "assign_control", "complete"]).default("assign_winner"),
  on_inconclusive: z.enum(["keep_running", "assign_control", "complete"]).default("keep_running"),
  /**
   * A clear loser (significantly worse than the control) while the rest keep running: `keep` it, or
   * `send_to_control`: stop it, so that its visitors get the control's page and are no longer counted.
   */
  on_loser: z.enum(["keep", "send_to_control"]).default("keep"),
});
export type PostTest = z.infer<typeof PostTest>;
export const DEFAULT_POST_TEST: PostTest = { on_winner: "assign_winner", on_inconclusive: "keep_running", on_loser: "keep" };

/** Why a variant was stopped: the statistics found it a clear loser, or a guardrail tripped. */
export const STOP_REASONS = ["loser", "guardrail"] as const;

/**
 * A variant that no longer receives visitors for the rest of the epoch: visitors whose bucket or cookie
 * names it get the control's page and are not counted; the other variants keep theirs.
 */
export const StoppedVariant = z.strictObject({
  slug: Slug,
  reason: z.enum(STOP_REASONS),
  at: z.iso.datetime(),
  /** What decided it, in words (the evidence is in the audit entry). */
  detail: z.string().max(500).default(""),
});
export type StoppedVariant = z.infer<typeof StoppedVariant>;

export const LIFECYCLE_STATES = ["draft", "live", "paused", "done", "archived"] as const;
export const LifecycleState = z.enum(LIFECYCLE_STATES);
export type LifecycleState = z.infer<typeof LifecycleState>;

/** Rules that hold for any stored configuration (checked on create and on every edit). */
function checkVariants(variants: ReadonlyArray<Pick<Variant, "slug" | "traffic_share">>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (seen.has(v.slug)) {
      ctx.addIssue({ code: "custom", path: ["variants", i, "slug"], message: `variant slug "${v.slug}" is used twice` });
    }
    seen.add(v.slug);
  });
  let total = 0;
  for (const v of variants) total += shareInBuckets(v.traffic_share);
  if (total !== 10_000) {
    ctx.addIssue({
      code: "custom",
      path: ["variants"],
      message: `traffic shares must sum to exactly 100 (they sum to ${Number.isNaN(total) ? "an invalid number" : total / 100})`,
    });
  }
}

const experimentFields = {
  slug: Slug,
  name: z.string().trim().min(1).max(200),
  target_page: SitePath,
  variants: z.array(Variant).min(LIMITS.minVariants).max(LIMITS.maxVariants),
  conversion_event: ConversionEvent,
  min_sample_threshold: z.number().int().min(1).max(1_000_000_000),
  max_runtime_days: z.number().int().min(1).max(3650).nullable().default(null),
  notes: z.string().max(10_000).default(""),
  post_test: PostTest.default(DEFAULT_POST_TEST),
  secondary_goals: z.array(ConversionEvent).max(LIMITS.maxSecondaryGoals).default([]),
  /** Lets overrides beyond the allow-list of safe markup (markup-policy.ts) be saved and served. Administrators only. */
  allow_script_overrides: z.boolean().default(false),
  /**
   * Automated post-test actions wait this many days after the start of the current sample (the start, or
   * the last reset), whatever the numbers say: a full week of traffic by default. 0: no wait.
   */
  min_runtime_days: z.number().int().min(0).max(3650).default(7),
  /**
   * The sample per variant the experiment is planned for (`sgen-ab plan`, or the plan endpoint): tunes the
   * always-valid test to be most sensitive there, and is the suggested minimum sample of the gate.
   */
  planned_sample_per_variant: z.number().int().min(1).max(1_000_000_000_000).nullable().default(null),
  /** Harms that stop a variant by themselves (the circuit breaker); editable at any time. */
  guardrails: z.array(Guardrail).max(LIMITS.maxGuardrails).default([]),
  /** Who enters: audience, coverage_percent, layer, scheduled_start_at, scheduled_end_at, bots (docs/audiences.md). */
  ...targetingFields,
};

/** A goal guardrail must watch one of the experiment's own goals. */
function checkGuardrails(e: Pick<ExperimentInput, "guardrails" | "conversion_event" | "secondary_goals">, ctx: z.RefinementCtx): void {
  const goals = [e.conversion_event, ...e.secondary_goals].map((g) => JSON.stringify(g));
  e.guardrails.forEach((g, i) => {
    if (g.metric === "goal" && !goals.includes(JSON.stringify(g.goal))) {
      ctx.addIssue({
        code: "custom",
        path: ["guardrails", i, "goal"],
        message: "must be the conversion event or one of the secondary goals",
      });
    }
    if (g.metric === "goal" && !(g.goal.type === "custom" && g.goal.aggregate === "sum") && g.max_degradation > 1) {
      ctx.addIssue({ code: "custom", path: ["guardrails", i, "max_degradation"], message: "a conversion rate falls by at most 1" });
    }
  });
}

/** What an operator sends to create or replace an experiment's configuration. */
export const ExperimentInput = z.strictObject(experimentFields).superRefine((e, ctx) => {
  checkVariants(e.variants, ctx);
  checkGuardrails(e, ctx);
  for (const i of targetingProblems(e)) ctx.addIssue({ code: "custom", path: i.path.split("."), message: i.message });
});
export type ExperimentInput = z.infer<typeof ExperimentInput>;

// zod's own iso.datetime(), which accepts exactly what UTC_TIMESTAMP (the edge's check) does.
const Timestamp = z.iso.datetime();

/** The decision record kept at conclusion (post-experiment steps of the reference). */
export const DecisionRecord = z.strictObject({
  key_learning: z.string().trim().max(2000).default(""),
  decision: z.string().trim().max(2000).default(""),
  follow_up: z.string().trim().max(2000).default(""),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

/** The stored experiment record (docs/admin-api.md#the-record). */
export const ExperimentRecord = z.strictObject({
  id: z.number().int().positive(),
  ...experimentFields,
  lifecycle_state: LifecycleState,
  shipped_variant_slug: Slug.nullable(),
  significance_override_reason: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  started_at: Timestamp.nullable(),
  concluded_at: Timestamp.nullable(),
  /** What was learned and decided at conclusion (extension; null until concluded by an operator). */
  decision_record: z
    .lazy(() => DecisionRecord)
    .nullable()
    .default(null),
  /** Share of visitors (0–100) who get the shipped variant once done; the rest get the control. */
  rollout_percent: z.number().min(0).max(100).default(100),
  /** Variants stopped in the current epoch (set by the catalog, never by an edit; a reset clears them). */
  stopped_variants: z.array(StoppedVariant).max(LIMITS.maxVariants).default([]),
});
export type ExperimentRecord = z.infer<typeof ExperimentRecord>;

/** Start needs what the edge cannot do without: a share for every variant. */
export function startProblems(e: Pick<ExperimentInput, "variants">): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  e.variants.forEach((v, i) => {
    if (v.traffic_share === 0)
      out.push({ path: `variants.${i}.traffic_share`, message: "a live experiment cannot give a variant a zero share" });
  });
  return out;
}

export { OVERRIDE_ACTIONS, Override } from "./overrides.ts";

// ---- The edge's view, published to KV ------------------------------------------------------------

export const EdgeVariant = z.strictObject({
  slug: Slug,
  page: SitePath.optional(),
  overrides: z.array(Override).max(LIMITS.maxOverrides).optional(),
  traffic_share: TrafficShare,
  /**
   * True once the variant is stopped: visitors whose bucket or assignment cookie names it get the
   * control's page and are counted nowhere; the other variants keep their buckets. Absent: running.
   */
  stopped: z.boolean().optional(),
});
export type EdgeVariant = z.infer<typeof EdgeVariant>;

/** One experiment as the edge needs it: no names, notes or timestamps, nothing it does not read. */
export const EdgeExperiment = z
  .strictObject({
    id: z.number().int().positive(),
    slug: Slug,
    target_page: SitePath,
    state: z.enum(EDGE_STATES),
    variants: z.array(EdgeVariant).min(LIMITS.minVariants).max(LIMITS.maxVariants),
    shipped_variant_slug: Slug.nullable(),
    conversion_event: ConversionEvent,
    secondary_goals: z.array(ConversionEvent).max(LIMITS.maxSecondaryGoals),
    /** Bumped when a live edit resets the sample; run-data is kept per epoch. */
    epoch: z.number().int().min(0),
    /** How many run-data objects share this experiment's visitors; fixed for the experiment's life. */
    shards: z.number().int().min(1).max(LIMITS.maxShards).default(1),
    /** Once done: the share of visitors (by the assignment hash) who get the shipped variant. */
    rollout_percent: z.number().min(0).max(100).default(100),
    /**
     * An Administrator allowed overrides beyond the allow-list (markup-policy.ts). Without it the edge
     * applies only allowed overrides, and never writes into raw-text elements, whoever wrote the document.
     */
    allow_script_overrides: z.boolean().default(false),
    /** Who enters a live experiment (docs/audiences.md); the end in UTC, no start (a draft is not published). */
    ...edgeTargetingFields,
  })
  .superRefine((e, ctx) => checkVariants(e.variants, ctx));
export type EdgeExperiment = z.infer<typeof EdgeExperiment>;

/** The whole document under the KV key `sgen-ab:edge-config:v1`. */
export const EdgeConfig = z.strictObject({
  schema_version: z.literal(EDGE_CONFIG_SCHEMA_VERSION),
  revision: z.number().int().min(0),
  published_at: Timestamp,
  experiments: z.array(EdgeExperiment).max(LIMITS.maxPublishedExperiments),
  /** Visitors kept out of the experiments each covers (docs/audiences.md). */
  holdouts: HoldoutsSchema.default([]),
});
export type EdgeConfig = z.infer<typeof EdgeConfig>;

/** The published view of a record, or null for states the edge ignores (draft, archived). */
export function edgeViewOf(r: ExperimentRecord, epoch: number, shards: number): EdgeExperiment | null {
  if (r.lifecycle_state !== "live" && r.lifecycle_state !== "paused" && r.lifecycle_state !== "done") return null;
  return {
    id: r.id,
    slug: r.slug,
    target_page: r.target_page,
    state: r.lifecycle_state,
    variants: r.variants.map(({ slug, page, overrides, traffic_share }, i) => ({
      slug,
      traffic_share,
      ...(page === undefined ? {} : { page }),
      ...(overrides === undefined ? {} : { overrides }),
      // The control is never stopped: it is where a stopped variant's visitors go.
      ...(i > 0 && r.stopped_variants.some((s) => s.slug === slug) ? { stopped: true } : {}),
    })),
    shipped_variant_slug: r.shipped_variant_slug,
    conversion_event: r.conversion_event,
    secondary_goals: r.secondary_goals,
    epoch,
    shards,
    rollout_percent: r.rollout_percent,
    allow_script_overrides: r.allow_script_overrides,
    audience: r.audience,
    coverage_percent: r.coverage_percent,
    layer: r.layer,
    scheduled_end_at: r.scheduled_end_at === null ? null : utcInstant(r.scheduled_end_at),
    bots: r.bots,
  };
}
