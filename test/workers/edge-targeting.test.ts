// Who enters a live experiment, through the real edge (KV, run-data Durable Objects): every rule of
// docs/audiences.md checked request by request against the tests' own evaluation
// (test/support/targeting-reference.ts), which shares no code with src/core/targeting.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EdgeExperiment } from "../../src/core/schema.ts";
import { readHoldoutData } from "../../src/run-data/client.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import {
  type PlainAudience,
  type PlainRequest,
  referenceInAudience,
  referenceInCoverage,
  referenceInHoldout,
  referenceInLayer,
} from "../support/targeting-reference.ts";
import { configOf, edgeWith, experiment, sampleOf, setCookies, TITLES, titleOf, uniqueId } from "./helpers.ts";

const COOKIE = "sgen-ab-pricing-page-layout";
const variantOf = (id: string, shares = [50, 50]) => (referenceAssignment("pricing-page-layout", id, shares).index === 0 ? "a" : "b");
const total = (sample: Record<string, number>) => Object.values(sample).reduce((a, b) => a + b, 0);

/** A plain request as the reference reads it, and the same as a `fetch` through the edge. */
function plain(r: PlainRequest): [string, RequestInit] {
  const cookie = Object.entries(r.cookies)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("; ");
  const headers: Record<string, string> = { ...r.headers };
  if (cookie !== "") headers.cookie = cookie;
  const init: RequestInit & { cf?: unknown } = { headers };
  if (r.cf !== undefined) init.cf = r.cf;
  return [r.url, init];
}

const DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
const PHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const deviceOfUa = (ua: string) => (ua === PHONE ? "mobile" : "desktop");

