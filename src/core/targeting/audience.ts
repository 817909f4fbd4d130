// Audiences: who may enter an experiment, from what the request says about the visitor.
//
// `{ match: "all" | "any", conditions: [{ attribute, operator, values }] }`. Each attribute yields a
// list of values for the request (none when it is missing; see attributes.ts), and the operators are
// defined over that list (docs/audiences.md has the full table):
//   in          some value of the attribute is one of `values`       (missing → false)
//   not_in      no value of the attribute is one of `values`         (missing → true)
//   equals      some value of the attribute is `values[0]`           (missing → false)
//   contains    some value of the attribute contains one of `values` (missing → false)
//   exists      the attribute has a value (an empty one counts)      (`values` empty)
//   not_exists  the attribute has no value                           (`values` empty)
// `language` compares by language range (`en` matches `en-GB`) and `path` by pattern (`/blog/*`).
//
// The rules a condition must follow live here, once, and both the admin's zod schema and the edge's
// hand-checked parser call them, so the two cannot drift on what a valid condition is.
import type { Issue } from "../errors.ts";
import {
  type AttributeRef,
  CONTINENTS,
  caseInsensitive,
  parseAttribute,
  type RequestFacts,
  RequestMemo,
  readAttribute,
} from "./attributes.ts";
import { DEVICES } from "./device.ts";
import { LANGUAGE_RANGE } from "./language.ts";
import { compilePathPatterns, pathPatternProblem } from "./path-pattern.ts";

export const AUDIENCE_OPERATORS = ["in", "not_in", "equals", "contains", "exists", "not_exists"] as const;
export type AudienceOperator = (typeof AUDIENCE_OPERATORS)[number];
export const AUDIENCE_MATCHES = ["all", "any"] as const;
export type AudienceMatch = (typeof AUDIENCE_MATCHES)[number];

export interface AudienceCondition {
  readonly attribute: string;
  readonly operator: AudienceOperator;
  readonly values: readonly string[];
}

export interface Audience {
  readonly match: AudienceMatch;
  readonly conditions: readonly AudienceCondition[];
}

export const MAX_CONDITIONS = 20;
export const MAX_VALUES_PER_CONDITION = 250;
export const MAX_VALUES_PER_AUDIENCE = 1000;
export const MAX_VALUE_LENGTH = 200;

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const COUNTRY = /^(?:[A-Za-z]{2}|T1)$/;

/** Operators each fixed attribute accepts; the named ones (query., cookie., header.) take them all. */
function operatorsOf(ref: AttributeRef): readonly AudienceOperator[] {
  switch (ref.kind) {
    case "country":
    case "continent":
    case "device":
      return ["in", "not_in", "equals", "exists", "not_exists"];
    case "path":
      return ["in", "not_in", "equals", "contains"]; // a request always has a path
    default:
      return AUDIENCE_OPERATORS;
  }
}

/** Why `value` cannot be compared with `ref` by `operator`, or null. */
function valueProblem(ref: AttributeRef, operator: AudienceOperator, value: string): string | null {
  if (value.length === 0) return "a value may not be empty (to test for presence, use exists)";
  if (value.length > MAX_VALUE_LENGTH) return `a value may have at most ${MAX_VALUE_LENGTH} characters`;
  if (CONTROL.test(value)) return "a value may not contain control characters";
  if (operator === "contains") return null;
  switch (ref.kind) {
    case "country":
      return COUNTRY.test(value) ? null : `"${value}" is not an ISO 3166-1 alpha-2 country code such as US or DE (T1 is Tor)`;
    case "continent":
      return (CONTINENTS as readonly string[]).includes(value.toUpperCase())
        ? null
        : `"${value}" is not a continent: use ${CONTINENTS.join(", ")}`;
    case "device":
      return (DEVICES as readonly string[]).includes(value.toLowerCase()) ? null : `"${value}" is not a device: use ${DEVICES.join(", ")}`;
    case "language":
      return LANGUAGE_RANGE.test(value) ? null : `"${value}" is not a language tag such as en or en-GB`;
    case "path":
      return pathPatternProblem(value);
    default:
      return null;
  }
}

/** Every problem of one condition, with paths relative to it (`attribute`, `values.2`, …). */
export function conditionProblems(condition: AudienceCondition): Issue[] {
  const parsed = parseAttribute(condition.attribute);
  if ("problem" in parsed) return [{ path: "attribute", message: parsed.problem }];
  const out: Issue[] = [];
  const { operator, values } = condition;
  const allowed = operatorsOf(parsed);
  if (!allowed.includes(operator)) {
    out.push({ path: "operator", message: `${condition.attribute} does not take "${operator}": use ${allowed.join(", ")}` });
    return out;
  }
  if (operator === "exists" || operator === "not_exists") {
    if (values.length > 0) out.push({ path: "values", message: `"${operator}" takes no values: leave values empty` });
    return out;
  }
  if (operator === "equals" && values.length !== 1) {
    out.push({ path: "values", message: `"equals" takes exactly one value (for several, use "in")` });
  } else if (values.length === 0) {
    out.push({ path: "values", message: `"${operator}" needs at least one value` });
  } else if (values.length > MAX_VALUES_PER_CONDITION) {
    out.push({ path: "values", message: `a condition may have at most ${MAX_VALUES_PER_CONDITION} values` });
  }
  values.forEach((v, i) => {
    const problem = valueProblem(parsed, operator, v);
    if (problem !== null) out.push({ path: `values.${i}`, message: problem });
  });
  return out;
}

