// The edge's reading of the targeting fields of the published config, checked by hand: the edge does
// not load zod. It accepts exactly what the zod schemas of schema.ts accept (`EdgeTargetingSchema`
// for an experiment's fields, `HoldoutsSchema` for the top-level list) and returns the same values,
// defaults filled in; a property test holds the two together. Value rules (attributes, operators,
// percents, goal keys) are the shared functions of audience.ts and rules.ts, called by both.
//
// Written on the same Checker as src/core/edge-config.ts (checks.ts), which calls it while it reads
// an experiment, so the edge carries one set of checks:
//
// @example
// const targeting = checkEdgeTargeting(c, raw, ["experiments", i]); // raw: the experiment's JSON object
// const holdouts = checkHoldouts(c, document.holdouts, ["holdouts"]);
// parseEdgeTargeting(raw); // on its own: { ok, value } or { ok: false, path, message }

import { type Checked, type Checker, guarded, INVALID, type Path } from "../checks.ts";
import { MAX_SHARDS } from "../shards.ts";
import type { Audience, AudienceCondition, AudienceOperator } from "./audience.ts";
import { AUDIENCE_MATCHES, AUDIENCE_OPERATORS, audienceProblems, conditionProblems } from "./audience.ts";
import type { Holdout } from "./holdouts.ts";
import type { LayerSlice } from "./layers.ts";
import { BOTS_RULES, type BotsRule, goalKeyProblem, isUtcInstant, MAX_HOLDOUTS, percentProblem, SLUG, SLUG_MESSAGE } from "./rules.ts";

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly path: string; readonly message: string };

/** An experiment's targeting fields as the edge holds them, every default filled in. */
export interface EdgeTargeting {
  readonly audience: Audience | null;
  readonly coverage_percent: number;
  readonly layer: LayerSlice | null;
  readonly scheduled_end_at: string | null;
  readonly bots: BotsRule;
}

/** Runs a check on its own Checker; the first problem found is the answer. Never throws. */
function alone<T>(check: (c: Checker) => Checked<T>): Parsed<T> {
  const r = guarded("(value)", check);
  if (r.ok) return r;
  const first = r.problems[0] ?? { path: "(value)", message: "invalid" };
  return { ok: false, path: first.path, message: first.message };
}

const slug = (c: Checker, v: unknown, path: Path): Checked<string> => c.string(v, path, { pattern: SLUG, message: SLUG_MESSAGE });

function percent(c: Checker, v: unknown, path: Path): Checked<number> {
  const n = c.number(v, path);
  if (n === INVALID) return n;
  const problem = percentProblem(n);
  return problem === null ? n : c.fail(path, problem);
}

/** The first of a shared rule's issues (paths relative to `path`), recorded; INVALID when there is one. */
function firstIssue<T>(c: Checker, value: T, issues: ReadonlyArray<{ path: string; message: string }>, path: Path): Checked<T> {
  const first = issues[0];
  return first === undefined ? value : c.fail([...path, first.path], first.message);
}

function condition(c: Checker, v: unknown, path: Path): Checked<AudienceCondition> {
  const o = c.object(v, path, ["attribute", "operator", "values"]);
  if (o === INVALID) return o;
  const attribute = c.string(o.attribute, [...path, "attribute"], { max: 120 });
  const operator = c.oneOf<AudienceOperator>(o.operator, [...path, "operator"], AUDIENCE_OPERATORS);
  const values = o.values === undefined ? [] : c.array(o.values, [...path, "values"], 0, 1000, (x, p) => c.string(x, p));
  if (attribute === INVALID || operator === INVALID || values === INVALID) return INVALID;
  const cond: AudienceCondition = { attribute, operator, values };
  return firstIssue(c, cond, conditionProblems(cond), path);
}

function audience(c: Checker, v: unknown, path: Path): Checked<Audience | null> {
  if (v === undefined || v === null) return null;
  const o = c.object(v, path, ["match", "conditions"]);
  if (o === INVALID) return o;
  const match = o.match === undefined ? "all" : c.oneOf(o.match, [...path, "match"], AUDIENCE_MATCHES);
  const conditions = c.array(o.conditions, [...path, "conditions"], 0, 100, (x, p) => condition(c, x, p));
  if (match === INVALID || conditions === INVALID) return INVALID;
  const a: Audience = { match, conditions };
  return firstIssue(c, a, audienceProblems(a), path);
}

