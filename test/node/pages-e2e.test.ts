// The operators' pages in a real browser: Debian's Chromium driven by playwright-core against `npm start`
// with a scene of three experiments (support/pages-scene.ts). Sign-in returning to the asked page (and
// never to another site), an editor round trip with six variants, errors in plain words with every
// value kept, confirmation before delete and before concluding, the archive's contents, error pages in
// the app's frame, a Viewer's read-only view, no sideways scroll at 360 and 390 px and no serious or
// critical axe-core violation on any view. Screenshots go to test-results/pages/ (ignored by git);
// `npm run screenshots` refreshes the committed ones in docs/screenshots/.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, type DemoServer, get, startDemo } from "./support/demo-server.ts";
import { buildScene, CHROMIUM, CHROMIUM_ARGS, type Scene, screenshots, signIn, traffic } from "./support/pages-scene.ts";

const SHOTS = join(import.meta.dirname, "..", "..", "test-results", "pages");
const EVIL = `<script>alert("x")</script> Hero test`;
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let demo: DemoServer;
let browser: Browser;
let scene: Scene;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  demo = await startDemo();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  scene = await buildScene(demo.base);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const url = (path: string) => `${demo.base}/sg-admin${path}`;

/**
 * axe-core's serious and critical violations on the page as it is. The CSP forbids every script, so axe
 * is not added as a <script>: its source is evaluated through the DevTools protocol, which the page's
 * CSP does not govern, and the page itself stays exactly as served.
 */
async function axeViolations(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send("Runtime.evaluate", { expression: AXE });
    const r = await cdp.send("Runtime.evaluate", {
      expression: `axe.run(document, { resultTypes: ["violations"] }).then((r) => JSON.stringify(r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + " (" + v.impact + "): " + v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", "))))`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails !== undefined) throw new Error(`axe did not run: ${r.exceptionDetails.text}`);
    return JSON.parse(r.result.value as string) as string[];
  } finally {
    await cdp.detach();
  }
}

/** Clicks a submit button or a link and waits for the page the server answers with (the same address, often). */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

/** Every view is checked the same way: no sideways scroll at 360 and 390 px, and axe finds nothing serious. */
async function checkView(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of [360, 390]) {
    await page.setViewportSize({ width, height: 800 });
    const overflow = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    expect(overflow.scroll, `${name} at ${width} px scrolls sideways (${overflow.scroll} > ${overflow.inner})`).toBeLessThanOrEqual(
      overflow.inner,
    );
  }
  // axe on the narrow layout (the list's rows folded into cards) and on the wide one.
  expect(await axeViolations(page), `${name} at 390 px: axe-core`).toEqual([]);
  await page.setViewportSize(size);
  const wide = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(wide.scroll, `${name} at ${size.width} px scrolls sideways`).toBeLessThanOrEqual(wide.inner);
  expect(await axeViolations(page), `${name}: axe-core`).toEqual([]);
}

describe("signing in", () => {
  it("a wrong token does not sign in", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(url("/login"));
    await page.fill("input[name=token]", "not-a-token");
    await page.click("button:has-text('Sign in')");
    expect(await page.textContent(".error")).toContain("not valid");
    await checkView(page, "sign-in page");
    await page.context().close();
  });

  it("returns to the page that asked for it", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(url(`/experiments/${scene.homepage}?from=mail`));
    expect(page.url()).toContain("/sg-admin/login?next=");
    await page.fill("input[name=token]", "demo-editor");
    await Promise.all([page.waitForURL(/\/experiments\/\d+\?from=mail$/), page.click("button:has-text('Sign in')")]);
    expect(new URL(page.url()).pathname).toBe(`/sg-admin/experiments/${scene.homepage}`);
    expect(await page.textContent("h1")).toContain("Homepage hero headline");
    await page.context().close();
  });

  it("never returns to another site, however the address is spelled", async () => {
    for (const next of ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/sg-admin/../evil", "/%5Cevil.example"]) {
      const login = await fetch(url(`/login?next=${encodeURIComponent(next)}`));
      const form = await login.text();
      expect(form, next).not.toContain('name="next"');
      // Posted as this browser's own sign-in form: its login cookie and token, from the same origin.
      const loginToken = /name="login_csrf" value="([^"]*)"/.exec(form)?.[1] ?? "";
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const res = await fetch(url("/login"), {
        method: "POST",
        headers: { origin: demo.base, cookie },
        body: new URLSearchParams({ token: "demo-viewer", next, login_csrf: loginToken }),
        redirect: "manual",
      });
      expect(res.status, next).toBe(303);
      expect(res.headers.get("location"), next).toBe("/sg-admin/experiments/");
    }
  });
});

