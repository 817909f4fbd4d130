// The edge's parser of the published config (the KV document of kv-schema/edge-config.schema.json),
// checked by hand instead of with zod, so that nothing on a visitor's request loads a validation
// library. It accepts exactly what the zod schema EdgeConfig (schema.ts) accepts, with the same
// defaults (shards 1, rollout_percent 100, allow_script_overrides false), and never throws: a bad document is a list of problems with
// their paths, and the edge keeps its last good copy. The targeting fields (audience, coverage, layer,
// schedule end, bots) and the top-level holdouts are read by targeting/parse.ts, which shares the value
// rules with the zod side. test/workers/edge-parsers.test.ts holds the two
// together on random and mutated documents. Add a field to the published config here, in schema.ts and
// in kv-schema/ (`npm run kv-schema`) at once.
import { shareInBuckets } from "./assignment.ts";
import {
  bool,
  type Check,
  type Checked,
  guarded,
  INVALID,
  list,
  num,
  oneOf,
  optional,
  type Parsed,
  refined,
  type Shape,
  text,
} from "./checks.ts";
import { sitePath, slug } from "./field-checks.ts";
import {
  CONVERSION_TYPES,
  CUSTOM_EVENT_MESSAGE,
  CUSTOM_EVENT_NAME,
  EDGE_CONFIG_SCHEMA_VERSION,
  EDGE_STATES,
  GOAL_AGGREGATES,
  LIMITS,
  MAX_VALUE_CAP,
  OVERRIDE_ACTIONS,
  UTC_TIMESTAMP,
  valueInCents,
} from "./field-rules.ts";
import { type OverrideFields, overrideProblem, selectorProblem } from "./override-rules.ts";
import type { ConversionEvent, EdgeConfig, EdgeExperiment, EdgeVariant } from "./schema.ts";
import { checkHoldouts, type EdgeTargeting, TARGETING } from "./targeting/parse.ts";

export type { Parsed, Problem } from "./checks.ts";

const OVERRIDE: Shape<OverrideFields> = {
  selector: refined(text({ min: 1, max: LIMITS.maxSelectorLength }), (s) => {
    const problem = selectorProblem(s);
    return problem === null ? null : `the selector ${problem}`;
  }),
  action: oneOf(OVERRIDE_ACTIONS),
  attribute: optional(text({ min: 1, max: LIMITS.maxAttributeLength })),
  value: optional(text({ max: LIMITS.maxOverrideValueLength })),
};

const override: Check<OverrideFields> = (c, v, path) => {
  const o = c.fields(v, path, OVERRIDE);
  if (o === INVALID) return o;
  const incomplete = overrideProblem(o);
  return incomplete === null ? o : c.fail([...path, incomplete.field], incomplete.message);
};

const VARIANT: Shape<EdgeVariant> = {
  slug,
  page: optional(sitePath),
  overrides: optional(list(0, LIMITS.maxOverrides, override)),
  traffic_share: refined(num({ min: 0, max: 100 }), (share) => (Number.isNaN(shareInBuckets(share)) ? "at most two decimals" : null)),
  stopped: optional(bool),
};

/** A value goal's per-visitor cap: above 0, at most MAX_VALUE_CAP, whole cents. */
const VALUE_CAP: Shape<{ value: number }> = {
  value: refined(num({ max: MAX_VALUE_CAP }), (value) =>
    !(value > 0) ? "must be above 0" : Number.isNaN(valueInCents(value)) ? "at most two decimals" : null,
  ),
};

type CustomGoal = Extract<ConversionEvent, { type: "custom" }>;

const CUSTOM_GOAL: Shape<CustomGoal> = {
  type: oneOf(["custom"]),
  name: text({ pattern: CUSTOM_EVENT_NAME, message: CUSTOM_EVENT_MESSAGE }),
  aggregate: optional(oneOf(GOAL_AGGREGATES)),
  cap: optional((c, v, path) => c.fields(v, path, VALUE_CAP)),
};

const PATH_GOAL: Shape<{ type: "page_view" | "form_submission"; path: string }> = {
  type: oneOf(["page_view", "form_submission"]),
  path: sitePath,
};

const conversionEvent: Check<ConversionEvent> = (c, v, path) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return c.fail(path, "expected an object");
  const type = c.oneOf((v as Record<string, unknown>).type, [...path, "type"], CONVERSION_TYPES);
  if (type === INVALID) return INVALID;
  if (type !== "custom") return c.fields(v, path, PATH_GOAL) as Checked<ConversionEvent>;
  const goal = c.fields(v, path, CUSTOM_GOAL);
  if (goal === INVALID || goal.cap === undefined || goal.aggregate === "sum") return goal;
  return c.fail([...path, "cap"], 'a cap needs "aggregate": "sum"');
};

// The targeting fields are read-only in their own type, mutable in zod's inferred one: the same values.
type Experiment = Omit<EdgeExperiment, keyof EdgeTargeting> & EdgeTargeting;

const EXPERIMENT: Shape<Experiment> = {
  id: num({ int: true, min: 1 }),
  slug,
  target_page: sitePath,
  state: oneOf(EDGE_STATES),
  variants: list(LIMITS.minVariants, LIMITS.maxVariants, (c, v, path) => c.fields(v, path, VARIANT)),
  shipped_variant_slug: (c, v, path) => (v === null ? null : slug(c, v, path)),
  conversion_event: conversionEvent,
  secondary_goals: list(0, LIMITS.maxSecondaryGoals, conversionEvent),
  epoch: num({ int: true, min: 0 }),
  shards: optional(num({ int: true, min: 1, max: LIMITS.maxShards }), 1),
  rollout_percent: optional(num({ min: 0, max: 100 }), 100),
  allow_script_overrides: optional(bool, false),
  ...TARGETING,
};

/**
 * An experiment, and the rules of its variants together: distinct slugs, and shares that cover exactly
 * the 10,000 buckets.
 */
const experiment: Check<EdgeExperiment> = (c, v, path) => {
  const e = c.fields(v, path, EXPERIMENT) as Checked<EdgeExperiment>;
  if (e === INVALID) return e;
  let ok = true;
  const seen = new Set<string>();
  let total = 0;
  e.variants.forEach((variant, i) => {
    if (seen.has(variant.slug)) {
      c.fail([...path, "variants", i, "slug"], `variant slug "${variant.slug}" is used twice`);
      ok = false;
    }
    seen.add(variant.slug);
    total += shareInBuckets(variant.traffic_share);
  });
  if (total !== 10_000) {
    c.fail([...path, "variants"], "traffic shares must sum to exactly 100");
    ok = false;
  }
  return ok ? e : INVALID;
};

const DOCUMENT: Shape<EdgeConfig> = {
  schema_version: (c, v, path) =>
    v === EDGE_CONFIG_SCHEMA_VERSION ? EDGE_CONFIG_SCHEMA_VERSION : c.fail(path, `must be ${EDGE_CONFIG_SCHEMA_VERSION}`),
  revision: num({ int: true, min: 0 }),
  published_at: text({ pattern: UTC_TIMESTAMP, message: "an ISO 8601 time in UTC (…Z)" }),
  experiments: list(0, LIMITS.maxPublishedExperiments, experiment),
  holdouts: (c, v, path) => checkHoldouts(c, v, path) as Checked<EdgeConfig["holdouts"]>,
};

/** The published document, or the problems that make it unusable. Never throws. */
export function parseEdgeConfig(input: unknown): Parsed<EdgeConfig> {
  return guarded("(document)", (c) => c.fields(input, [], DOCUMENT));
}
