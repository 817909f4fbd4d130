// The holdout form of the pages: record to form and back, goals one a line, and the validator's issues
// beside their fields in plain words.
import { describe, expect, it } from "vitest";
import { holdoutFieldErrors, holdoutFormFromRecord, holdoutInputFromForm } from "../../src/admin/pages/views/holdout-editor.ts";
import { HoldoutInput, type HoldoutRecord } from "../../src/core/holdout-schema.ts";

const record: HoldoutRecord = {
  id: 3,
  slug: "q1",
  name: "Q1",
  percent: 7.5,
  layer: "checkout",
  goals: [
    { type: "page_view", path: "/thanks" },
    { type: "custom", name: "signup" },
  ],
  notes: "n",
  epoch: 1,
  shards: 1,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

describe("the holdout form", () => {
  it("round-trips a holdout's fields", () => {
    const f = holdoutFormFromRecord(record);
    expect(f.goals).toBe("page_view /thanks\ncustom signup");
    const { id: _i, epoch: _e, shards: _s, created_at: _c, updated_at: _u, ...input } = record;
    expect(HoldoutInput.parse(holdoutInputFromForm(f))).toEqual(input);
  });

  it("round-trips a value goal (sum and cap), as the experiment editor writes and reads it", () => {
    const withValue: HoldoutRecord = { ...record, goals: [{ type: "custom", name: "purchase", aggregate: "sum", cap: { value: 500 } }] };
    const f = holdoutFormFromRecord(withValue);
    expect(f.goals).toBe("custom purchase sum 500");
    expect(HoldoutInput.parse(holdoutInputFromForm(f)).goals).toEqual(withValue.goals);
  });

  it("an empty layer covers every experiment", () => {
    const f = { ...holdoutFormFromRecord(record), layer: " " };
    expect(HoldoutInput.parse(holdoutInputFromForm(f)).layer).toBeNull();
  });

  it("puts each issue beside its field, with the goal's line", () => {
    const f = { ...holdoutFormFromRecord(null), slug: "Bad Slug", name: "x", percent: "abc", goals: "page_view /ok\nvisit /x" };
    const parsed = HoldoutInput.safeParse(holdoutInputFromForm(f));
    expect(parsed.success).toBe(false);
    const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code }));
    const e = holdoutFieldErrors(issues);
    expect(e.general).toEqual([]);
    expect(e.byField.get("slug")?.[0]).toContain("lowercase letters");
    expect(e.byField.get("percent")?.[0]).toContain("percent from 0 to 100");
    expect(e.byField.get("goals")?.[0]).toMatch(/^Line 2: /);
    expect(holdoutFieldErrors([{ path: "slug", message: "already used" }]).byField.get("slug")?.[0]).toContain("Another holdout");
  });
});
