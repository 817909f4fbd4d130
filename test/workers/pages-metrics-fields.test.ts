// The editor keeps what the metrics add (docs/metrics.md): a record shown in the form and saved
// unchanged gives back the same input, value goals (aggregate, cap) and guardrails included, so an
// edit in the pages never turns a revenue goal into a count or drops a guardrail.
import { describe, expect, it } from "vitest";
import { DEMO_CHECKOUT_EXPERIMENT } from "../../examples/demo/seed.ts";
import { formFromRecord, inputFromForm } from "../../src/admin/pages/views/editor/form.ts";
import type { EditorMode } from "../../src/admin/pages/views/editor/section.ts";
import { ExperimentInput } from "../../src/core/schema.ts";

// A new experiment's form: nothing comes from a stored record, so every field must survive the form itself.
const NEW: EditorMode = { id: null, state: "draft", started: false, canAllowScripts: true };

describe("the editor's metric fields", () => {
  it("a value goal with a cap, a secondary value goal and guardrails survive the form", () => {
    const original = ExperimentInput.parse({
      ...DEMO_CHECKOUT_EXPERIMENT,
      secondary_goals: [
        { type: "custom", name: "upsell", aggregate: "sum" },
        { type: "custom", name: "refund-request" },
        { type: "page_view", path: "/thanks" },
      ],
      guardrails: [
        ...DEMO_CHECKOUT_EXPERIMENT.guardrails,
        { metric: "goal", goal: { type: "custom", name: "upsell", aggregate: "sum" }, max_degradation: 2.5 },
      ],
    });
    const fields = formFromRecord(original);
    expect(fields.secondary_goals).toBe("custom upsell sum\ncustom refund-request\npage_view /thanks");
    expect(fields.conversion_cap).toBe("500");
    const back = ExperimentInput.safeParse(inputFromForm(fields, {}, NEW));
    expect(back.success, JSON.stringify(back.error?.issues)).toBe(true);
    expect(back.data).toEqual(original);
  });

  it("bad guardrails JSON and a bad cap are refused by field", () => {
    const fields = formFromRecord(ExperimentInput.parse(DEMO_CHECKOUT_EXPERIMENT));
    const bad = ExperimentInput.safeParse(inputFromForm({ ...fields, guardrails: "[{", conversion_cap: "lots" }, {}, NEW));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join(".")).sort()).toEqual(["conversion_event.cap.value", "guardrails"]);
  });
});