describe("an Administrator", () => {
  it("sees the list with gate and outcome apart, sorts every column, and pages", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    const table = page.locator("table.experiments");
    expect(await table.textContent()).toContain("Pricing page layout");
    // The three-variant experiment is short of its minimum sample: the list says how far, not "reached".
    const home = page.locator("tr", { hasText: "Homepage hero headline" });
    expect(await home.locator("td").nth(3).textContent()).toMatch(/% of the minimum sample/);
    expect(await home.locator("td").nth(4).textContent()).toMatch(/Needs ~[\d,]+ more visitors/);
    const pricing = page.locator("tr", { hasText: "Pricing page layout" });
    expect(await pricing.locator("td").nth(3).textContent()).toBe("Minimum sample reached");
    // Every sort shows the same rows (the scene's and the demo's own), only in another order.
    const rows = await page.locator("table.experiments tbody tr").count();
    expect(rows).toBeGreaterThanOrEqual(3);
    for (const column of ["Experiment", "Variants", "Sample", "Minimum sample", "Outcome", "Days running", "State", "Created"]) {
      await submit(page, `th a:has-text('${column}')`);
      expect(await page.getAttribute("th[aria-sort]", "aria-sort"), column).toBe("ascending");
      expect(await page.locator("table.experiments tbody tr").count(), column).toBe(rows);
    }
    await submit(page, "th a:has-text('Variants')");
    await submit(page, "th a:has-text('Variants')"); // twice: descending
    expect(await page.getAttribute("th[aria-sort]", "aria-sort")).toBe("descending");
    expect(await page.locator("table.experiments tbody tr").first().textContent()).toContain("Homepage hero headline");
    await page.selectOption("select[name=per_page]", "10");
    await submit(page, "button:has-text('Filter')");
    expect(page.url()).toContain("per_page=10");
    await page.screenshot({ path: join(SHOTS, "list.png"), fullPage: true });
    await checkView(page, "list");
    await page.context().close();
  });

  it("creates an experiment of six variants through the form, and a notes-only save keeps every field", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    await Promise.all([page.waitForURL(/\/experiments\/new$/), page.click("a:has-text('+ New experiment')")]);
    await checkView(page, "new experiment");
    // The target page suggests the site's paths: those of experiments and goals, and SGEN_SITE_PATHS.
    const suggestions = await page.locator("datalist#site-paths option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(suggestions).toEqual(expect.arrayContaining(["/", "/pricing", "/pricing-b", "/thanks", "/signup"]));
    for (let i = 2; i < 6; i++) await submit(page, "button:has-text('+ Add a variant')");
    expect(await page.locator(".variant-row").count()).toBe(6);
    await page.fill("input[name=name]", EVIL);
    await page.fill("input[name=slug]", "six-ways");
    await page.fill("input[name=target_page]", "/signup");
    const shares = ["20", "16", "16", "16", "16", "16"];
    for (let i = 0; i < 6; i++) {
      await page.fill(`input[name=variant_${i}_slug]`, `v${i}`);
      await page.fill(`input[name=variant_${i}_label]`, `Variant ${i}`);
      await page.fill(`input[name=variant_${i}_share]`, shares[i] as string);
      if (i > 0) await page.fill(`textarea[name=variant_${i}_overrides]`, `set_text | h1 | Headline ${i} | with a bar`);
    }
    // Remove the fourth row and add it back: the rows after it move up with their values.
    await submit(page, "button[value=remove_variant_3]");
    expect(await page.locator(".variant-row").count()).toBe(5);
    expect(await page.inputValue("input[name=variant_3_slug]")).toBe("v4");
    await submit(page, "button:has-text('+ Add a variant')");
    await page.fill("input[name=variant_5_slug]", "v3");
    await page.fill("input[name=variant_5_label]", "Variant 3");
    await page.fill("input[name=variant_5_share]", "16");
    await page.fill("textarea[name=variant_5_overrides]", "set_text | h1 | Headline 3 | with a bar");
    await page.selectOption("select[name=conversion_type]", "custom");
    await page.fill("input[name=conversion_value]", "signup");
    await page.fill("textarea[name=secondary_goals]", "page_view /thanks");
    await page.fill("input[name=min_sample_threshold]", "10");
    await page.screenshot({ path: join(SHOTS, "editor-new.png"), fullPage: true });
    // Enter in a text field saves (the hidden first button), never removes a variant.
    await page.focus("input[name=name]");
    await Promise.all([page.waitForURL(/\/experiments\/\d+$/), page.keyboard.press("Enter")]);
    expect(await page.textContent(".flash")).toContain("Experiment created");
    expect(await page.textContent("h1")).toContain(`<script>alert("x")</script>`);
    expect(await page.locator("script").count()).toBe(0);
    const id = Number(new URL(page.url()).pathname.split("/").pop());
    const before = (await adminApi(demo.base, "GET", `/experiments/${id}`)).json;
    expect(before.variants.map((v: { slug: string }) => v.slug)).toEqual(["v0", "v1", "v2", "v4", "v5", "v3"]);
    expect(before.variants[1].overrides).toEqual([{ selector: "h1", action: "set_text", value: "Headline 1 | with a bar" }]);

    await Promise.all([page.waitForURL(/\/edit$/), page.click(".actions a:has-text('Edit')")]);
    expect(await page.locator(".variant-row").count()).toBe(6);
    await page.fill("textarea[name=notes]", "Only the notes changed.");
    await Promise.all([page.waitForURL(/\/experiments\/\d+$/), page.click("button:has-text('Save changes')")]);
    expect(await page.textContent(".flash")).toContain("Changes saved");
    const after = (await adminApi(demo.base, "GET", `/experiments/${id}`)).json;
    expect({ ...after, updated_at: before.updated_at }).toEqual({ ...before, notes: "Only the notes changed." });
    await adminApi(demo.base, "POST", `/experiments/${id}/archive`);
    await page.context().close();
  });

  it("shows errors beside their fields in plain words, keeping every value typed", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    await page.goto(url("/experiments/new"));
    await page.fill("input[name=name]", "Errors kept");
    await page.fill("input[name=slug]", "errors-kept");
    await page.fill("input[name=target_page]", "/signup");
    await page.fill("input[name=variant_0_share]", "50");
    await page.fill("input[name=variant_1_share]", "30");
    await page.fill("input[name=variant_1_label]", "Typed label");
    await page.fill("input[name=conversion_value]", "/thanks");
    await page.fill("input[name=max_runtime_days]", "1.5");
    await page.fill("textarea[name=notes]", "Typed notes");
    await submit(page, "button:has-text('Create experiment')");
    expect(await page.textContent("#f-variants .field-error")).toBe("Shares must add up to 100; they add up to 80.");
    const runtime = page.locator("#f-max-runtime-days");
    expect(await runtime.getAttribute("aria-invalid")).toBe("true");
    expect(await page.textContent("#f-max-runtime-days-error")).toMatch(/^Maximum runtime must be a whole number of days/);
    expect(await page.textContent("#errors")).toContain("2 fields need attention");
    expect(await page.textContent("main")).not.toMatch(/expected|received|Too small|Invalid input|max_runtime_days/);
    // Every value is as typed.
    expect(await page.inputValue("input[name=name]")).toBe("Errors kept");
    expect(await page.inputValue("input[name=variant_1_share]")).toBe("30");
    expect(await page.inputValue("input[name=variant_1_label]")).toBe("Typed label");
    expect(await page.inputValue("input[name=max_runtime_days]")).toBe("1.5");
    expect(await page.inputValue("textarea[name=notes]")).toBe("Typed notes");
    await page.screenshot({ path: join(SHOTS, "editor-errors.png"), fullPage: true });
    await checkView(page, "editor with errors");
    // One variant left: the words say what to do.
    for (const f of ["slug", "label", "page"]) await page.fill(`input[name=variant_1_${f}]`, "");
    await page.fill("input[name=variant_1_share]", "0");
    await page.fill("input[name=variant_0_share]", "100");
    await page.fill("input[name=max_runtime_days]", "");
    await submit(page, "button:has-text('Create experiment')");
    expect(await page.textContent("#f-variants .field-error")).toBe("Add at least two variants: the control and one to compare with it.");
    expect((await adminApi(demo.base, "GET", "/experiments?q=errors-kept")).json.total).toBe(0);
    await page.context().close();
  });

  it("sees the locked fields of a running experiment read-only", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    await page.goto(url(`/experiments/${scene.homepage}/edit`));
    expect(await page.locator("select[name=conversion_type]").isDisabled()).toBe(true);
    expect(await page.getAttribute("input[name=slug]", "readonly")).not.toBeNull();
    expect(await page.getAttribute("input[name=conversion_value]", "readonly")).not.toBeNull();
    // A changed share needs the reset confirmation, said beside its box.
    await page.fill("input[name=variant_0_share]", "40");
    await page.fill("input[name=variant_1_share]", "30");
    await page.fill("input[name=variant_2_share]", "30");
    await submit(page, "button:has-text('Save changes')");
    expect(await page.textContent("#f-confirm-reset-error")).toContain("resets its sample to zero");
    expect(await page.inputValue("input[name=variant_0_share]")).toBe("40");
    await page.screenshot({ path: join(SHOTS, "editor.png"), fullPage: true });
    await checkView(page, "editor of a live experiment");
    await page.context().close();
  });

  it("watches the dashboard, and concludes through the decision panel and a confirmation", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    await page.goto(url(`/experiments/${scene.homepage}`));
    const facts = await page.textContent(".overview");
    expect(facts).toContain("/");
    expect(facts).toContain("Form submission to /signup");
    expect(facts).toMatch(/Started\s*\d{1,2} \w+ 20\d\d, \d\d:\d\d UTC/);
    expect(facts).toContain("Days running");
    // The lift chart is relative and readable on day one: a point with its band, not a lone dot.
    expect(await page.getAttribute("svg.chart >> nth=1", "aria-label")).toContain("Relative lift");
    expect(await page.locator("svg.chart >> nth=1 >> rect").count()).toBeGreaterThanOrEqual(1);
    expect(await page.textContent(".chart-note")).toMatch(/b vs a as of \d{4}-\d\d-\d\d: [+−]?\d/);
    // Secondary goals with their numbers; activity with what happened, in human time.
    expect(await page.textContent("section[aria-labelledby=goals-title] table")).toMatch(/Conversions/);
    expect(await page.textContent(".log")).toMatch(/demo-admin\s+started it/);
    expect(await page.textContent(".log time")).toMatch(/UTC/);
    // QA links, one per variant, signed for the edge.
    const qa = await page.inputValue("input#qa-b");
    expect(qa).toMatch(/\/\?sgen-qa=\d+\.b\.\d+\./);
    // The link shows b on the real page (its override), and assigns nobody: no cookie is written.
    const qaPage = await fetch(qa);
    expect(qaPage.status).toBe(200);
    expect(await qaPage.text()).toContain("Ship faster | pay less");
    expect(qaPage.headers.getSetCookie().filter((c) => c.startsWith("sgen-ab-"))).toEqual([]);

    // The panel proposes the leading variant (b converts best in the scene); the gate is not reached,
    // so it is an early conclusion.
    expect(await page.inputValue("#f-shipped-variant-slug")).toBe("b");
    const panel = page.locator("#decision");
    expect(await panel.textContent()).toContain("Minimum sample not reached");
    expect(await panel.textContent()).toContain("Statistically unsupported");
    await page.selectOption("#f-shipped-variant-slug", "c");
    await page.fill("#f-key-learning", "Questions do not sell.");
    await submit(page, "button:has-text('Review the early conclusion')");
    // No reason: refused beside the field, with the chosen variant and the typed text kept.
    expect(await page.textContent("#f-reason-error")).toContain("Give the reason");
    expect(await page.inputValue("#f-shipped-variant-slug")).toBe("c");
    expect(await page.inputValue("#f-key-learning")).toBe("Questions do not sell.");
    await page.screenshot({ path: join(SHOTS, "dashboard.png"), fullPage: true });
    await checkView(page, "dashboard");

    await page.fill("#f-reason", "Launch date moved.");
    await submit(page, "button:has-text('Review the early conclusion')");
    expect(await page.textContent("h1")).toContain("Conclude “Homepage hero headline” early?");
    expect(await page.textContent(".confirm")).toContain("Statistically unsupported");
    expect(await page.textContent(".confirm")).toContain("cannot be undone");
    await checkView(page, "conclusion confirmation");
    // Going back keeps the decision; nothing was concluded.
    await submit(page, "button:has-text('Go back and change')");
    expect(await page.inputValue("#f-shipped-variant-slug")).toBe("c");
    expect((await adminApi(demo.base, "GET", `/experiments/${scene.homepage}`)).json.lifecycle_state).toBe("live");
    await page.selectOption("#f-shipped-variant-slug", "b");
    await submit(page, "button:has-text('Review the early conclusion')");
    await Promise.all([page.waitForURL(/\/experiments\/\d+$/), page.click("button:has-text('Override the gate and ship b')")]);
    expect(await page.textContent(".flash")).toContain("concluded early");
    expect(await page.textContent("h1")).toContain("done");
    const r = (await adminApi(demo.base, "GET", `/experiments/${scene.homepage}`)).json;
    expect(r).toMatchObject({ shipped_variant_slug: "b", significance_override_reason: "Launch date moved." });
    expect(r.decision_record.key_learning).toBe("Questions do not sell.");
    await page.context().close();
  });

  it("asks before deleting, and says what will be lost", async () => {
    const created = await adminApi(demo.base, "POST", "/experiments", {
      slug: "to-delete",
      name: "To delete",
      target_page: "/signup",
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
      ],
      conversion_event: { type: "page_view", path: "/thanks" },
      min_sample_threshold: 10,
    });
    const id = created.json.id as number;
    const page = await signIn(browser, demo.base, "demo-admin");
    await page.goto(url(`/experiments/${id}`));
    await Promise.all([page.waitForURL(/\/experiments\/\d+$/), page.click(".actions button:has-text('Archive')")]);
    expect(await page.textContent(".flash")).toContain("archived");
    await Promise.all([page.waitForURL(/\/delete$/), page.click("a:has-text('Delete…')")]);
    expect(await page.textContent("h1")).toBe("Delete “To delete” permanently?");
    expect(await page.textContent(".consequences")).toContain("This cannot be undone.");
    await checkView(page, "delete confirmation");
    // Nothing is deleted yet, and a delete posted without the confirmation only shows this page again.
    expect((await adminApi(demo.base, "GET", `/experiments/${id}`)).status).toBe(200);
    await Promise.all([page.waitForURL(/\/experiments\/$/), page.click("button:has-text('Delete permanently')")]);
    expect(await page.textContent(".flash")).toContain("deleted");
    expect((await adminApi(demo.base, "GET", `/experiments/${id}`)).status).toBe(404);
    await page.context().close();
  });

  it("finds the result archive's figures, override reason and decision record, with search, sort and paging", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    await Promise.all([page.waitForURL(/\/archive$/), page.click("header a:has-text('Result archive')")]);
    const card = page.locator("article", { hasText: "Checkout button colour" });
    const text = (await card.textContent()) ?? "";
    expect(text).toContain("b: Green button");
    expect(text).toContain("Holiday freeze starts Monday");
    expect(text).toContain("Ship green with the brand refresh.");
    const rows = card.locator("tbody tr");
    expect(await rows.count()).toBe(2);
    // Per variant: sample, conversions, rate with its interval, lift.
    expect(await rows.nth(1).textContent()).toMatch(/b\s*Green button\s*\d+\s*\d+\s*\d+\.\d\d%[\d.%]+ to [\d.%]+[+−]?\d/);
    await page.fill("input[name=q]", "checkout");
    await submit(page, "button:has-text('Show')");
    expect(await page.locator("article").count()).toBe(1);
    await page.fill("input[name=q]", "");
    await page.selectOption("select[name=sort]", "name");
    await page.selectOption("select[name=per_page]", "5");
    await submit(page, "button:has-text('Show')");
    expect(page.url()).toMatch(/sort=name.*per_page=5|per_page=5.*sort=name/);
    await page.screenshot({ path: join(SHOTS, "archive.png"), fullPage: true });
    await checkView(page, "result archive");
    await page.context().close();
  });

  it("gets error pages in the app's frame, with a way back", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    const missing = await page.goto(url("/experiments/999999"));
    expect(missing?.status()).toBe(404);
    expect(await page.textContent("h1")).toBe("Not found");
    expect(await page.locator("main a:has-text('All experiments')").count()).toBe(1);
    await checkView(page, "404 page");
    expect((await page.goto(url("/no/such/page")))?.status()).toBe(404);
    expect(await page.locator("header nav").count()).toBe(1);
    // A form without its CSRF token is refused, as a page.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const forged = await fetch(url(`/experiments/${scene.pricing}/pause`), {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "x=1",
      redirect: "manual",
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("did not come from this site");
    const headers = (await fetch(url("/login"))).headers;
    expect(headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(headers.get("cache-control")).toBe("no-store");
    await page.context().close();
  });
});

