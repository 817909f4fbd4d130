// The primary conversion event (fixed once started: the outcome is decided on it) and the secondary
// goals, one a line, which may change at any time and never decide the outcome.
import type { ConversionEvent } from "../../../../core/schema.ts";
import { CONVERSION_TYPE_WORDS, selectOf } from "../../html.ts";
import { errorParts, fieldId, textArea, textField } from "./fields.ts";
import type { EditorSection } from "./section.ts";

function event(type: string, value: string): unknown {
  const v = value.trim();
  return type === "custom" ? { type, name: v } : { type, path: v };
}

const eventValue = (e: ConversionEvent): string => (e.type === "custom" ? e.name : e.path);

export const goals: EditorSection = {
  fields: (r) => ({
    conversion_type: r.conversion_event?.type ?? "page_view",
    conversion_value: r.conversion_event === undefined ? "" : eventValue(r.conversion_event),
    secondary_goals: (r.secondary_goals ?? []).map((g) => `${g.type} ${eventValue(g)}`).join("\n"),
  }),
  input: (f, base, mode) => ({
    conversion_event:
      mode.started && base.conversion_event !== undefined
        ? base.conversion_event
        : event(f.conversion_type ?? "", f.conversion_value ?? ""),
    secondary_goals: (f.secondary_goals ?? "")
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map((l) => {
        const [type = "", ...rest] = l.split(/\s+/);
        return event(type, rest.join(" "));
      }),
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
${textArea(v, "secondary_goals", "Secondary goals (optional)", {
  rows: 3,
  hint: `One a line: <code>page_view /path</code>, <code>form_submission /path</code> or <code>custom name</code>. They are counted and shown, never decide the outcome, and may change at any time.`,
  placeholder: "custom newsletter",
})}</fieldset>`;
  },
};
