// The plan, from the experiment's own numbers (docs/analysis.md, Planning): the operator gives the
// smallest lift worth finding and the power (and a baseline rate, unless the control's rate so far will
// do); "Work out the sample" posts the form with everything typed, and the page comes back with the
// advice and the planned sample and minimum sample filled in, to be saved or changed. Shown for a saved
// experiment only: the plan reads its variants and its traffic so far. The plan's own fields are no part
// of the record.
import type { PlanAdvice } from "../../../../core/plan-advice.ts";
import { esc } from "../../html.ts";
import { textField } from "./fields.ts";
import type { EditorSection, EditorView, FieldErrors, Fields } from "./section.ts";

/** The answer to "Work out the sample": the advice, or what is wrong with the plan's fields. */
export interface EditorPlan {
  readonly advice: PlanAdvice | null;
  readonly errors: FieldErrors;
}

/** The plan's fields, in percent as the operator types them. */
export const PLAN_FIELDS = { baseline: "plan_baseline", lift: "plan_lift", power: "plan_power" } as const;

/** A percentage typed into a plan field as the fraction the plan takes ("10" → "0.1"); empty stays empty. */
export function fractionOf(typed: string | undefined): string {
  const v = (typed ?? "").trim().replace(/%$/, "").trim();
  if (v === "") return "";
  const n = Number(v);
  return Number.isFinite(n) ? String(n / 100) : v; // not a number: the plan's validation names the field
}

/** The plan's refusal beside the field it concerns, in words. */
export function planErrors(issues: ReadonlyArray<{ path: string }>, code: string): FieldErrors {
  const byField = new Map<string, string[]>();
  const add = (field: string, words: string) => byField.set(field, [...(byField.get(field) ?? []), words]);
  if (code === "validation_failed" && issues.some((i) => i.path === "baseline_rate")) {
    add(PLAN_FIELDS.baseline, "Give the baseline rate: the control has no conversions yet to take it from.");
  } else {
    for (const i of issues) {
      if (i.path === "baseline_rate") add(PLAN_FIELDS.baseline, "The baseline rate is a percentage above 0 and below 100, such as 4.5.");
      else if (i.path === "relative_mde")
        add(PLAN_FIELDS.lift, "The smallest lift is a percentage other than 0, such as 10; the variant's rate must stay below 100%.");
      else if (i.path === "power") add(PLAN_FIELDS.power, "Power is a percentage above 0 and below 100, such as 80.");
    }
    // A combination no single field is wrong in (a lifted rate over 100%, say): beside the lift.
    if (byField.size === 0) add(PLAN_FIELDS.lift, "These numbers give no plan: the lifted rate must stay between 0% and 100%.");
  }
  const out = new Map<string, readonly string[]>();
  for (const [k, v] of byField) out.set(k, [...new Set(v)]);
  return { byField: out, general: [] };
}

function answer(v: EditorView): string {
  const p = v.plan;
  if (p === undefined || p.advice === null) return "";
  return `<div class="plan-advice" role="status"><p>${esc(p.advice.message)}</p><p class="hint">Filled in above: a planned sample of ${p.advice.suggested.planned_sample_per_variant.toLocaleString(
    "en",
  )} visitors per variant, and the same minimum sample (the gate). Save to keep them.</p></div>`;
}

export const plan: EditorSection = {
  fields: (): Fields => ({ [PLAN_FIELDS.baseline]: "", [PLAN_FIELDS.lift]: "10", [PLAN_FIELDS.power]: "80" }),
  input: () => ({}),
  render: (v) => {
    if (v.mode.id === null) return "";
    const pv: EditorView = { ...v, errors: v.plan?.errors ?? { byField: new Map(), general: [] } };
    return `<fieldset class="plan"><legend>Plan the sample</legend><p class="hint">How many visitors each variant needs to find the smallest lift that matters, and how long that takes at the traffic so far. It uses the saved variants.</p><div class="grid-3">
${textField(pv, PLAN_FIELDS.baseline, "Baseline conversion rate (%)", { inputmode: "decimal", placeholder: "the control's so far", hint: "Empty: the control's rate so far." })}
${textField(pv, PLAN_FIELDS.lift, "Smallest lift to find (%, relative)", { inputmode: "decimal" })}
${textField(pv, PLAN_FIELDS.power, "Power (%)", { inputmode: "decimal" })}</div>
<button class="secondary" name="intent" value="plan" formnovalidate>Work out the sample</button>${answer(v)}</fieldset>`;
  },
};