describe("the keyboard", () => {
  it("reaches a visible skip link first, and the editor's fields in order after it", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    await page.goto(url("/experiments/new"));
    await page.keyboard.press("Tab");
    const skip = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement;
      const box = a.getBoundingClientRect();
      return { text: a.textContent, left: box.left, top: box.top };
    });
    expect(skip.text).toBe("Skip to content");
    expect(skip.left, "the focused skip link is on screen").toBeGreaterThanOrEqual(0);
    await page.keyboard.press("Enter");
    expect(page.url()).toMatch(/#main$/);
    // From the content, Tab walks the form: the name is the first field, the slug the next.
    const order: string[] = [];
    for (let i = 0; i < 12 && !order.includes("slug"); i++) {
      await page.keyboard.press("Tab");
      order.push(await page.evaluate(() => (document.activeElement as HTMLInputElement).name ?? ""));
    }
    expect(order.filter((n) => n === "name" || n === "slug")).toEqual(["name", "slug"]);
    await page.context().close();
  });
});

describe("a Viewer", () => {
  it("sees the configuration read-only, and no write controls anywhere", async () => {
    const page = await signIn(browser, demo.base, "demo-viewer");
    expect(await page.locator("a:has-text('New experiment')").count()).toBe(0);
    expect(await page.locator("table.experiments form").count()).toBe(0);
    expect(await page.locator("table.experiments a:has-text('Edit')").count()).toBe(0);
    await checkView(page, "list (Viewer)");
    await Promise.all([page.waitForURL(/\/sg-admin\/experiments\/\d+$/), page.click("a:has-text('Pricing page layout')")]);
    expect(await page.textContent("h1")).toContain("Pricing page layout");
    expect(await page.locator("main form").count()).toBe(0);
    expect(await page.locator("#decision").count()).toBe(0);
    expect(await page.locator("a:has-text('Edit')").count()).toBe(0);
    const config = (await page.textContent("section[aria-labelledby=config-title]")) ?? "";
    expect(config).toContain("/pricing-b");
    expect(config).toContain("Seeded by the demo.");
    await checkView(page, "dashboard (Viewer)");
    // The editor's address typed by hand: a 403 page in the frame, with a way back.
    const denied = await page.goto(`${page.url()}/edit`);
    expect(denied?.status()).toBe(403);
    expect(await page.textContent("main")).toContain("Your role (viewer) may not edit an experiment that has started.");
    expect(await page.locator("main a:has-text('All experiments')").count()).toBe(1);
    await checkView(page, "403 page");
    expect((await page.goto(url("/experiments/new")))?.status()).toBe(403);
    await page.context().close();
  });
});

