// The editor form and the experiment input, both ways. A save starts from the configuration being
// edited and lets each section (section.ts) write the fields it edits, so a field of the record that no
// section shows (one added to the schema by other work, say) is kept exactly as it was. Locked fields
// come from the record, never from the form.
import { ExperimentInput, ExperimentRecord } from "../../../../core/schema.ts";
import { basics } from "./basics.ts";
import { goals } from "./goals.ts";
import { guardrails } from "./guardrails.ts";
import { notes } from "./notes.ts";
import { plan } from "./plan.ts";
import { postTest } from "./post-test.ts";
import type { EditorMode, EditorSection, Fields } from "./section.ts";
import { stopping } from "./stopping.ts";
import { variants } from "./variants.ts";
import { whoEnters } from "./who-enters.ts";

/** The editor's sections, in the order they are shown. */
export const SECTIONS: readonly EditorSection[] = [basics, variants, whoEnters, goals, guardrails, stopping, plan, postTest, notes];

/** Fields of the stored record that the catalog sets (id, state, timestamps …), never sent back as input. */
const CATALOG_FIELDS = new Set(Object.keys(ExperimentRecord.shape).filter((k) => !(k in ExperimentInput.shape)));

/** The configuration part of a record: every field but those the catalog sets, including any this editor does not know. */
export function editableOf(record: object): Partial<ExperimentInput> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!CATALOG_FIELDS.has(key)) out[key] = value;
  return out as Partial<ExperimentInput>;
}

/** The form fields that show `r`. */
export function formFromRecord(r: Partial<ExperimentInput>): Fields {
  return Object.assign({}, ...SECTIONS.map((s) => s.fields(r)));
}

/** The empty form of a new experiment: two variants at 50/50 and the defaults. */
export function newExperimentForm(): Fields {
  return formFromRecord({
    variants: [
      { slug: "a", label: "Control", traffic_share: 50 },
      { slug: "b", label: "Variant B", traffic_share: 50 },
    ],
  });
}

/** The experiment input the form describes on top of `base` (unvalidated; ExperimentInput validates). */
export function inputFromForm(f: Fields, base: Partial<ExperimentInput>, mode: EditorMode): Record<string, unknown> {
  return Object.assign(editableOf(base), ...SECTIONS.map((s) => s.input(f, base, mode)));
}

export { formatOverrides, parseOverrides } from "./variants.ts";
