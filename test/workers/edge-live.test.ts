// docs/edge.md, a live experiment: cookies, assignment, the variant served under the original URL.
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { edgeWith, experiment, sampleOf, setCookies, TITLES, titleOf } from "./helpers.ts";

describe("a live experiment at the edge", () => {
  it("gives a new visitor both cookies and the assigned variant's page under the original URL", async () => {
    const t = await edgeWith([experiment()]);
    const res = await t.fetch("/pricing");
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    const c = setCookies(res);
    const vid = c.get("sgen-vid");
    const assigned = c.get("sgen-ab-pricing-page-layout");
    expect(vid?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(vid?.attrs).toMatch(/HttpOnly/);
    expect(vid?.attrs).toMatch(/Path=\//);
    expect(vid?.attrs).toMatch(/SameSite=Lax/);
    expect(Number(/Max-Age=(\d+)/.exec(vid?.attrs ?? "")?.[1])).toBeGreaterThanOrEqual(365 * 86400);
    expect(vid?.attrs).not.toMatch(/Secure/);
    expect(Number(/Max-Age=(\d+)/.exec(assigned?.attrs ?? "")?.[1])).toBeGreaterThanOrEqual(30 * 86400);
    expect(assigned?.attrs).toMatch(/Path=\//);
    expect(assigned?.attrs).toMatch(/SameSite=Lax/);
    const expected = referenceAssignment("pricing-page-layout", vid?.value ?? "", [50, 50]).index === 0 ? "a" : "b";
    expect(assigned?.value).toBe(expected);
    expect(await titleOf(res)).toBe(TITLES[expected]);
    expect(res.headers.get("cache-control")).toMatch(/private/);
  });

  it("marks cookies Secure on https", async () => {
    const t = await edgeWith([experiment()]);
    const res = await t.fetch("https://site.test/pricing");
    for (const { attrs } of setCookies(res).values()) expect(attrs).toMatch(/Secure/);
  });

  it("hashes a percent-encoded non-ASCII visitor id as its UTF-8 characters", async () => {
    const t = await edgeWith([experiment()]);
    let seen = new Set<string>();
    for (const id of ["ünïcödé", "日本語のユーザー", "😀-visitor", "Zoë", "Привет", "مرحبا", "사용자", "straße"]) {
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${encodeURIComponent(id)}` } });
      const expected = referenceAssignment("pricing-page-layout", id, [50, 50]).index === 0 ? "a" : "b";
      const c = setCookies(res);
      expect(c.has("sgen-vid"), "a valid visitor id is kept").toBe(false);
      expect(c.get("sgen-ab-pricing-page-layout")?.value, id).toBe(expected);
      expect(await titleOf(res)).toBe(TITLES[expected]);
      seen = seen.add(expected);
    }
    expect(seen.size).toBe(2);
  });

  it("keeps an origin's no-store as it is (never weakened to private), and marks a merely private page itself", async () => {
    const originWith = (cacheControl: string) => async (r: Request) => {
      const page = await demoSite(r);
      const res = new Response(page.body, page);
      res.headers.set("cache-control", cacheControl);
      return res;
    };
    const returning = { headers: { cookie: "sgen-vid=v1; sgen-ab-pricing-page-layout=b" } };
    const noStore = await edgeWith([experiment()], {}, originWith("no-store"));
    for (const res of [await noStore.fetch("/pricing", returning), await noStore.fetch("/pricing")]) {
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    expect(setCookies(await noStore.fetch("/pricing")).has("sgen-vid"), "a new visitor still gets its cookies").toBe(true);
    const privateOnly = await edgeWith([experiment()], {}, originWith("private, max-age=600"));
    expect((await privateOnly.fetch("/pricing", returning)).headers.get("cache-control")).toBe("private, no-cache");
  });

  it("keeps a returning visitor on its variant without writing cookies again", async () => {
    const t = await edgeWith([experiment()]);
    for (const variant of ["a", "b"] as const) {
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=v1; sgen-ab-pricing-page-layout=${variant}` } });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await titleOf(res)).toBe(TITLES[variant]);
      expect(res.headers.get("cache-control")).toMatch(/private/);
    }
  });

  it("replaces an assignment cookie that names no current variant", async () => {
    const t = await edgeWith([experiment()]);
    for (const bad of ["zzz", "", "A", "a,b", "%00", "a%20"]) {
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=tamper-1; sgen-ab-pricing-page-layout=${bad}` } });
      const expected = referenceAssignment("pricing-page-layout", "tamper-1", [50, 50]).index === 0 ? "a" : "b";
      expect(setCookies(res).get("sgen-ab-pricing-page-layout")?.value, bad).toBe(expected);
    }
  });

  it("replaces an unusable visitor id (too long) with a fresh one", async () => {
    const t = await edgeWith([experiment()]);
    const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${"x".repeat(300)}` } });
    expect(setCookies(res).get("sgen-vid")?.value).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("uses a site's own visitor id when configured", async () => {
    const t = await edgeWith([experiment()], { visitorId: (r) => r.headers.get("x-user-id") ?? undefined });
    const res = await t.fetch("/pricing", { headers: { "x-user-id": "user-8" } });
    const expected = referenceAssignment("pricing-page-layout", "user-8", [50, 50]).index === 0 ? "a" : "b";
    expect(setCookies(res).has("sgen-vid")).toBe(false);
    expect(setCookies(res).get("sgen-ab-pricing-page-layout")?.value).toBe(expected);
  });

  it("answers HEAD like GET, keeps the query string, and matches a trailing slash", async () => {
    const seen: string[] = [];
    const t = await edgeWith(
      [
        experiment({
          variants: [
            { slug: "a", traffic_share: 0.01 },
            { slug: "b", page: "/pricing-b", traffic_share: 99.99 },
          ],
        }),
      ],
      {},
      async (r) => {
        seen.push(`${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`);
        return new Response(r.method === "HEAD" ? null : "<title>x</title>", { headers: { "content-type": "text/html" } });
      },
    );
    const vid = "visitor-in-b"; // 99.99% of buckets are b's; this id's bucket is checked below
    expect(referenceAssignment("pricing-page-layout", vid, [0.01, 99.99]).index).toBe(1);
    await t.fetch("/pricing/?utm_source=mail", { method: "HEAD", headers: { cookie: `sgen-vid=${vid}` } });
    expect(seen).toEqual(["HEAD /pricing-b?utm_source=mail"]);
  });

  it("leaves other pages, other methods and unknown paths untouched", async () => {
    const t = await edgeWith([experiment()]);
    const home = await t.fetch("/");
    expect(home.headers.getSetCookie()).toEqual([]);
    expect(home.headers.get("cache-control")).toBe("public, max-age=60");
    const post = await t.fetch("/pricing", { method: "POST", body: "x=1" });
    expect(post.headers.getSetCookie()).toEqual([]);
    expect((await t.fetch("/nope")).status).toBe(404);
  });

  it("counts a visitor in the sample once, on its first assignment", async () => {
    const exp = experiment();
    const t = await edgeWith([exp]);
    const first = await t.fetch("/pricing", { headers: { cookie: "sgen-vid=count-me" } });
    const variant = setCookies(first).get("sgen-ab-pricing-page-layout")?.value ?? "";
    await t.fetch("/pricing", { headers: { cookie: `sgen-vid=count-me; sgen-ab-pricing-page-layout=${variant}` } });
    // The cookie was lost: assigned again by hash, and the run-data store still counts the visitor once.
    await t.fetch("/pricing", { headers: { cookie: "sgen-vid=count-me" } });
    expect(await sampleOf(exp.id)).toEqual({ [variant]: 1 });
    await t.fetch("/pricing", { headers: { cookie: "sgen-vid=someone-else" } });
    const total = Object.values(await sampleOf(exp.id)).reduce((a, b) => a + b, 0);
    expect(total).toBe(2);
  });
});