describe("audiences at the edge", () => {
  const audience: PlainAudience = {
    match: "all",
    conditions: [
      { attribute: "query.utm_source", operator: "in", values: ["newsletter", "ads"] },
      { attribute: "cookie.plan", operator: "not_in", values: ["free"] },
      { attribute: "header.x-beta", operator: "exists", values: [] },
    ],
  };

  it("by query, cookie and header: inside as the reference says, outside gets the page untouched with no cookie at all", async () => {
    const exp = experiment({ audience });
    const t = await edgeWith([exp]);
    let inside = 0;
    let outside = 0;
    let n = 0;
    for (const utm of [undefined, "newsletter", "ads", "Newsletter", ""]) {
      for (const plan of [undefined, "free", "pro", ""]) {
        for (const beta of [undefined, "1", ""]) {
          const id = `aud-${exp.id}-${n++}`;
          const url = `http://site.test/pricing${utm === undefined ? "" : `?utm_source=${encodeURIComponent(utm)}`}`;
          const cookies: Record<string, string> = { "sgen-vid": id };
          if (plan !== undefined) cookies.plan = plan;
          const headers: Record<string, string> = {};
          if (beta !== undefined) headers["x-beta"] = beta;
          const req: PlainRequest = { url, headers, cookies };
          const res = await t.fetch(...plain(req));
          const c = setCookies(res);
          const label = JSON.stringify({ utm, plan, beta });
          expect(res.headers.get("cache-control"), label).toMatch(/private/);
          if (referenceInAudience(audience, req, deviceOfUa)) {
            inside++;
            expect(c.get(COOKIE)?.value, label).toBe(variantOf(id));
            expect(await titleOf(res)).toBe(TITLES[variantOf(id)]);
          } else {
            outside++;
            expect(c.size, label).toBe(0);
            expect(await titleOf(res), label).toBe(TITLES.a);
          }
        }
      }
    }
    expect(inside).toBeGreaterThan(5);
    expect(outside).toBeGreaterThan(20);
    expect(total(await sampleOf(exp.id)), "only the audience is counted").toBe(inside);
  });

  it("an audience miss never issues a visitor id, and a conversion of an unassigned visitor is not counted", async () => {
    const exp = experiment({ audience: { match: "all", conditions: [{ attribute: "query.ref", operator: "equals", values: ["x"] }] } });
    const t = await edgeWith([exp]);
    const res = await t.fetch("/pricing");
    expect(res.headers.getSetCookie()).toEqual([]);
    await t.fetch("/thanks", { headers: { cookie: "sgen-vid=nobody" } });
    expect(await sampleOf(exp.id)).toEqual({});
  });

  it("by country, from request.cf (any case), and device from the User-Agent, with match any", async () => {
    const a: PlainAudience = {
      match: "any",
      conditions: [
        { attribute: "country", operator: "in", values: ["de", "AT"] },
        { attribute: "device", operator: "equals", values: ["mobile"] },
      ],
    };
    const exp = experiment({ audience: a });
    const t = await edgeWith([exp]);
    let n = 0;
    for (const cf of [undefined, { country: "DE" }, { country: "US" }, { country: "at" }, { country: "XX" }]) {
      for (const ua of [DESKTOP, PHONE]) {
        const req: PlainRequest = {
          url: "http://site.test/pricing",
          headers: { "user-agent": ua },
          cookies: { "sgen-vid": `c-${n++}` },
          cf,
        };
        const res = await t.fetch(...plain(req));
        const assigned = setCookies(res).has(COOKIE);
        expect(assigned, JSON.stringify({ cf, ua })).toBe(referenceInAudience(a, req, deviceOfUa));
      }
    }
  });

  it("stickiness beats a changed attribute: an assigned visitor outside the audience keeps the variant", async () => {
    const exp = experiment({ audience: { match: "all", conditions: [{ attribute: "query.utm_source", operator: "exists", values: [] }] } });
    const t = await edgeWith([exp]);
    const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=sticky-1; ${COOKIE}=b` } });
    expect(await titleOf(res)).toBe(TITLES.b);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("outside means the page as the site serves it: the control's overrides are not applied", async () => {
    const exp = experiment({
      audience: { match: "all", conditions: [{ attribute: "query.in", operator: "exists", values: [] }] },
      variants: [
        { slug: "a", overrides: [{ selector: "h1", action: "set_text", value: "Control edit" }], traffic_share: 50 },
        { slug: "b", page: "/pricing-b", traffic_share: 50 },
      ],
    });
    const t = await edgeWith([exp]);
    expect(await (await t.fetch("/pricing")).text()).toContain("<h1>Pricing</h1>");
    const inside = await (await t.fetch("/pricing?in", { headers: { cookie: `sgen-vid=x; ${COOKIE}=a` } })).text();
    expect(inside).toContain("<h1>Control edit</h1>");
  });
});

describe("coverage at the edge", () => {
  it("admits the share the published coverage hash says, and only those are counted", async () => {
    const exp = experiment({ coverage_percent: 30 });
    const t = await edgeWith([exp]);
    let inside = 0;
    for (let i = 0; i < 200; i++) {
      const id = `cov-${exp.id}-${i}`;
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${id}` } });
      const c = setCookies(res);
      if (referenceInCoverage("pricing-page-layout", id, 30)) {
        inside++;
        expect(c.get(COOKIE)?.value, id).toBe(variantOf(id));
      } else {
        expect(c.size, id).toBe(0);
        expect(await titleOf(res)).toBe(TITLES.a);
      }
    }
    expect(inside).toBeGreaterThan(30);
    expect(inside).toBeLessThan(90);
    expect(total(await sampleOf(exp.id))).toBe(inside);
  });

  it("a visitor without an id left out by coverage gets an sgen-vid (the rule is decided by it) but no assignment cookie", async () => {
    const t = await edgeWith([experiment({ coverage_percent: 0 })]);
    const c = setCookies(await t.fetch("/pricing"));
    expect(c.get("sgen-vid")?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.has(COOKIE)).toBe(false);
  });
});

