// POST /__sgen/events when the edge has no config to count by, or when the site's own functions throw:
// the events are never handed to the origin, never answered 202 as if there were nothing to count,
// and the answer is always an answer (no rejected promise reaching the runtime).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { createEdge } from "../../src/edge/index.ts";
import type { EdgeOptions } from "../../src/edge/options.ts";
import type { ConfigStore } from "../../src/edge/ports.ts";
import { readRunData } from "../../src/run-data/client.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import { edgeWith, experiment, setCookies } from "./helpers.ts";

const signup = JSON.stringify({ events: [{ name: "signup" }] });
const customGoal = () => experiment({ conversion_event: { type: "custom", name: "signup" } });

async function conversions(id: number): Promise<number> {
  const run = await readRunData(env.SGEN_RUN_DATA, id, 0, 1);
  return Object.values(run.conversions["custom:signup"] ?? {}).reduce((a, b) => a + b, 0);
}

/** A fresh edge (a cold isolate) over `store`, with an origin that records what reaches it. */
function coldEdge(store: ConfigStore | undefined, options: Partial<EdgeOptions<Cloudflare.Env>> = {}) {
  const reachedOrigin: string[] = [];
  const logs: string[] = [];
  const edge = createEdge<Cloudflare.Env>({
    configStore: () => store,
    events: runDataSink<Cloudflare.Env>((e) => e.SGEN_RUN_DATA, { flushDelayMs: 0 }).sink,
    log: (m) => logs.push(m),
    ...options,
  });
  const post = async (cookie = "") => {
    const ctx = createExecutionContext();
    const res = await edge.handle(
      new Request("http://site.test/__sgen/events", {
        method: "POST",
        body: signup,
        headers: { cookie, "content-type": "application/json" },
      }),
      env,
      ctx,
      async (r) => {
        reachedOrigin.push(new URL(r.url).pathname);
        return demoSite(r);
      },
    );
    await waitOnExecutionContext(ctx);
    return res;
  };
  return { post, reachedOrigin, logs };
}

/** A visitor exposed through a working edge: the cookie header it sends back. */
async function exposedVisitor(slug: string): Promise<{ cookie: string; store: ConfigStore }> {
  const e = customGoal();
  const t = await edgeWith([e]);
  const set = setCookies(await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${slug}` } }));
  return { cookie: `sgen-vid=${slug}; sgen-ab-${e.slug}=${set.get(`sgen-ab-${e.slug}`)?.value}`, store: t.store };
}

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe("the event endpoint without a config", () => {
  it("no KV binding: 503 config_unavailable with Retry-After, and nothing reaches the origin", async () => {
    const t = coldEdge(undefined);
    const res = await t.post("sgen-vid=v1; sgen-ab-x=a");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await errorCode(res)).code).toBe("config_unavailable");
    expect(t.reachedOrigin).toEqual([]);
  });

  it("a cold isolate whose KV answers slower than a page would wait still counts the event", async () => {
    const e = customGoal();
    const warm = await edgeWith([e]);
    const set = setCookies(await warm.fetch("/pricing", { headers: { cookie: "sgen-vid=slow-kv-1" } }));
    const cookie = `sgen-vid=slow-kv-1; sgen-ab-${e.slug}=${set.get(`sgen-ab-${e.slug}`)?.value}`;
    const slow: ConfigStore = {
      get: async (key, o) => {
        await new Promise((r) => setTimeout(r, 400)); // four times the page's budget of 100 ms
        return warm.store.get(key, o);
      },
    };
    const t = coldEdge(slow);
    const res = await t.post(cookie);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ counted: 1 });
    expect(t.reachedOrigin).toEqual([]);
    expect(await conversions(e.id)).toBe(1);
  });

  it("a KV read that fails with no copy in hand: 503, not a 202 that counted nothing; the next good read counts", async () => {
    const { cookie, store } = await exposedVisitor("kv-down-1");
    let down = true;
    const flaky: ConfigStore = {
      get: (key, o) => (down ? Promise.reject(new Error("KV unavailable")) : store.get(key, o)),
    };
    const t = coldEdge(flaky);
    const refused = await t.post(cookie);
    expect(refused.status).toBe(503);
    expect((await errorCode(refused)).code).toBe("config_unavailable");
    expect(t.reachedOrigin).toEqual([]);
    down = false;
    const res = await t.post(cookie);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ counted: 1 });
  });

  it("a config store that throws: 503 as well, never the origin", async () => {
    const t = coldEdge({
      get: () => {
        throw new Error("binding misconfigured");
      },
    });
    const res = await t.post();
    expect(res.status).toBe(503);
    expect(t.reachedOrigin).toEqual([]);
  });

  it("nothing published yet is a config: 202 with nothing to count", async () => {
    const t = coldEdge({ get: async () => null });
    const res = await t.post("sgen-vid=v2");
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, counted: 0 });
  });
});

describe("the event endpoint when the site's functions throw", () => {
  const boom = () => {
    throw new Error("the site's bug");
  };
  for (const [name, options, named] of [
    ["visitorId", { visitorId: boom }, "visitorId"],
    ["consent", { consent: boom }, "consent"],
    ["consentCookie", { consentCookie: boom }, "consentCookie"],
  ] as const) {
    it(`a throwing ${name}: 500 site_callback_failed that names it, nothing counted, the error logged`, async () => {
      const { cookie, store } = await exposedVisitor(`throws-${name}`);
      const t = coldEdge(store, options as Partial<EdgeOptions<Cloudflare.Env>>);
      const res = await t.post(cookie);
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toBe("application/json");
      const error = await errorCode(res);
      expect(error.code).toBe("site_callback_failed");
      expect(error.message).toContain(named);
      expect(t.logs.some((l) => l.includes(named))).toBe(true);
      expect(t.reachedOrigin).toEqual([]);
    });
  }

  it("a throwing store or signed-events setting: 500 events_failed, an answer all the same", async () => {
    const { cookie, store } = await exposedVisitor("throws-store");
    for (const options of [{ storeEvents: boom }, { signedEvents: boom }] as Partial<EdgeOptions<Cloudflare.Env>>[]) {
      const res = await coldEdge(store, options).post(cookie);
      expect(res.status).toBe(500);
      expect((await errorCode(res)).code).toBe("events_failed");
    }
  });
});
