// What may change in an experiment that has started. Once visitors are assigned, the slug (the cookie
// name), the target page and the primary conversion event are fixed; variants and shares may change only
// with an explicit reset of the sample, since data gathered under other variants would mislead.
import { fail, type Issue, ok, type Result } from "./errors.ts";
import { attributeNameProblem, attributeValueProblem, NEVER_WRITTEN } from "./markup-policy.ts";
import { samePage } from "./paths.ts";
import { sanitizeHtml } from "./sanitize.ts";
import type { ExperimentInput, ExperimentRecord, Override, Variant } from "./schema.ts";
import { startProblems } from "./schema.ts";

const variantShape = (v: Variant) => JSON.stringify([v.slug, v.page ?? null, v.overrides ?? null, v.traffic_share]);

export function variantsChanged(a: readonly Variant[], b: readonly Variant[]): boolean {
  return a.length !== b.length || a.some((v, i) => variantShape(v) !== variantShape(b[i] as Variant));
}

export interface EditOutcome {
  /** The live sample starts again from zero (a new epoch). */
  readonly resetsSample: boolean;
}

export function checkEdit(current: ExperimentRecord, next: ExperimentInput, confirmReset: boolean): Result<EditOutcome> {
  const state = current.lifecycle_state;
  if (state === "done" || state === "archived") {
    return fail(409, `cannot_edit_${state}`, `a ${state} experiment cannot be edited`);
  }
  if (state === "draft") return ok({ resetsSample: false });
  if (next.slug !== current.slug) return fail(409, "slug_locked", "the slug names the assignment cookie and cannot change once started");
  if (next.target_page !== current.target_page) {
    return fail(409, "target_page_locked", "the target page cannot change once started; create a new experiment");
  }
  if (JSON.stringify(next.conversion_event) !== JSON.stringify(current.conversion_event)) {
    return fail(409, "conversion_event_locked", "the primary conversion event is fixed once live; add a secondary goal instead");
  }
  const problems = startProblems(next);
  if (problems.length > 0) return fail(422, "validation_failed", "a live experiment cannot give a variant a zero share", problems);
  if (!variantsChanged(current.variants, next.variants)) return ok({ resetsSample: false });
  if (!confirmReset) {
    return fail(
      409,
      "confirm_reset_required",
      "changing variants or shares of a live experiment resets its sample to zero; repeat the request with ?confirm=reset",
    );
  }
  return ok({ resetsSample: true });
}

/**
 * A variant that is the target page itself (in any spelling: the paths are compared in canonical form),
 * with no overrides, other than the control, would serve the control under another name; and a variant page that is another experiment's target page would chain
 * experiments. The first is checked here, the second by the catalog, which knows the other experiments.
 */
export function selfReferenceIssues(e: ExperimentInput): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  e.variants.forEach((v, i) => {
    if (i > 0 && samePage(v.page ?? e.target_page, e.target_page) && (v.overrides === undefined || v.overrides.length === 0)) {
      out.push({
        path: `variants.${i}.page`,
        message: "points back at the experiment's own target page without overrides: it would be the control",
      });
    }
  });
  return out;
}

/**
 * The element names a selector's subjects are restricted to, one per selector of the list, or null for
 * a subject that any element may match (`.promo`, `*`). `div > p.x` → `["p"]`; `h1, .x` → `["h1", null]`.
 */
export function selectorSubjects(selector: string): Array<string | null> {
  const bare = selector
    .replace(/"[^"]*"|'[^']*'/g, "") // attribute values
    .replace(/\[[^\]]*\]|:[a-z-]+\([^)]*\)/g, ""); // attribute selectors, :not(…) and :nth-…(…)
  return bare.split(",").map((complex) => {
    const subject =
      complex
        .trim()
        .split(/\s*>\s*|\s+/)
        .at(-1) ?? "";
    const tag = /^[a-zA-Z][a-zA-Z0-9-]*/.exec(subject)?.[0];
    return tag === undefined ? null : tag.toLowerCase();
  });
}

type Checked = { stored: Override; field: "attribute" | "value" | "selector" | null; message: string | null };

/** What the selector says about the elements an override edits, checked where it names them. */
function targetProblem(o: Override): Checked | null {
  for (const tag of selectorSubjects(o.selector)) {
    if (tag === null) continue;
    if (o.action === "set_attribute") {
      const problem = attributeNameProblem(o.attribute ?? "", tag);
      if (problem !== null) return { stored: o, field: "attribute", message: problem };
    } else if (o.action !== "remove" && NEVER_WRITTEN.has(tag)) {
      return { stored: o, field: "selector", message: `<${tag}> holds code or raw text: overrides never write into it` };
    }
  }
  return null;
}

/**
 * Why `o` may not be saved without `allow_script_overrides` (field and message), or nulls; and the
 * override as it is stored (HTML as the sanitiser writes it).
 */
export function overrideAllowListProblem(o: Override): Checked {
  const target = targetProblem(o);
  if (target !== null) return target;
  const value = o.value ?? "";
  if (o.action === "set_attribute") {
    const name = attributeNameProblem(o.attribute ?? "");
    if (name !== null) return { stored: o, field: "attribute", message: name };
    const url = attributeValueProblem(o.attribute ?? "", value);
    return { stored: o, field: url === null ? null : "value", message: url };
  }
  if (o.action !== "set_html" && o.action !== "append" && o.action !== "prepend") return { stored: o, field: null, message: null };
  const { html, removed } = sanitizeHtml(value);
  if (removed.length === 0) return { stored: { ...o, value: html }, field: null, message: null };
  const shown = removed.length > 5 ? [...removed.slice(0, 5), `${removed.length - 5} more`] : removed;
  return { stored: o, field: "value", message: `the sanitiser would not keep: ${shown.join("; ")}` };
}

/**
 * Overrides go through the allow-list (markup-policy.ts): HTML is parsed and sanitised, attributes are
 * checked by name and URL. One that would lose anything is refused, naming what, so the operator knows
 * exactly what will be served; one that loses nothing is stored as the sanitiser writes it. Everything
 * else needs the experiment's explicit `allow_script_overrides`, which only an operator with the
 * `experiments.script_overrides` capability (Administrators by default) may set; then values are stored
 * as they are. Returns the input to store.
 */
export function checkOverrides(e: ExperimentInput, mayAllowScripts: boolean): Result<ExperimentInput> {
  if (e.allow_script_overrides && !mayAllowScripts) {
    return fail(403, "forbidden", "only an Administrator may allow overrides that run script");
  }
  if (e.allow_script_overrides) return ok(e);
  const issues: Issue[] = [];
  const variants = e.variants.map((v, i) => {
    if (v.overrides === undefined) return v;
    const overrides = v.overrides.map((o, k) => {
      const checked = overrideAllowListProblem(o);
      if (checked.message !== null) {
        issues.push({
          path: `variants.${i}.overrides.${k}${checked.field === null ? "" : `.${checked.field}`}`,
          message: `${checked.message}; overrides beyond the allow-list need allow_script_overrides, which only an Administrator may set`,
        });
      }
      return checked.stored;
    });
    return { ...v, overrides };
  });
  if (issues.length > 0) return fail(422, "validation_failed", "an override is outside the allow-list of safe markup", issues);
  return ok({ ...e, variants });
}