describe("exclusive layers at the edge", () => {
  const pair = (slices: Array<[number, number]>): EdgeExperiment[] =>
    slices.map(([from, to], i) =>
      experiment({
        slug: `layer-exp-${i}`,
        target_page: i === 0 ? "/pricing" : "/",
        variants: [
          { slug: "a", traffic_share: 50 },
          { slug: "b", traffic_share: 50 },
        ],
        layer: { slug: "checkout", from, to },
      }),
    );

  it("splits the layer by the layer hash: every visitor in at most one experiment, the one the reference names", async () => {
    const exps = pair([
      [0, 40],
      [40, 100],
    ]);
    const t = await edgeWith(exps);
    const counts = [0, 0];
    for (let i = 0; i < 150; i++) {
      const id = `layer-${exps[0]?.id ?? 0}-${i}`;
      const inFirst = setCookies(await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${id}` } })).has("sgen-ab-layer-exp-0");
      const inSecond = setCookies(await t.fetch("/", { headers: { cookie: `sgen-vid=${id}` } })).has("sgen-ab-layer-exp-1");
      expect(inFirst, id).toBe(referenceInLayer("checkout", id, 0, 40));
      expect(inSecond, id).toBe(referenceInLayer("checkout", id, 40, 100));
      expect(inFirst && inSecond).toBe(false);
      if (inFirst) counts[0] = (counts[0] ?? 0) + 1;
      else counts[1] = (counts[1] ?? 0) + 1;
    }
    expect(counts[0]).toBeGreaterThan(35);
    expect(counts[1]).toBeGreaterThan(65);
  });

  it("a sibling's valid cookie keeps a visitor out, whatever the slices now say", async () => {
    const exps = pair([
      [0, 100],
      [0, 0.01], // a slice this visitor is not in does not matter: the sibling's cookie decides
    ]);
    const t = await edgeWith(exps);
    const res = await t.fetch("/pricing", { headers: { cookie: "sgen-vid=v; sgen-ab-layer-exp-1=b" } });
    expect(setCookies(res).has("sgen-ab-layer-exp-0")).toBe(false);
    expect(await titleOf(res)).toBe(TITLES.a);
    // A cookie naming no variant of the sibling is no assignment.
    const stale = await t.fetch("/pricing", { headers: { cookie: "sgen-vid=v; sgen-ab-layer-exp-1=zz" } });
    expect(setCookies(stale).has("sgen-ab-layer-exp-0")).toBe(true);
  });
});

describe("holdouts at the edge", () => {
  it("holds out the share the holdout hash says, serves them the site as is, and counts both arms and their conversions", async () => {
    const exp = experiment({ secondary_goals: [] });
    const holdoutId = uniqueId();
    const holdout = { id: holdoutId, slug: `h-${holdoutId}`, percent: 25, layer: null, goals: ["page_view:/thanks"], epoch: 0, shards: 2 };
    const t = await edgeWith([]);
    await t.store.put(configOf([exp], 1, [holdout]));
    let held = 0;
    let exposed = 0;
    let convertedHeld = 0;
    for (let i = 0; i < 100; i++) {
      const id = `ho-${holdoutId}-${i}`;
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${id}` } });
      const c = setCookies(res);
      const isHeld = referenceInHoldout(holdout.slug, id, 25);
      // Either way the visitor's arm was sent, once per epoch: a cookie says so.
      expect(c.get(`sgen-vid-h${holdoutId}`)?.value, id).toBe("0");
      if (isHeld) {
        held++;
        expect(c.has(COOKIE), id).toBe(false);
        expect(await titleOf(res)).toBe(TITLES.a);
      } else {
        exposed++;
        expect(c.get(COOKIE)?.value, id).toBe(variantOf(id));
      }
      // Every other visitor converts; a held one has no assignment cookie, and still counts for the holdout.
      if (i % 2 === 0) {
        const cookie = isHeld ? `sgen-vid=${id}` : `sgen-vid=${id}; ${COOKIE}=${variantOf(id)}`;
        await t.fetch("/thanks", { headers: { cookie } });
        if (isHeld) convertedHeld++;
      }
    }
    // A held visitor coming back is counted once, whether or not they kept the holdout's cookie.
    const firstHeld = Array.from({ length: 100 }, (_, i) => `ho-${holdoutId}-${i}`).find((id) => referenceInHoldout(holdout.slug, id, 25));
    await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${firstHeld}` } });
    const back = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${firstHeld}; sgen-vid-h${holdoutId}=0` } });
    expect(back.headers.getSetCookie()).toEqual([]);
    expect(await titleOf(back)).toBe(TITLES.a);
    const data = await readHoldoutData(env.SGEN_RUN_DATA, holdoutId, 0, 2);
    expect(data.samples).toEqual({ held, exposed });
    expect(data.conversions["page_view:/thanks"]?.held ?? 0).toBe(convertedHeld);
    expect(data.conversions["page_view:/thanks"]?.exposed ?? 0).toBe(50 - convertedHeld);
    expect(total(await sampleOf(exp.id)), "held visitors are not in the experiment's sample").toBe(exposed);
    expect(held).toBeGreaterThan(12);
  }, 30_000); // 150 requests through real run-data objects

  it("a holdout of a layer covers only that layer's experiments; a held visitor holding a covered cookie is not counted as held", async () => {
    const holdoutId = uniqueId();
    const inLayer = experiment({ slug: "in-layer", layer: { slug: "l1", from: 0, to: 100 } });
    const free = experiment({
      slug: "free",
      target_page: "/",
      variants: [
        { slug: "a", traffic_share: 50 },
        { slug: "b", traffic_share: 50 },
      ],
    });
    const holdout = { id: holdoutId, slug: `hl-${holdoutId}`, percent: 100, layer: "l1", goals: [], epoch: 0, shards: 1 };
    const t = await edgeWith([]);
    await t.store.put(configOf([inLayer, free], 1, [holdout]));
    expect(setCookies(await t.fetch("/pricing", { headers: { cookie: "sgen-vid=v1" } })).has("sgen-ab-in-layer")).toBe(false);
    expect(setCookies(await t.fetch("/", { headers: { cookie: "sgen-vid=v1" } })).has("sgen-ab-free")).toBe(true);
    // Assigned before the holdout existed: sticky in its experiment, and left out of the holdout's counts.
    const layer2 = experiment({ slug: "in-layer-2", target_page: "/signup", layer: { slug: "l1", from: 0, to: 100 } });
    await t.store.put(configOf([inLayer, layer2, free], 2, [holdout]));
    t.edge.invalidateConfig();
    await t.fetch("/signup", { headers: { cookie: "sgen-vid=v2; sgen-ab-in-layer=a" } });
    const data = await readHoldoutData(env.SGEN_RUN_DATA, holdoutId, 0, 1);
    expect(data.samples).toEqual({ held: 1 });
  });
});

