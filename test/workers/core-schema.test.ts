import { describe, expect, it } from "vitest";
import { DEMO_EXPERIMENT } from "../../examples/demo/seed.ts";
import { samePathProblem } from "../../src/core/paths.ts";
import { EdgeConfig, ExperimentInput, startProblems } from "../../src/core/schema.ts";

const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(DEMO_EXPERIMENT));

function issuesOf(input: unknown): Array<{ path: string; message: string }> {
  const r = ExperimentInput.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("experiment record validation", () => {
  it("accepts the demo experiment and fills defaults", () => {
    const { post_test, secondary_goals, notes, max_runtime_days, min_runtime_days, planned_sample_per_variant, ...minimal } = valid();
    const r = ExperimentInput.parse(minimal);
    expect(r.post_test).toEqual({ on_winner: "assign_winner", on_inconclusive: "keep_running", on_loser: "keep" });
    expect(r.secondary_goals).toEqual([]);
    expect(r.max_runtime_days).toBeNull();
    expect(r.min_runtime_days).toBe(7);
    expect(r.planned_sample_per_variant).toBeNull();
  });

  it("takes a minimum runtime of 0 or more whole days, and a positive whole planned sample", () => {
    for (const ok of [0, 1, 7, 3650]) expect(issuesOf({ ...valid(), min_runtime_days: ok })).toEqual([]);
    for (const bad of [-1, 0.5, 3651, "7", null])
      expect(issuesOf({ ...valid(), min_runtime_days: bad }).map((i) => i.path)).toEqual(["min_runtime_days"]);
    for (const ok of [1, 26_582, null]) expect(issuesOf({ ...valid(), planned_sample_per_variant: ok })).toEqual([]);
    for (const bad of [0, -5, 1.5, "100", 1e13])
      expect(issuesOf({ ...valid(), planned_sample_per_variant: bad }).map((i) => i.path)).toEqual(["planned_sample_per_variant"]);
    expect(issuesOf({ ...valid(), post_test: { on_loser: "send_to_control" } })).toEqual([]);
    expect(issuesOf({ ...valid(), post_test: { on_loser: "drop" } }).map((i) => i.path)).toEqual(["post_test.on_loser"]);
    // Which variants are stopped is the catalog's to say, never an edit's.
    expect(issuesOf({ ...valid(), stopped_variants: [] }).map((i) => i.path)).toEqual([""]);
  });

  it("needs two or more variants", () => {
    const e = valid();
    e.variants = [{ slug: "a", label: "A", traffic_share: 100 }];
    expect(issuesOf(e).map((i) => i.path)).toContain("variants");
  });

  it("needs unique variant slugs", () => {
    const e = valid();
    e.variants = [
      { slug: "a", label: "A", traffic_share: 50 },
      { slug: "a", label: "A again", traffic_share: 50 },
    ];
    expect(issuesOf(e)).toContainEqual(expect.objectContaining({ path: "variants.1.slug" }));
  });

  it("needs shares summing to exactly 100, with at most two decimals", () => {
    const e = valid();
    e.variants = [
      { slug: "a", label: "A", traffic_share: 60 },
      { slug: "b", label: "B", traffic_share: 30 },
    ];
    expect(issuesOf(e)).toContainEqual(expect.objectContaining({ path: "variants", message: expect.stringContaining("sum to 90") }));
    e.variants = [
      { slug: "a", label: "A", traffic_share: 33.333 },
      { slug: "b", label: "B", traffic_share: 66.667 },
    ];
    expect(issuesOf(e).map((i) => i.path)).toContain("variants.0.traffic_share");
    e.variants = [
      { slug: "a", label: "A", traffic_share: 33.33 },
      { slug: "b", label: "B", traffic_share: 66.67 },
    ];
    expect(issuesOf(e)).toEqual([]);
  });

  it("refuses a zero share only when going live", () => {
    const e = ExperimentInput.parse({
      ...valid(),
      variants: [
        { slug: "a", label: "A", traffic_share: 100 },
        { slug: "b", label: "B", traffic_share: 0 },
      ],
    });
    expect(startProblems(e)).toEqual([{ path: "variants.1.traffic_share", message: expect.any(String) }]);
  });

  it("enforces the slug pattern", () => {
    for (const slug of ["Has-Caps", "spa ce", "", "x".repeat(65), "under_score"]) {
      expect(issuesOf({ ...valid(), slug }).map((i) => i.path)).toContain("slug");
    }
  });

  it("rejects unknown fields rather than dropping them", () => {
    expect(issuesOf({ ...valid(), colour: "red" })).toHaveLength(1);
    const e = valid();
    (e.variants as Array<Record<string, unknown>>)[0] = { slug: "a", label: "A", traffic_share: 50, pgae: "/x" };
    expect(issuesOf(e).length).toBeGreaterThan(0);
  });

  it("accepts only same-site variant and target paths", () => {
    for (const bad of [
      "//evil.example/x",
      "https://evil.example/",
      "/\\evil.example",
      "evil",
      "/a/../b",
      "/a/%2e%2e/b",
      "/a?b=1",
      "/a#x",
      "/a b",
      "/a%2fb",
      "/\nSet-Cookie:x",
    ]) {
      expect(samePathProblem(bad), bad).not.toBeNull();
      const e = valid();
      (e.variants as Array<Record<string, unknown>>)[1] = { slug: "b", label: "B", page: bad, traffic_share: 50 };
      expect(
        issuesOf(e).map((i) => i.path),
        bad,
      ).toContain("variants.1.page");
      expect(
        issuesOf({ ...valid(), target_page: bad }).map((i) => i.path),
        bad,
      ).toContain("target_page");
    }
    for (const good of ["/", "/pricing", "/a/b-c_d.e~f", "/caf%C3%A9", "/@user/:id"]) expect(samePathProblem(good), good).toBeNull();
  });

  it("validates conversion events by type", () => {
    expect(issuesOf({ ...valid(), conversion_event: { type: "custom", name: "signup" } })).toEqual([]);
    expect(issuesOf({ ...valid(), conversion_event: { type: "custom", name: "bad name!" } }).map((i) => i.path)).toContain(
      "conversion_event.name",
    );
    expect(issuesOf({ ...valid(), conversion_event: { type: "click", path: "/x" } }).map((i) => i.path)).toContain("conversion_event.type");
    expect(issuesOf({ ...valid(), conversion_event: { type: "page_view", path: "//x" } }).map((i) => i.path)).toContain(
      "conversion_event.path",
    );
  });

  it("the edge config schema refuses a document from another schema version", () => {
    expect(EdgeConfig.safeParse({ schema_version: 2, revision: 1, published_at: new Date().toISOString(), experiments: [] }).success).toBe(
      false,
    );
  });
});
