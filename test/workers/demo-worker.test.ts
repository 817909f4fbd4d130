// The demo Worker (what `npm start` runs), called as a service: the seeded experiment splits /pricing.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { api, created } from "./admin-helpers.ts";
import { setCookies, TITLES, titleOf } from "./helpers.ts";

describe("the demo Worker", () => {
  it("seeds pricing-page-layout and splits /pricing between a and b", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const id = `demo-visitor-${i}`;
      const res = await exports.default.fetch(new Request("http://localhost:8787/pricing", { headers: { cookie: `sgen-vid=${id}` } }));
      const expected = referenceAssignment("pricing-page-layout", id, [50, 50]).index === 0 ? "a" : "b";
      expect(setCookies(res).get("sgen-ab-pricing-page-layout")?.value).toBe(expected);
      expect(await titleOf(res)).toBe(TITLES[expected]);
      seen.add(expected);
    }
    expect(seen).toEqual(new Set(["a", "b"]));
  });

  it("serves the demo site's pages, a 303 for the sign-up form and 404 elsewhere", async () => {
    const titles = new Set<string>();
    for (const path of ["/", "/pricing-b", "/thanks", "/signup"]) {
      const res = await exports.default.fetch(new Request(`http://localhost:8787${path}`));
      expect(res.status).toBe(200);
      titles.add(await titleOf(res));
    }
    expect(titles.size).toBe(4);
    const post = await exports.default.fetch(
      new Request("http://localhost:8787/signup", { method: "POST", body: "email=a@b.c", redirect: "manual" }),
    );
    expect(post.status).toBe(303);
    expect(post.headers.get("location")).toBe("/thanks");
    expect((await exports.default.fetch(new Request("http://localhost:8787/elsewhere"))).status).toBe(404);
  });

  it("lets a request set its own country (demo only: wrangler dev has no request.cf offline)", async () => {
    // The variant is an override, not a page of its own: a variant page the demo site lacks (404) leaves
    // its visitors unassigned, which is not what this test is about.
    const { id, input } = await created({
      variants: [
        { slug: "a", label: "Control", traffic_share: 50 },
        { slug: "b", label: "Variant", overrides: [{ selector: "h1", action: "set_text", value: "B" }], traffic_share: 50 },
      ],
      audience: { match: "all", conditions: [{ attribute: "country", operator: "in", values: ["DE"] }] },
    });
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    const cookie = `sgen-ab-${input.slug}`;
    const visit = async (query: string, headers: Record<string, string> = {}) =>
      setCookies(
        await exports.default.fetch(
          new Request(`http://localhost:8787${input.target_page}${query}`, { headers: { cookie: "sgen-vid=geo-1", ...headers } }),
        ),
      ).has(cookie);
    expect(await visit("")).toBe(false);
    expect(await visit("?demo-country=DE")).toBe(true);
    expect(await visit("?demo-country=FR")).toBe(false);
    expect(await visit("", { "x-demo-country": "de" })).toBe(true);
    await api("POST", `/experiments/${id}/pause`);
  });
});
