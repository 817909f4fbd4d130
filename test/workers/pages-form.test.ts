// The pages' pure parts: the editor form <-> record mapping (a save keeps every field it does not
// show), adding and removing variant rows, the validator's issues in plain words beside their fields,
// the sign-in return path (never an open redirect), and the 500 page in the app's frame.
import { describe, expect, it } from "vitest";
import { createAdminPages } from "../../src/admin/pages/app.ts";
import { safeNext } from "../../src/admin/pages/next.ts";
import { editableOf, formFromRecord, inputFromForm } from "../../src/admin/pages/views/editor/form.ts";
import { fieldErrors } from "../../src/admin/pages/views/editor/issues.ts";
import type { EditorMode } from "../../src/admin/pages/views/editor/section.ts";
import { addVariantRow, parseOverrides, removeVariantRow, variantCount } from "../../src/admin/pages/views/editor/variants.ts";
import { ExperimentInput, type ExperimentRecord } from "../../src/core/schema.ts";

const DRAFT: EditorMode = { id: 7, state: "draft", started: false, canAllowScripts: true };
const LIVE: EditorMode = { id: 7, state: "live", started: true, canAllowScripts: false };

function record(extra: Record<string, unknown> = {}): ExperimentRecord & Record<string, unknown> {
  return {
    id: 7,
    slug: "hero",
    name: "Hero",
    target_page: "/",
    variants: [
      { slug: "a", label: "A", traffic_share: 20 },
      { slug: "b", label: "B", page: "/b", traffic_share: 20 },
      { slug: "c", label: "C", overrides: [{ selector: "h1", action: "set_text", value: "x | y" }], traffic_share: 20 },
      { slug: "d", label: "D", traffic_share: 20 },
      { slug: "e", label: "E", traffic_share: 20 },
    ],
    conversion_event: { type: "custom", name: "signup" },
    min_sample_threshold: 100,
    max_runtime_days: 14,
    notes: "n",
    post_test: { on_winner: "complete", on_inconclusive: "assign_control" },
    secondary_goals: [{ type: "page_view", path: "/pricing" }],
    allow_script_overrides: true,
    lifecycle_state: "draft",
    shipped_variant_slug: null,
    significance_override_reason: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    started_at: null,
    concluded_at: null,
    decision_record: null,
    rollout_percent: 100,
    ...extra,
  } as ExperimentRecord & Record<string, unknown>;
}

