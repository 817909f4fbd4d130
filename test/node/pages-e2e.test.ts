// The operators' pages in a real browser: Debian's Chromium driven by playwright-core against `npm start`.
// Sign in, create an experiment through the form, start it, see the dashboard chart with data, conclude
// it; a Viewer sees no write buttons; a script-injection name renders as text. Screenshots of each view
// are written to docs/screenshots/.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServer, startDemo } from "./support/demo-server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = join(import.meta.dirname, "..", "..", "docs", "screenshots");
const EVIL = `<script>alert("x")</script> Hero test`;

let demo: DemoServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemo();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function signIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${demo.base}/sg-admin/experiments/`);
  expect(page.url()).toContain("/sg-admin/login");
  await page.fill("input[name=token]", token);
  await page.click("button:has-text('Sign in')");
  await page.waitForURL(/\/sg-admin\/experiments\/$/);
  return page;
}

describe("operators' pages in Chromium", () => {
  it("a wrong token does not sign in", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${demo.base}/sg-admin/login`);
    await page.fill("input[name=token]", "not-a-token");
    await page.click("button:has-text('Sign in')");
    expect(await page.textContent(".error")).toContain("not valid");
    await page.context().close();
  });

  it("an Administrator creates, starts, watches and concludes an experiment", async () => {
    const page = await signIn("demo-admin");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "sgen-admin-session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    expect(await page.textContent("table.list")).toContain("Pricing page layout");
    await page.screenshot({ path: join(SHOTS, "list.png"), fullPage: true });

    await page.click("a:has-text('+ New experiment')");
    await page.fill("input[name=name]", EVIL);
    await page.fill("input[name=slug]", "e2e-home-hero");
    await page.fill("input[name=target_page]", "/");
    await page.fill("input[name=variant_0_slug]", "a");
    await page.fill("input[name=variant_0_label]", "Current home");
    await page.fill("input[name=variant_0_share]", "50");
    await page.fill("input[name=variant_1_slug]", "b");
    await page.fill("input[name=variant_1_label]", "Pricing as home");
    await page.fill("input[name=variant_1_page]", "/pricing-b");
    await page.fill("input[name=variant_1_share]", "40");
    await page.fill("textarea[name=variant_1_overrides]", "set_text | h1 | Previewed pricing\nremove | table");
    await page.selectOption("select[name=conversion_type]", "custom");
    await page.fill("input[name=conversion_value]", "signup");
    await page.fill("input[name=min_sample_threshold]", "10");
    await page.screenshot({ path: join(SHOTS, "editor.png"), fullPage: true });
    await page.click("button:has-text('Create experiment')");
    // Shares summing to 90 are refused with the field named, and nothing is created.
    expect(await page.textContent(".error")).toContain("sum to exactly 100");
    await page.fill("input[name=variant_1_share]", "50");
    await page.click("button:has-text('Create experiment')");
    await page.waitForURL(/\/sg-admin\/experiments\/\d+$/);

    // The injected name is text, not markup.
    expect(await page.textContent("h1")).toContain(`<script>alert("x")</script>`);
    expect(await page.locator("script").count()).toBe(0);
    expect(await page.title()).toContain("<script>");

    // Preview variant b from the editor: its overrides applied, for this operator only, nothing counted.
    await page.click("a:has-text('Edit')");
    expect(await page.inputValue("textarea[name=variant_1_overrides]")).toContain("set_text | h1 | Previewed pricing");
    const [preview] = await Promise.all([page.context().waitForEvent("page"), page.click("a:has-text('preview') >> nth=1")]);
    await preview.waitForLoadState();
    expect(await preview.textContent("h1")).toBe("Previewed pricing");
    expect(await preview.locator("table").count()).toBe(0);
    await preview.close();
    await page.goBack();

    await page.click("form[action$='/start'] button");
    expect(await page.textContent("h1")).toContain("live");

    // Traffic: visitors on /, and every b visitor signs up.
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${demo.base}/`, { headers: { cookie: `sgen-vid=e2e-${i}` } });
      const assigned = res.headers
        .getSetCookie()
        .find((c) => c.startsWith("sgen-ab-e2e-home-hero="))
        ?.split(";")[0];
      if (assigned?.endsWith("=b")) {
        await fetch(`${demo.base}/__sgen/events`, {
          method: "POST",
          headers: { cookie: `sgen-vid=e2e-${i}; ${assigned}` },
          body: '{"events":[{"name":"signup"}]}',
        });
      }
    }
    await new Promise((r) => setTimeout(r, 600)); // the Worker flushes its batches after 200 ms
    await page.reload();
    const samples = await page.locator("table.list tbody tr td:nth-child(3)").allTextContents();
    expect(samples.map((s) => Number(s.replace(/,/g, ""))).reduce((a, b) => a + b, 0)).toBe(60);
    expect(await page.locator("svg.chart rect").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator("svg.chart polyline").count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(SHOTS, "dashboard.png"), fullPage: true });

    // Conclude: the gate (10 a variant) is reached, so conclude works; ship b.
    await page.selectOption("form[action$='/conclude'] select", "b");
    await page.click("form[action$='/conclude'] summary");
    await page.fill("form[action$='/conclude'] textarea[name=key_learning]", "Visitors sign up more from B.");
    await page.fill("form[action$='/conclude'] textarea[name=decision]", "Ship B as the home page.");
    await page.fill("form[action$='/conclude'] textarea[name=follow_up]", "Move B into the site's templates.");
    await page.fill("form[action$='/conclude'] input[name=rollout_percent]", "50");
    await page.click("form[action$='/conclude'] button");
    expect(await page.textContent("h1")).toContain("done");
    expect(await page.textContent("main")).toContain("shipped b");
    expect(await page.textContent(".decision-record")).toContain("Ship B as the home page.");
    expect(await page.textContent(".rollout")).toBe("50%");
    await page.click("button:has-text('roll out 100%')");
    expect(await page.textContent(".rollout")).toBe("100%");

    await page.click("a:has-text('Result archive')");
    expect(await page.textContent("table.list")).toContain(`<script>alert("x")</script>`);
    expect(await page.textContent("table.list")).toContain("Visitors sign up more from B.");
    await page.screenshot({ path: join(SHOTS, "archive.png"), fullPage: true });

    // A form posted without its CSRF token is refused.
    const cookieHeader = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const forged = await fetch(`${demo.base}/sg-admin/experiments/1/pause`, {
      method: "POST",
      headers: { cookie: cookieHeader, "content-type": "application/x-www-form-urlencoded" },
      body: "x=1",
      redirect: "manual",
    });
    expect(forged.status).toBe(403);
    const headers = (await fetch(`${demo.base}/sg-admin/login`)).headers;
    expect(headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(headers.get("cache-control")).toBe("no-store");
    await page.context().close();
  });

  it("a Viewer sees the dashboard but no write buttons", async () => {
    const page = await signIn("demo-viewer");
    expect(await page.locator("a:has-text('+ New experiment')").count()).toBe(0);
    await page.click("a:has-text('Pricing page layout')");
    // On the dashboard, not still on the list: there the checks below would pass without looking.
    await page.waitForURL(/\/sg-admin\/experiments\/\d+$/);
    expect(await page.textContent("h1")).toContain("Pricing page layout");
    expect(await page.locator(".actions form").count()).toBe(0);
    expect(await page.locator("a:has-text('Edit')").count()).toBe(0);
    expect(await page.locator("svg.chart").count()).toBe(1 + (await page.locator("svg.chart[aria-label^='Cumulative']").count()));
    // The editor's address typed in by hand: refused for the role, and unknown ids are not found.
    expect((await page.goto(`${page.url()}/edit`))?.status()).toBe(403);
    expect((await page.goto(`${demo.base}/sg-admin/experiments/999999/edit`))?.status()).toBe(404);
    await page.context().close();
  });
});
