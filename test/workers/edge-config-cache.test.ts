// The edge reads KV once per TTL per isolate, not once per request, and picks up a new publication.
import { describe, expect, it } from "vitest";
import { configOf, edgeWith, experiment, setCookies, TITLES, titleOf } from "./helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the edge's copy of the config", () => {
  it("1,000 page views within the TTL cost one KV read", async () => {
    const t = await edgeWith([experiment()]);
    for (let i = 0; i < 1000; i++) {
      const res = await t.fetch(i % 2 ? "/pricing" : "/", { headers: { cookie: `sgen-vid=v${i % 50}; sgen-ab-pricing-page-layout=a` } });
      await res.arrayBuffer();
    }
    expect(t.store.reads).toBe(1);
  });

  it("after the TTL, serves the old copy once while it reads the new one in the background", async () => {
    const exp = experiment();
    const t = await edgeWith([exp], { configTtlMs: 1_000 });
    expect(setCookies(await t.fetch("/pricing")).has("sgen-ab-pricing-page-layout")).toBe(true);
    await t.store.put(configOf([{ ...exp, state: "paused" }], 2));
    await sleep(1_100);
    // The request that notices the stale copy is served from it and starts the refresh...
    const stale = await t.fetch("/pricing");
    expect(setCookies(stale).has("sgen-ab-pricing-page-layout")).toBe(true);
    // ...and the next one sees the pause.
    const fresh = await t.fetch("/pricing", { headers: { cookie: "sgen-ab-pricing-page-layout=b" } });
    expect(fresh.headers.getSetCookie()).toEqual([]);
    expect(await titleOf(fresh)).toBe(TITLES.a);
    expect(t.store.reads).toBe(2);
  });

  it("invalidateConfig makes the next request read the new publication at once", async () => {
    const exp = experiment();
    const t = await edgeWith([exp]);
    await t.fetch("/pricing");
    await t.store.put(configOf([{ ...exp, state: "done", shipped_variant_slug: "b" }], 2));
    t.edge.invalidateConfig();
    expect(await titleOf(await t.fetch("/pricing"))).toBe(TITLES.b);
    expect(t.store.reads).toBe(2);
  });
});
