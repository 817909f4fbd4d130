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

import {
  type Check,
  type Checked,
  type Checker,
  guarded,
  INVALID,
  list,
  nullable,
  num,
  oneOf,
  optional,
  type Path,
  refined,
  type Shape,
  text,
} from "../checks.ts";
import { slug } from "../field-checks.ts";
import { MAX_SHARDS } from "../shards.ts";
import type { Audience, AudienceCondition } from "./audience.ts";
import { AUDIENCE_MATCHES, AUDIENCE_OPERATORS, audienceProblems, conditionProblems } from "./audience.ts";
import type { Holdout } from "./holdouts.ts";
import type { LayerSlice } from "./layers.ts";
import { BOTS_RULES, type BotsRule, goalKeyProblem, isUtcInstant, MAX_HOLDOUTS, percentProblem } from "./rules.ts";

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

const percent: Check<number> = refined(num(), percentProblem);

/** The first of a shared rule's issues (paths relative to `path`), recorded; INVALID when there is one. */
function firstIssue<T>(c: Checker, value: T, issues: ReadonlyArray<{ path: string; message: string }>, path: Path): Checked<T> {
  const first = issues[0];
  return first === undefined ? value : c.fail([...path, first.path], first.message);
}

const CONDITION: Shape<AudienceCondition> = {
  attribute: text({ max: 120 }),
  operator: oneOf(AUDIENCE_OPERATORS),
  values: optional(list(0, 1000, text()), []),
};

const condition: Check<AudienceCondition> = (c, v, path) => {
  const cond = c.fields(v, path, CONDITION);
  return cond === INVALID ? cond : firstIssue(c, cond, conditionProblems(cond), path);
};

const AUDIENCE: Shape<Audience> = {
  match: optional(oneOf(AUDIENCE_MATCHES), "all"),
  conditions: list(0, 100, condition),
};

const audience: Check<Audience | null> = nullable((c, v, path) => {
  const a = c.fields(v, path, AUDIENCE);
  return a === INVALID ? a : firstIssue(c, a, audienceProblems(a), path);
});

const layer: Check<LayerSlice | null> = nullable((c, v, path) => {
  const l = c.fields(v, path, { slug, from: percent, to: percent });
  if (l === INVALID || l.from < l.to) return l;
  return c.fail([...path, "to"], "a layer slice needs from < to");
});

/** An experiment's targeting fields, as the experiment's shape (edge-config.ts) includes them. */
export const TARGETING: Shape<EdgeTargeting> = {
  audience,
  coverage_percent: optional(percent, 100),
  layer,
  scheduled_end_at: nullable(refined(text(), (s) => (isUtcInstant(s) ? null : "must be a UTC time such as 2026-03-01T09:00:00Z"))),
  bots: optional(oneOf(BOTS_RULES), "like_visitors"),
};

/** An experiment's targeting fields from its published JSON object (other fields are left alone). */
export function checkEdgeTargeting(c: Checker, o: Record<string, unknown>, path: Path): Checked<EdgeTargeting> {
  return c.read(o, path, TARGETING);
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

const goalKey: Check<string> = refined(text(), goalKeyProblem);

const HOLDOUT: Shape<Holdout> = {
  id: num({ int: true, min: 1 }),
  slug,
  percent,
  layer: nullable(slug),
  goals: optional(list(0, 20, goalKey), []),
  epoch: optional(num({ int: true, min: 0 }), 0),
  shards: optional(num({ int: true, min: 1, max: MAX_SHARDS }), 1),
};

/** The published config's `holdouts` ([] when absent): ids and slugs unique. */
export function checkHoldouts(c: Checker, value: unknown, path: Path): Checked<readonly Holdout[]> {
  if (value === undefined) return [];
  const holdouts = list(0, MAX_HOLDOUTS, (c, v, p) => c.fields(v, p, HOLDOUT))(c, value, path);
  if (holdouts === INVALID) return holdouts;
  const ids = new Set<number>();
  const slugs = new Set<string>();
  for (const [i, h] of holdouts.entries()) {
    if (ids.has(h.id)) return c.fail([...path, i, "id"], `holdout id ${h.id} is used twice`);
    if (slugs.has(h.slug)) return c.fail([...path, i, "slug"], `holdout slug "${h.slug}" is used twice`);
    ids.add(h.id);
    slugs.add(h.slug);
  }
  return holdouts;
}

/** The holdouts list on its own ([] when absent). */
export function parseHoldouts(value: unknown): Parsed<readonly Holdout[]> {
  return alone((c) => checkHoldouts(c, value, []));
}
