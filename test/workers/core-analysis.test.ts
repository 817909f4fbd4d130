// The analysis of one look against reference values computed outside this project (SciPy, statsmodels
// and mpmath: test/fixtures/make-analysis-fixtures.py), and the rules of docs/analysis.md that the
// reference cannot show: nulls, losers, the running state from look to look.
import { describe, expect, it } from "vitest";
import { AnalysisInput, analyze, analyzeLook, holmRejects } from "../../src/core/stats/analysis.ts";
import fixtures from "../fixtures/analysis-reference.json";

const close = (actual: number | null | undefined, expected: number | null, what: string, rel = 1e-9, abs = 1e-12) => {
  if (expected === null) return expect(actual ?? null, what).toBeNull();
  expect(actual, what).not.toBeNull();
  expect(actual, what).not.toBeUndefined();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    Math.max(abs, rel * Math.abs(expected)),
  );
};

const input = (variants: Array<[string, number, number, number]>, extra: Record<string, unknown> = {}) =>
  AnalysisInput.parse({
    variants: variants.map(([slug, sample, conversions, traffic_share]) => ({ slug, sample, conversions, traffic_share })),
    ...extra,
  });

describe("one look against SciPy, statsmodels and mpmath", () => {
  fixtures.cases.forEach((c, k) => {
    it(`case ${k}: ${c.input.variants.map((v) => `${v.conversions}/${v.sample}`).join(" vs ")}`, () => {
      const a = analyze(AnalysisInput.parse(c.input));
      c.expected.variants.forEach((e, i) => {
        const v = a.variants[i];
        expect(v?.slug).toBe(e.slug);
        close(v?.conversion_rate, e.conversion_rate, "rate");
        close(v?.ci_low, e.ci_low, "wilson low");
        close(v?.ci_high, e.ci_high, "wilson high");
      });
      expect(a.comparisons).toHaveLength(c.expected.comparisons.length);
      c.expected.comparisons.forEach((e, i) => {
        const m = a.comparisons[i];
        if (m === undefined) throw new Error("missing comparison");
        expect(m.variant).toBe(e.variant);
        close(m.absolute_diff, e.absolute_diff, "diff", 1e-9, 1e-15);
        close(m.absolute_ci_low, e.absolute_ci_low, "interval low", 1e-9, 1e-14);
        close(m.absolute_ci_high, e.absolute_ci_high, "interval high", 1e-9, 1e-14);
        close(m.relative_lift, e.relative_lift, "lift", 1e-9, 1e-14);
        close(m.relative_ci_low, e.relative_ci_low, "lift low", 1e-9, 1e-14);
        close(m.relative_ci_high, e.relative_ci_high, "lift high", 1e-9, 1e-14);
        close(m.p_value, e.p_value, "fixed-horizon p", 1e-8, 1e-15);
        close(m.always_valid_p_value, e.always_valid_p_value, "always-valid p", 1e-8, 1e-15);
        close(m.absolute_cs_low, e.absolute_cs_low, "band low", 1e-9, 1e-14);
        close(m.absolute_cs_high, e.absolute_cs_high, "band high", 1e-9, 1e-14);
        close(m.chance_to_beat_control, e.chance_to_beat_control, "chance to beat", 0, 1e-10);
        close(m.expected_loss, e.expected_loss, "expected loss", 1e-7, 1e-12);
      });
      close(a.srm.p_value, c.expected.srm.p_value, "srm chi-square p", 1e-9, 1e-15);
      close(a.srm.sequential_p_value, c.expected.srm.sequential_p_value, "srm sequential p", 1e-6, 1e-15);
      expect(a.srm.mismatch).toBe(c.expected.srm.mismatch);
      expect(a.outcome).toEqual(c.expected.outcome);
      expect(
        holmRejects(
          a.comparisons.map((x) => x.always_valid_p_value),
          c.input.alpha,
        ),
      ).toEqual(c.expected.holm_rejected);
    });
  });
});

