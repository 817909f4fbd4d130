// The edge's reading of the targeting fields of the published config, checked by hand: the edge does
// not load zod. It accepts exactly what the zod schemas of schema.ts accept (`EdgeTargetingSchema`
// for an experiment's fields, `HoldoutsSchema` for the top-level list) and returns the same values,
// defaults filled in; a property test holds the two together. Value rules (attributes, operators,
// percents, goal keys) are the shared functions of audience.ts and rules.ts, called by both.
//
// Written for src/core/edge-config.ts to call while it reads an experiment:
//
// @example
// const targeting = parseEdgeTargeting(raw);            // raw: the experiment's JSON object
// if (!targeting.ok) return reject(`experiments.${i}.${targeting.path}`, targeting.message);
// const holdouts = parseHoldouts(document.holdouts);

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

/** Thrown inside this module only, caught by the exported functions: a parse never throws out. */
class Bad {
  readonly path: string;
  readonly message: string;
  constructor(path: string, message: string) {
    this.path = path;
    this.message = message;
  }
}

const join = (path: string, key: string | number): string => (path === "" ? String(key) : `${path}.${key}`);

function run<T>(read: () => T): Parsed<T> {
  try {
    return { ok: true, value: read() };
  } catch (err) {
    if (err instanceof Bad) return { ok: false, path: err.path || "(value)", message: err.message };
    return { ok: false, path: "(value)", message: "could not be read" };
  }
}

type Json = Record<string, unknown>;

function object(v: unknown, path: string, keys: readonly string[] | null): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Bad(path, "must be an object");
  if (keys !== null) {
    for (const k of Object.keys(v)) if (!keys.includes(k)) throw new Bad(path, `has an unknown field "${k}"`);
  }
  return v as Json;
}

function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new Bad(path, "must be an array");
  if (v.length > max) throw new Bad(path, `may have at most ${max} items`);
  // Dense: a hole (`[, 1]`) is read as undefined, as zod reads it, where .map would skip it.
  return Array.from(v);
}

function string(v: unknown, path: string): string {
  if (typeof v !== "string") throw new Bad(path, "must be a string");
  return v;
}

function oneOf<T extends string>(v: unknown, path: string, options: readonly T[]): T {
  if (typeof v !== "string" || !(options as readonly string[]).includes(v)) throw new Bad(path, `must be one of ${options.join(", ")}`);
  return v as T;
}

function slug(v: unknown, path: string): string {
  const s = string(v, path);
  if (!SLUG.test(s)) throw new Bad(path, SLUG_MESSAGE);
  return s;
}

function percent(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Bad(path, "must be a number");
  const problem = percentProblem(v);
  if (problem !== null) throw new Bad(path, problem);
  return v;
}

function integer(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new Bad(path, "must be a whole number");
  if (v < min || v > max) throw new Bad(path, `must be from ${min} to ${max}`);
  return v;
}

function firstIssue(issues: ReadonlyArray<{ path: string; message: string }>, path: string): void {
  const first = issues[0];
  if (first !== undefined) throw new Bad(join(path, first.path), first.message);
}

function condition(v: unknown, path: string): AudienceCondition {
  const o = object(v, path, ["attribute", "operator", "values"]);
  const attribute = string(o.attribute, join(path, "attribute"));
  if (attribute.length > 120) throw new Bad(join(path, "attribute"), "an attribute may have at most 120 characters");
  const operator = oneOf<AudienceOperator>(o.operator, join(path, "operator"), AUDIENCE_OPERATORS);
  const values =
    o.values === undefined ? [] : array(o.values, join(path, "values"), 1000).map((x, i) => string(x, join(join(path, "values"), i)));
  const c: AudienceCondition = { attribute, operator, values };
  firstIssue(conditionProblems(c), path);
  return c;
}

function audience(v: unknown, path: string): Audience | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ["match", "conditions"]);
  const match = o.match === undefined ? "all" : oneOf(o.match, join(path, "match"), AUDIENCE_MATCHES);
  const conditions = array(o.conditions, join(path, "conditions"), 100).map((c, i) => condition(c, join(join(path, "conditions"), i)));
  const a: Audience = { match, conditions };
  firstIssue(audienceProblems(a), path);
  return a;
}

function layer(v: unknown, path: string): LayerSlice | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ["slug", "from", "to"]);
  const l = { slug: slug(o.slug, join(path, "slug")), from: percent(o.from, join(path, "from")), to: percent(o.to, join(path, "to")) };
  if (!(l.from < l.to)) throw new Bad(join(path, "to"), "a layer slice needs from < to");
  return l;
}

function instant(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  const s = string(v, path);
  if (!isUtcInstant(s)) throw new Bad(path, "must be an ISO 8601 UTC time such as 2026-03-01T09:00:00Z");
  return s;
}

/** An experiment's targeting fields from its published JSON object (other fields are left alone). */
export function parseEdgeTargeting(experiment: unknown): Parsed<EdgeTargeting> {
  return run(() => {
    const o = object(experiment, "", null);
    return {
      audience: audience(o.audience, "audience"),
      coverage_percent: o.coverage_percent === undefined ? 100 : percent(o.coverage_percent, "coverage_percent"),
      layer: layer(o.layer, "layer"),
      scheduled_end_at: instant(o.scheduled_end_at, "scheduled_end_at"),
      bots: o.bots === undefined ? "like_visitors" : oneOf(o.bots, "bots", BOTS_RULES),
    };
  });
}

/** An audience on its own (null when absent). */
export function parseAudience(value: unknown): Parsed<Audience | null> {
  return run(() => audience(value, ""));
}

function holdout(v: unknown, path: string): Holdout {
  const o = object(v, path, ["id", "slug", "percent", "layer", "goals", "epoch", "shards"]);
  const id = o.id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) throw new Bad(join(path, "id"), "must be a positive integer");
  const goals =
    o.goals === undefined
      ? []
      : array(o.goals, join(path, "goals"), 20).map((g, i) => {
          const key = string(g, join(join(path, "goals"), i));
          const problem = goalKeyProblem(key);
          if (problem !== null) throw new Bad(join(join(path, "goals"), i), problem);
          return key;
        });
  return {
    id,
    slug: slug(o.slug, join(path, "slug")),
    percent: percent(o.percent, join(path, "percent")),
    layer: o.layer === undefined || o.layer === null ? null : slug(o.layer, join(path, "layer")),
    goals,
    epoch: o.epoch === undefined ? 0 : integer(o.epoch, join(path, "epoch"), 0, Number.MAX_SAFE_INTEGER),
    shards: o.shards === undefined ? 1 : integer(o.shards, join(path, "shards"), 1, MAX_SHARDS),
  };
}

/** The published config's `holdouts` ([] when absent): ids and slugs unique. */
export function parseHoldouts(value: unknown): Parsed<readonly Holdout[]> {
  return run(() => {
    if (value === undefined) return [];
    const list = array(value, "", MAX_HOLDOUTS).map((h, i) => holdout(h, String(i)));
    const ids = new Set<number>();
    const slugs = new Set<string>();
    list.forEach((h, i) => {
      if (ids.has(h.id)) throw new Bad(`${i}.id`, `holdout id ${h.id} is used twice`);
      if (slugs.has(h.slug)) throw new Bad(`${i}.slug`, `holdout slug "${h.slug}" is used twice`);
      ids.add(h.id);
      slugs.add(h.slug);
    });
    return list;
  });
}
