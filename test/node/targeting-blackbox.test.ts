// Who enters, black-box: HTTP against `npm start` only, every answer checked against the tests' own
// evaluation of docs/audiences.md (test/support/targeting-reference.ts, which shares no code with the
// library): audiences by query, cookie, header and (the demo's) country; coverage and layer shares
// against the published hashes; exclusivity over thousands of ids; a holdout; a scheduled start and
// end reaching the edge; crawlers and variant-page headers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import {
  type PlainAudience,
  referenceInAudience,
  referenceInCoverage,
  referenceInHoldout,
  referenceInLayer,
} from "../support/targeting-reference.ts";
import { adminApi, type DemoServer, get, startDemo } from "./support/demo-server.ts";

let demo: DemoServer;
beforeAll(async () => {
  demo = await startDemo();
});
afterAll(async () => {
  await demo?.stop();
});

// What a test started is concluded (or deleted) after it, passed or failed, so that it never holds a
// page or visitors for the next test.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (let c = cleanups.pop(); c !== undefined; c = cleanups.pop()) await c().catch(() => {});
});

/** An experiment on one of the demo site's pages, told apart from the page by an override. */
function experimentOn(slug: string, targetPage: string, fields: Record<string, unknown> = {}) {
  return {
    slug,
    name: slug,
    target_page: targetPage,
    variants: [
      { slug: "a", label: "Control", traffic_share: 50 },
      { slug: "b", label: "Variant", overrides: [{ selector: "h1", action: "set_text", value: "Variant B" }], traffic_share: 50 },
    ],
    conversion_event: { type: "page_view", path: "/thanks" },
    min_sample_threshold: 1000,
    ...fields,
  };
}

async function startExperiment(body: Record<string, unknown>): Promise<number> {
  const made = await adminApi(demo.base, "POST", "/experiments", body);
  expect(made.status, JSON.stringify(made.json)).toBe(201);
  cleanups.push(() => finish(made.json.id));
  const started = await adminApi(demo.base, "POST", `/experiments/${made.json.id}/start`);
  expect(started.status, JSON.stringify(started.json)).toBe(200);
  return made.json.id as number;
}

/** Concludes with the control shipped: the page is free for the next test's experiment. */
const finish = (id: number) =>
  adminApi(demo.base, "POST", `/experiments/${id}/override`, { shipped_variant_slug: "a", reason: "test finished" });

/** Runs `work` over `items`, `width` at a time (the demo is one local process). */
async function inParallel<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T);
      }
    }),
  );
  return out;
}

/** Waits until `check` holds (the edge's copy of the config is at most a second old in the demo). */
async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("not within the deadline");
    await new Promise((r) => setTimeout(r, 200));
  }
}

const assignedIn = async (path: string, slug: string, headers: Record<string, string>, method = "GET") =>
  (await get(`${demo.base}${path}`, { method, headers })).cookies.get(`sgen-ab-${slug}`)?.value;

/** The same, by HEAD: the edge decides HEAD as GET, and no page body crosses the local proxy. */
const assignedByHead = (path: string, slug: string, visitor: string) => assignedIn(path, slug, { cookie: `sgen-vid=${visitor}` }, "HEAD");

