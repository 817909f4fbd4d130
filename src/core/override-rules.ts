// The rules of inline overrides (docs/overrides.md), without zod, so that the edge may use them: a
// selector of the CSS subset that Workers' HTMLRewriter supports and the fields each action needs. The
// zod schema that applies them to what operators save is in overrides.ts; what an override may write
// (the allow-list, checked on save and again at the edge) is in markup-policy.ts.
import { LIMITS, OVERRIDE_ACTIONS } from "./field-rules.ts";

export { OVERRIDE_ACTIONS };

/** One inline override, as stored and published. */
export interface OverrideFields {
  readonly selector: string;
  readonly action: (typeof OVERRIDE_ACTIONS)[number];
  readonly attribute?: string | undefined;
  readonly value?: string | undefined;
}

const IDENT = String.raw`-?[_a-zA-Z][_a-zA-Z0-9-]*`;
const VALUE = String.raw`(?:${IDENT}|"[^"\\]*"|'[^'\\]*')`;
const ATTR = String.raw`\[\s*${IDENT}\s*(?:(?:=|~=|\^=|\$=|\*=|\|=)\s*${VALUE}(?:\s+i)?\s*)?\]`;
const NTH = String.raw`\s*(?:odd|even|[+-]?\d*n(?:\s*[+-]\s*\d+)?|[+-]?\d+)\s*`;
const SIMPLE = String.raw`(?:#${IDENT}|\.${IDENT}|${ATTR}|:first-child|:first-of-type|:nth-child\(${NTH}\)|:nth-of-type\(${NTH}\))`;
const NOT = String.raw`:not\(\s*(?:${IDENT}|\*)?${SIMPLE}*\s*\)`;
const COMPOUND = String.raw`(?:(?:${IDENT}|\*)(?:${SIMPLE}|${NOT})*|(?:${SIMPLE}|${NOT})+)`;
const COMPLEX = String.raw`${COMPOUND}(?:\s*>\s*${COMPOUND}|\s+${COMPOUND})*`;
const SELECTOR = new RegExp(String.raw`^\s*${COMPLEX}(?:\s*,\s*${COMPLEX})*\s*$`);

/** Why `selector` is not one HTMLRewriter accepts, or null. */
export function selectorProblem(selector: string): string | null {
  if (selector.length > LIMITS.maxSelectorLength) return `must be at most ${LIMITS.maxSelectorLength} characters`;
  return SELECTOR.test(selector)
    ? null
    : "is not a selector HTMLRewriter supports (tags, #id, .class, [attr] forms, :first-child, :nth-child(), :first-of-type, :nth-of-type(), :not(), descendant and > combinators)";
}

/** Why `o` is incomplete for its action, or null. */
export function overrideProblem(o: OverrideFields): { field: "attribute" | "value"; message: string } | null {
  if (o.action === "set_attribute" && (o.attribute === undefined || !/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(o.attribute))) {
    return { field: "attribute", message: "set_attribute needs an attribute name" };
  }
  if (o.action !== "set_attribute" && o.attribute !== undefined) return { field: "attribute", message: `${o.action} takes no attribute` };
  if (o.action === "remove") return o.value === undefined ? null : { field: "value", message: "remove takes no value" };
  return o.value === undefined ? { field: "value", message: `${o.action} needs a value` } : null;
}
