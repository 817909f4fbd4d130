// GET /experiments/:id/plan: the plan from the experiment's own numbers (its variants, the control's
// rate unless a baseline is given) and, from the traffic counted since the sample started, about how
// many days it takes; planned_sample_per_variant on the record tunes the analysis and shows on the
// dashboard with the gate's suggested threshold.
import { afterEach, describe, expect, it } from "vitest";
import { PlanInput, plan } from "../../src/core/stats/plan.ts";
import { api, created } from "./admin-helpers.ts";
import { clockAhead, dashboard, ingest, report, snapshot } from "./catalog-helpers.ts";

afterEach(() => clockAhead(0));

describe("the plan endpoint", () => {
  it("gives the same sample as sgen-ab plan, and no days before there is traffic", async () => {
    const { id } = await created();
    const r = await api("GET", `/experiments/${id}/plan?baseline_rate=0.1&relative_mde=0.1`, undefined, "demo-viewer");
    expect(r.status).toBe(200);
    expect(r.json.plan).toEqual(plan(PlanInput.parse({ baseline_rate: 0.1, relative_mde: 0.1 })));
    expect(r.json.plan).toEqual({ fixed_horizon_per_variant: 14_749, sequential_per_variant: 26_582 });
    expect(r.json.suggested).toEqual({ planned_sample_per_variant: 26_582, min_sample_threshold: 26_582 });
    expect(r.json).toMatchObject({ baseline_from: "query", traffic: null, estimate: null });
    expect(r.json.message).toMatch(/26,582 visitors a variant/);
    expect(r.json.message).toMatch(/no traffic yet/);
  });

  it("plans for the experiment's number of variants", async () => {
    const { id } = await created({
      variants: [
        { slug: "a", label: "A", traffic_share: 34 },
        { slug: "b", label: "B", page: "/plan-b", traffic_share: 33 },
        { slug: "c", label: "C", page: "/plan-c", traffic_share: 33 },
      ],
    });
    const r = await api("GET", `/experiments/${id}/plan?baseline_rate=0.1&relative_mde=0.1&power=0.9`);
    expect(r.json.input).toMatchObject({ variants: 3, power: 0.9, alpha: 0.05 });
    expect(r.json.plan).toEqual(plan(PlanInput.parse({ baseline_rate: 0.1, relative_mde: 0.1, power: 0.9, variants: 3 })));
  });

  it("at the traffic counted so far: visitors a variant and about how many days", async () => {
    const { id } = await created({ min_sample_threshold: 100 });
    await api("POST", `/experiments/${id}/start`);
    // Two days after the start, 4,000 visitors counted: 2,000 a day, 1,000 a variant a day.
    await ingest(id, { a: { visitors: 2000, converting: 200 }, b: { visitors: 2000, converting: 210 } }, `plan-${id}`);
    await clockAhead(2);
    const r = await api("GET", `/experiments/${id}/plan?relative_mde=0.1`);
    expect(r.status).toBe(200);
    // The baseline is the control's rate so far (200 / 2,000), as the message says.
    expect(r.json).toMatchObject({ baseline_from: "control", input: { baseline_rate: 0.1 } });
    expect(r.json.traffic.visitors_per_day).toBeCloseTo(2000, 0);
    expect(r.json.estimate).toEqual({ visitors_per_variant: 26_582, days: 27, days_left: 25 });
    expect(r.json.message).toMatch(
      /At your current traffic \(about 2,000 visitors a day\) this needs 26,582 visitors a variant, about 27 days/,
    );
  });

  it("answers bad parameters with their paths, and a missing baseline before the control has conversions", async () => {
    const { id } = await created();
    const bad = await api("GET", `/experiments/${id}/plan?baseline_rate=2&relative_mde=0.1`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues.map((i: { path: string }) => i.path)).toContain("baseline_rate");
    const noMde = await api("GET", `/experiments/${id}/plan?baseline_rate=0.1`);
    expect(noMde.json.error.issues.map((i: { path: string }) => i.path)).toEqual(["relative_mde"]);
    const noBaseline = await api("GET", `/experiments/${id}/plan?relative_mde=0.1`);
    expect(noBaseline.status).toBe(422);
    expect(noBaseline.json.error.issues[0].path).toBe("baseline_rate");
    expect((await api("GET", "/experiments/999999999/plan?baseline_rate=0.1&relative_mde=0.1")).status).toBe(404);
  });
});

describe("planned_sample_per_variant", () => {
  it("tunes the always-valid test and shows its progress and the suggested gate on the dashboard", async () => {
    const counts = snapshot({ a: 5000, b: 5000 }, { a: 500, b: 560 });
    const plain = await created({ min_sample_threshold: 100 });
    const planned = await created({ min_sample_threshold: 100, planned_sample_per_variant: 26_582 });
    for (const { id } of [plain, planned]) {
      await api("POST", `/experiments/${id}/start`);
      await report(id, counts);
    }
    const a = await dashboard(plain.id);
    const b = await dashboard(planned.id);
    expect(a.plan).toBeNull();
    expect(b.plan).toEqual({ planned_sample_per_variant: 26_582, smallest_sample: 5000, progress: 5000 / 26_582 });
    expect(b.gate.suggested_min_sample_threshold).toBe(26_582);
    // Another tuning, another (equally valid) p-value: the plan reached the analysis.
    expect(b.analysis.comparisons[0].always_valid_p_value).not.toBe(a.analysis.comparisons[0].always_valid_p_value);
    expect(b.analysis.comparisons[0].absolute_cs_low).not.toBe(a.analysis.comparisons[0].absolute_cs_low);
  });
});
