// The list's summary of each run (gate, outcome, leading variant, visitors still needed, days running)
// and the sorts on it, fed with run-data reports as the shards send them to the catalog.
import { describe, expect, it } from "vitest";
import { api, created } from "./admin-helpers.ts";
import { report as reportSnapshot, snapshot } from "./catalog-helpers.ts";
import { uniqueId } from "./helpers.ts";

/** One shard's report, as run-data sends it: samples and primary-goal conversions per variant. */
async function report(id: number, samples: Record<string, number>, conversions: Record<string, number>): Promise<void> {
  await reportSnapshot(id, snapshot(samples, conversions));
}

const ids = (r: { json: { rows: Array<{ id: number }> } }) => r.json.rows.map((row) => row.id);

describe("the list's summary of each run", () => {
  it("separates the minimum-sample gate from the outcome, and sorts on both, drafts last", async () => {
    const tag = `sum${uniqueId()}`;
    // A clear winner below the minimum sample: the gate is pending, the outcome is not.
    const winner = await created({
      name: `${tag} winner`,
      min_sample_threshold: 1000,
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: `/${tag}-b`, traffic_share: 25 },
        { slug: "c", label: "C", page: `/${tag}-c`, traffic_share: 25 },
      ],
    });
    // The gate reached with nothing to tell the variants apart (what "Significance: reached" used to hide).
    const even = await created({ name: `${tag} even`, min_sample_threshold: 100 });
    const draft = await created({ name: `${tag} draft` });
    for (const e of [winner, even]) expect((await api("POST", `/experiments/${e.id}/start`)).status).toBe(200);
    await report(winner.id, { a: 500, b: 250, c: 250 }, { a: 50, b: 80, c: 26 });
    await report(even.id, { a: 200, b: 200 }, { a: 20, b: 22 });

    const list = await api("GET", `/experiments?q=${tag}&sort=outcome&order=desc`);
    expect(list.status).toBe(200);
    expect(ids(list)).toEqual([winner.id, even.id, draft.id]);
    const [w, e, d] = list.json.rows;
    expect(w.summary).toMatchObject({
      gate: "pending",
      gate_progress: 0.25,
      // b has 250 of 1,000 at a 25% share: about 3,000 more visitors in all.
      needs_visitors: 3000,
      leading: { variant: "b", significant: true },
      outcome: { state: "winner", winner: "b" },
      days_running: 0,
    });
    expect(w.summary.leading.relative_lift).toBeCloseTo(2.2, 10);
    expect(e.summary).toMatchObject({ gate: "reached", needs_visitors: null, leading: { variant: "b", significant: false } });
    expect(e.summary.outcome.state).toBe("inconclusive");
    expect(e.summary.leading.relative_lift).toBeCloseTo(0.1, 10);
    expect(d.summary).toEqual({ gate: null, gate_progress: null, needs_visitors: null, leading: null, outcome: null, days_running: null });

    // Nulls (the draft) come last in either order.
    expect(ids(await api("GET", `/experiments?q=${tag}&sort=outcome&order=asc`))).toEqual([even.id, winner.id, draft.id]);
    expect(ids(await api("GET", `/experiments?q=${tag}&sort=gate&order=desc`))).toEqual([even.id, winner.id, draft.id]);
    expect(ids(await api("GET", `/experiments?q=${tag}&sort=gate&order=asc`))).toEqual([winner.id, even.id, draft.id]);
    expect(ids(await api("GET", `/experiments?q=${tag}&sort=variants&order=desc`))[0]).toBe(winner.id);
    expect(ids(await api("GET", `/experiments?q=${tag}&sort=days&order=asc`)).at(-1)).toBe(draft.id);
    expect(ids(await api("GET", `/experiments?q=${tag}&sort=days&order=desc`)).at(-1)).toBe(draft.id);
    // Paging a ranked sort pages the ranked order.
    const second = await api("GET", `/experiments?q=${tag}&sort=outcome&order=desc&per_page=1&page=2`);
    expect({ ids: ids(second), total: second.json.total }).toEqual({ ids: [even.id], total: 3 });
  });

  it("state=concluded lists done and archived together, sortable by conclusion", async () => {
    const tag = `arc${uniqueId()}`;
    const first = await created({ name: `${tag} first` });
    const second = await created({ name: `${tag} second` });
    const running = await created({ name: `${tag} running` });
    for (const e of [first, second, running]) await api("POST", `/experiments/${e.id}/start`);
    await api("POST", `/experiments/${first.id}/override`, { shipped_variant_slug: "b", reason: "first" });
    await api("POST", `/experiments/${second.id}/override`, { shipped_variant_slug: "a", reason: "second" });
    await api("POST", `/experiments/${first.id}/archive`);
    const r = await api("GET", `/experiments?q=${tag}&state=concluded&sort=concluded&order=desc`);
    expect(ids(r)).toEqual([second.id, first.id]);
    expect(r.json.rows.map((x: { lifecycle_state: string }) => x.lifecycle_state)).toEqual(["done", "archived"]);
    expect(r.json.rows[0].summary.gate).toBe("override");
  });
});
