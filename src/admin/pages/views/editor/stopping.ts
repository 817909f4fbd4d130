// When the result may be read and when the run stops on its own: the minimum sample per variant (the
// gate), the maximum runtime in days, the minimum runtime before any automated action, and the planned
// sample per variant (which tunes the always-valid test; the plan section below suggests it).
import { textField } from "./fields.ts";
import type { EditorSection } from "./section.ts";

function numberOr(value: string | undefined, fallback: unknown): unknown {
  const v = (value ?? "").trim();
  if (v === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : v; // a non-number goes on to validation, which names the field
}

export const stopping: EditorSection = {
  fields: (r) => ({
    min_sample_threshold: r.min_sample_threshold === undefined ? "100" : String(r.min_sample_threshold),
    max_runtime_days: r.max_runtime_days === undefined || r.max_runtime_days === null ? "" : String(r.max_runtime_days),
    min_runtime_days: r.min_runtime_days === undefined ? "7" : String(r.min_runtime_days),
    planned_sample_per_variant:
      r.planned_sample_per_variant === undefined || r.planned_sample_per_variant === null ? "" : String(r.planned_sample_per_variant),
  }),
  input: (f) => ({
    min_sample_threshold: numberOr(f.min_sample_threshold, undefined),
    max_runtime_days: numberOr(f.max_runtime_days, null),
    // Empty: the schema's default (7 days); the form always shows a stored value.
    min_runtime_days: numberOr(f.min_runtime_days, undefined),
    planned_sample_per_variant: numberOr(f.planned_sample_per_variant, null),
  }),
  render: (v) => `<fieldset><legend>Stop conditions</legend><div class="grid-2">
${textField(v, "min_sample_threshold", "Minimum sample per variant", {
  inputmode: "numeric",
  hint: "The gate: no conclusion, and no automated action, until every variant has this many visitors.",
})}
${textField(v, "max_runtime_days", "Maximum runtime (days)", {
  inputmode: "numeric",
  placeholder: "no limit",
  hint: "The experiment pauses itself this many days after its start. Leave empty for no limit.",
})}
${textField(v, "min_runtime_days", "Minimum runtime before automated actions (days)", {
  inputmode: "numeric",
  placeholder: "7",
  hint: "Automated post-test actions wait this long after the start (or a reset), so that weekdays and weekends both count. 0 for no wait.",
})}
${textField(v, "planned_sample_per_variant", "Planned sample per variant", {
  inputmode: "numeric",
  placeholder: "no plan",
  hint: "The sample the plan needs: it tunes the always-valid test and shows progress on the dashboard. Leave empty for no plan.",
})}</div></fieldset>`,
};
