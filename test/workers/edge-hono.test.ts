// The edge as middleware in a site that is itself a Hono app.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { sgenAb } from "../../src/hono/index.ts";
import { configOf, experiment, prefixedStore, setCookies, TITLES, titleOf, uniqueId } from "./helpers.ts";

describe("Hono middleware", () => {
  it("serves the variant page through the app and leaves other routes alone", async () => {
    const store = prefixedStore(`hono-${uniqueId()}`);
    await store.put(configOf([experiment()]));
    const app = new Hono<{ Bindings: Cloudflare.Env }>();
    app.use("*", sgenAb<Cloudflare.Env>({ configStore: () => store, origin: async (r) => app.fetch(r, env) }));
    app.get("*", (c) => demoSite(c.req.raw));

    for (const variant of ["a", "b"] as const) {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request("http://site.test/pricing", { headers: { cookie: `sgen-ab-pricing-page-layout=${variant}` } }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(await titleOf(res)).toBe(TITLES[variant]);
      expect(res.headers.get("cache-control")).toMatch(/private/);
    }
    const ctx = createExecutionContext();
    const fresh = await app.fetch(new Request("http://site.test/pricing"), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(setCookies(fresh).has("sgen-vid")).toBe(true);
    const home = await app.fetch(new Request("http://site.test/"), env, createExecutionContext());
    expect(await titleOf(home)).toBe(TITLES.home);
    expect(home.headers.getSetCookie()).toEqual([]);
  });
});