describe("the data the pages show", () => {
  it("counts what was sent, on the dashboard, after a fresh visit", async () => {
    const before = (await adminApi(demo.base, "GET", `/experiments/${scene.pricing}/dashboard`)).json;
    const total = (d: { variants: Array<{ sample: number }> }) => d.variants.reduce((n, v) => n + v.sample, 0);
    await traffic(demo.base, "pricing-page-layout", "/pricing", 20, () => false, "/thanks", "GET", "again");
    await new Promise((r) => setTimeout(r, 700));
    const page = await signIn(browser, demo.base, "demo-admin");
    await page.goto(url(`/experiments/${scene.pricing}`));
    // The overview's progress is read from run-data now; the results table is the catalog's last look,
    // which follows with the next report (its time and visitors are written under the table).
    const bars = await page.locator(".overview .progress-value").allTextContents();
    const now = bars.slice(0, before.variants.length).map((t) => Number((/^([\d,]+) of/.exec(t)?.[1] ?? "0").replace(/,/g, "")));
    expect(now.reduce((a, b) => a + b, 0)).toBe(total(before) + 20);
    expect(await page.textContent(".look")).toMatch(/Analysis as of look \d+/);
    await page.context().close();
  });

  it("writes the four views at 1280 and 390 px to test-results/, never to the committed screenshots", async () => {
    const written = await screenshots(browser, demo.base, scene, join(SHOTS, "views"));
    expect(written).toHaveLength(8);
    for (const f of written) expect(f).toContain(join("test-results", "pages"));
  });
});

