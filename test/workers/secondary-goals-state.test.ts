// Each goal keeps its own running state: a secondary goal's always-valid p-value on the dashboard is
// its running minimum across the epoch's looks, as the primary goal's is, never one look's value.
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/core/stats/analysis.ts";
import { api, created } from "./admin-helpers.ts";
import { dashboard, report, snapshot } from "./catalog-helpers.ts";

describe("secondary goals", () => {
  it("keep their own running state from look to look", async () => {
    const signup = { type: "custom", name: "signup" } as const;
    const { id } = await created({ secondary_goals: [signup], min_sample_threshold: 100_000 });
    await api("POST", `/experiments/${id}/start`);
    const goals = (a: number, b: number) => ({ "custom:signup": { a, b } });
    await report(id, snapshot({ a: 3000, b: 3000 }, { a: 300, b: 300 }, 0, goals(300, 420)));
    const first = (await dashboard(id)).secondary_goals[0].analysis;
    const firstP = first.comparisons[0].always_valid_p_value;
    expect(firstP).toBeLessThan(0.01);
    await report(id, snapshot({ a: 6000, b: 6000 }, { a: 600, b: 600 }, 0, goals(600, 640)));
    const second = (await dashboard(id)).secondary_goals[0].analysis;
    expect(second.comparisons[0].always_valid_p_value).toBe(firstP);
    expect(second.variants.map((v: { conversions: number }) => v.conversions)).toEqual([600, 640]);
    // One look at the second counts alone says something else.
    const single = analyze({
      variants: [
        { slug: "a", sample: 6000, conversions: 600, traffic_share: 50 },
        { slug: "b", sample: 6000, conversions: 640, traffic_share: 50 },
      ],
      alpha: 0.05,
    });
    expect(single.comparisons[0]?.always_valid_p_value).toBeGreaterThan(0.5);
    // The primary goal, which never differed, is unaffected.
    expect((await dashboard(id)).analysis.comparisons[0].always_valid_p_value).toBe(1);
  });
});
