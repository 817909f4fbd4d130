import { describe, expect, it } from "vitest";
import vectorsFile from "../../kv-schema/assignment-vectors.json";
import { shareBoundaries, shareInBuckets, variantFor, variantIndexForBucket } from "../../src/core/assignment.ts";
import { compileConfig, planRequest } from "../../src/core/edge-plan.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { configOf, experiment } from "./helpers.ts";

describe("traffic shares to buckets", () => {
  it("turns shares with up to two decimals into exact bucket counts", () => {
    expect(shareInBuckets(33.33)).toBe(3333);
    expect(shareInBuckets(0.01)).toBe(1);
    expect(shareInBuckets(12.345)).toBeNaN();
    expect(Array.from(shareBoundaries([33.33, 33.33, 33.34]) ?? [])).toEqual([3333, 6666, 10000]);
  });

  it("refuses shares that do not cover exactly 100", () => {
    expect(shareBoundaries([60, 30])).toBeNull();
    expect(shareBoundaries([50, 50.01])).toBeNull();
    expect(shareBoundaries([-10, 110])).toBeNull();
  });

  it("gives variant i the buckets [100*(s0..s_{i-1}), 100*(s0..s_i))", () => {
    const bounds = shareBoundaries([10, 20, 70]);
    if (bounds === null) throw new Error("valid shares");
    expect([0, 999, 1000, 2999, 3000, 9999].map((b) => variantIndexForBucket(bounds, b))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("the edge plan assigns every committed vector to its listed variant", () => {
    for (const v of vectorsFile.vectors) {
      const exp = experiment({
        slug: v.slug,
        variants: v.variants.map((x) => ({ slug: x.slug, traffic_share: x.traffic_share })),
      });
      const compiled = compileConfig(configOf([exp]), "sgen-ab-").byTarget.get("/pricing");
      if (compiled === undefined) throw new Error("compiled");
      expect(planRequest(compiled, undefined, () => v.visitor_id).variant.slug).toBe(v.variant);
      const ref = referenceAssignment(
        v.slug,
        v.visitor_id,
        v.variants.map((x) => x.traffic_share),
      );
      expect(v.variants[ref.index]?.slug).toBe(v.variant);
    }
  });

  it("variantFor (sgen-ab/core) gives every committed vector its listed variant, and none for bad shares", () => {
    for (const v of vectorsFile.vectors) expect(variantFor(v.slug, v.visitor_id, v.variants)?.slug).toBe(v.variant);
    expect(variantFor("x", "visitor", [{ traffic_share: 60 }, { traffic_share: 30 }])).toBeUndefined();
  });

  it("splits a large population close to the configured shares", () => {
    const bounds = shareBoundaries([10, 90]);
    if (bounds === null) throw new Error("valid shares");
    let first = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) if (referenceAssignment("split", `v-${i}`, [10, 90]).index === 0) first++;
    // 10% of 40,000 with a binomial standard deviation of 60: 4 sd either side.
    expect(Math.abs(first - 4000)).toBeLessThan(240);
  });
});
