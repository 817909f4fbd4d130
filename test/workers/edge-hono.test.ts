// The edge as middleware in a site that is itself a Hono app: variant pages come from the app itself,
// re-entered in-process, and counting reaches the run-data Durable Objects with no option set.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import type { EdgeExperiment } from "../../src/core/schema.ts";
import { type SgenAbOptions, sgenAb } from "../../src/hono/index.ts";
import { readRunData } from "../../src/run-data/client.ts";
import { configOf, experiment, prefixedStore, setCookies, TITLES, titleOf, uniqueId } from "./helpers.ts";

type AppEnv = { Bindings: Cloudflare.Env };

async function siteWith(exp: EdgeExperiment, options: SgenAbOptions<AppEnv> = {}) {
  const store = prefixedStore(`hono-${uniqueId()}`);
  await store.put(configOf([exp]));
  const app = new Hono<AppEnv>();
  app.use(sgenAb(app, { configStore: () => store, ...options }));
  app.get("*", (c) => demoSite(c.req.raw));
  return async (path: string, cookie?: string) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`http://site.test${path}`, { headers: cookie ? { cookie } : {} }), env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Hono middleware", () => {
  it("serves the variant page from the app itself, not over the network, and leaves other routes alone", async () => {
    const network = vi.spyOn(globalThis, "fetch");
    const visit = await siteWith(experiment());
    for (const variant of ["a", "b"] as const) {
      const res = await visit("/pricing", `sgen-ab-pricing-page-layout=${variant}`);
      expect(await titleOf(res)).toBe(TITLES[variant]);
      expect(res.headers.get("cache-control")).toMatch(/private/);
    }
    const fresh = await visit("/pricing");
    expect(setCookies(fresh).has("sgen-vid")).toBe(true);
    const home = await visit("/");
    expect(await titleOf(home)).toBe(TITLES.home);
    expect(home.headers.getSetCookie()).toEqual([]);
    expect(network).not.toHaveBeenCalled();
  });

  it("counts exposures and conversions in the run-data objects with no option set", async () => {
    const exp = experiment();
    const visit = await siteWith(exp);
    const first = await visit("/pricing", "sgen-vid=hono-counted");
    const variant = setCookies(first).get("sgen-ab-pricing-page-layout")?.value;
    await visit("/thanks", `sgen-vid=hono-counted; sgen-ab-pricing-page-layout=${variant}`);
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(run.samples).toEqual({ [variant as string]: 1 });
    expect(run.conversions["page_view:/thanks"]).toEqual({ [variant as string]: 1 });
  });

  it("lets its own request for the variant page through: serving /pricing-b is not a visit of /pricing-b", async () => {
    // The goal is a view of the variant page itself: only a visitor who really opens /pricing-b converts.
    const exp = experiment({
      variants: [
        { slug: "a", page: "/pricing", traffic_share: 0 },
        { slug: "b", page: "/pricing-b", traffic_share: 100 },
      ],
      conversion_event: { type: "page_view", path: "/pricing-b" },
    });
    const visit = await siteWith(exp);
    const cookie = "sgen-vid=hono-reentry; sgen-ab-pricing-page-layout=b";
    await visit("/pricing", "sgen-vid=hono-reentry");
    expect(await titleOf(await visit("/pricing", cookie))).toBe(TITLES.b);
    const goal = "page_view:/pricing-b";
    expect((await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1)).conversions[goal]).toBeUndefined();
    await visit("/pricing-b", cookie);
    expect((await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1)).conversions[goal]).toEqual({ b: 1 });
  });

  it("takes an origin of its own, and events: false counts nothing", async () => {
    const exp = experiment();
    const origin = vi.fn(async (r: Request) => demoSite(r));
    const visit = await siteWith(exp, { origin, events: false });
    expect(await titleOf(await visit("/pricing", "sgen-vid=hono-off; sgen-ab-pricing-page-layout=b"))).toBe(TITLES.b);
    expect(origin).toHaveBeenCalledOnce();
    expect(new URL(origin.mock.calls[0]?.[0].url ?? "").pathname).toBe("/pricing-b");
    await visit("/pricing", "sgen-vid=hono-off-new");
    expect((await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1)).samples).toEqual({});
  });
});
