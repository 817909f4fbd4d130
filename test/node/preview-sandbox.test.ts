// The preview of a variant runs the site's page (and any script an Administrator allowed in its
// overrides) under the admin's own origin. Served with `Content-Security-Policy: sandbox allow-scripts`
// it runs in an opaque origin: in real Chromium, a previewed variant whose script reads the
// operator's dashboard for its CSRF token and posts the conclude (and override) form, fetches the
// admin API and submits a form, concludes nothing. The same page with the sandbox header stripped
// concludes its experiment: the attack is real, and the header is what stops it.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, type DemoServer, startDemo } from "./support/demo-server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// What a hostile variant would do with the operator's session, were it same-origin with the admin.
const PAYLOAD = `<script>
(async () => {
  const out = {};
  const base = location.pathname.replace(/\\/preview\\/.*$/, "");
  const attempt = async (name, f) => { try { out[name] = await f(); } catch (e) { out[name] = "threw " + e.name; } };
  await attempt("cookie", () => document.cookie);
  await attempt("storage", () => { localStorage.setItem("x", "1"); return "written"; });
  let csrf = "";
  await attempt("dashboard", async () => {
    const r = await fetch(base, { credentials: "include" });
    const html = await r.text();
    csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    return r.status + (csrf ? " with a CSRF token" : " without a CSRF token");
  });
  for (const action of ["conclude", "override"]) {
    await attempt(action, async () => {
      // With the confirmation step's own field: a same-origin script can send it as easily as a form.
      const body = new URLSearchParams({ csrf, shipped_variant_slug: "b", reason: "from the preview", confirmed: "yes" });
      const r = await fetch(base + "/" + action, { method: "POST", credentials: "include", body });
      return String(r.status);
    });
  }
  await attempt("api", async () => String((await fetch("/sg-admin/api/experiments", { credentials: "include" })).status));
  await attempt("form", () => {
    const f = document.createElement("form");
    f.method = "post";
    f.action = base + "/override";
    f.target = "_blank";
    for (const [k, v] of [["csrf", csrf], ["shipped_variant_slug", "b"], ["reason", "form"], ["confirmed", "yes"]]) {
      const i = document.createElement("input");
      i.name = k;
      i.value = v;
      f.append(i);
    }
    document.body.append(f);
    f.submit();
    return "submitted";
  });
  window.__preview = out;
})();
</script>`;

let demo: DemoServer;
let browser: Browser;

async function liveExperimentWithPayload(): Promise<number> {
  const n = Math.floor(Math.random() * 1e9);
  const created = await adminApi(demo.base, "POST", "/experiments", {
    slug: `preview-${n}`,
    name: `Preview ${n}`,
    target_page: `/preview-${n}`,
    variants: [
      { slug: "a", label: "A", page: "/", traffic_share: 50 },
      { slug: "b", label: "B", page: "/", traffic_share: 50, overrides: [{ selector: "body", action: "append", value: PAYLOAD }] },
    ],
    conversion_event: { type: "custom", name: "signup" },
    min_sample_threshold: 1000,
    allow_script_overrides: true,
  });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const id = created.json.id as number;
  expect((await adminApi(demo.base, "POST", `/experiments/${id}/start`)).status).toBe(200);
  return id;
}

async function signedIn(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${demo.base}/sg-admin/login`);
  await page.fill("input[name=token]", "demo-admin");
  await page.click("button:has-text('Sign in')");
  await page.waitForURL(/\/sg-admin\/experiments\/$/);
  return page;
}

/** Opens the preview of variant b and waits for its script to report. */
async function preview(page: Page, id: number): Promise<Record<string, string>> {
  await page.goto(`${demo.base}/sg-admin/experiments/${id}/preview/b`);
  await page.waitForFunction(() => (window as { __preview?: unknown }).__preview !== undefined, undefined, { timeout: 10_000 });
  await page.waitForTimeout(300); // a form submission, had it been allowed, would have landed by now
  return page.evaluate(() => (window as unknown as { __preview: Record<string, string> }).__preview);
}

const stateOf = async (id: number) => (await adminApi(demo.base, "GET", `/experiments/${id}`)).json.lifecycle_state;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium, as .ci/run does`);
  demo = await startDemo();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe("the preview cannot act as the operator", () => {
  it("is served sandboxed: scripts without the admin's origin", async () => {
    const id = await liveExperimentWithPayload();
    const page = await signedIn();
    const res = await page.context().request.get(`${demo.base}/sg-admin/experiments/${id}/preview/b`);
    const csp = res.headers()["content-security-policy"] ?? "";
    expect(csp).toMatch(/(^|[,;]\s*)sandbox allow-scripts(;|$)/);
    expect(csp).not.toMatch(/allow-same-origin|allow-forms|allow-popups|allow-top-navigation/);
    expect(csp).toContain("frame-ancestors 'none'");
    await page.context().close();
  });

  it("a previewed variant's script cannot read the session, post the conclude form or call the admin API", async () => {
    const id = await liveExperimentWithPayload();
    const page = await signedIn();
    const seen = await preview(page, id);
    expect(await stateOf(id)).toBe("live");
    expect(seen.cookie).toBe("threw SecurityError"); // an opaque origin has no cookies
    expect(seen.storage).toBe("threw SecurityError");
    expect(seen.dashboard).toBe("threw TypeError"); // cross-origin now, and the admin sends no CORS headers
    expect(seen.conclude).toBe("threw TypeError");
    expect(seen.override).toBe("threw TypeError");
    expect(seen.api).toBe("threw TypeError");
    expect(page.context().pages()).toHaveLength(1); // the form's submission was blocked, no tab opened
    await page.context().close();
  });

  it("without the sandbox header, the same page concludes its experiment (what the header prevents)", async () => {
    const id = await liveExperimentWithPayload();
    const page = await signedIn();
    await page.route(`**/experiments/${id}/preview/b`, async (route) => {
      const res = await route.fetch();
      const headers = { ...res.headers() };
      delete headers["content-security-policy"];
      await route.fulfill({ response: res, headers });
    });
    const seen = await preview(page, id);
    expect(seen.dashboard).toBe("200 with a CSRF token");
    expect(await stateOf(id)).toBe("done");
    await page.context().close();
  });
});
