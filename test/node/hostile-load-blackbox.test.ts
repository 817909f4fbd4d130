// Against `npm start`: hostile requests never produce a server error, and a concurrent load of visitors
// and conversions (with duplicates) ends with exactly the counts that were sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, type DemoServer, startDemo } from "./support/demo-server.ts";

let demo: DemoServer;
beforeAll(async () => {
  demo = await startDemo();
});
afterAll(async () => {
  await demo?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("npm start: hostile input, from outside", () => {
  it("never answers a hostile request with a 5xx", async () => {
    const requests: Array<[string, RequestInit]> = [
      ["/pricing", { headers: { cookie: `sgen-vid=${"x".repeat(8000)}` } }],
      ["/pricing", { headers: { cookie: Array.from({ length: 300 }, (_, i) => `sgen-ab-e${i}=${i}`).join("; ") } }],
      ["/pricing", { headers: { cookie: "sgen-ab-pricing-page-layout=%0d%0aSet-Cookie:%20evil=1; sgen-vid=%ZZ%" } }],
      ["/pricing", { headers: { cookie: 'sgen-ab-pricing-page-layout="b"; sgen-vid=";;;' } }],
      ["//evil.example/pricing", {}],
      ["/pricing/../../etc/passwd", {}],
      ["/pricing?sgen-qa=1.b.9999999999.AAAAAAAAAAAAAAAAAAAAAA", {}],
      ["/__sgen/events", { method: "POST", body: "x".repeat(20_000) }],
      ["/__sgen/events", { method: "POST", body: '{"events":[{"name":{"__proto__":1}}]}' }],
      [
        "/sg-admin/api/experiments",
        {
          method: "POST",
          headers: { authorization: "Bearer demo-admin" },
          body: JSON.stringify({ a: { b: { c: { d: { e: { f: { g: [[[[[[]]]]]] } } } } } } }),
        },
      ],
      ["/sg-admin/api/experiments", { method: "POST", headers: { authorization: "Bearer demo-admin" }, body: `[${"1,".repeat(30_000)}1]` }],
      ["/sg-admin/api/experiments?sort=name;DROP%20TABLE%20experiments&per_page=-1", { headers: { authorization: "Bearer demo-viewer" } }],
      [
        "/sg-admin/login",
        { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${"A".repeat(5000)}` },
      ],
      ["/sg-admin/experiments/1/pause", { method: "POST", body: "csrf=forged" }],
    ];
    for (const [path, init] of requests) {
      const res = await fetch(`${demo.base}${path}`, { redirect: "manual", ...init });
      expect(res.status, path).toBeLessThan(500);
      await res.arrayBuffer();
    }
    // The experiment is still there and live: no hostile request changed it.
    const list = await adminApi(demo.base, "GET", "/experiments?q=pricing-page-layout");
    expect(list.json.rows[0].lifecycle_state).toBe("live");
  });
});

describe("npm start: a load run, counted exactly", () => {
  it("600 concurrent visitors, each exposure and conversion sent twice, end with exactly what was sent", async () => {
    // Its own experiment, on its own page, so that no other test's visitors are in its counts.
    const made = await adminApi(demo.base, "POST", "/experiments", {
      slug: "load-run",
      name: "Load run",
      target_page: "/signup",
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
      ],
      conversion_event: { type: "page_view", path: "/thanks" },
      min_sample_threshold: 1_000_000,
    });
    const id = made.json.id;
    expect((await adminApi(demo.base, "POST", `/experiments/${id}/start`)).status).toBe(200);
    const before = (await adminApi(demo.base, "GET", `/experiments/${id}/dashboard`)).json;
    const sum = (d: { variants: Array<{ sample: number; conversions: number }> }, k: "sample" | "conversions") =>
      d.variants.reduce((s, v) => s + v[k], 0);
    const visitors = Array.from({ length: 600 }, (_, i) => `load-${i}`);
    let converted = 0;
    const one = async (vid: string, i: number) => {
      const first = await fetch(`${demo.base}/signup`, { headers: { cookie: `sgen-vid=${vid}` } });
      await first.arrayBuffer();
      const assigned = first.headers
        .getSetCookie()
        .find((c) => c.startsWith("sgen-ab-load-run="))
        ?.split(";")[0];
      const cookie = `sgen-vid=${vid}; ${assigned}`;
      await (await fetch(`${demo.base}/signup`, { headers: { cookie: `sgen-vid=${vid}` } })).arrayBuffer(); // the cookie was lost: same visitor, counted once
      if (i % 4 === 0) {
        await Promise.all(
          [fetch(`${demo.base}/thanks`, { headers: { cookie } }), fetch(`${demo.base}/thanks`, { headers: { cookie } })].map(async (p) =>
            (await p).arrayBuffer(),
          ),
        );
        converted++;
      }
    };
    for (let i = 0; i < visitors.length; i += 50) await Promise.all(visitors.slice(i, i + 50).map((v, k) => one(v, i + k)));
    let after = before;
    for (let k = 0; k < 40; k++) {
      await sleep(250);
      after = (await adminApi(demo.base, "GET", `/experiments/${id}/dashboard`)).json;
      if (sum(after, "sample") - sum(before, "sample") >= 600 && sum(after, "conversions") - sum(before, "conversions") >= converted) break;
    }
    expect(sum(after, "sample") - sum(before, "sample")).toBe(600);
    expect(sum(after, "conversions") - sum(before, "conversions")).toBe(converted);
    for (const v of after.variants) expect(v.conversions).toBeLessThanOrEqual(v.sample);
  });
});