describe("the cases the audit found", () => {
  it("990,000/1 at share 99 against 10,000/1 at share 1 is no evidence for the small arm", () => {
    const a = analyze(
      input([
        ["a", 990_000, 1, 99],
        ["b", 10_000, 1, 1],
      ]),
    );
    expect(a.comparisons[0]?.always_valid_p_value).toBeGreaterThan(0.9);
    expect(a.comparisons[0]?.p_value).toBeCloseTo(0.0199, 4); // Fisher's exact test on the same look
    expect(a.outcome).toEqual({ state: "inconclusive", winner: null, losers: [] });
  });

  it("0/10 against 10/10 is Fisher's 1.1e-5 with Newcombe's [0.61, 1], not p = 1", () => {
    const c = analyze(
      input([
        ["a", 10, 0, 50],
        ["b", 10, 10, 50],
      ]),
    ).comparisons[0];
    expect(c?.p_value).toBeCloseTo(1.0825e-5, 8);
    expect(c?.absolute_ci_low).toBeCloseTo(0.6075, 4);
    expect(c?.absolute_ci_high).toBe(1);
  });

  it("an empty control gives nulls and neither a winner nor a loser, and a mismatch", () => {
    const a = analyze(
      input([
        ["a", 0, 0, 50],
        ["b", 100, 50, 50],
      ]),
    );
    expect(a.variants[0]).toMatchObject({ conversion_rate: null, ci_low: null, ci_high: null });
    expect(Object.values(a.comparisons[0] ?? {}).filter((v) => v !== null)).toEqual(["b"]);
    expect(a.outcome).toEqual({ state: "inconclusive", winner: null, losers: [] });
    expect(a.srm.mismatch).toBe(true);
  });

  it("an empty variant can neither win nor lose, so the control cannot win over it", () => {
    const a = analyze(
      input([
        ["a", 50_000, 6_000, 34],
        ["b", 0, 0, 33],
        ["c", 50_000, 4_000, 33],
      ]),
    );
    expect(a.comparisons[0]?.always_valid_p_value).toBeNull();
    expect(a.outcome).toEqual({ state: "inconclusive", winner: null, losers: ["c"] });
  });
});

describe("the outcome", () => {
  it("names the losers beside the winner", () => {
    const a = analyze(
      input([
        ["a", 60_000, 6_000, 34],
        ["b", 60_000, 6_900, 33],
        ["c", 60_000, 5_100, 33],
      ]),
    );
    expect(a.outcome).toEqual({ state: "winner", winner: "b", losers: ["c"] });
  });

  it("the control wins when every other variant is a loser", () => {
    const a = analyze(
      input([
        ["a", 50_000, 6_000, 50],
        ["b", 50_000, 4_000, 50],
      ]),
    );
    expect(a.outcome).toEqual({ state: "winner", winner: "a", losers: ["b"] });
  });

  it("the best of several significant winners wins", () => {
    const a = analyze(
      input([
        ["a", 60_000, 6_000, 34],
        ["b", 60_000, 7_000, 33],
        ["c", 60_000, 7_400, 33],
      ]),
    );
    expect(a.outcome).toEqual({ state: "winner", winner: "c", losers: [] });
  });

  it("Holm rejects step-down and never a null p-value", () => {
    expect(holmRejects([0.01, 0.04, 0.03], 0.05)).toEqual([true, false, false]);
    expect(holmRejects([0.01, 0.02, 0.03], 0.05)).toEqual([true, true, true]);
    expect(holmRejects([null, 0.001], 0.05)).toEqual([false, true]);
  });
});