/** Rules across an audience's conditions (their count and their values' total). */
export function audienceProblems(audience: Audience): Issue[] {
  const out: Issue[] = [];
  if (audience.conditions.length === 0) {
    out.push({ path: "conditions", message: "an audience needs at least one condition (to admit everyone, set no audience)" });
  } else if (audience.conditions.length > MAX_CONDITIONS) {
    out.push({ path: "conditions", message: `an audience may have at most ${MAX_CONDITIONS} conditions` });
  }
  let total = 0;
  for (const c of audience.conditions) total += c.values.length;
  if (total > MAX_VALUES_PER_AUDIENCE) {
    out.push({ path: "conditions", message: `an audience may have at most ${MAX_VALUES_PER_AUDIENCE} values in all (it has ${total})` });
  }
  return out;
}

// ---- Evaluation -------------------------------------------------------------------------------------

type Values = string | readonly string[] | undefined;

interface CompiledCondition {
  readonly ref: AttributeRef;
  readonly test: (values: Values) => boolean;
}

/** An audience prepared for the request path: folded values, sets, one regular expression a path list. */
export interface CompiledAudience {
  readonly any: boolean;
  readonly conditions: readonly CompiledCondition[];
}

const isEmpty = (v: Values): boolean => v === undefined || (typeof v !== "string" && v.length === 0);

function some(v: Values, predicate: (s: string) => boolean): boolean {
  if (v === undefined) return false;
  if (typeof v === "string") return predicate(v);
  for (const s of v) if (predicate(s)) return true;
  return false;
}

/** The test of `in` / `equals`: does one attribute value match the condition's list. */
function memberTest(ref: AttributeRef, values: readonly string[]): (s: string) => boolean {
  if (ref.kind === "path") {
    const re = compilePathPatterns(values);
    return (s) => re.test(s);
  }
  if (ref.kind === "language") {
    const set = new Set(values.map((v) => v.toLowerCase()));
    // The tag or one of its prefixes at a `-` (en-gb-oxendict → en-gb → en) is listed.
    return (tag) => {
      let t = tag;
      for (;;) {
        if (set.has(t)) return true;
        const dash = t.lastIndexOf("-");
        if (dash <= 0) return false;
        t = t.slice(0, dash);
      }
    };
  }
  const set = new Set(caseInsensitive(ref) ? values.map((v) => v.toLowerCase()) : values);
  return (s) => set.has(s);
}

function compileCondition(c: AudienceCondition): CompiledCondition | null {
  const ref = parseAttribute(c.attribute);
  if ("problem" in ref) return null;
  switch (c.operator) {
    case "exists":
      return { ref, test: (v) => !isEmpty(v) };
    case "not_exists":
      return { ref, test: isEmpty };
    case "in":
    case "equals": {
      const member = memberTest(ref, c.values);
      return { ref, test: (v) => some(v, member) };
    }
    case "not_in": {
      const member = memberTest(ref, c.values);
      return { ref, test: (v) => !some(v, member) };
    }
    case "contains": {
      const parts = caseInsensitive(ref) ? c.values.map((v) => v.toLowerCase()) : c.values;
      return { ref, test: (v) => some(v, (s) => parts.some((p) => s.includes(p))) };
    }
    default:
      return null;
  }
}

/** Admits nobody: what an audience that cannot be compiled becomes (the visitor then sees the site as is). */
const NOBODY: CompiledAudience = { any: true, conditions: [] };

/**
 * Prepares a valid audience (checked by the zod schema or the edge's parser) for `inAudience`: once
 * per published config, never per request. An audience that is somehow invalid admits nobody, so a
 * bad config leaves visitors on the site as it is rather than in a test they were not meant for.
 *
 * @example
 * const audience = compileAudience({ match: "all", conditions: [{ attribute: "country", operator: "in", values: ["US", "CA"] }] });
 * inAudience(audience, facts); // true for a visitor from Canada
 */
export function compileAudience(audience: Audience): CompiledAudience {
  try {
    const conditions: CompiledCondition[] = [];
    for (const c of audience.conditions) {
      const compiled = compileCondition(c);
      if (compiled === null) return NOBODY;
      conditions.push(compiled);
    }
    if (conditions.length === 0) return NOBODY;
    return { any: audience.match === "any", conditions };
  } catch {
    return NOBODY;
  }
}

/**
 * Whether the request's visitor is in the audience. Reads only the attributes the conditions name,
 * each at most once, and stops at the first condition that decides: `all` at the first false,
 * `any` at the first true.
 */
export function inAudience(audience: CompiledAudience, facts: RequestFacts | RequestMemo): boolean {
  const memo = facts instanceof RequestMemo ? facts : new RequestMemo(facts);
  const any = audience.any;
  for (const c of audience.conditions) {
    if (c.test(readAttribute(c.ref, memo)) === any) return any;
  }
  return !any;
}