function layer(c: Checker, v: unknown, path: Path): Checked<LayerSlice | null> {
  if (v === undefined || v === null) return null;
  const o = c.object(v, path, ["slug", "from", "to"]);
  if (o === INVALID) return o;
  const s = slug(c, o.slug, [...path, "slug"]);
  const from = percent(c, o.from, [...path, "from"]);
  const to = percent(c, o.to, [...path, "to"]);
  if (s === INVALID || from === INVALID || to === INVALID) return INVALID;
  return from < to ? { slug: s, from, to } : c.fail([...path, "to"], "a layer slice needs from < to");
}

function instant(c: Checker, v: unknown, path: Path): Checked<string | null> {
  if (v === undefined || v === null) return null;
  const s = c.string(v, path);
  if (s === INVALID || isUtcInstant(s)) return s;
  return c.fail(path, "must be a UTC time such as 2026-03-01T09:00:00Z");
}

/** An experiment's targeting fields from its published JSON object (other fields are left alone). */
export function checkEdgeTargeting(c: Checker, o: Record<string, unknown>, path: Path): Checked<EdgeTargeting> {
  const t = {
    audience: audience(c, o.audience, [...path, "audience"]),
    coverage_percent: o.coverage_percent === undefined ? 100 : percent(c, o.coverage_percent, [...path, "coverage_percent"]),
    layer: layer(c, o.layer, [...path, "layer"]),
    scheduled_end_at: instant(c, o.scheduled_end_at, [...path, "scheduled_end_at"]),
    bots: o.bots === undefined ? "like_visitors" : c.oneOf(o.bots, [...path, "bots"], BOTS_RULES),
  };
  return Object.values(t).includes(INVALID) ? INVALID : (t as EdgeTargeting);
}

/** An experiment's targeting fields on their own (other fields are left alone). */
export function parseEdgeTargeting(experiment: unknown): Parsed<EdgeTargeting> {
  return alone((c) => {
    if (typeof experiment !== "object" || experiment === null || Array.isArray(experiment)) return c.fail([], "expected an object");
    return checkEdgeTargeting(c, experiment as Record<string, unknown>, []);
  });
}

/** An audience on its own (null when absent). */
export function parseAudience(value: unknown): Parsed<Audience | null> {
  return alone((c) => audience(c, value, []));
}

function holdout(c: Checker, v: unknown, path: Path): Checked<Holdout> {
  const o = c.object(v, path, ["id", "slug", "percent", "layer", "goals", "epoch", "shards"]);
  if (o === INVALID) return o;
  const goalKey = (x: unknown, p: Path): Checked<string> => {
    const key = c.string(x, p);
    if (key === INVALID) return key;
    const problem = goalKeyProblem(key);
    return problem === null ? key : c.fail(p, problem);
  };
  const h = {
    id: c.number(o.id, [...path, "id"], { int: true, min: 1 }),
    slug: slug(c, o.slug, [...path, "slug"]),
    percent: percent(c, o.percent, [...path, "percent"]),
    layer: o.layer === undefined || o.layer === null ? null : slug(c, o.layer, [...path, "layer"]),
    goals: o.goals === undefined ? [] : c.array(o.goals, [...path, "goals"], 0, 20, goalKey),
    epoch: o.epoch === undefined ? 0 : c.number(o.epoch, [...path, "epoch"], { int: true, min: 0 }),
    shards: o.shards === undefined ? 1 : c.number(o.shards, [...path, "shards"], { int: true, min: 1, max: MAX_SHARDS }),
  };
  return Object.values(h).includes(INVALID) ? INVALID : (h as Holdout);
}

/** The published config's `holdouts` ([] when absent): ids and slugs unique. */
export function checkHoldouts(c: Checker, value: unknown, path: Path): Checked<readonly Holdout[]> {
  if (value === undefined) return [];
  const list = c.array(value, path, 0, MAX_HOLDOUTS, (x, p) => holdout(c, x, p));
  if (list === INVALID) return list;
  const ids = new Set<number>();
  const slugs = new Set<string>();
  for (const [i, h] of list.entries()) {
    if (ids.has(h.id)) return c.fail([...path, i, "id"], `holdout id ${h.id} is used twice`);
    if (slugs.has(h.slug)) return c.fail([...path, i, "slug"], `holdout slug "${h.slug}" is used twice`);
    ids.add(h.id);
    slugs.add(h.slug);
  }
  return list;
}

/** The holdouts list on its own ([] when absent). */
export function parseHoldouts(value: unknown): Parsed<readonly Holdout[]> {
  return alone((c) => checkHoldouts(c, value, []));
}
