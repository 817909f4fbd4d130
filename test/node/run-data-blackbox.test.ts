// docs/conversions.md, black-box: visitors and conversions sent through `npm start`; the dashboard
// counts exactly, duplicates and out-of-sample conversions are not counted, and a post-test action fires.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, type DemoServer, get, startDemo } from "./support/demo-server.ts";

let demo: DemoServer;
beforeAll(async () => {
  demo = await startDemo();
});
afterAll(async () => {
  await demo?.stop();
});

const call = (method: string, path: string, body?: unknown) => adminApi(demo.base, method, path, body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(300);
  }
}

describe("npm start: counting, from outside", () => {
  it("the seeded experiment counts visitors and /thanks page views exactly", async () => {
    const id = (await call("GET", "/experiments?q=pricing-page-layout")).json.rows[0].id;
    const sent = { sample: 0, conversions: 0 };
    for (let i = 0; i < 30; i++) {
      const r = await get(`${demo.base}/pricing`, { headers: { cookie: `sgen-vid=bb-count-${i}` } });
      const cookie = `sgen-vid=bb-count-${i}; sgen-ab-pricing-page-layout=${r.cookies.get("sgen-ab-pricing-page-layout")?.value}`;
      sent.sample++;
      await get(`${demo.base}/pricing`, { headers: { cookie } }); // returning: not counted again
      if (i % 3 === 0) {
        await get(`${demo.base}/thanks`, { headers: { cookie } });
        await get(`${demo.base}/thanks`, { headers: { cookie } }); // a duplicate
        sent.conversions++;
      }
    }
    await get(`${demo.base}/thanks`, { headers: { cookie: "sgen-vid=outsider; sgen-ab-pricing-page-layout=b" } }); // never in the sample
    await get(`${demo.base}/thanks`); // no cookies at all
    const dash = await until(
      async () => (await call("GET", `/experiments/${id}/dashboard`)).json,
      (d) => d.variants.reduce((s: number, v: { sample: number }) => s + v.sample, 0) >= sent.sample,
    );
    const sample = dash.variants.reduce((s: number, v: { sample: number }) => s + v.sample, 0);
    const conversions = dash.variants.reduce((s: number, v: { conversions: number }) => s + v.conversions, 0);
    expect(sample).toBe(sent.sample);
    expect(conversions).toBe(sent.conversions);
    for (const v of dash.analysis.variants) expect(v.conversions).toBeLessThanOrEqual(v.sample);
  });

  it("a custom-event experiment reaches its gate and its post-test action ships the winner", async () => {
    const made = await call("POST", "/experiments", {
      slug: "bb-post-test",
      name: "Black-box post-test",
      target_page: "/",
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
      ],
      conversion_event: { type: "custom", name: "signup" },
      min_sample_threshold: 100,
      // No minimum runtime, so that the gate alone lets the action take effect here.
      min_runtime_days: 0,
      post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running" },
    });
    expect(made.status).toBe(201);
    const id = made.json.id;
    expect((await call("POST", `/experiments/${id}/start`)).status).toBe(200);
    const counts = { a: 0, b: 0 };
    // Visitors until each variant has 130; every b visitor signs up, a visitors never do. The post-test
    // action may conclude as soon as the catalog hears of 100 in each (reports lag the visits by a few
    // seconds); from then on the edge assigns nobody, and the loop ends with what it has.
    for (let i = 0; counts.a < 130 || counts.b < 130; i++) {
      const r = await get(`${demo.base}/`, { headers: { cookie: `sgen-vid=bb-pt-${i}` } });
      const variant = r.cookies.get("sgen-ab-bb-post-test")?.value as "a" | "b" | undefined;
      if (variant === undefined) break;
      counts[variant]++;
      if (variant === "b") {
        const res = await fetch(`${demo.base}/__sgen/events`, {
          method: "POST",
          headers: { cookie: `sgen-vid=bb-pt-${i}; sgen-ab-bb-post-test=b`, "content-type": "application/json" },
          body: JSON.stringify({ events: [{ name: "signup" }] }),
        });
        expect(res.status).toBe(202);
      }
    }
    expect(Math.min(counts.a, counts.b)).toBeGreaterThanOrEqual(100);
    const record = await until(
      async () => (await call("GET", `/experiments/${id}`)).json,
      (r) => r.lifecycle_state === "done",
      30_000,
    );
    expect(record).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: "b" });
    const dash = (await call("GET", `/experiments/${id}/dashboard`)).json;
    expect(dash.post_test.applied).toMatchObject({ action: "assign_winner", shipped_variant_slug: "b" });
    expect(dash.analysis.outcome).toEqual({ state: "winner", winner: "b", losers: [] });
    const entry = (await call("GET", `/activity?experiment_id=${id}`)).json.entries[0];
    expect(entry).toMatchObject({ operator: "system", action: "post_test_action", shipped_variant_slug: "b" });
    // Everyone now gets b's page on / (once the edge's one-second copy of the config is renewed).
    const after = await until(
      () => get(`${demo.base}/`),
      (r) => r.cookies.size === 0, // no longer assigning: concluded at the edge too
    );
    expect(after.title).toBe("Acme: pricing (layout B)");
    expect(after.cookies.size).toBe(0);
  });
});
