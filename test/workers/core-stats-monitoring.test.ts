// Continuous monitoring in the regime where the previous release's test broke, small and seeded so it
// runs in seconds: A/A runs at a 1e-4 base rate with a 99/1 split, checked 300 to 550 times each. The
// always-valid test must stay below alpha; the same runs make the pooled normal mSPRT it replaced
// over-reject, which is what shows this test can catch a regression to it. The full tables:
// `npm run simulate:stats`.
import { describe, expect, it } from "vitest";
import { reseed } from "../../bench/stats/random.ts";
import { ALPHA, monitoredRun } from "../../bench/stats/runs.ts";
import { PlanInput, plan } from "../../src/core/stats/plan.ts";

describe("A/A under continuous monitoring, rare conversions, 99/1", () => {
  it("stays within alpha where the pooled normal mSPRT does not", () => {
    reseed(20_240_101);
    const rate = 1e-4;
    const rho = 0.01;
    const p = plan(PlanInput.parse({ baseline_rate: rate, relative_mde: 0.3 }));
    const horizon = Math.ceil(p.sequential_per_variant / (2 * rho * (1 - rho)));
    const runs = 300;
    let alwaysValid = 0;
    let previous = 0;
    let bandMissed = 0;
    for (let r = 0; r < runs; r++) {
      const x = monitoredRun(rate, rate, rho, p.sequential_per_variant, horizon, horizon);
      alwaysValid += +x.alwaysValid;
      previous += +x.previous;
      bandMissed += +x.csMiss;
    }
    expect(alwaysValid / runs).toBeLessThanOrEqual(ALPHA * 0.8);
    expect(bandMissed / runs).toBeLessThanOrEqual(ALPHA * 0.8);
    expect(previous / runs).toBeGreaterThan(ALPHA);
  });
});
