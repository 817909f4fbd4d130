// The primary conversion event (fixed once started: the outcome is decided on it), with a custom
// event's value goal (the sum of its events' value per visitor, and a cap; docs/metrics.md), and the
// secondary goals, one a line (`custom purchase sum 500` for a value goal capped at 500), which may
// change at any time and never decide the outcome.
import type { ConversionEvent } from "../../../../core/schema.ts";
import { CONVERSION_TYPE_WORDS, selectOf } from "../../html.ts";
import { goalLine, goalsFromLines, metricsFieldsFromRecord } from "../../metrics-fields.ts";
import { errorParts, fieldId, textArea, textField } from "./fields.ts";
import type { EditorSection } from "./section.ts";

function event(type: string, value: string): unknown {
  const v = value.trim();
  return type === "custom" ? { type, name: v } : { type, path: v };
}

const eventValue = (e: ConversionEvent): string => (e.type === "custom" ? e.name : e.path);

const capOf = (raw: string): unknown => {
  const n = Number(raw);
  return raw !== "" && Number.isFinite(n) ? n : raw; // a non-number goes on to validation, which names the field
};

/** The primary event as typed, with the value goal's sum and cap when a custom event asks for them. */
function primaryEvent(f: Record<string, string>): unknown {
  const e = event(f.conversion_type ?? "", f.conversion_value ?? "");
  if ((f.conversion_type ?? "") !== "custom" || f.conversion_aggregate !== "sum") return e;
  const cap = (f.conversion_cap ?? "").trim();
  return { ...(e as object), aggregate: "sum", ...(cap === "" ? {} : { cap: { value: capOf(cap) } }) };
}

export const goals: EditorSection = {
  fields: (r) => ({
    conversion_type: r.conversion_event?.type ?? "page_view",
    conversion_value: r.conversion_event === undefined ? "" : eventValue(r.conversion_event),
    secondary_goals: (r.secondary_goals ?? []).map(goalLine).join("\n"),
    conversion_aggregate: metricsFieldsFromRecord(r).conversion_aggregate ?? "",
    conversion_cap: metricsFieldsFromRecord(r).conversion_cap ?? "",
  }),
  input: (f, base, mode) => ({
    conversion_event: mode.started && base.conversion_event !== undefined ? base.conversion_event : primaryEvent(f),
    secondary_goals: goalsFromLines(f.secondary_goals),
  }),
  render: (v) => {
    const locked = v.mode.started;
    const typeId = fieldId("conversion_type");
    const typeHint = errorParts(
      v,
      "conversion_type",
      locked ? "Fixed once the experiment has started: the outcome is decided on it. Add a secondary goal instead." : null,
    );
    return `<fieldset><legend>Conversion event</legend>
<div class="grid-2"><div class="field"><label for="${typeId}">What counts as a conversion</label>${selectOf(
      "conversion_type",
      typeId,
      v.f.conversion_type ?? "page_view",
      CONVERSION_TYPE_WORDS,
      typeHint.attrs,
      locked,
    )}${typeHint.html}</div>
${textField(v, "conversion_value", "Path or event name", {
  required: true,
  readonly: locked,
  placeholder: "/thanks or signup",
  list: "site-paths",
})}</div>
<div class="grid-2"><div class="check"><input type="checkbox" id="${fieldId("conversion_aggregate")}" name="conversion_aggregate" value="sum"${
      v.f.conversion_aggregate === "sum" ? " checked" : ""
    }${locked ? " disabled" : ""}><label for="${fieldId("conversion_aggregate")}">A value goal: a custom event sums its events' <code>value</code> per visitor (revenue per visitor)</label></div>
${textField(v, "conversion_cap", "Cap per visitor (optional)", {
  inputmode: "decimal",
  readonly: locked,
  placeholder: "no cap",
  hint: "For a value goal: each visitor's total counts up to this amount, so one large order does not decide the test.",
})}</div>
${textArea(v, "secondary_goals", "Secondary goals (optional)", {
  rows: 3,
  hint: `One a line: <code>page_view /path</code>, <code>form_submission /path</code>, <code>custom name</code>, or <code>custom purchase sum 500</code> for a value goal capped at 500. They are counted and shown, never decide the outcome, and may change at any time.`,
  placeholder: "custom newsletter",
})}</fieldset>`;
  },
};
