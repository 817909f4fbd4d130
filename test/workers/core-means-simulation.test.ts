// A fast, seeded version of `npm run simulate:means`: continuous monitoring of a heavy-tailed revenue
// metric. It fails if the always-valid test over-rejects in an A/A test, or if the confidence sequence
// loses coverage where the validity rule is what keeps it (docs/metrics.md has the full table).
import { describe, expect, it } from "vitest";
import { type Scenario, simulate } from "../../bench/means-sim.ts";
import { MIN_EFFECTIVE_VALUES } from "../../src/core/stats/mean-sequential.ts";

const revenue: Scenario = {
  split: [0.5, 0.5],
  purchaseRate: 0.03,
  lift: 0,
  meanAmount: 50,
  logSd: 1.5,
  cap: null,
  horizon: 60_000,
  plannedSamplePerVariant: 2_000,
  alpha: 0.05,
  minEffective: MIN_EFFECTIVE_VALUES,
};
const RUNS = 300;

describe("always-valid test for a difference of means, monitored before and after every purchase", () => {
  it("keeps an A/A test's false positives at or below alpha at 50/50, where peeking at Welch's test does not", () => {
    const r = simulate(revenue, RUNS, 7);
    expect(r.naiveRejected / RUNS).toBeGreaterThan(0.3); // the simulation can see over-rejection
    expect(r.rejected / RUNS).toBeLessThanOrEqual(revenue.alpha);
  });

  it("keeps it at 90/10, where the mixture with Welch's variance alone does not", () => {
    const r = simulate({ ...revenue, split: [0.9, 0.1] }, RUNS, 7);
    expect(r.welchOnlyRejected / RUNS).toBeGreaterThan(revenue.alpha);
    expect(r.rejected / RUNS).toBeLessThanOrEqual(revenue.alpha);
  });

  it("keeps the true difference inside the confidence sequence under extreme skew, thanks to the validity rule", () => {
    const stress: Scenario = { ...revenue, logSd: 2.5, lift: 0.5, plannedSamplePerVariant: 100, horizon: 50_000 };
    const withRule = simulate(stress, 200, 8);
    const withoutRule = simulate({ ...stress, minEffective: 0 }, 200, 8);
    expect(withoutRule.missed / 200).toBeGreaterThan(0.2);
    expect(withRule.missed / 200).toBeLessThanOrEqual(revenue.alpha);
  });
});