describe("the editor form and the record", () => {
  it("round-trips every field of a five-variant record, and a notes-only change changes only the notes", () => {
    const r = record();
    const f = formFromRecord(editableOf(r));
    expect(variantCount(f)).toBe(5);
    const same = ExperimentInput.parse(inputFromForm(f, editableOf(r), DRAFT));
    expect(same).toEqual(ExperimentInput.parse(editableOf(r)));
    const edited = ExperimentInput.parse(inputFromForm({ ...f, notes: "changed" }, editableOf(r), DRAFT));
    expect(edited).toEqual({ ...ExperimentInput.parse(editableOf(r)), notes: "changed" });
  });

  it("edits the automation's fields in the form itself: minimum runtime, planned sample, the loser action", () => {
    const r = record({
      min_runtime_days: 0,
      planned_sample_per_variant: 26_582,
      post_test: { on_winner: "complete", on_inconclusive: "assign_control", on_loser: "send_to_control" },
    });
    const f = formFromRecord(editableOf(r));
    expect(f).toMatchObject({ min_runtime_days: "0", planned_sample_per_variant: "26582", on_loser: "send_to_control" });
    // From the form alone (an empty base): each field is the form's, not the record's kept copy.
    const back = ExperimentInput.parse(inputFromForm(f, {}, DRAFT));
    expect(back).toMatchObject({
      min_runtime_days: 0,
      planned_sample_per_variant: 26_582,
      post_test: { on_winner: "complete", on_inconclusive: "assign_control", on_loser: "send_to_control" },
    });
    const changed = ExperimentInput.parse(inputFromForm({ ...f, min_runtime_days: "3", on_loser: "keep" }, editableOf(r), DRAFT));
    expect(changed).toMatchObject({ min_runtime_days: 3, post_test: { on_loser: "keep" } });
    // Blank: the defaults (7 days, no plan).
    const blank = ExperimentInput.parse(inputFromForm({ ...f, min_runtime_days: "", planned_sample_per_variant: "" }, {}, DRAFT));
    expect(blank).toMatchObject({ min_runtime_days: 7, planned_sample_per_variant: null });
  });

  it("keeps fields of the record (and of its variants) that no section of the form shows", () => {
    // Fields other work adds to the schema (audience, coverage, schedules …) before the editor shows them.
    const extra = {
      audience: { match: "all", conditions: [{ attribute: "country", operator: "in", values: ["DE"] }] },
      coverage_percent: 40,
      scheduled_end_at: "2027-01-01T00:00:00.000Z",
    };
    const r = record(extra);
    (r.variants[1] as Record<string, unknown>).weight_note = "kept";
    const f = formFromRecord(editableOf(r));
    const out = inputFromForm({ ...f, name: "Renamed" }, editableOf(r), DRAFT) as Record<string, unknown>;
    expect(out).toMatchObject({ ...extra, name: "Renamed" });
    expect((out.variants as Array<Record<string, unknown>>)[1]).toEqual({
      slug: "b",
      label: "B",
      page: "/b",
      traffic_share: 20,
      weight_note: "kept",
    });
    // What the catalog sets is never sent back.
    for (const k of ["id", "lifecycle_state", "created_at", "updated_at", "shipped_variant_slug", "rollout_percent", "decision_record"])
      expect(out).not.toHaveProperty(k);
    // A removed row takes its own fields with it; the rows after it keep theirs.
    const without = inputFromForm(removeVariantRow(f, 0), editableOf(r), DRAFT) as { variants: Array<Record<string, unknown>> };
    expect(without.variants.map((v) => v.slug)).toEqual(["b", "c", "d", "e"]);
    expect(without.variants[0]?.weight_note).toBe("kept");
  });

  it("takes locked fields from the record once started, whatever the form says", () => {
    const r = record({ lifecycle_state: "live", started_at: "2026-01-02T00:00:00.000Z" });
    const f = {
      ...formFromRecord(editableOf(r)),
      slug: "other",
      target_page: "/other",
      conversion_type: "page_view",
      conversion_value: "/x",
      allow_script_overrides: "",
    };
    const out = inputFromForm(f, editableOf(r), LIVE);
    expect(out).toMatchObject({ slug: "hero", target_page: "/", conversion_event: { type: "custom", name: "signup" } });
    // A role that may not allow script overrides keeps the record's setting.
    expect(out.allow_script_overrides).toBe(true);
  });

  it("adds rows up to the maximum and removes down to two, moving the later rows up", () => {
    let f = formFromRecord({
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", traffic_share: 50 },
      ],
    });
    for (let i = 0; i < 30; i++) f = addVariantRow(f);
    expect(variantCount(f)).toBe(20);
    f = { ...f, variant_5_slug: "six" };
    f = removeVariantRow(f, 2);
    expect(variantCount(f)).toBe(19);
    expect(f.variant_4_slug).toBe("six");
    expect(f.variant_19_slug).toBeUndefined();
    let two = formFromRecord({
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", traffic_share: 50 },
      ],
    });
    two = removeVariantRow(two, 1);
    expect(variantCount(two)).toBe(2);
    expect(two.variant_1_slug).toBe("b");
  });

  it("keeps the spaces of a value around | in an override line", () => {
    expect(parseOverrides("set_text | h1 | Ship faster | pay less\nset_attribute | a.cta | title | A | B\nremove | .promo")).toEqual([
      { selector: "h1", action: "set_text", value: "Ship faster | pay less" },
      { selector: "a.cta", action: "set_attribute", attribute: "title", value: "A | B" },
      { selector: ".promo", action: "remove" },
    ]);
  });
});

