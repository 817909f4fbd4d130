// A reset (a live edit of variants or shares, confirmed) starts a new epoch: no kept look, no
// mismatch, no stopped variant, and the minimum runtime counted again from the reset. The looks of the
// new epoch continue nothing of the old one.
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_POST_TEST } from "../../src/core/schema.ts";
import { api, created } from "./admin-helpers.ts";
import { clockAhead, DAY_MS, dashboard, entries, record, report, snapshot } from "./catalog-helpers.ts";

afterEach(() => clockAhead(0));

describe("a reset", () => {
  it("starts a fresh running state, clears the mismatch and the stopped variants, and restarts the runtime", async () => {
    const { id, input } = await created({
      variants: [
        { slug: "a", label: "A", traffic_share: 34 },
        { slug: "b", label: "B", page: "/reset-b", traffic_share: 33 },
        { slug: "c", label: "C", page: "/reset-c", traffic_share: 33 },
      ],
      post_test: { ...DEFAULT_POST_TEST, on_loser: "send_to_control" },
      min_sample_threshold: 1000,
      min_runtime_days: 0,
    });
    await api("POST", `/experiments/${id}/start`);
    // A clear loser, stopped; then a look with a broken split among the running arms.
    await report(id, snapshot({ a: 3000, b: 2950, c: 2950 }, { a: 300, b: 300, c: 170 }));
    await report(id, snapshot({ a: 9000, b: 5000, c: 2950 }, { a: 900, b: 500, c: 170 }));
    const before = await dashboard(id);
    expect(before.look.number).toBe(2);
    expect(before.srm.mismatch).toBe(true);
    expect((await record(id)).stopped_variants.map((s: { slug: string }) => s.slug)).toEqual(["c"]);

    // Later, an edit of the shares, with the reset confirmed; a minimum runtime of 3 days from now on.
    await clockAhead(10);
    const edited = await api("PUT", `/experiments/${id}?confirm=reset`, {
      ...input,
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: "/reset-b", traffic_share: 25 },
        { slug: "c", label: "C", page: "/reset-c", traffic_share: 25 },
      ],
      min_runtime_days: 3,
    });
    expect(edited.status).toBe(200);
    expect(edited.json.stopped_variants).toEqual([]);
    const [entry] = await entries(id);
    expect(entry.action).toBe("edit_reset");
    expect(entry.changes.stopped_variants.to).toEqual([]);

    const fresh = await dashboard(id);
    expect(fresh.epoch).toBe(before.epoch + 1);
    expect(fresh.look).toMatchObject({ number: 1, source: "first_look", visitors: 0 });
    expect(fresh.srm).toMatchObject({ mismatch: false, blocked_at: null });
    expect(Date.parse(fresh.automation.from)).toBeGreaterThan(Date.now() + 12 * DAY_MS);

    // The first report of the new epoch is its first look: nothing of the old state is continued.
    await report(id, snapshot({ a: 1000, b: 500, c: 500 }, { a: 100, b: 50, c: 50 }, fresh.epoch));
    const first = await dashboard(id);
    expect(first.look).toMatchObject({ number: 1, source: "latest", visitors: 2000 });
    expect(first.analysis.srm.mismatch).toBe(false);
    expect(first.analysis.comparisons.map((c: { variant: string; always_valid_p_value: number }) => c.always_valid_p_value)).toEqual([
      1, 1,
    ]);
    // An old epoch's report arriving late changes nothing.
    await report(id, snapshot({ a: 9000, b: 5000, c: 2950 }, { a: 900, b: 500, c: 170 }, before.epoch));
    expect((await dashboard(id)).look.number).toBe(1);
  });
});
