// One section of the editor per concern (basics, variants, goals, stopping, post-test, notes): each
// knows the record fields it edits, how they become form fields and back, and how it renders. A field
// no section edits is never touched: a save starts from the record being edited (form.ts), so a field
// added to the schema before its section exists is kept as it was. A new concern (audience, schedule,
// guardrails …) is one more file in this folder and one line in form.ts's SECTIONS.
import type { PlanAdvice } from "../../../../core/plan-advice.ts";
import type { ExperimentInput, LifecycleState } from "../../../../core/schema.ts";
import type { PageContext } from "../layout.ts";

/** The editor's form as posted: every value a string. */
export type Fields = Record<string, string>;

export interface EditorMode {
  /** null while creating. */
  readonly id: number | null;
  readonly state: LifecycleState;
  /** Started once (live or paused): the slug, target page and primary goal are fixed. */
  readonly started: boolean;
  /** The operator may allow overrides that run script (Administrators). */
  readonly canAllowScripts: boolean;
}

/** Messages beside fields, by form field name; `general` for those that belong to no field. */
export interface FieldErrors {
  readonly byField: ReadonlyMap<string, readonly string[]>;
  readonly general: readonly string[];
}

export interface EditorView {
  readonly ctx: PageContext;
  readonly mode: EditorMode;
  readonly f: Fields;
  readonly errors: FieldErrors;
  /** Paths of the site to suggest for page fields. */
  readonly sitePaths: readonly string[];
  /** The plan section's answer, once asked for (plan.ts). */
  readonly plan?: { readonly advice: PlanAdvice | null; readonly errors: FieldErrors } | undefined;
}

export interface EditorSection {
  /** The record's values as form fields. */
  fields(r: Partial<ExperimentInput>): Fields;
  /**
   * The record fields this section edits, from the form. `base` is the configuration being edited (empty
   * while creating): a locked field is taken from it, never from the form.
   */
  input(f: Fields, base: Partial<ExperimentInput>, mode: EditorMode): Record<string, unknown>;
  render(v: EditorView): string;
}
