// The editor's "Who enters" section: audience rows, coverage, layer slice, schedule and crawlers, from
// the record to the form and back (a save changes nothing it was not asked to), empty rows ignored, the
// start kept from the record where it cannot be edited, and the validator's issues beside the row that
// caused them.
import { describe, expect, it } from "vitest";
import { audienceWords } from "../../src/admin/pages/views/dashboard/who-enters.ts";
import { editableOf, formFromRecord, inputFromForm } from "../../src/admin/pages/views/editor/form.ts";
import { fieldErrors } from "../../src/admin/pages/views/editor/issues.ts";
import type { EditorMode } from "../../src/admin/pages/views/editor/section.ts";
import {
  addConditionRow,
  compactConditions,
  conditionCount,
  formatValues,
  parseValues,
} from "../../src/admin/pages/views/editor/who-enters.ts";
import { ExperimentInput } from "../../src/core/schema.ts";

const DRAFT: EditorMode = { id: 7, state: "draft", started: false, canAllowScripts: false };
const LIVE: EditorMode = { id: 7, state: "live", started: true, canAllowScripts: false };

const base = () =>
  ExperimentInput.parse({
    slug: "hero",
    name: "Hero",
    target_page: "/",
    variants: [
      { slug: "a", label: "A", traffic_share: 50 },
      { slug: "b", label: "B", page: "/b", traffic_share: 50 },
    ],
    conversion_event: { type: "page_view", path: "/thanks" },
    min_sample_threshold: 100,
    audience: {
      match: "any",
      conditions: [
        { attribute: "country", operator: "in", values: ["DE", "AT"] },
        { attribute: "city", operator: "in", values: ["Washington, D.C.", "Paris"] },
        { attribute: "cookie.plan", operator: "exists", values: [] },
      ],
    },
    coverage_percent: 12.5,
    layer: { slug: "checkout", from: 33.33, to: 66.66 },
    scheduled_start_at: "2030-03-01T09:00:00+01:00",
    scheduled_end_at: "2030-03-15T09:00:00Z",
    bots: "control",
  });

describe("the editor's who-enters section", () => {
  it("round-trips every targeting field, a value holding a comma included", () => {
    const r = base();
    const f = formFromRecord(editableOf(r));
    expect(conditionCount(f)).toBe(3);
    expect(f.audience_1_values).toBe("Washington, D.C.\nParis\n");
    expect(f.audience_0_values).toBe("DE, AT");
    expect(ExperimentInput.parse(inputFromForm(f, editableOf(r), DRAFT))).toEqual(r);
  });

  it("reads an experiment without targeting as everyone at 100 %, and saves it unchanged", () => {
    const { audience: _a, coverage_percent: _c, layer: _l, scheduled_start_at: _s, scheduled_end_at: _e, bots: _b, ...old } = base();
    const f = formFromRecord(old);
    expect(conditionCount(f)).toBe(2);
    expect([f.coverage_percent, f.layer_slug, f.scheduled_start_at, f.bots]).toEqual(["100", "", "", "like_visitors"]);
    const saved = ExperimentInput.parse(inputFromForm(f, old, DRAFT));
    expect(saved).toMatchObject({ audience: null, coverage_percent: 100, layer: null, scheduled_start_at: null, bots: "like_visitors" });
  });

  it("ignores empty rows; no condition at all is no audience; an empty layer is none", () => {
    const f = formFromRecord(editableOf(base()));
    const cleared = { ...f, audience_0_attribute: "", audience_0_values: "", layer_slug: "", layer_from: "", layer_to: "" };
    const input = inputFromForm(cleared, editableOf(base()), DRAFT) as { audience: { conditions: unknown[] }; layer: unknown };
    expect(input.audience.conditions).toHaveLength(2);
    expect(input.layer).toBeNull();
    const none = { ...cleared, audience_1_attribute: "", audience_1_values: "", audience_2_attribute: "", audience_2_values: "" };
    expect((inputFromForm(none, editableOf(base()), DRAFT) as { audience: unknown }).audience).toBeNull();
  });

  it("adds condition rows without script up to twenty, each empty", () => {
    let f = formFromRecord(editableOf(base()));
    f = addConditionRow(f);
    expect(conditionCount(f)).toBe(4);
    expect([f.audience_3_attribute, f.audience_3_operator, f.audience_3_values]).toEqual(["", "in", ""]);
    for (let i = 0; i < 30; i++) f = addConditionRow(f);
    expect(conditionCount(f)).toBe(20);
  });

  it("on a live experiment the start is the record's, whatever the form sends", () => {
    const r = { ...editableOf(base()), scheduled_start_at: null };
    const f = { ...formFromRecord(r), scheduled_start_at: "2031-01-01T00:00:00Z" };
    expect((inputFromForm(f, r, LIVE) as { scheduled_start_at: unknown }).scheduled_start_at).toBeNull();
    expect((inputFromForm(f, r, DRAFT) as { scheduled_start_at: unknown }).scheduled_start_at).toBe("2031-01-01T00:00:00Z");
  });

  it("puts each issue beside the row that caused it, once empty rows are moved last", () => {
    const r = editableOf(base());
    const typed = {
      ...formFromRecord(r),
      audience_count: "4",
      audience_0_attribute: "",
      audience_0_values: "",
      audience_3_attribute: "country",
      audience_3_operator: "in",
      audience_3_values: "Germany",
      coverage_percent: "120",
      layer_from: "70",
      scheduled_end_at: "tomorrow",
    };
    const f = compactConditions(typed);
    expect([f.audience_0_attribute, f.audience_2_attribute, f.audience_3_attribute]).toEqual(["city", "country", ""]);
    const parsed = ExperimentInput.safeParse(inputFromForm(f, r, DRAFT));
    expect(parsed.success).toBe(false);
    const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code }));
    const errors = fieldErrors(issues, f);
    expect(errors.general).toEqual([]);
    expect(errors.byField.get("audience_2_values")?.join(" ")).toMatch(/^Value 1: /);
    expect(errors.byField.has("coverage_percent")).toBe(true);
    expect(errors.byField.get("layer_to")?.join(" ")).toContain("from < to");
    expect(errors.byField.get("scheduled_end_at")?.join(" ")).toContain("ISO 8601");
  });

  it("values: commas, or one a line when a value holds a comma", () => {
    expect(parseValues(" DE ,AT,, ")).toEqual(["DE", "AT"]);
    expect(parseValues("a, b\nc")).toEqual(["a, b", "c"]);
    for (const values of [["DE", "AT"], ["a,b"], ["x, y", "z"], []]) expect(parseValues(formatValues(values))).toEqual(values);
  });

  it("the dashboard says the audience in words, its values escaped", () => {
    expect(audienceWords(null)).toBe("everyone");
    const words = audienceWords({ match: "all", conditions: [{ attribute: "query.<b>", operator: "in", values: ["<script>"] }] });
    expect(words).toContain("&lt;script&gt;");
    expect(words).not.toContain("<script>");
  });
});
