// What the operators' pages show of the automation's guards and of the plan, rendered by the real pages
// app over a real catalog: the dashboard explains a sample-ratio mismatch, says what the automated
// actions wait for, shows the plan's progress and a stopped variant; the editor offers the plan from the
// experiment's own numbers ("Work out the sample" posts the form) and fills in the planned sample and
// the gate's threshold for saving, keeping everything typed.
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_POST_TEST } from "../../src/core/schema.ts";
import { api, created } from "./admin-helpers.ts";
import { clockAhead, report, snapshot } from "./catalog-helpers.ts";
import { signIn } from "./pages-helpers.ts";

afterEach(() => clockAhead(0));

const PAGES = "http://localhost:8787/sg-admin";

/** A signed-in browser's session cookie, through the login form (its pre-session token included). */
async function signedIn(token: string): Promise<string> {
  return (await signIn(token)).cookie;
}

async function page(path: string, token = "demo-viewer", cookie?: string): Promise<string> {
  const res = await exports.default.fetch(new Request(`${PAGES}${path}`, { headers: { cookie: cookie ?? (await signedIn(token)) } }));
  expect(res.status, path).toBe(200);
  return res.text();
}

/** The value attribute of the form's input `name`. */
const inputValue = (html: string, name: string) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];

/** The page's text, tags removed and white space folded. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ");

/**
 * The editor of `id` posted as the browser would, with every field as the page showed it, `changes`
 * typed over them, and the submit button `intent`.
 */
async function postEditor(id: number, changes: Record<string, string>, intent: string): Promise<string> {
  const cookie = await signedIn("demo-editor");
  const html = await page(`/experiments/${id}/edit`, "demo-editor", cookie);
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g))
    if (!/type="checkbox"/.test(m[0])) form.set(m[1] as string, m[2] as string);
  for (const m of html.matchAll(/<select name="([^"]+)"[^>]*>(.*?)<\/select>/gs))
    form.set(m[1] as string, /<option value="([^"]*)" selected/.exec(m[2] as string)?.[1] ?? "");
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) form.set(m[1] as string, m[2] as string);
  for (const [k, v] of Object.entries(changes)) form.set(k, v);
  form.set("intent", intent);
  const res = await exports.default.fetch(
    new Request(`${PAGES}/experiments/${id}/edit`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: "http://localhost:8787" },
      body: form.toString(),
    }),
  );
  expect(res.status).toBe(200);
  return res.text();
}