describe("npm start: who enters, from outside", () => {
  it("an audience by query, cookie and header admits exactly whom the reference admits; others get no cookie and the page as is", async () => {
    const audience: PlainAudience = {
      match: "all",
      conditions: [
        { attribute: "query.utm_source", operator: "in", values: ["newsletter", "ads"] },
        { attribute: "cookie.plan", operator: "not_in", values: ["free"] },
        { attribute: "header.x-beta", operator: "exists", values: [] },
      ],
    };
    const id = await startExperiment(experimentOn("bb-audience", "/", { audience }));
    await eventually(
      async () => (await assignedIn("/?utm_source=ads", "bb-audience", { cookie: "sgen-vid=probe", "x-beta": "1" })) !== undefined,
    );
    let inside = 0;
    let n = 0;
    for (const utm of [undefined, "newsletter", "ads", "other"]) {
      for (const plan of [undefined, "free", "pro"]) {
        for (const beta of [undefined, "yes"]) {
          const visitor = `bb-aud-${n++}`;
          const url = `${demo.base}/${utm === undefined ? "" : `?utm_source=${utm}`}`;
          const cookies: Record<string, string> = { "sgen-vid": visitor };
          if (plan !== undefined) cookies.plan = plan;
          const headers: Record<string, string> = {
            cookie: Object.entries(cookies)
              .map(([k, v]) => `${k}=${v}`)
              .join("; "),
          };
          if (beta !== undefined) headers["x-beta"] = beta;
          const r = await get(url, { headers });
          const want = referenceInAudience(
            audience,
            { url, headers: beta === undefined ? {} : { "x-beta": beta }, cookies },
            () => "desktop",
          );
          const label = JSON.stringify({ utm, plan, beta });
          if (want) {
            inside++;
            const variant = referenceAssignment("bb-audience", visitor, [50, 50]).index === 0 ? "a" : "b";
            expect(r.cookies.get("sgen-ab-bb-audience")?.value, label).toBe(variant);
            expect(r.body.includes("Variant B"), label).toBe(variant === "b");
          } else {
            expect(r.cookies.size, label).toBe(0);
            expect(r.body, label).not.toContain("Variant B");
          }
          expect(r.headers.get("cache-control"), label).toMatch(/private/);
        }
      }
    }
    expect(inside).toBe(4); // (newsletter | ads) × (no plan | pro) × beta
    // The sample: those admitted, and the probe that waited for the experiment to reach the edge.
    await eventually(
      async () =>
        (await adminApi(demo.base, "GET", `/experiments/${id}/dashboard`)).json.variants.reduce(
          (s: number, v: { sample: number }) => s + v.sample,
          0,
        ) ===
        inside + 1,
    );
  });

  it("an audience by country, set the demo's way (?demo-country, x-demo-country)", async () => {
    await startExperiment(
      experimentOn("bb-country", "/", {
        audience: { match: "all", conditions: [{ attribute: "country", operator: "in", values: ["DE", "AT"] }] },
      }),
    );
    const has = (query: string, headers: Record<string, string> = {}) =>
      assignedIn(`/${query}`, "bb-country", { cookie: "sgen-vid=geo", ...headers });
    await eventually(async () => (await has("?demo-country=DE")) !== undefined);
    expect(await has("?demo-country=AT")).toBeDefined();
    expect(await has("?demo-country=US")).toBeUndefined();
    expect(await has("", { "x-demo-country": "de" })).toBeDefined();
  });

  it("coverage admits the share the published coverage hash says: every id as the reference decides, 2,000 ids within bounds", async () => {
    await startExperiment(experimentOn("bb-coverage", "/signup", { coverage_percent: 30 }));
    await eventually(async () => {
      const r = await get(`${demo.base}/signup`);
      return r.cookies.has("sgen-vid");
    });
    const ids = Array.from({ length: 2000 }, (_, i) => `bb-cov-${i}`);
    const got = await inParallel(ids, 12, (v) => assignedByHead("/signup", "bb-coverage", v));
    let inside = 0;
    ids.forEach((v, i) => {
      const want = referenceInCoverage("bb-coverage", v, 30);
      expect(got[i] !== undefined, v).toBe(want);
      if (want) inside++;
    });
    // 30 % of 2,000 with four standard deviations (√(2000 · 0.3 · 0.7) ≈ 20.5) either side.
    expect(inside).toBeGreaterThan(600 - 82);
    expect(inside).toBeLessThan(600 + 82);
  });

  it("two experiments of one layer never share a visitor over 2,000 ids, and each gets its slice of the layer hash", async () => {
    await startExperiment(experimentOn("bb-layer-1", "/", { layer: { slug: "bb-checkout", from: 0, to: 40 } }));
    await startExperiment(experimentOn("bb-layer-2", "/signup", { layer: { slug: "bb-checkout", from: 40, to: 100 } }));
    // A third whose slice overlaps is refused, naming the conflict.
    const third = await adminApi(
      demo.base,
      "POST",
      "/experiments",
      experimentOn("bb-layer-3", "/pricing-x", { layer: { slug: "bb-checkout", from: 30, to: 50 } }),
    );
    const refused = await adminApi(demo.base, "POST", `/experiments/${third.json.id}/start`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("layer_conflict");
    expect(refused.json.error.message).toMatch(/bb-layer-3.*overlaps.*bb-layer-1/);
    const probes = Array.from({ length: 50 }, (_, i) => `bb-layer-probe-${i}`);
    const probe1 = probes.find((v) => referenceInLayer("bb-checkout", v, 0, 40)) as string;
    const probe2 = probes.find((v) => referenceInLayer("bb-checkout", v, 40, 100)) as string;
    await eventually(
      async () =>
        (await assignedIn("/", "bb-layer-1", { cookie: `sgen-vid=${probe1}` })) !== undefined &&
        (await assignedIn("/signup", "bb-layer-2", { cookie: `sgen-vid=${probe2}` })) !== undefined,
    );
    const ids = Array.from({ length: 2000 }, (_, i) => `bb-layer-${i}`);
    const both = await inParallel(ids, 12, async (v) => {
      const [one, two] = await Promise.all([assignedByHead("/", "bb-layer-1", v), assignedByHead("/signup", "bb-layer-2", v)]);
      return [one !== undefined, two !== undefined] as const;
    });
    let inFirst = 0;
    ids.forEach((v, i) => {
      const [one, two] = both[i] as readonly [boolean, boolean];
      expect(one && two, `${v} is in both`).toBe(false);
      expect(one, v).toBe(referenceInLayer("bb-checkout", v, 0, 40));
      expect(two, v).toBe(referenceInLayer("bb-checkout", v, 40, 100));
      if (one) inFirst++;
    });
    // 40 % of 2,000 ± 4 σ (σ = √(2000 · 0.4 · 0.6) ≈ 21.9).
    expect(inFirst).toBeGreaterThan(800 - 88);
    expect(inFirst).toBeLessThan(800 + 88);
    // Sticky cookies keep a layer exclusive too: a visitor holding the first's cookie never enters the second.
    const stuck = ids.find((v) => !referenceInLayer("bb-checkout", v, 0, 40)) as string;
    expect(await assignedIn("/signup", "bb-layer-2", { cookie: `sgen-vid=${stuck}; sgen-ab-bb-layer-1=a` })).toBeUndefined();
  });

  it("a holdout keeps its share out of the experiments it covers and counts both arms on its dashboard", async () => {
    const made = await adminApi(demo.base, "POST", "/holdouts", {
      slug: "bb-holdout",
      name: "Black-box holdout",
      percent: 25,
      layer: null,
      goals: [{ type: "page_view", path: "/thanks" }],
    });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    cleanups.push(() => adminApi(demo.base, "DELETE", `/holdouts/${made.json.id}`));
    const probe = "bb-ho-probe-held";
    const heldProbe = Array.from({ length: 50 }, (_, i) => `${probe}-${i}`).find((v) => referenceInHoldout("bb-holdout", v, 25)) as string;
    await eventually(async () => (await assignedIn("/pricing", "pricing-page-layout", { cookie: `sgen-vid=${heldProbe}` })) === undefined);
    const ids = Array.from({ length: 400 }, (_, i) => `bb-ho-${i}`);
    const got = await inParallel(ids, 12, (v) => assignedByHead("/pricing", "pricing-page-layout", v));
    let held = 0;
    ids.forEach((v, i) => {
      const isHeld = referenceInHoldout("bb-holdout", v, 25);
      expect(got[i] === undefined, v).toBe(isHeld);
      if (isHeld) held++;
    });
    // Every held visitor converts once; the exposed ones do not.
    for (const v of ids.filter((x) => referenceInHoldout("bb-holdout", x, 25)))
      await get(`${demo.base}/thanks`, { headers: { cookie: `sgen-vid=${v}` } });
    await eventually(async () => {
      const d = await adminApi(demo.base, "GET", `/holdouts/${made.json.id}/dashboard`, undefined, "demo-viewer");
      return d.json.arms[0].sample === held + 1 && d.json.goals[0].conversions.held === held;
    });
    const d = await adminApi(demo.base, "GET", `/holdouts/${made.json.id}/dashboard`, undefined, "demo-viewer");
    expect(d.json.arms).toEqual([
      { arm: "held", traffic_share: 25, sample: held + 1 }, // the probe too
      { arm: "exposed", traffic_share: 75, sample: 400 - held },
    ]);
    expect(d.json.goals[0].analysis.variants[0]).toMatchObject({ slug: "held", conversions: held });
  });

  it("a scheduled start reaches the edge on time, and a scheduled end stops it", async () => {
    const start = new Date(Date.now() + 4_000);
    const end = new Date(Date.now() + 12_000);
    const made = await adminApi(
      demo.base,
      "POST",
      "/experiments",
      experimentOn("bb-scheduled", "/signup", { scheduled_start_at: start.toISOString(), scheduled_end_at: end.toISOString() }),
    );
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    cleanups.push(() => finish(made.json.id));
    const list = await adminApi(demo.base, "GET", "/experiments?q=bb-scheduled");
    expect(list.json.rows[0]).toMatchObject({ lifecycle_state: "draft", scheduled_start_at: start.toISOString() });
    const assigned = () => assignedIn("/signup", "bb-scheduled", { cookie: "sgen-vid=sched" });
    expect(await assigned()).toBeUndefined();
    await eventually(async () => (await assigned()) !== undefined, 15_000);
    const startedAt = Date.now();
    expect(startedAt).toBeGreaterThanOrEqual(start.getTime());
    expect(startedAt - start.getTime(), "within a few seconds of the time").toBeLessThan(6_000);
    const log = await adminApi(demo.base, "GET", `/activity?experiment_id=${made.json.id}`);
    expect(log.json.entries[0]).toMatchObject({ operator: "system", action: "start" });
    // The end: the edge stops at the time by itself, and the alarm pauses the experiment.
    await eventually(async () => (await assignedIn("/signup", "bb-scheduled", { cookie: "sgen-vid=after-end" })) === undefined, 20_000);
    expect(Date.now()).toBeGreaterThanOrEqual(end.getTime());
    await eventually(
      async () => (await adminApi(demo.base, "GET", `/experiments/${made.json.id}`)).json.lifecycle_state === "paused",
      10_000,
    );
  });

  it("crawlers and tools are served like visitors but never counted; a variant page by its own path is noindex with a canonical", async () => {
    const id = (await adminApi(demo.base, "GET", "/experiments?q=pricing-page-layout")).json.rows[0].id as number;
    const counted = async () =>
      (await adminApi(demo.base, "GET", `/experiments/${id}/dashboard`)).json.variants.reduce(
        (s: number, v: { sample: number }) => s + v.sample,
        0,
      ) as number;
    const before = await counted();
    for (const ua of ["curl/8.5.0", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Wget/1.21"]) {
      for (let i = 0; i < 3; i++) {
        const visitor = `bb-crawler-${ua.length}-${i}`;
        const r = await get(`${demo.base}/pricing`, { headers: { "user-agent": ua, cookie: `sgen-vid=${visitor}` } });
        const variant = referenceAssignment("pricing-page-layout", visitor, [50, 50]).index === 0 ? "a" : "b";
        expect(r.cookies.get("sgen-ab-pricing-page-layout")?.value, ua).toBe(variant);
      }
    }
    await new Promise((r) => setTimeout(r, 1_000)); // the edge's batch of events would have gone by now
    expect(await counted()).toBe(before);
    await get(`${demo.base}/pricing`, { headers: { cookie: "sgen-vid=bb-a-human" } });
    await eventually(async () => (await counted()) === before + 1);

    const variantPage = await get(`${demo.base}/pricing-b?utm_source=x`);
    expect(variantPage.status).toBe(200);
    expect(variantPage.headers.get("x-robots-tag")).toBe("noindex");
    expect(variantPage.headers.get("link")).toBe(`<${demo.base}/pricing>; rel="canonical"`);
    const target = await get(`${demo.base}/pricing`, { headers: { cookie: "sgen-vid=x; sgen-ab-pricing-page-layout=b" } });
    expect(target.title).toBe("Acme: pricing (layout B)");
    expect(target.headers.get("x-robots-tag")).toBeNull();
    expect(target.headers.get("link")).toBeNull();
  });
});
