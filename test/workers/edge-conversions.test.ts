// docs/conversions.md at the edge: page views, form posts and custom events, from visitors in the sample.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readRunData } from "../../src/run-data/client.ts";
import { edgeWith, experiment, setCookies } from "./helpers.ts";

async function runData(id: number) {
  return readRunData(env.SGEN_RUN_DATA, id, 0, 1);
}

/** Visits the target page as a new visitor and returns the cookie header it would send back. */
async function joinSample(t: Awaited<ReturnType<typeof edgeWith>>, vid: string): Promise<string> {
  const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${vid}` } });
  return `sgen-vid=${vid}; sgen-ab-pricing-page-layout=${setCookies(res).get("sgen-ab-pricing-page-layout")?.value}`;
}

describe("conversions at the edge", () => {
  it("page_view: a GET of the goal path by a visitor in the sample counts once", async () => {
    const exp = experiment();
    const t = await edgeWith([exp]);
    const cookie = await joinSample(t, "pv-1");
    await t.fetch("/thanks", { headers: { cookie } });
    await t.fetch("/thanks", { headers: { cookie } });
    await t.fetch("/thanks"); // no cookies: not a visitor in the sample
    await t.fetch("/thanks", { headers: { cookie: "sgen-vid=forged; sgen-ab-pricing-page-layout=b" } }); // never exposed
    const run = await runData(exp.id);
    const total = Object.values(run.samples).reduce((a, b) => a + b, 0);
    expect(total).toBe(1);
    expect(Object.values(run.conversions["page_view:/thanks"] ?? {}).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("form_submission: a POST answered 2xx or 3xx counts; an error answer does not", async () => {
    const ok = experiment({ conversion_event: { type: "form_submission", path: "/signup" } });
    const t = await edgeWith([ok]);
    const cookie = await joinSample(t, "form-1");
    const res = await t.fetch("/signup", {
      method: "POST",
      body: "email=a@b.c",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(303);
    expect(Object.values((await runData(ok.id)).conversions["form_submission:/signup"] ?? {})).toEqual([1]);

    const failing = experiment({ conversion_event: { type: "form_submission", path: "/signup" } });
    const t2 = await edgeWith([failing], {}, async (r) =>
      r.method === "POST"
        ? new Response("boom", { status: 500 })
        : new Response("<title>x</title>", { headers: { "content-type": "text/html" } }),
    );
    const cookie2 = await joinSample(t2, "form-2");
    await t2.fetch("/signup", { method: "POST", body: "x", headers: { cookie: cookie2 } });
    expect((await runData(failing.id)).conversions).toEqual({});
  });

  it("custom events: POST /__sgen/events answers 202 and counts known names for the visitor", async () => {
    const exp = experiment({
      conversion_event: { type: "custom", name: "signup" },
      secondary_goals: [{ type: "custom", name: "newsletter" }],
    });
    const t = await edgeWith([exp]);
    const cookie = await joinSample(t, "custom-1");
    const res = await t.fetch("/__sgen/events", {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ events: [{ name: "signup" }, { name: "unknown-event" }, { name: "newsletter" }] }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 3, counted: 2, ack: "buffered" });
    const run = await runData(exp.id);
    expect(Object.values(run.conversions["custom:signup"] ?? {})).toEqual([1]);
    expect(Object.values(run.conversions["custom:newsletter"] ?? {})).toEqual([1]);
  });

  it("custom events: bad bodies get the error shape and count nothing", async () => {
    const exp = experiment({ conversion_event: { type: "custom", name: "signup" } });
    const t = await edgeWith([exp]);
    const cookie = await joinSample(t, "custom-bad");
    const post = (body: string) => t.fetch("/__sgen/events", { method: "POST", headers: { cookie }, body });
    expect((await post("{")).status).toBe(400);
    expect((await post(JSON.stringify({ events: [] }))).status).toBe(422);
    expect((await post(JSON.stringify({ events: Array.from({ length: 21 }, () => ({ name: "signup" })) }))).status).toBe(422);
    expect((await post(JSON.stringify({ events: [{ name: "signup", extra: 1 }] }))).status).toBe(422);
    expect((await post(JSON.stringify({ events: [{ name: "x".repeat(9000) }] }))).status).toBe(413);
    const bad = await post(JSON.stringify({ events: [{ name: "bad name" }] }));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { issues: Array<{ path: string }> } }).error.issues[0]?.path).toBe("events.0.name");
    expect((await t.fetch("/__sgen/events")).status).toBe(405);
    expect((await runData(exp.id)).conversions).toEqual({});
  });

  it("paused experiments count nothing", async () => {
    const exp = experiment();
    const t = await edgeWith([exp]);
    const cookie = await joinSample(t, "paused-1");
    await t.store.put({
      schema_version: 1,
      revision: 2,
      published_at: new Date().toISOString(),
      experiments: [{ ...exp, state: "paused" }],
    });
    t.edge.invalidateConfig();
    await t.fetch("/thanks", { headers: { cookie } });
    expect((await runData(exp.id)).conversions).toEqual({});
  });
});
