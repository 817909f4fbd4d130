// The site as its visitors and operators meet it, in the Workers runtime with real KV and Durable
// Objects: an experiment created and started through the mounted admin API, a visitor split on
// /pricing and served the variant page under that URL, its exposure and conversion on the dashboard.
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

describe("a Hono site with sgen-ab", () => {
  it("splits /pricing, serves /pricing-b under it, and counts the visitor and its conversion", async () => {
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
    expect(await visit.text()).toContain("Simple pricing");
    expect(visit.headers.get("cache-control")).toMatch(/private/);
    expect(visit.headers.getSetCookie().join("\n")).toMatch(/sgen-ab-pricing-layout=b/);
    await exports.default.fetch(`${SITE}/thanks`, { headers: { cookie: `sgen-vid=${visitor}; sgen-ab-pricing-layout=b` } });

    // Counting is batched off the response path: poll the dashboard until the events arrive.
    let counted: Answer["analysis"]["variants"] = [];
    for (let i = 0; i < 200; i++) {
      counted = (await api("GET", `/experiments/${id}/dashboard`)).json.analysis.variants;
      if (counted.find((v) => v.slug === "b")?.conversions === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(counted.find((v) => v.slug === "b")).toMatchObject({ sample: 1, conversions: 1 });
    expect(counted.find((v) => v.slug === "a")).toMatchObject({ sample: 0 });
  });

  it("serves the operators' pages under /sg-admin and the rest of the site untouched", async () => {
    const login = await exports.default.fetch(`${SITE}/sg-admin/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toMatch(/Operator token/);
    const home = await exports.default.fetch(`${SITE}/`);
    expect(await home.text()).toContain("Pricing");
    expect(home.headers.getSetCookie()).toEqual([]);
  });
});
