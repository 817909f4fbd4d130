// docs/edge.md: a variant page that redirects, and a rollout rolled back to 0%. A redirect on the site
// is followed so the visitor keeps the URL it asked for and still sees the variant; one that leaves
// the site, loops, or has no Location falls back to the target page. At 0% the page is the control for
// everyone: nothing in it depends on the visitor, so it is neither private nor a reason for a cookie.
import { describe, expect, it } from "vitest";
import { edgeWith, experiment, sampleOf, setCookies, TITLES, titleOf } from "./helpers.ts";

const html = (title: string, headers: Record<string, string> = {}) =>
  new Response(`<title>${title}</title>`, { headers: { "content-type": "text/html", ...headers } });
const redirect = (status: number, location: string | null) =>
  new Response(null, { status, headers: location === null ? {} : { location } });

/** An edge whose origin answers `routes[path]` (a response or a function of the request), the control elsewhere. */
async function siteWith(routes: Record<string, (r: Request) => Response>) {
  const asked: string[] = [];
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
      const url = new URL(r.url);
      asked.push(url.pathname + url.search);
      const route = routes[url.pathname];
      return route === undefined ? html(TITLES.a) : route(r);
    },
  );
  return { t, asked };
}

const asB = { headers: { cookie: "sgen-vid=r1; sgen-ab-pricing-page-layout=b" } };

describe("a variant page that redirects", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status} to a path on the site: followed, the variant served under the visitor's URL`, async () => {
      const { t, asked } = await siteWith({
        "/pricing-b": () => redirect(status, "/pricing-b/"),
        "/pricing-b/": () => html(TITLES.b),
      });
      const res = await t.fetch("/pricing?ref=ad", asB);
      expect(res.status).toBe(200);
      expect(res.headers.get("location")).toBeNull();
      expect(await titleOf(res)).toBe(TITLES.b);
      expect(asked).toEqual(["/pricing-b?ref=ad", "/pricing-b/"]);
      expect(res.headers.get("cache-control")).toMatch(/private/);
    });
  }

  it("an absolute Location on the visitor's own host is followed, with its query", async () => {
    const { t, asked } = await siteWith({
      "/pricing-b": () => redirect(301, "http://site.test/new-b?v=2"),
      "/new-b": () => html(TITLES.b),
    });
    expect(await titleOf(await t.fetch("/pricing", asB))).toBe(TITLES.b);
    expect(asked).toEqual(["/pricing-b", "/new-b?v=2"]);
  });

  it("two hops on the site are followed to the final page", async () => {
    const { t } = await siteWith({
      "/pricing-b": () => redirect(302, "/step"),
      "/step": () => redirect(302, "/pricing-b/final"),
      "/pricing-b/final": () => html(TITLES.b),
    });
    expect(await titleOf(await t.fetch("/pricing", asB))).toBe(TITLES.b);
  });

  for (const [what, location] of [
    ["another host", "https://elsewhere.example/pricing-b"],
    ["a protocol-relative URL", "//elsewhere.example/pricing-b"],
    ["another scheme on the same host", "https://site.test/pricing-b/"],
    ["no Location at all", null],
    ["a Location that is not a URL", "http://[::1"],
  ] as const) {
    it(`a redirect to ${what} falls back to the target page, never passed to the visitor`, async () => {
      const { t } = await siteWith({ "/pricing-b": () => redirect(302, location) });
      const res = await t.fetch("/pricing", asB);
      expect(res.status).toBe(200);
      expect(res.headers.get("location")).toBeNull();
      expect(await titleOf(res)).toBe(TITLES.a);
      expect(t.logs.join("\n")).toMatch(/redirected \(302\) off the site/);
    });
  }

  it("a redirect loop is given up after 3 hops: the target page, with a log line", async () => {
    const { t, asked } = await siteWith({ "/pricing-b": () => redirect(302, "/pricing-b") });
    const res = await t.fetch("/pricing", asB);
    expect(await titleOf(res)).toBe(TITLES.a);
    expect(asked.filter((p) => p === "/pricing-b")).toHaveLength(4);
    expect(t.logs.join("\n")).toMatch(/redirected more than 3 times/);
  });

  it("a redirect to a page that then fails falls back as a failing variant page does", async () => {
    const { t } = await siteWith({ "/pricing-b": () => redirect(301, "/moved"), "/moved": () => new Response("no", { status: 404 }) });
    expect(await titleOf(await t.fetch("/pricing", asB))).toBe(TITLES.a);
    expect(t.logs.join("\n")).toMatch(/answered 404/);
  });

  it("304 is an answer to the visitor's conditional request, not a redirect: passed on", async () => {
    const { t, asked } = await siteWith({ "/pricing-b": () => new Response(null, { status: 304, headers: { etag: '"b1"' } }) });
    const res = await t.fetch("/pricing", { headers: { ...asB.headers, "if-none-match": '"b1"' } });
    expect(res.status).toBe(304);
    expect(asked).toEqual(["/pricing-b"]);
  });
});

describe("a rollout rolled back to 0%", () => {
  it("everyone gets the control: no visitor id issued, nothing private, nothing counted", async () => {
    const exp = experiment({ state: "done", shipped_variant_slug: "b", rollout_percent: 0 });
    const t = await edgeWith([exp]);
    for (const cookie of ["", "sgen-vid=rb-1", "sgen-vid=rb-2; sgen-ab-pricing-page-layout=b"]) {
      const res = await t.fetch("/pricing", { headers: { cookie } });
      expect(await titleOf(res)).toBe(TITLES.a);
      expect(setCookies(res).has("sgen-vid")).toBe(false);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get("cache-control") ?? "").not.toMatch(/private/);
    }
    expect(await sampleOf(exp.id)).toEqual({});
  });

  it("while a share above 0 still identifies the visitor and keeps the page private", async () => {
    const t = await edgeWith([experiment({ state: "done", shipped_variant_slug: "b", rollout_percent: 1 })]);
    const res = await t.fetch("/pricing");
    expect(setCookies(res).has("sgen-vid")).toBe(true);
    expect(res.headers.get("cache-control")).toMatch(/private/);
  });
});