describe("the running state, look by look", () => {
  const looks: Array<[number, number, number, number]> = [
    [2_000, 200, 2_000, 230],
    [10_000, 1_000, 10_000, 1_080],
    [20_000, 2_000, 20_000, 2_250],
    [20_500, 2_010, 20_500, 2_260],
  ];
  it("keeps the always-valid p-value at its running minimum and matches the reference run", () => {
    const run = fixtures.runs[1] as (typeof fixtures.runs)[number];
    let state: ReturnType<typeof analyzeLook>["state"] | undefined;
    run.looks.forEach(([xc, nc, xv, nv], i) => {
      const step = analyzeLook(
        input(
          [
            ["a", nc as number, xc as number, 50],
            ["b", nv as number, xv as number, 50],
          ],
          { alpha: run.alpha, planned_sample_per_variant: run.planned },
        ),
        state === undefined ? {} : { previous: state },
      );
      close(step.analysis.comparisons[0]?.always_valid_p_value, run.p_values[i] as number, `look ${i}`, 1e-8);
      state = step.state;
    });
  });

  it("never rises again, and the state survives JSON", () => {
    let previous: ReturnType<typeof analyzeLook>["state"] | undefined;
    let last = 1;
    for (const [nc, xc, nv, xv] of looks) {
      const step = analyzeLook(
        input([
          ["a", nc, xc, 50],
          ["b", nv, xv, 50],
        ]),
        previous === undefined ? {} : { previous },
      );
      const p = step.analysis.comparisons[0]?.always_valid_p_value as number;
      expect(p).toBeLessThanOrEqual(last);
      last = p;
      previous = JSON.parse(JSON.stringify(step.state));
    }
    expect(last).toBeLessThan(1);
  });

  it("a sample-ratio mismatch seen once stays", () => {
    const first = analyzeLook(
      input([
        ["a", 52_000, 0, 50],
        ["b", 48_000, 0, 50],
      ]),
    );
    expect(first.analysis.srm.mismatch).toBe(true);
    const later = analyzeLook(
      input([
        ["a", 52_000, 0, 50],
        ["b", 52_000, 0, 50],
      ]),
      { previous: first.state },
    );
    expect(later.analysis.srm.p_value).toBe(1);
    expect(later.analysis.srm.mismatch).toBe(true);
  });

  it("a stored running minimum from before this release still applies, and a stored null is ignored", () => {
    const i = input([
      ["a", 100, 10, 50],
      ["b", 100, 10, 50],
    ]);
    expect(analyze(i, { previousAlwaysValid: { b: 0.2 } }).comparisons[0]?.always_valid_p_value).toBe(0.2);
    const stored = JSON.parse('{"b":null}') as Record<string, number>;
    expect(analyze(i, { previousAlwaysValid: stored }).comparisons[0]?.always_valid_p_value).toBe(1);
  });
});

describe("input", () => {
  it("refuses conversions above the sample and duplicate slugs", () => {
    const bad = (variants: unknown) => AnalysisInput.safeParse({ variants }).success;
    expect(
      bad([
        { slug: "a", sample: 1, conversions: 2, traffic_share: 50 },
        { slug: "b", sample: 1, conversions: 0, traffic_share: 50 },
      ]),
    ).toBe(false);
    expect(
      bad([
        { slug: "a", sample: 1, conversions: 0, traffic_share: 50 },
        { slug: "a", sample: 1, conversions: 0, traffic_share: 50 },
      ]),
    ).toBe(false);
  });
  it("takes planned_sample_per_variant as a positive whole number", () => {
    const v = [
      { slug: "a", sample: 1, conversions: 0, traffic_share: 50 },
      { slug: "b", sample: 1, conversions: 0, traffic_share: 50 },
    ];
    expect(AnalysisInput.safeParse({ variants: v, planned_sample_per_variant: 1000 }).success).toBe(true);
    expect(AnalysisInput.safeParse({ variants: v, planned_sample_per_variant: 0 }).success).toBe(false);
    expect(AnalysisInput.safeParse({ variants: v, planned_sample_per_variant: 10.5 }).success).toBe(false);
  });
});
