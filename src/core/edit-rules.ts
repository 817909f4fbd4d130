// What may change in an experiment that has started. Once visitors are assigned, the slug (the cookie
// name), the target page and the primary conversion event are fixed; variants and shares may change only
// with an explicit reset of the sample, since data gathered under other variants would mislead.
import { fail, type Issue, ok, type Result } from "./errors.ts";
import { runsScript } from "./overrides.ts";
import type { ExperimentInput, ExperimentRecord, Variant } from "./schema.ts";
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
 * A variant that is the target page itself, with no overrides, other than the control, would serve the
 * control under another name; and a variant page that is another experiment's target page would chain
 * experiments. The first is checked here, the second by the catalog, which knows the other experiments.
 */
export function selfReferenceIssues(e: ExperimentInput): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  e.variants.forEach((v, i) => {
    if (i > 0 && (v.page ?? e.target_page) === e.target_page && (v.overrides === undefined || v.overrides.length === 0)) {
      out.push({
        path: `variants.${i}.page`,
        message: "points back at the experiment's own target page without overrides: it would be the control",
      });
    }
  });
  return out;
}

/**
 * Overrides that would run script need the experiment's explicit opt-in, and only an operator with the
 * `experiments.script_overrides` capability (Administrators by default) may give it.
 */
export function scriptOverrideProblem(e: ExperimentInput, mayAllowScripts: boolean): Result<never> | null {
  if (e.allow_script_overrides && !mayAllowScripts) {
    return fail(403, "forbidden", "only an Administrator may allow overrides that run script");
  }
  const issues: Issue[] = [];
  e.variants.forEach((v, i) => {
    v.overrides?.forEach((o, k) => {
      if (runsScript(o) && !e.allow_script_overrides) {
        issues.push({
          path: `variants.${i}.overrides.${k}`,
          message: "would run script in visitors' browsers; an Administrator must set allow_script_overrides",
        });
      }
    });
  });
  return issues.length > 0 ? fail(422, "validation_failed", "an override would run script", issues) : null;
}
