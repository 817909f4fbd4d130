// What the operators' pages show of the automation's guards and of the plan, rendered by the real pages
// app over a real catalog: the dashboard explains a sample-ratio mismatch, says what the automated
// actions wait for, shows the plan's progress and a stopped variant; the editor offers the plan from the
// experiment's own numbers and fills in the planned sample and the gate's threshold for saving.
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_POST_TEST } from "../../src/core/schema.ts";
import { api, created } from "./admin-helpers.ts";
import { clockAhead, report, snapshot } from "./catalog-helpers.ts";

afterEach(() => clockAhead(0));

const PAGES = "http://localhost:8787/sg-admin";

async function signedIn(token: string): Promise<string> {
  const login = await exports.default.fetch(
    new Request(`${PAGES}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${token}`,
      redirect: "manual",
    }),
  );
  return (login.headers.getSetCookie().find((c) => c.startsWith("sgen-admin-session=")) ?? "").split(";")[0] as string;
}

async function page(path: string, token = "demo-viewer"): Promise<string> {
  const res = await exports.default.fetch(new Request(`${PAGES}${path}`, { headers: { cookie: await signedIn(token) } }));
  expect(res.status, path).toBe(200);
  return res.text();
}

/** The value attribute of the form's input `name`. */
const inputValue = (html: string, name: string) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];

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
    expect(html).toMatch(/Automated post-test actions wait for: a sample without a mismatch/);
    expect(html).toMatch(/Plan: [\d,]+ of 10,000 visitors in the smallest running variant \(\d+%\)/);
    expect(html).toMatch(/Analysis as of look 1 /);
  });

  it("says the automation waits for the minimum runtime, and shows no mismatch box for a correct split", async () => {
    const { id } = await created({ min_sample_threshold: 100, min_runtime_days: 7 });
    await api("POST", `/experiments/${id}/start`);
    await report(id, snapshot({ a: 3000, b: 3000 }, { a: 300, b: 420 }));
    const html = await page(`/experiments/${id}`);
    expect(html).toMatch(/Automated post-test actions wait for: the minimum runtime \(until [^)]+\)/);
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
    const row = html.split("<tr>").find((r) => r.startsWith("<td>c<")) ?? "";
    expect(row).toMatch(/stopped \(loser\)/);
    expect(row).toMatch(/its visitors get the control&#39;s page|its visitors get the control's page/);
    const other = html.split("<tr>").find((r) => r.startsWith("<td>b<")) ?? "";
    expect(other).not.toMatch(/stopped/);
  });
});

describe("the editor page", () => {
  it("shows the automation's fields and a plan form", async () => {
    const { id } = await created({ min_runtime_days: 3, planned_sample_per_variant: 5000 });
    const html = await page(`/experiments/${id}/edit`, "demo-editor");
    expect(inputValue(html, "min_runtime_days")).toBe("3");
    expect(inputValue(html, "planned_sample_per_variant")).toBe("5000");
    expect(html).toMatch(/<select name="on_loser"><option value="keep" selected>keep<\/option><option value="send_to_control">/);
    expect(html).toContain(`action="/sg-admin/experiments/${id}/edit" class="card plan"`);
    expect(html).not.toContain("plan-advice");
  });

  it("offers the plan from the experiment's numbers and fills in the planned sample and the gate", async () => {
    const { id } = await created({ min_sample_threshold: 100 });
    const html = await page(`/experiments/${id}/edit?plan_baseline=0.1&plan_mde=0.1&plan_power=0.8`, "demo-editor");
    // Two variants, 10% baseline, a 10% lift at 80% power: the sequential sample `sgen-ab plan` gives.
    expect(html).toMatch(/<p class="plan-advice">[^<]*26,582/);
    expect(inputValue(html, "planned_sample_per_variant")).toBe("26582");
    expect(inputValue(html, "min_sample_threshold")).toBe("26582");
    expect(inputValue(html, "plan_mde")).toBe("0.1");
  });

  it("says why there is no plan when the numbers are not usable", async () => {
    const { id } = await created();
    const html = await page(`/experiments/${id}/edit?plan_baseline=&plan_mde=0.1&plan_power=0.8`, "demo-editor");
    expect(html).toMatch(/<p class="error">[^<]*baseline_rate: required until the control has conversions/);
    expect(html).not.toContain("plan-advice");
  });
});
