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
import { type Checked, type Checker, guarded, INVALID, type Parsed, type Path } from "./checks.ts";
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
  SLUG_MESSAGE,
  SLUG_PATTERN,
  UTC_TIMESTAMP,
  valueInCents,
} from "./field-rules.ts";
import { type OverrideFields, overrideProblem, selectorProblem } from "./override-rules.ts";
import { samePathProblem } from "./paths.ts";
import type { ConversionEvent, EdgeConfig, EdgeExperiment, EdgeVariant } from "./schema.ts";
import { checkEdgeTargeting, checkHoldouts, type EdgeTargeting } from "./targeting/parse.ts";

export type { Parsed, Problem } from "./checks.ts";

const slug = (c: Checker, v: unknown, path: Path) => c.string(v, path, { pattern: SLUG_PATTERN, message: SLUG_MESSAGE });

function sitePath(c: Checker, v: unknown, path: Path): Checked<string> {
  const s = c.string(v, path);
  if (s === INVALID) return INVALID;
  const problem = samePathProblem(s);
  return problem === null ? s : c.fail(path, `a same-site path ${problem}`);
}

function override(c: Checker, v: unknown, path: Path): Checked<OverrideFields> {
  const o = c.object(v, path, ["selector", "action", "attribute", "value"]);
  if (o === INVALID) return INVALID;
  const selector = c.string(o.selector, [...path, "selector"], { min: 1, max: LIMITS.maxSelectorLength });
  const action = c.oneOf(o.action, [...path, "action"], OVERRIDE_ACTIONS);
  const attribute =
    o.attribute === undefined ? undefined : c.string(o.attribute, [...path, "attribute"], { min: 1, max: LIMITS.maxAttributeLength });
  const value = o.value === undefined ? undefined : c.string(o.value, [...path, "value"], { max: LIMITS.maxOverrideValueLength });
  if (selector === INVALID || action === INVALID || attribute === INVALID || value === INVALID) return INVALID;
  const out: OverrideFields = {
    selector,
    action,
    ...(attribute === undefined ? {} : { attribute }),
    ...(value === undefined ? {} : { value }),
  };
  const badSelector = selectorProblem(selector);
  if (badSelector !== null) return c.fail([...path, "selector"], `the selector ${badSelector}`);
  const incomplete = overrideProblem(out);
  return incomplete === null ? out : c.fail([...path, incomplete.field], incomplete.message);
}

function variant(c: Checker, v: unknown, path: Path): Checked<EdgeVariant> {
  const o = c.object(v, path, ["slug", "page", "overrides", "traffic_share", "stopped"]);
  if (o === INVALID) return INVALID;
  const s = slug(c, o.slug, [...path, "slug"]);
  const page = o.page === undefined ? undefined : sitePath(c, o.page, [...path, "page"]);
  const overrides =
    o.overrides === undefined
      ? undefined
      : c.array(o.overrides, [...path, "overrides"], 0, LIMITS.maxOverrides, (x, p) => override(c, x, p));
  let share = c.number(o.traffic_share, [...path, "traffic_share"], { min: 0, max: 100 });
  if (share !== INVALID && Number.isNaN(shareInBuckets(share))) share = c.fail([...path, "traffic_share"], "at most two decimals");
  const stopped = o.stopped === undefined ? undefined : c.boolean(o.stopped, [...path, "stopped"]);
  if (s === INVALID || page === INVALID || overrides === INVALID || share === INVALID || stopped === INVALID) return INVALID;
  return {
    slug: s,
    ...(page === undefined ? {} : { page }),
    ...(overrides === undefined ? {} : { overrides }),
    traffic_share: share,
    ...(stopped === undefined ? {} : { stopped }),
  };
}

/** A value goal's per-visitor cap: above 0, at most MAX_VALUE_CAP, whole cents. */
function valueCap(c: Checker, v: unknown, path: Path): Checked<{ value: number }> {
  const o = c.object(v, path, ["value"]);
  if (o === INVALID) return INVALID;
  let value = c.number(o.value, [...path, "value"], { max: MAX_VALUE_CAP });
  if (value !== INVALID && !(value > 0)) value = c.fail([...path, "value"], "must be above 0");
  if (value !== INVALID && Number.isNaN(valueInCents(value))) value = c.fail([...path, "value"], "at most two decimals");
  return value === INVALID ? INVALID : { value };
}

function conversionEvent(c: Checker, v: unknown, path: Path): Checked<ConversionEvent> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return c.fail(path, "expected an object");
  const type = c.oneOf((v as Record<string, unknown>).type, [...path, "type"], CONVERSION_TYPES);
  if (type === INVALID) return INVALID;
  if (type === "custom") {
    const o = c.object(v, path, ["type", "name", "aggregate", "cap"]);
    if (o === INVALID) return INVALID;
    const name = c.string(o.name, [...path, "name"], { pattern: CUSTOM_EVENT_NAME, message: CUSTOM_EVENT_MESSAGE });
    const aggregate = o.aggregate === undefined ? undefined : c.oneOf(o.aggregate, [...path, "aggregate"], GOAL_AGGREGATES);
    const cap = o.cap === undefined ? undefined : valueCap(c, o.cap, [...path, "cap"]);
    if (name === INVALID || aggregate === INVALID || cap === INVALID) return INVALID;
    if (cap !== undefined && aggregate !== "sum") return c.fail([...path, "cap"], 'a cap needs "aggregate": "sum"');
    return { type, name, ...(aggregate === undefined ? {} : { aggregate }), ...(cap === undefined ? {} : { cap }) };
  }
  const o = c.object(v, path, ["type", "path"]);
  if (o === INVALID) return INVALID;
  const p = sitePath(c, o.path, [...path, "path"]);
  return p === INVALID ? INVALID : { type, path: p };
}

