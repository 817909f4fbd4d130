// Fail open: whatever goes wrong in the experiment layer, the visitor gets a page (the control).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import type { ConfigStore } from "../../src/edge/ports.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import { configOf, edgeWith, experiment, setCookies, TITLES, titleOf } from "./helpers.ts";

const failing: ConfigStore = { get: () => Promise.reject(new Error("KV is down")) };

describe("fail open", () => {
  it("KV failing: the page is served untouched", async () => {
    const t = await edgeWith([experiment()], { configStore: () => failing });
    const res = await t.fetch("/pricing");
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await titleOf(res)).toBe(TITLES.a);
    expect(t.logs.join("\n")).toMatch(/could not read the experiment config/);
  });

  it("a config store that throws instead of rejecting: the page is served untouched", async () => {
    const t = await edgeWith([experiment()], {
      configStore: () => {
        throw new Error("binding misconfigured");
      },
    });
    const res = await t.fetch("/pricing");
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await titleOf(res)).toBe(TITLES.a);
    expect(t.logs.join("\n")).toMatch(/could not load the experiment config/);
  });

  it("KV binding missing: the page is served untouched", async () => {
    const t = await edgeWith([experiment()], { configStore: () => undefined });
    expect(await titleOf(await t.fetch("/pricing"))).toBe(TITLES.a);
  });

  it("KV slow: the first request waits no longer than the budget; the late answer serves the next one", async () => {
    const exp = experiment();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow: ConfigStore = {
      async get() {
        await gate;
        return JSON.stringify(configOf([exp]));
      },
    };
    const t = await edgeWith([], { configStore: () => slow, configTimeoutMs: 50 });
    const ctx = createExecutionContext();
    let answered = false;
    const res = await t.edge
      .handle(new Request("http://site.test/pricing"), env, ctx, async (r) => demoSite(r))
      .finally(() => {
        answered = true;
      });
    expect(answered).toBe(true); // answered while KV still had not replied
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await titleOf(res)).toBe(TITLES.a);
    release();
    await waitOnExecutionContext(ctx); // the late read lands in the isolate's copy
    const next = await t.fetch("/pricing");
    expect(setCookies(next).has("sgen-ab-pricing-page-layout")).toBe(true);
  });

  it("KV holding something that is not a config: untouched, and KV is not read on every request", async () => {
    for (const bad of ["not json", JSON.stringify({ schema_version: 1, experiments: "nope" })]) {
      const t = await edgeWith([]);
      await t.store.put(bad);
      for (let i = 0; i < 5; i++) {
        const res = await t.fetch("/pricing");
        expect(res.headers.getSetCookie()).toEqual([]);
      }
      expect(t.store.reads).toBe(1);
      expect(t.logs.join("\n")).toMatch(/not JSON|does not match kv-schema/);
    }
  });

  it("run-data failing: the visitor still gets its variant and cookies", async () => {
    const overloaded = {
      idFromName: (name: string) => env.SGEN_RUN_DATA.idFromName(name),
      get: () => ({ ingest: () => Promise.reject(new Error("Durable Object overloaded")) }),
    } as unknown as typeof env.SGEN_RUN_DATA;
    const logs: string[] = [];
    const failing = runDataSink<Cloudflare.Env>(() => overloaded, { flushDelayMs: 0, maxAttempts: 2, log: (m) => logs.push(m) });
    const t = await edgeWith([experiment()], { events: failing.sink });
    const res = await t.fetch("/pricing");
    expect(res.status).toBe(200);
    expect(setCookies(res).has("sgen-ab-pricing-page-layout")).toBe(true);
    expect(logs.join("\n")).toMatch(/1 run-data events for experiment:\d+:shard:0 lost after 2 attempts/);
    expect(failing.batcher.dropped).toBe(1);
  });

  it("a variant page that 404s or 5xx falls back to the target page, with a log line", async () => {
    for (const status of [404, 503]) {
      const t = await edgeWith(
        [
          experiment({
            variants: [
              { slug: "a", traffic_share: 0.01 },
              { slug: "b", page: "/gone", traffic_share: 99.99 },
            ],
          }),
        ],
        {},
        async (r) =>
          new URL(r.url).pathname === "/gone"
            ? new Response("no", { status })
            : new Response("<title>Acme: pricing</title>", { headers: { "content-type": "text/html" } }),
      );
      const res = await t.fetch("/pricing", { headers: { cookie: "sgen-ab-pricing-page-layout=b" } });
      expect(res.status).toBe(200);
      expect(await titleOf(res)).toBe(TITLES.a);
      expect(t.logs.join("\n")).toMatch(new RegExp(`answered ${status}`));
    }
  });

  it("a variant page whose fetch throws falls back to the target page", async () => {
    const t = await edgeWith([experiment()], {}, async (r) => {
      if (new URL(r.url).pathname === "/pricing-b") throw new Error("connection reset");
      return new Response("<title>Acme: pricing</title>", { headers: { "content-type": "text/html" } });
    });
    const res = await t.fetch("/pricing", { headers: { cookie: "sgen-ab-pricing-page-layout=b" } });
    expect(await titleOf(res)).toBe(TITLES.a);
  });

  it("the demo Worker with no storage bound still serves every page", async () => {
    const { default: demo } = await import("../../examples/demo/worker.ts");
    const ctx = createExecutionContext();
    const res = await demo.fetch(
      new Request("http://site.test/pricing"),
      { ...env, SGEN_CONFIG: undefined, SGEN_RUN_DATA: undefined },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(await titleOf(res)).toBe(TITLES.a);
  });
});
