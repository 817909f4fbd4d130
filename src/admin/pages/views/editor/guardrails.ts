// Guardrails (docs/metrics.md): the harms a variant may not cause (an error rate, the origin's latency,
// a goal that must not fall), each with the degradation it may not pass; a breach stops the variant.
// Edited as JSON, as the API takes them; a text that is not JSON goes on to validation, which says so.
import { textArea } from "./fields.ts";
import type { EditorSection } from "./section.ts";

export const guardrails: EditorSection = {
  fields: (r) => ({ guardrails: r.guardrails === undefined || r.guardrails.length === 0 ? "" : JSON.stringify(r.guardrails, null, 1) }),
  input: (f) => {
    const text = (f.guardrails ?? "").trim();
    if (text === "") return { guardrails: [] };
    try {
      return { guardrails: JSON.parse(text) };
    } catch {
      return { guardrails: text };
    }
  },
  render: (v) =>
    `<fieldset><legend>Guardrails</legend>${textArea(v, "guardrails", "Guardrails, as JSON (optional)", {
      rows: 3,
      placeholder: '[{"metric":"error_rate","max_degradation":0.02}]',
      hint: 'A list such as <code>[{"metric":"error_rate","max_degradation":0.02}]</code>; the metrics are <code>error_rate</code>, <code>origin_latency_ms</code> and <code>goal</code> (with its goal). A variant that breaches one is stopped: its visitors get the control.',
    })}</fieldset>`,
};
