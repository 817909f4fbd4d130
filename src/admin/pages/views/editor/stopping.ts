// When the result may be read and when the run stops on its own: the minimum sample per variant (the
// gate) and the maximum runtime in days.
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
  }),
  input: (f) => ({
    min_sample_threshold: numberOr(f.min_sample_threshold, undefined),
    max_runtime_days: numberOr(f.max_runtime_days, null),
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
})}</div></fieldset>`,
};
