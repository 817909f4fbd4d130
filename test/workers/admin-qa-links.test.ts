// docs/admin-api.md#qa-links: the API makes a QA link per variant, signed with the secret the edge checks,
// and the ready Worker's edge then serves that variant to whoever opens it, without a cookie or a count.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { qaVariant } from "../../src/edge/index.ts";
import { api, created } from "./admin-helpers.ts";

// The demo's session secret (examples/demo/wrangler.toml), which the ready Worker's edge checks QA links with.
const DEMO_SECRET = "demo-only-session-secret-never-deploy-me";

describe("QA links from the admin API", () => {
  it("gives each variant of a live experiment a link the edge honours, for 24 hours", async () => {
    const { id, input } = await created({
      variants: [
        { slug: "a", label: "Control", traffic_share: 50 },
        { slug: "b", label: "Simple pricing", page: "/pricing-b", traffic_share: 50 },
      ],
    });
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    const before = Date.now();
    const r = await api("GET", `/experiments/${id}/qa-links`, undefined, "demo-viewer");
    expect(r.status).toBe(200);
    expect(r.json.links.map((l: { variant: string; label: string }) => [l.variant, l.label])).toEqual([
      ["a", "Control"],
      ["b", "Simple pricing"],
    ]);
    const expires = Date.parse(r.json.expires_at);
    expect(expires).toBeGreaterThan(before + 24 * 3_600_000 - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    for (const link of r.json.links as { variant: string; url: string }[]) {
      const url = new URL(link.url);
      expect(url.origin).toBe("http://localhost:8787");
      expect(url.pathname).toBe(input.target_page);
      const token = url.searchParams.get("sgen-qa") ?? "";
      expect(await qaVariant(DEMO_SECRET, token, id)).toBe(link.variant);
      expect(await qaVariant("another secret", token, id)).toBeNull();
    }

    // Through the ready Worker: the variant's page, private, and no assignment cookie.
    const b = (r.json.links as { variant: string; url: string }[]).find((l) => l.variant === "b");
    const res = await exports.default.fetch(new Request(b?.url ?? ""));
    expect(await res.text()).toContain("Simple pricing");
    expect(res.headers.getSetCookie().filter((c) => c.startsWith("sgen-ab-"))).toEqual([]);
    expect(res.headers.get("cache-control")).toMatch(/private|no-store/);
  });

  it("refuses a draft (the edge does not have it), an unknown id, and a request without a token", async () => {
    const { id } = await created();
    const draft = await api("GET", `/experiments/${id}/qa-links`);
    expect(draft.status).toBe(409);
    expect(draft.json.error.code).toBe("not_published");
    expect((await api("GET", "/experiments/999999999/qa-links")).status).toBe(404);
    expect((await api("GET", "/experiments/x/qa-links")).status).toBe(404);
    expect((await api("GET", `/experiments/${id}/qa-links`, undefined, "")).status).toBe(401);
  });
});
