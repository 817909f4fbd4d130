// A demo with something to show, for the pages' browser test and `npm run screenshots`: the seeded
// experiment with visitors and conversions, a three-variant experiment still short of its minimum
// sample, and one concluded with a decision record (for the result archive). Visitor ids and
// conversions are fixed, so two runs draw the same pages.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { adminApi } from "./demo-server.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Sends `count` visitors to `path`; a visitor converts (a GET of `thanks`, or a POST to it) when `converts(variant, i)`. */
export async function traffic(
  base: string,
  slug: string,
  path: string,
  count: number,
  converts: (variant: string, i: number) => boolean,
  thanks = "/thanks",
  method: "GET" | "POST" = "GET",
  prefix = slug,
): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const vid = `${prefix}-${i}`;
    const res = await fetch(`${base}${path}`, { headers: { cookie: `sgen-vid=${vid}` } });
    await res.arrayBuffer();
    const assigned = res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`sgen-ab-${slug}=`))
      ?.split(";")[0];
    const variant = assigned?.split("=")[1] ?? "";
    seen[variant] = (seen[variant] ?? 0) + 1;
    if (assigned !== undefined && converts(variant, i)) {
      const t = await fetch(`${base}${thanks}`, {
        method,
        redirect: "manual",
        headers: { cookie: `sgen-vid=${vid}; ${assigned}`, "content-type": "application/x-www-form-urlencoded" },
        ...(method === "POST" ? { body: "email=visitor%40example.com" } : {}),
      });
      await t.arrayBuffer();
    }
  }
  return seen;
}

export interface Scene {
  /** The seeded experiment (live, 50/50, with data). */
  pricing: number;
  /** A live three-variant experiment below its minimum sample. */
  homepage: number;
  /** A concluded experiment with a decision record. */
  concluded: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fills a fresh demo with the scene; returns the experiments' ids. */
export async function buildScene(base: string): Promise<Scene> {
  // The seeded experiment: b converts a little more often than a.
  await traffic(base, "pricing-page-layout", "/pricing", 320, (v, i) => (v === "b" ? i % 100 < 16 : i % 100 < 9));
  const list = await adminApi(base, "GET", "/experiments?q=pricing-page-layout");
  const pricing = list.json.rows[0].id as number;

  const home = await adminApi(base, "POST", "/experiments", {
    slug: "homepage-hero-headline",
    name: "Homepage hero headline",
    target_page: "/",
    variants: [
      { slug: "a", label: "Current headline", traffic_share: 34 },
      {
        slug: "b",
        label: "Benefit headline",
        overrides: [{ selector: "h1", action: "set_text", value: "Ship faster | pay less" }],
        traffic_share: 33,
      },
      {
        slug: "c",
        label: "Question headline",
        overrides: [{ selector: "h1", action: "set_text", value: "Still waiting on your site?" }],
        traffic_share: 33,
      },
    ],
    conversion_event: { type: "form_submission", path: "/signup" },
    secondary_goals: [{ type: "page_view", path: "/pricing" }],
    min_sample_threshold: 500,
    max_runtime_days: 30,
    notes: "Hypothesis: a benefit-led headline lifts sign-ups.",
    post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running" },
    allow_script_overrides: false,
  });
  const homepage = home.json.id as number;
  await adminApi(base, "POST", `/experiments/${homepage}/start`);
  await traffic(base, "homepage-hero-headline", "/", 150, (v, i) => i % 10 < (v === "b" ? 3 : 2), "/signup", "POST");

  const cta = await adminApi(base, "POST", "/experiments", {
    slug: "checkout-cta-color",
    name: "Checkout button colour",
    target_page: "/thanks",
    variants: [
      { slug: "a", label: "Grey button", traffic_share: 50 },
      { slug: "b", label: "Green button", overrides: [{ selector: "h1", action: "append", value: " ✓" }], traffic_share: 50 },
    ],
    conversion_event: { type: "custom", name: "checkout" },
    min_sample_threshold: 20,
    max_runtime_days: null,
    notes: "",
    post_test: { on_winner: "complete", on_inconclusive: "keep_running" },
    secondary_goals: [],
    allow_script_overrides: false,
  });
  const concluded = cta.json.id as number;
  await adminApi(base, "POST", `/experiments/${concluded}/start`);
  for (let i = 0; i < 60; i++) {
    const vid = `cta-${i}`;
    const res = await fetch(`${base}/thanks`, { headers: { cookie: `sgen-vid=${vid}` } });
    await res.arrayBuffer();
    const assigned = res.headers
      .getSetCookie()
      .find((c) => c.startsWith("sgen-ab-checkout-cta-color="))
      ?.split(";")[0];
    if (assigned !== undefined && i % 10 < (assigned.endsWith("=b") ? 4 : 3)) {
      await fetch(`${base}/__sgen/events`, {
        method: "POST",
        headers: { cookie: `sgen-vid=${vid}; ${assigned}` },
        body: '{"events":[{"name":"checkout"}]}',
      });
    }
  }
  await sleep(700); // the Worker flushes its batches after 200 ms; shards report within 2 s
  await adminApi(base, "POST", `/experiments/${concluded}/override`, {
    shipped_variant_slug: "b",
    reason: "Holiday freeze starts Monday; the green button is the brand colour anyway.",
    decision_record: {
      key_learning: "Colour alone moved checkouts little.",
      decision: "Ship green with the brand refresh.",
      follow_up: "Test the button's wording next.",
    },
  });
  await sleep(2500);
  return { pricing, homepage, concluded };
}

export async function signIn(browser: Browser, base: string, token: string, width = 1280, height = 900): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto(`${base}/sg-admin/login`);
  await page.fill("input[name=token]", token);
  await Promise.all([page.waitForURL(/\/sg-admin\/experiments\/$/), page.click("button:has-text('Sign in')")]);
  return page;
}

/** Screenshots of the four views at 1280 and 390 px into `dir`: list, editor, dashboard, archive (+ `-390`). */
export async function screenshots(browser: Browser, base: string, scene: Scene, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const views: Array<[string, string]> = [
    ["list", "/sg-admin/experiments/"],
    ["editor", `/sg-admin/experiments/${scene.homepage}/edit`],
    ["dashboard", `/sg-admin/experiments/${scene.pricing}`],
    ["archive", "/sg-admin/experiments/archive"],
  ];
  for (const width of [1280, 390]) {
    const page = await signIn(browser, base, "demo-admin", width, width === 390 ? 844 : 900);
    for (const [name, path] of views) {
      await page.goto(`${base}${path}`);
      const file = join(dir, `${name}${width === 390 ? "-390" : ""}.png`);
      await page.screenshot({ path: file, fullPage: true });
      written.push(file);
    }
    await page.context().close();
  }
  return written;
}