describe("errors in plain words beside their fields", () => {
  const errorsFor = (patch: Record<string, string>) => {
    const f = { ...formFromRecord(editableOf(record())), ...patch };
    const parsed = ExperimentInput.safeParse(inputFromForm(f, {}, DRAFT));
    expect(parsed.success).toBe(false);
    if (parsed.success) throw new Error("unreachable");
    return fieldErrors(
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message, code: i.code })),
      f,
    );
  };

  it("says what to do, not what the validator found", () => {
    const e = errorsFor({
      variant_count: "2",
      variant_1_slug: "",
      variant_1_label: "",
      variant_1_page: "",
      variant_1_share: "0",
      variant_0_share: "100",
    });
    expect(e.byField.get("variants")).toEqual(["Add at least two variants: the control and one to compare with it."]);
    expect(errorsFor({ variant_0_share: "0" }).byField.get("variants")).toEqual(["Shares must add up to 100; they add up to 80."]);
    expect(errorsFor({ max_runtime_days: "1.5" }).byField.get("max_runtime_days")?.[0]).toMatch(
      /^Maximum runtime must be a whole number of days/,
    );
    expect(errorsFor({ max_runtime_days: "two weeks" }).byField.get("max_runtime_days")?.[0]).toMatch(
      /^Maximum runtime must be a whole number of days/,
    );
    expect(errorsFor({ variant_2_share: "abc" }).byField.get("variant_2_share")).toEqual([
      "A share is a number from 0 to 100, such as 50.",
    ]);
    expect(errorsFor({ variant_1_slug: "a" }).byField.get("variant_1_slug")?.[0]).toContain("Another variant already uses “a”");
    expect(errorsFor({ target_page: "//evil.example" }).byField.get("target_page")?.[0]).toMatch(/^Enter a path on this site/);
    expect(errorsFor({ name: " " }).byField.get("name")).toEqual(["Give the experiment a name."]);
    const all = [...errorsFor({ min_sample_threshold: "lots" }).byField.values()].flat().join(" ");
    expect(all).not.toMatch(/expected|received|Too small|Invalid input/);
  });

  it("never drops an issue no rule knows", () => {
    const e = fieldErrors([{ path: "future_field.0.part", message: "not understood" }], {});
    expect(e.general).toEqual(["future field 0 part: Not understood."]);
  });
});

describe("where sign-in returns to", () => {
  it("is a page of the admin, never another site", () => {
    expect(safeNext("/sg-admin/experiments/3?tab=x", "/sg-admin")).toBe("/sg-admin/experiments/3?tab=x");
    for (const evil of [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example",
      "http:/evil.example",
      "/sg-admin/../evil",
      "/sg-admin/%2e%2e/evil",
      "/sg-admin%2f..%2fevil",
      "/\tevil",
      " /sg-admin/x",
      "/sg-admin-other/x",
      "javascript:alert(1)",
      "",
      42,
    ])
      expect(safeNext(evil, "/sg-admin"), String(evil)).toBeNull();
  });
});

describe("an unexpected failure", () => {
  it("is a 500 page in the app's frame with a way back, not a stack trace", async () => {
    const pages = createAdminPages<Record<string, never>>({
      catalog: () => {
        throw new Error("boom: secret detail");
      },
      tokens: () => undefined,
      sessionSecret: () => "a session secret of this test",
    });
    // A sign-in as a browser makes it (the login form's own token, from the same origin), so that it
    // reaches the catalog, which throws.
    const form = await pages.request("http://x/sg-admin/login");
    const cookie = form.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const loginToken = /name="login_csrf" value="([^"]*)"/.exec(await form.text())?.[1] ?? "";
    const res = await pages.request("http://x/sg-admin/login", {
      method: "POST",
      headers: { origin: "http://x", cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: "t", login_csrf: loginToken }),
    });
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toContain("Something went wrong");
    expect(html).toContain('href="/sg-admin/login"');
    expect(html).not.toContain("secret detail");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  });
});
