// The editor's form holds every field of the record it edits: saving an experiment from the pages
// without touching a field keeps it (a field the form left out would fall back to its default).
import { describe, expect, it } from "vitest";
import { formFromRecord, inputFromForm } from "../../src/admin/pages/form.ts";
import { ExperimentInput } from "../../src/core/schema.ts";
import { newExperiment } from "./admin-helpers.ts";

describe("the editor form", () => {
  it("round-trips the automation's fields: minimum runtime, planned sample, the loser action", () => {
    const input = newExperiment({
      min_runtime_days: 0,
      planned_sample_per_variant: 26_582,
      post_test: { on_winner: "complete", on_inconclusive: "assign_control", on_loser: "send_to_control" },
    });
    const back = ExperimentInput.parse(inputFromForm(formFromRecord(input)));
    expect(back).toMatchObject({
      min_runtime_days: 0,
      planned_sample_per_variant: 26_582,
      post_test: { on_winner: "complete", on_inconclusive: "assign_control", on_loser: "send_to_control" },
    });
  });

  it("blank fields get the defaults: 7 days, no plan", () => {
    const back = inputFromForm({ ...formFromRecord(newExperiment()), min_runtime_days: "", planned_sample_per_variant: "" });
    expect(ExperimentInput.parse(back)).toMatchObject({ min_runtime_days: 7, planned_sample_per_variant: null });
  });
});
