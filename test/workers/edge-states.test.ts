// docs/edge.md, per lifecycle state: paused, done, draft and archived.
import { describe, expect, it } from "vitest";
import { edgeWith, experiment, sampleOf, TITLES, titleOf } from "./helpers.ts";

describe("lifecycle states at the edge", () => {
  it("paused: everyone gets the control, no cookie is written or deleted, nothing is counted", async () => {
    const exp = experiment({ state: "paused" });
    const t = await edgeWith([exp]);
    for (const cookie of ["", "sgen-vid=p1; sgen-ab-pricing-page-layout=b", "sgen-ab-pricing-page-layout=zzz"]) {
      const res = await t.fetch("/pricing", { headers: { cookie } });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await titleOf(res)).toBe(TITLES.a);
      expect(res.headers.get("cache-control")).toMatch(/private/);
    }
    expect(await sampleOf(exp.id)).toEqual({});
  });

  it("done: everyone gets the shipped variant; assignment cookies are not read; nothing is counted", async () => {
    const exp = experiment({ state: "done", shipped_variant_slug: "b" });
    const t = await edgeWith([exp]);
    for (const cookie of ["", "sgen-vid=d1; sgen-ab-pricing-page-layout=a"]) {
      const res = await t.fetch("/pricing", { headers: { cookie } });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await titleOf(res)).toBe(TITLES.b);
    }
    expect(await sampleOf(exp.id)).toEqual({});
  });

  it("done with nothing shipped serves the control", async () => {
    const t = await edgeWith([experiment({ state: "done", shipped_variant_slug: null })]);
    const res = await t.fetch("/pricing", { headers: { cookie: "sgen-ab-pricing-page-layout=b" } });
    expect(await titleOf(res)).toBe(TITLES.a);
  });

  it("draft and archived experiments are not published, so the request is not touched", async () => {
    // The publisher leaves draft and archived records out of the edge config (edgeViewOf): an empty
    // config is what the edge sees for them.
    const t = await edgeWith([]);
    await t.store.put({ schema_version: 1, revision: 3, published_at: new Date().toISOString(), experiments: [] });
    const res = await t.fetch("/pricing", { headers: { cookie: "sgen-ab-pricing-page-layout=b" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    expect(await titleOf(res)).toBe(TITLES.a);
  });

  it("a live experiment takes the target page over from a concluded one", async () => {
    const old = experiment({ slug: "old-layout", state: "done", shipped_variant_slug: "b" });
    const live = experiment({
      slug: "new-layout",
      variants: [
        { slug: "x", traffic_share: 100 },
        { slug: "y", traffic_share: 0 },
      ],
    });
    const t = await edgeWith([live, old]);
    const res = await t.fetch("/pricing");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("sgen-ab-new-layout=x"))).toBe(true);
    expect(await titleOf(res)).toBe(TITLES.a);
  });
});
