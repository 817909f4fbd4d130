// A conclusion keeps the exact analysis that decided it: the look (with its running minima, its number
// and time) is frozen, and the dashboard, results.json/csv and the result archive show it, with the same
// p-values as the audit entry's evidence. The run below is built so that a recomputation could not pass:
// b looked clearly better at the first look, the second look's counts alone are inconclusive, and the
// automation waited for its minimum runtime before acting on the kept look.
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { analyze } from "../../src/core/stats/analysis.ts";
import { api, created } from "./admin-helpers.ts";
import { clockAhead, dashboard, entries, record, report, runCatalogAlarm, snapshot } from "./catalog-helpers.ts";
import { signIn } from "./pages-helpers.ts";

afterEach(() => clockAhead(0));

const first = snapshot({ a: 3000, b: 3000 }, { a: 300, b: 420 });
const second = snapshot({ a: 6000, b: 6000 }, { a: 600, b: 640 });

/** A signed-in browser's session cookie, through the login form (its pre-session token included). */
async function signedIn(): Promise<string> {
  return (await signIn("demo-viewer")).cookie;
}

describe("the conclusion snapshot", () => {
  it("is the look that decided, shown by the dashboard, the exports and the archive with the audit entry's p-values", async () => {
    const { id, input } = await created({ min_sample_threshold: 1000, min_runtime_days: 7 });
    await api("POST", `/experiments/${id}/start`);
    await report(id, first);
    await report(id, second);
    expect((await record(id)).lifecycle_state).toBe("live");
    // What a recomputation from the final counts would say:
    const single = analyze({
      variants: [
        { slug: "a", sample: 6000, conversions: 600, traffic_share: 50 },
        { slug: "b", sample: 6000, conversions: 640, traffic_share: 50 },
      ],
      alpha: 0.05,
    });
    expect(single.outcome.state).toBe("inconclusive");

    await clockAhead(7.5);
    await runCatalogAlarm();
    expect(await record(id)).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: "b" });
    const [entry] = await entries(id);
    expect(entry.action).toBe("post_test_action");
    const evidence = entry.changes.evidence;
    expect(evidence.look).toBe(2);
    const decidedP = evidence.comparisons[0].always_valid_p_value;
    expect(decidedP).toBeLessThan(0.05);
    expect(decidedP).not.toBe(single.comparisons[0]?.always_valid_p_value);

    // Counts that arrive after the conclusion change nothing of it.
    await report(id, snapshot({ a: 9000, b: 9000 }, { a: 900, b: 905 }));

    const d = await dashboard(id);
    expect(d.look).toMatchObject({ number: 2, source: "conclusion" });
    expect(d.analysis.outcome).toEqual({ state: "winner", winner: "b", losers: [] });
    expect(d.analysis.comparisons[0].always_valid_p_value).toBe(decidedP);
    expect(d.conclusion).toMatchObject({ source: "conclusion", look: { number: 2 } });
    expect(d.conclusion.state.comparisons.b.p_value).toBe(decidedP);
    expect(d.variants.map((v: { sample: number }) => v.sample)).toEqual([6000, 6000]);

    const json = (await api("GET", `/experiments/${id}/results.json`)).json;
    expect(json.analysis_at_conclusion.analysis.comparisons[0].always_valid_p_value).toBe(decidedP);
    expect(json.analysis_at_conclusion.look).toMatchObject({ number: 2, at: evidence.at });
    expect(json.analysis.outcome.winner).toBe("b");
    const csv = await exports.default.fetch(
      new Request(`http://localhost:8787/sg-admin/api/experiments/${id}/results.csv`, { headers: { authorization: "Bearer demo-viewer" } }),
    );
    const bRow = (await csv.text()).split("\r\n").find((l) => l.startsWith("total,,b,"));
    expect(bRow?.split(",")[8]).toBe(decidedP.toPrecision(6));
    expect(bRow?.split(",")[10]).toBe("winner");

    // The list (API) reads the same look.
    const listed = (await api("GET", "/experiments?state=done&per_page=100")).json.rows.find((r: { id: number }) => r.id === id);
    expect(listed.outcome).toEqual({ state: "winner", winner: "b", losers: [] });

    // The result archive (operators' pages) names b as the winner.
    const archive = await exports.default.fetch(
      new Request("http://localhost:8787/sg-admin/experiments/archive", { headers: { cookie: await signedIn() } }),
    );
    const html = await archive.text();
    const card = html.split("<article").find((r) => r.includes(input.slug)) ?? "";
    expect(card).toMatch(/Winner: b/);
    expect(card).toMatch(/Analysis as of look 2 \(.*, frozen at the conclusion\)/);
  });

  it("an operator's conclusion keeps the look taken at that moment, with its evidence in the audit entry", async () => {
    const { id } = await created({ min_sample_threshold: 10, min_runtime_days: 30 });
    await api("POST", `/experiments/${id}/start`);
    await report(id, first);
    const r = await api("POST", `/experiments/${id}/override`, { shipped_variant_slug: "a", reason: "shipping the control for now" });
    expect(r.status).toBe(200);
    const [entry] = await entries(id);
    expect(entry.action).toBe("override");
    const d = await dashboard(id);
    expect(d.conclusion.look.number).toBe(entry.changes.evidence.look);
    expect(d.analysis.comparisons[0].always_valid_p_value).toBe(entry.changes.evidence.comparisons[0].always_valid_p_value);
    // Here run-data itself is empty (the reports above were the test's own): the look is of the counts read at conclusion.
    expect(d.conclusion.look.visitors).toBe(0);
    expect(d.look.source).toBe("conclusion");
  });
});