describe("the dashboard page", () => {
  it("explains a sample-ratio mismatch, says the automation waits for it, and shows the plan's progress", async () => {
    const { id } = await created({
      post_test: { ...DEFAULT_POST_TEST, on_inconclusive: "complete" },
      min_sample_threshold: 100,
      min_runtime_days: 0,
      planned_sample_per_variant: 10_000,
    });
    await api("POST", `/experiments/${id}/start`);
    await report(id, snapshot({ a: 2000, b: 2600 }, { a: 200, b: 262 }));
    const html = await page(`/experiments/${id}`);
    expect(html).toContain("What a sample-ratio mismatch means");
    expect(html).toMatch(/do not follow the traffic split/);
    expect(html).toMatch(/Likely causes:<\/p><ul>(<li>[^<]+<\/li>){3,}/);
    expect(html).toMatch(/reset the sample/);
    expect(text(html)).toMatch(/Automated post-test actions wait for: a sample without a sample-ratio mismatch/);
    expect(text(html)).toMatch(/Plan: [\d,]+ of 10,000 visitors in the smallest running variant \(\d+%\)/);
    expect(text(html)).toMatch(/Analysis as of look 1 /);
  });

  it("says the automation waits for the minimum runtime, and shows no mismatch box for a correct split", async () => {
    const { id } = await created({ min_sample_threshold: 100, min_runtime_days: 7 });
    await api("POST", `/experiments/${id}/start`);
    await report(id, snapshot({ a: 3000, b: 3000 }, { a: 300, b: 420 }));
    const html = await page(`/experiments/${id}`);
    expect(text(html)).toMatch(/Automated post-test actions wait for: the minimum runtime \(until [^)]+\)/);
    expect(html).not.toContain("What a sample-ratio mismatch means");
    expect(html).not.toContain("plan-progress");
  });

  it("marks a stopped loser: its visitors get the control's page, uncounted", async () => {
    const n = `${Math.random()}`.slice(2, 10);
    const { id } = await created({
      variants: [
        { slug: "a", label: "A", traffic_share: 34 },
        { slug: "b", label: "B", page: `/pl-${n}-b`, traffic_share: 33 },
        { slug: "c", label: "C", page: `/pl-${n}-c`, traffic_share: 33 },
      ],
      min_sample_threshold: 1000,
      min_runtime_days: 0,
      post_test: { ...DEFAULT_POST_TEST, on_loser: "send_to_control" },
    });
    await api("POST", `/experiments/${id}/start`);
    await report(id, snapshot({ a: 3000, b: 2950, c: 2950 }, { a: 300, b: 300, c: 170 }));
    const html = await page(`/experiments/${id}`);
    const row = html.split("<tr>").find((r) => r.startsWith(`<th scope="row">c<`)) ?? "";
    expect(row).toMatch(/Stopped \(a clear loser\)/);
    expect(row).toMatch(/its visitors get the control&#39;s page|its visitors get the control's page/);
    const other = html.split("<tr>").find((r) => r.startsWith(`<th scope="row">b<`)) ?? "";
    expect(other).not.toMatch(/Stopped/);
  });
});

describe("the editor page", () => {
  it("shows the automation's fields and a plan form", async () => {
    const { id } = await created({ min_runtime_days: 3, planned_sample_per_variant: 5000 });
    const html = await page(`/experiments/${id}/edit`, "demo-editor");
    expect(inputValue(html, "min_runtime_days")).toBe("3");
    expect(inputValue(html, "planned_sample_per_variant")).toBe("5000");
    expect(html).toMatch(
      /<select name="on_loser"[^>]*><option value="keep" selected>Keep it running<\/option><option value="send_to_control">/,
    );
    expect(html).toMatch(/<fieldset class="plan">/);
    expect(html).toContain(`name="intent" value="plan"`);
    expect(html).not.toContain("plan-advice");
  });

  it("offers the plan from the experiment's numbers, fills in the planned sample and the gate, and keeps what was typed", async () => {
    const { id } = await created({ min_sample_threshold: 100 });
    const html = await postEditor(id, { plan_baseline: "10", plan_lift: "10", plan_power: "80", notes: "typed, not saved" }, "plan");
    // Two variants, 10% baseline, a 10% lift at 80% power: the sequential sample `sgen-ab plan` gives.
    expect(html).toMatch(/<div class="plan-advice"[^>]*><p>[^<]*26,582/);
    expect(inputValue(html, "planned_sample_per_variant")).toBe("26582");
    expect(inputValue(html, "min_sample_threshold")).toBe("26582");
    expect(inputValue(html, "plan_lift")).toBe("10");
    expect(html).toContain(">typed, not saved</textarea>");
    // Nothing was saved: the plan is a suggestion until the operator saves.
    expect((await api("GET", `/experiments/${id}`)).json).toMatchObject({ min_sample_threshold: 100, planned_sample_per_variant: null });
  });

  it("says why there is no plan when the numbers are not usable, beside the field", async () => {
    const { id } = await created();
    const html = await postEditor(id, { plan_baseline: "", plan_lift: "10", plan_power: "80" }, "plan");
    expect(html).toMatch(/id="f-plan-baseline-error">Give the baseline rate: the control has no conversions yet/);
    expect(html).not.toContain("plan-advice");
    const bad = await postEditor(id, { plan_baseline: "10", plan_lift: "10", plan_power: "180" }, "plan");
    expect(bad).toMatch(/id="f-plan-power-error">Power is a percentage above 0 and below 100/);
  });
});