/** The rules of the variants together: distinct slugs, and shares that cover exactly the 10,000 buckets. */
function variantsTogether(c: Checker, variants: readonly EdgeVariant[], path: Path): boolean {
  let ok = true;
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (seen.has(v.slug)) {
      c.fail([...path, "variants", i, "slug"], `variant slug "${v.slug}" is used twice`);
      ok = false;
    }
    seen.add(v.slug);
  });
  let total = 0;
  for (const v of variants) total += shareInBuckets(v.traffic_share);
  if (total !== 10_000) {
    c.fail([...path, "variants"], "traffic shares must sum to exactly 100");
    ok = false;
  }
  return ok;
}

function experiment(c: Checker, v: unknown, path: Path): Checked<EdgeExperiment> {
  const o = c.object(v, path, [
    "id",
    "slug",
    "target_page",
    "state",
    "variants",
    "shipped_variant_slug",
    "conversion_event",
    "secondary_goals",
    "epoch",
    "shards",
    "rollout_percent",
    "allow_script_overrides",
    "audience",
    "coverage_percent",
    "layer",
    "scheduled_end_at",
    "bots",
  ]);
  if (o === INVALID) return INVALID;
  const id = c.number(o.id, [...path, "id"], { int: true, min: 1 });
  const s = slug(c, o.slug, [...path, "slug"]);
  const targetPage = sitePath(c, o.target_page, [...path, "target_page"]);
  const state = c.oneOf(o.state, [...path, "state"], EDGE_STATES);
  const variants = c.array(o.variants, [...path, "variants"], LIMITS.minVariants, LIMITS.maxVariants, (x, p) => variant(c, x, p));
  const shipped = o.shipped_variant_slug === null ? null : slug(c, o.shipped_variant_slug, [...path, "shipped_variant_slug"]);
  const event = conversionEvent(c, o.conversion_event, [...path, "conversion_event"]);
  const secondary = c.array(o.secondary_goals, [...path, "secondary_goals"], 0, LIMITS.maxSecondaryGoals, (x, p) =>
    conversionEvent(c, x, p),
  );
  const epoch = c.number(o.epoch, [...path, "epoch"], { int: true, min: 0 });
  const shards = o.shards === undefined ? 1 : c.number(o.shards, [...path, "shards"], { int: true, min: 1, max: LIMITS.maxShards });
  const rollout = o.rollout_percent === undefined ? 100 : c.number(o.rollout_percent, [...path, "rollout_percent"], { min: 0, max: 100 });
  const allowScripts =
    o.allow_script_overrides === undefined ? false : c.boolean(o.allow_script_overrides, [...path, "allow_script_overrides"]);
  const targeting = checkEdgeTargeting(c, o, path);
  if (
    targeting === INVALID ||
    id === INVALID ||
    s === INVALID ||
    targetPage === INVALID ||
    state === INVALID ||
    variants === INVALID ||
    shipped === INVALID ||
    event === INVALID ||
    secondary === INVALID ||
    epoch === INVALID ||
    shards === INVALID ||
    rollout === INVALID ||
    allowScripts === INVALID
  ) {
    return INVALID;
  }
  if (!variantsTogether(c, variants, path)) return INVALID;
  return {
    id,
    slug: s,
    target_page: targetPage,
    state,
    variants,
    shipped_variant_slug: shipped,
    conversion_event: event,
    secondary_goals: secondary,
    epoch,
    shards,
    rollout_percent: rollout,
    allow_script_overrides: allowScripts,
    // The same values zod gives (AudienceSchema's arrays are mutable in its type, read-only in ours).
    ...(targeting as TargetingOf<EdgeExperiment>),
  };
}

type TargetingOf<E> = Pick<E, Extract<keyof E, keyof EdgeTargeting>>;

/** The published document, or the problems that make it unusable. Never throws. */
export function parseEdgeConfig(input: unknown): Parsed<EdgeConfig> {
  return guarded("(document)", (c) => {
    const o = c.object(input, [], ["schema_version", "revision", "published_at", "experiments", "holdouts"]);
    if (o === INVALID) return INVALID;
    const version =
      o.schema_version === EDGE_CONFIG_SCHEMA_VERSION
        ? EDGE_CONFIG_SCHEMA_VERSION
        : c.fail(["schema_version"], `must be ${EDGE_CONFIG_SCHEMA_VERSION}`);
    const revision = c.number(o.revision, ["revision"], { int: true, min: 0 });
    const publishedAt = c.string(o.published_at, ["published_at"], { pattern: UTC_TIMESTAMP, message: "an ISO 8601 time in UTC (…Z)" });
    const experiments = c.array(o.experiments, ["experiments"], 0, LIMITS.maxPublishedExperiments, (x, p) => experiment(c, x, p));
    const holdouts = checkHoldouts(c, o.holdouts, ["holdouts"]);
    if (version === INVALID || revision === INVALID || publishedAt === INVALID || experiments === INVALID || holdouts === INVALID) {
      return INVALID;
    }
    return {
      schema_version: version,
      revision,
      published_at: publishedAt,
      experiments,
      holdouts: holdouts as EdgeConfig["holdouts"],
    };
  });
}
