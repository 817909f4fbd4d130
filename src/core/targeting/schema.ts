// The zod schemas of the targeting fields (admin side). The edge never imports this file: it reads the
// published config with parse.ts, which a property test holds to these schemas.
//
// Fields of an experiment (record and admin body): `audience`, `coverage_percent`, `layer`,
// `scheduled_start_at`, `scheduled_end_at`, `bots`. Of the published config: the same without
// `scheduled_start_at` (a draft is not published; the catalog's alarm starts it), and a top-level
// `holdouts` list. Every field has a default, so records and documents written before these fields
// existed read as "everyone, 100 %, no layer, no schedule".
import * as z from "zod";
import type { Issue } from "../errors.ts";
import { SLUG_MESSAGE, SLUG_PATTERN } from "../field-rules.ts";
import { MAX_SHARDS } from "../shards.ts";
import { AUDIENCE_MATCHES, AUDIENCE_OPERATORS, type AudienceCondition, audienceProblems, conditionProblems } from "./audience.ts";
import { BOTS_RULES, goalKeyProblem, MAX_HOLDOUTS, percentProblem } from "./rules.ts";
import { scheduleOrderProblem } from "./schedule.ts";

const Slug = z.string().regex(SLUG_PATTERN, SLUG_MESSAGE);

const addIssues = (ctx: z.RefinementCtx, issues: readonly Issue[], prefix: ReadonlyArray<string | number> = []) => {
  for (const i of issues)
    ctx.addIssue({
      code: "custom",
      path: [...prefix, ...i.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p))],
      message: i.message,
    });
};

/** A percent from 0 to 100 with at most two decimals (hundredths of a percent are buckets). */
export const Percent = z.number().superRefine((p, ctx) => {
  const problem = percentProblem(p);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
});

export const AudienceConditionSchema = z
  .strictObject({
    attribute: z.string().max(120, "an attribute may have at most 120 characters"),
    operator: z.enum(AUDIENCE_OPERATORS, { error: `use one of ${AUDIENCE_OPERATORS.join(", ")}` }),
    values: z.array(z.string()).max(1000).default([]),
  })
  .superRefine((c, ctx) => addIssues(ctx, conditionProblems(c as AudienceCondition)));

/** `{ match: "all" | "any", conditions: [{ attribute, operator, values }] }`: docs/audiences.md. */
export const AudienceSchema = z
  .strictObject({
    match: z.enum(AUDIENCE_MATCHES, { error: 'use "all" or "any"' }).default("all"),
    conditions: z.array(AudienceConditionSchema).max(100),
  })
  .superRefine((a, ctx) => addIssues(ctx, audienceProblems(a)));
export type AudienceSchema = z.infer<typeof AudienceSchema>;

/** An exclusive layer's slice: the experiment owns `[from, to)` of the layer's 10,000 buckets. */
export const LayerSliceSchema = z.strictObject({ slug: Slug, from: Percent, to: Percent }).superRefine((l, ctx) => {
  if (!(l.from < l.to)) ctx.addIssue({ code: "custom", path: ["to"], message: "a layer slice needs from < to" });
});
export type LayerSliceSchema = z.infer<typeof LayerSliceSchema>;

/** A goal by its run-data key: `page_view:/thanks`, `form_submission:/signup`, `custom:signup`. */
export const GoalKeySchema = z.string().superRefine((k, ctx) => {
  const problem = goalKeyProblem(k);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * A holdout: `percent` of visitors (by the holdout hash) enter none of the experiments it covers —
 * every experiment when `layer` is null, else the experiments of that layer. `goals` are what the
 * holdout's visitors are counted on, for comparing them with everyone else.
 */
export const HoldoutSchema = z.strictObject({
  id: z.number().int().positive(),
  slug: Slug,
  percent: Percent,
  layer: Slug.nullable().default(null),
  goals: z.array(GoalKeySchema).max(20).default([]),
  /** Bumped when a change restarts the holdout's counts. */
  epoch: z.number().int().min(0).default(0),
  /** Run-data objects its visitors are spread over (`holdout:<id>:shard:<k>`). */
  shards: z.number().int().min(1).max(MAX_SHARDS).default(1),
});
export type HoldoutSchema = z.infer<typeof HoldoutSchema>;

/** The published config's top-level `holdouts`: ids and slugs unique. */
export const HoldoutsSchema = z
  .array(HoldoutSchema)
  .max(MAX_HOLDOUTS)
  .superRefine((list, ctx) => {
    const ids = new Set<number>();
    const slugs = new Set<string>();
    list.forEach((h, i) => {
      if (ids.has(h.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `holdout id ${h.id} is used twice` });
      if (slugs.has(h.slug)) ctx.addIssue({ code: "custom", path: [i, "slug"], message: `holdout slug "${h.slug}" is used twice` });
      ids.add(h.id);
      slugs.add(h.slug);
    });
  });

/** What the edge does with known crawlers: serve them like visitors (never counted), or the control. */
export const BotsRuleSchema = z.enum(BOTS_RULES, { error: 'use "like_visitors" or "control"' });

/** An instant an operator may write: ISO 8601 with seconds and a Z or ±hh:mm offset. */
export const ScheduleInstant = z.iso.datetime({ offset: true, error: "use an ISO 8601 time such as 2026-03-01T09:00:00Z" });
/** An instant as the published config carries it: UTC, `Z`. */
export const UtcInstant = z.iso.datetime({ error: "use an ISO 8601 UTC time such as 2026-03-01T09:00:00Z" });

/**
 * The targeting fields of an experiment, for `ExperimentInput` and `ExperimentRecord` (spread them in
 * beside the other fields, and add `targetingProblems` to the record's cross-field check).
 */
export const targetingFields = {
  audience: AudienceSchema.nullable().default(null),
  coverage_percent: Percent.default(100),
  layer: LayerSliceSchema.nullable().default(null),
  scheduled_start_at: ScheduleInstant.nullable().default(null),
  scheduled_end_at: ScheduleInstant.nullable().default(null),
  bots: BotsRuleSchema.default("like_visitors"),
};

/** The same fields as published to the edge (`EdgeExperiment`): no start, the end in UTC. */
export const edgeTargetingFields = {
  audience: AudienceSchema.nullable().default(null),
  coverage_percent: Percent.default(100),
  layer: LayerSliceSchema.nullable().default(null),
  scheduled_end_at: UtcInstant.nullable().default(null),
  bots: BotsRuleSchema.default("like_visitors"),
};

/** The edge's targeting fields on their own (what parse.ts's `parseEdgeTargeting` returns). */
export const EdgeTargetingSchema = z.object(edgeTargetingFields);
export type EdgeTargetingSchema = z.infer<typeof EdgeTargetingSchema>;

/** Cross-field rules of the targeting fields of one experiment, for a superRefine. */
export function targetingProblems(e: { scheduled_start_at: string | null; scheduled_end_at: string | null }): Issue[] {
  const problem = scheduleOrderProblem(e.scheduled_start_at, e.scheduled_end_at);
  return problem === null ? [] : [{ path: "scheduled_end_at", message: problem }];
}