describe("who enters, in the pages", () => {
  it("an audience, coverage, layer, schedule and crawler rule set in the editor reach the record, the dashboard, the list and the edge", async () => {
    const page = await signIn(browser, demo.base, "demo-admin");
    await page.goto(url("/experiments/new"));
    await page.fill("input[name=name]", "Germany only");
    await page.fill("input[name=slug]", "who-enters");
    await page.fill("input[name=target_page]", "/signup");
    await page.fill("textarea[name=variant_1_overrides]", "set_text | h1 | Hallo");
    await page.fill("input[name=conversion_value]", "/thanks");
    await page.fill("input[name=audience_0_attribute]", "country");
    await page.fill("textarea[name=audience_0_values]", "DE, AT");
    // A third row without script: the form comes back with what was typed.
    await submit(page, "button:has-text('+ Add a condition')");
    expect(await page.locator(".condition-row").count()).toBe(3);
    expect(await page.inputValue("textarea[name=audience_0_values]")).toBe("DE, AT");
    await page.fill("input[name=audience_2_attribute]", "query.utm_source");
    await page.selectOption("select[name=audience_2_operator]", "not_in");
    await page.fill("textarea[name=audience_2_values]", "spam");
    await page.fill("input[name=coverage_percent]", "150");
    await page.fill("input[name=layer_slug]", "signup-layer");
    await page.fill("input[name=layer_from]", "0");
    await page.fill("input[name=layer_to]", "100");
    await page.fill("input[name=scheduled_end_at]", "2035-01-01T00:00:00Z");
    await page.selectOption("select[name=bots]", "control");
    await checkView(page, "editor with who enters");
    await page.locator("fieldset.who-enters").screenshot({ path: join(SHOTS, "editor-who-enters.png") });
    // A bad coverage is said beside its field; every typed value stays (the empty row moved last).
    await submit(page, "button:has-text('Create experiment')");
    expect(await page.textContent("#f-coverage-percent-error")).toContain("100");
    expect(await page.inputValue("input[name=audience_1_attribute]")).toBe("query.utm_source");
    expect(await page.inputValue("select[name=audience_1_operator]")).toBe("not_in");
    expect(await page.inputValue("input[name=layer_slug]")).toBe("signup-layer");
    await page.fill("input[name=coverage_percent]", "100");
    await Promise.all([page.waitForURL(/\/experiments\/\d+$/), page.click("button:has-text('Create experiment')")]);
    const id = Number(new URL(page.url()).pathname.split("/").pop());
    const r = (await adminApi(demo.base, "GET", `/experiments/${id}`)).json;
    expect(r).toMatchObject({
      audience: {
        match: "all",
        conditions: [
          { attribute: "country", operator: "in", values: ["DE", "AT"] },
          { attribute: "query.utm_source", operator: "not_in", values: ["spam"] },
        ],
      },
      coverage_percent: 100,
      layer: { slug: "signup-layer", from: 0, to: 100 },
      scheduled_end_at: "2035-01-01T00:00:00Z",
      bots: "control",
    });
    const config = (await page.textContent("section[aria-labelledby=config-title]")) ?? "";
    for (const words of ["country is one of DE, AT", "query.utm_source is none of spam", "signup-layer", "pauses", "always the control"])
      expect(config).toContain(words);
    await checkView(page, "dashboard with who enters");
    await page.goto(url("/experiments/?q=who-enters"));
    expect(await page.textContent("table.experiments")).toContain("Scheduled: pauses");

    // Started, it admits Germany and leaves the United States with the page as is.
    expect((await adminApi(demo.base, "POST", `/experiments/${id}/start`)).status).toBe(200);
    try {
      const assigned = async (country: string) =>
        (await get(`${demo.base}/signup?demo-country=${country}`, { headers: { cookie: "sgen-vid=pages-e2e" } })).cookies.has(
          "sgen-ab-who-enters",
        );
      const deadline = Date.now() + 15_000;
      while (!(await assigned("DE")) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      expect(await assigned("DE")).toBe(true);
      expect(await assigned("US")).toBe(false);
    } finally {
      await adminApi(demo.base, "POST", `/experiments/${id}/override`, { shipped_variant_slug: "a", reason: "test finished" });
    }
    await page.context().close();
  });

  it("an Administrator creates, edits and deletes a holdout in the pages; a Viewer reads its dashboard", async () => {
    const admin = await signIn(browser, demo.base, "demo-admin");
    await Promise.all([admin.waitForURL(/\/holdouts\/$/), admin.click("nav a:has-text('Holdouts')")]);
    await Promise.all([admin.waitForURL(/\/holdouts\/new$/), admin.click("a:has-text('+ New holdout')")]);
    await admin.fill("input[name=name]", "Q1 holdout <b>");
    await admin.fill("input[name=slug]", "Pages Holdout");
    await admin.fill("input[name=percent]", "10");
    await admin.fill("textarea[name=goals]", "page_view /thanks");
    await checkView(admin, "holdout editor");
    await submit(admin, "button:has-text('Create holdout')");
    expect(await admin.textContent("#f-slug-error")).toContain("lowercase letters");
    expect(await admin.inputValue("textarea[name=goals]")).toBe("page_view /thanks");
    await admin.fill("input[name=slug]", "pages-holdout");
    await Promise.all([admin.waitForURL(/\/holdouts\/\d+$/), admin.click("button:has-text('Create holdout')")]);
    expect(await admin.textContent(".flash")).toContain("Holdout created");
    const id = Number(new URL(admin.url()).pathname.split("/").pop());
    try {
      expect((await adminApi(demo.base, "GET", `/holdouts/${id}`)).json).toMatchObject({
        slug: "pages-holdout",
        percent: 10,
        layer: null,
        goals: [{ type: "page_view", path: "/thanks" }],
      });
      // Changing the share changes who is held: refused until the reset box is ticked.
      await Promise.all([admin.waitForURL(/\/edit$/), admin.click(".actions a:has-text('Edit')")]);
      await admin.fill("input[name=percent]", "20");
      await submit(admin, "button:has-text('Save changes')");
      expect(await admin.textContent("#f-confirm-reset-error")).toBeTruthy();
      await admin.check("input[name=confirm_reset]");
      await Promise.all([admin.waitForURL(/\/holdouts\/\d+$/), admin.click("button:has-text('Save changes')")]);
      expect(await admin.textContent(".flash")).toContain("counts start again");
      expect((await adminApi(demo.base, "GET", `/holdouts/${id}`)).json).toMatchObject({ percent: 20, epoch: 1 });

      const viewer = await signIn(browser, demo.base, "demo-viewer");
      await viewer.goto(url("/holdouts/"));
      expect(await viewer.textContent("table.holdouts")).toContain("Q1 holdout <b>");
      expect(await viewer.locator("a:has-text('New holdout')").count()).toBe(0);
      await checkView(viewer, "holdouts");
      await Promise.all([viewer.waitForURL(/\/holdouts\/\d+$/), viewer.click("table.holdouts a")]);
      expect(await viewer.textContent("h1")).toBe("Q1 holdout <b>");
      const text = (await viewer.textContent("main")) ?? "";
      for (const words of ["holds out 20% of visitors from every experiment", "Held out", "Exposed", "Page view of /thanks"])
        expect(text).toContain(words);
      expect(await viewer.locator("main form").count()).toBe(0);
      await checkView(viewer, "holdout dashboard");
      await viewer.screenshot({ path: join(SHOTS, "holdout-dashboard.png"), fullPage: true });
      expect((await viewer.goto(url(`/holdouts/${id}/edit`)))?.status()).toBe(403);
      expect((await viewer.goto(url("/holdouts/99999")))?.status()).toBe(404);
      await viewer.context().close();

      // Deleting asks for the box first.
      await submit(admin, "button:has-text('Delete holdout')");
      expect(await admin.textContent("main")).toContain("Nothing was deleted");
      await admin.check("#confirm-delete");
      await Promise.all([admin.waitForURL(/\/holdouts\/$/), admin.click("button:has-text('Delete holdout')")]);
      expect(await admin.textContent(".flash")).toContain("Holdout deleted");
      expect((await adminApi(demo.base, "GET", `/holdouts/${id}`)).status).toBe(404);
    } finally {
      await adminApi(demo.base, "DELETE", `/holdouts/${id}`);
      await admin.context().close();
    }
  });
});
