// The static site behind sgen-ab's Worker, in the Workers runtime with real KV, Durable Objects and
// the assets binding: an experiment created and started through the admin API, a visitor served
// pricing-b.html under /pricing, the exposure and the conversion counted.
import { exports } from "cloudflare:workers";
import { variantFor } from "sgen-ab/core";
import { describe, expect, it } from "vitest";

const SITE = "https://site.example";
const ADMIN = { authorization: "Bearer example-admin", "content-type": "application/json" };

interface Answer {
  id: number;
  analysis: { variants: Array<{ slug: string; sample: number; conversions: number }> };
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Answer }> {
  const res = await exports.default.fetch(`${SITE}/sg-admin/api${path}`, {
    method,
    headers: ADMIN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Answer };
}

const variants = [
  { slug: "a", label: "Control", traffic_share: 50 },
  { slug: "b", label: "Simple", page: "/pricing-b", traffic_share: 50 },
];
// A visitor the hash puts in b (sgen-ab/core computes what the edge will).
const visitor = Array.from({ length: 100 }, (_, i) => `visitor-${i}`).find(
  (id) => variantFor("pricing-layout", id, variants)?.slug === "b",
);

describe("a static site with sgen-ab in front", () => {
  it("serves pricing-b.html under /pricing to the variant's visitors and counts them", async () => {
    const created = await api("POST", "/experiments", {
      slug: "pricing-layout",
      name: "Pricing layout",
      target_page: "/pricing",
      variants,
      conversion_event: { type: "page_view", path: "/thanks" },
      min_sample_threshold: 100,
      max_runtime_days: null,
      notes: "",
      post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running" },
      secondary_goals: [],
    });
    expect(created.status).toBe(201);
    const id = created.json.id;
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);

    const visit = await exports.default.fetch(`${SITE}/pricing`, { headers: { cookie: `sgen-vid=${visitor}` } });
    expect(visit.status).toBe(200);
    expect(await visit.text()).toContain("Simple pricing");
    expect(visit.headers.get("cache-control")).toMatch(/private/);
    await exports.default.fetch(`${SITE}/thanks`, { headers: { cookie: `sgen-vid=${visitor}; sgen-ab-pricing-layout=b` } });

    let counted: Answer["analysis"]["variants"] = [];
    for (let i = 0; i < 200; i++) {
      counted = (await api("GET", `/experiments/${id}/dashboard`)).json.analysis.variants;
      if (counted.find((v) => v.slug === "b")?.conversions === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(counted.find((v) => v.slug === "b")).toMatchObject({ sample: 1, conversions: 1 });
    expect(counted.find((v) => v.slug === "a")).toMatchObject({ sample: 0 });
  });

  it("passes every other path to the assets untouched", async () => {
    const home = await exports.default.fetch(`${SITE}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<a href="/pricing">');
    expect(home.headers.getSetCookie()).toEqual([]);
  });
});