describe("holdouts and what was shipped", () => {
  it("a held visitor keeps getting the site as is once a covered experiment ships, and the page is private", async () => {
    const holdoutId = uniqueId();
    const holdout = { id: holdoutId, slug: `hs-${holdoutId}`, percent: 30, layer: null, goals: [], epoch: 0, shards: 1 };
    const shipped = experiment({ state: "done", shipped_variant_slug: "b" });
    const t = await edgeWith([]);
    await t.store.put(configOf([shipped], 1, [holdout]));
    let held = 0;
    for (let i = 0; i < 60; i++) {
      const id = `hs-${holdoutId}-${i}`;
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${id}` } });
      const isHeld = referenceInHoldout(holdout.slug, id, 30);
      if (isHeld) held++;
      expect(await titleOf(res), id).toBe(isHeld ? TITLES.a : TITLES.b);
      expect(res.headers.get("cache-control")).toMatch(/private/);
      expect(setCookies(res).has(COOKIE)).toBe(false);
    }
    expect((await readHoldoutData(env.SGEN_RUN_DATA, holdoutId, 0, 1)).samples).toEqual({ held, exposed: 60 - held });
    // Without a holdout the shipped page is the same for everyone, and stays cacheable.
    const plain = await edgeWith([experiment({ state: "done", shipped_variant_slug: "b" })]);
    const res = await plain.fetch("/pricing");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
  });
});

describe("experiments that span pages", () => {
  const spanning = () =>
    experiment({
      audience: { match: "all", conditions: [{ attribute: "path", operator: "in", values: ["/pricing", "/sign*"] }] },
      variants: [
        { slug: "a", traffic_share: 50 },
        { slug: "b", page: "/pricing-b", overrides: [{ selector: "h1", action: "set_text", value: "B everywhere" }], traffic_share: 50 },
      ],
    });

  it("an audience's path patterns route their pages to the experiment: there a variant is its overrides on the page asked for", async () => {
    const exp = spanning();
    const t = await edgeWith([exp]);
    const signup = await t.fetch("/signup", { headers: { cookie: `sgen-vid=s; ${COOKIE}=b` } });
    const html = await signup.text();
    expect(html).toContain("<title>Acme: sign up</title>");
    expect(html).toContain("<h1>B everywhere</h1>");
    expect(signup.headers.get("cache-control")).toMatch(/private/);
    const target = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=s; ${COOKIE}=b` } });
    expect(await titleOf(target), "the target page still fetches the variant's page").toBe(TITLES.b);
    // A new visitor on a spanning page is assigned there, by the same hash.
    const fresh = setCookies(await t.fetch("/signup", { headers: { cookie: "sgen-vid=span-new" } }));
    expect(fresh.get(COOKIE)?.value).toBe(variantOf("span-new"));
    // Pages outside the patterns are not touched.
    const home = await t.fetch("/", { headers: { cookie: "sgen-vid=span-new" } });
    expect(home.headers.getSetCookie()).toEqual([]);
    expect(home.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("a page that is another experiment's target page stays that experiment's", async () => {
    const other = experiment({
      slug: "signup-test",
      target_page: "/signup",
      variants: [
        { slug: "a", traffic_share: 50 },
        { slug: "b", overrides: [{ selector: "h1", action: "set_text", value: "Other" }], traffic_share: 50 },
      ],
    });
    const t = await edgeWith([spanning(), other]);
    const c = setCookies(await t.fetch("/signup", { headers: { cookie: "sgen-vid=who" } }));
    expect(c.has("sgen-ab-signup-test")).toBe(true);
    expect(c.has(COOKIE)).toBe(false);
  });
});

describe("schedules at the edge", () => {
  it("at and after scheduled_end_at: the control for everyone, nothing written, nothing counted, even before the alarm pauses it", async () => {
    const exp = experiment({ scheduled_end_at: new Date(Date.now() - 1000).toISOString() });
    const t = await edgeWith([exp]);
    const fresh = await t.fetch("/pricing");
    expect(fresh.headers.getSetCookie()).toEqual([]);
    expect(await titleOf(fresh)).toBe(TITLES.a);
    expect(fresh.headers.get("cache-control")).toMatch(/private/);
    const sticky = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=x; ${COOKIE}=b` } });
    expect(await titleOf(sticky), "stickiness does not outlast the end").toBe(TITLES.a);
    expect(sticky.headers.getSetCookie()).toEqual([]);
    await t.fetch("/thanks", { headers: { cookie: `sgen-vid=x; ${COOKIE}=b` } });
    expect(await sampleOf(exp.id)).toEqual({});
  });

  it("before the end, the experiment runs as usual", async () => {
    const exp = experiment({ scheduled_end_at: new Date(Date.now() + 3_600_000).toISOString() });
    const t = await edgeWith([exp]);
    const c = setCookies(await t.fetch("/pricing", { headers: { cookie: "sgen-vid=runs" } }));
    expect(c.get(COOKIE)?.value).toBe(variantOf("runs"));
  });
});

describe("variant pages by their own path", () => {
  it("carry X-Robots-Tag: noindex and the target page as an absolute canonical; other pages do not", async () => {
    const t = await edgeWith([experiment()]);
    const direct = await t.fetch("https://site.test/pricing-b?utm=x");
    expect(direct.status).toBe(200);
    expect(direct.headers.get("x-robots-tag")).toBe("noindex");
    expect(direct.headers.get("link")).toBe('<https://site.test/pricing>; rel="canonical"');
    expect(await titleOf(direct)).toBe(TITLES.b);
    const head = await t.fetch("/pricing-b", { method: "HEAD" });
    expect(head.headers.get("x-robots-tag")).toBe("noindex");
    for (const path of ["/pricing", "/", "/thanks"]) {
      const res = await t.fetch(path, { headers: { cookie: `sgen-vid=x; ${COOKIE}=b` } });
      expect(res.headers.get("x-robots-tag"), path).toBeNull();
      expect(res.headers.get("link"), path).toBeNull();
    }
    expect((await t.fetch("/nope")).headers.get("x-robots-tag")).toBeNull();
  });
});

describe("the ledger of what was not counted", () => {
  it("notes each visitor left outside with its rule, and a crawler as a crawler, against the reference", async () => {
    const notes: string[] = [];
    const tallies = { response: () => {}, notCounted: (_e: unknown, _v: unknown, reason: string) => notes.push(reason) };
    const layer = `l-${uniqueId()}`;
    const exp = experiment({
      audience: { match: "all", conditions: [{ attribute: "query.utm_source", operator: "exists", values: [] }] },
      coverage_percent: 50,
      layer: { slug: layer, from: 0, to: 60 },
    });
    const holdoutId = uniqueId();
    const holdout = { id: holdoutId, slug: `h-${holdoutId}`, percent: 20, layer: null, goals: [], epoch: 0, shards: 1 };
    const t = await edgeWith([], { tallies });
    await t.store.put(configOf([exp], 1, [holdout]));
    const expected: string[] = [];
    for (let i = 0; i < 120; i++) {
      const id = `led-${holdoutId}-${i}`;
      const inAudience = i % 4 !== 0;
      await t.fetch(inAudience ? "/pricing?utm_source=x" : "/pricing", { headers: { cookie: `sgen-vid=${id}` } });
      // The rules in docs/audiences.md's order: audience, holdout, layer, coverage.
      if (!inAudience) expected.push("audience_miss");
      else if (referenceInHoldout(holdout.slug, id, 20)) expected.push("holdout");
      else if (!referenceInLayer(layer, id, 0, 60)) expected.push("layer");
      else if (!referenceInCoverage("pricing-page-layout", id, 50)) expected.push("coverage");
    }
    await t.fetch("/pricing?utm_source=x", { headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" } });
    expected.push("crawler");
    expect(new Set(expected)).toEqual(new Set(["audience_miss", "holdout", "layer", "coverage", "crawler"]));
    expect(notes).toEqual(expected);
  });
});
