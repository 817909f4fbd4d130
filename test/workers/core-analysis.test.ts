// The analysis against reference values computed outside this project (SciPy and statsmodels, see
// test/fixtures/make-analysis-fixtures.py), and the properties the contract states.
import { describe, expect, it } from "vitest";
import { AnalysisInput, analyze, holmRejects, msprtPValue } from "../../src/core/stats/analysis.ts";
import { chiSquareUpperTail, normalQuantile } from "../../src/core/stats/distributions.ts";
import fixtures from "../fixtures/analysis-scipy.json";

const close = (actual: number | null, expected: number | null, what: string, rel = 1e-9, abs = 1e-12) => {
  if (expected === null) return expect(actual, what).toBeNull();
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    Math.max(abs, rel * Math.abs(expected)),
  );
};

describe("special functions against SciPy", () => {
  it("normal quantiles", () => {
    for (const [p, q] of Object.entries(fixtures.normal_quantiles)) close(normalQuantile(Number(p)), q, `ppf(${p})`, 1e-12, 1e-14);
  });
  it("chi-square upper tails", () => {
    for (const c of fixtures.chi2_upper_tails) close(chiSquareUpperTail(c.x, c.df), c.p, `chi2.sf(${c.x}, ${c.df})`, 1e-10);
  });
});

describe("analysis against SciPy and statsmodels", () => {
  fixtures.cases.forEach((c, k) => {
    it(`case ${k}: ${c.input.variants.map((v) => `${v.conversions}/${v.sample}`).join(" vs ")}`, () => {
      const a = analyze(AnalysisInput.parse(c.input));
      c.expected.variants.forEach((e, i) => {
        const v = a.variants[i];
        expect(v?.slug).toBe(e.slug);
        close(v?.conversion_rate ?? null, e.conversion_rate, "rate");
        close(v?.ci_low ?? null, e.ci_low, "wilson low");
        close(v?.ci_high ?? null, e.ci_high, "wilson high");
      });
      c.expected.comparisons.forEach((e, i) => {
        const m = a.comparisons[i];
        if (m === undefined) throw new Error("missing comparison");
        expect(m.variant).toBe(e.variant);
        close(m.absolute_diff, e.absolute_diff, "diff", 1e-9, 1e-15);
        close(m.absolute_ci_low, e.absolute_ci_low, "wald low", 1e-9, 1e-15);
        close(m.absolute_ci_high, e.absolute_ci_high, "wald high", 1e-9, 1e-15);
        close(m.relative_lift, e.relative_lift, "lift", 1e-9, 1e-14);
        close(m.relative_ci_low, e.relative_ci_low, "lift low", 1e-9, 1e-14);
        close(m.relative_ci_high, e.relative_ci_high, "lift high", 1e-9, 1e-14);
        close(m.p_value, e.p_value, "z-test p", 1e-8, 1e-15);
        close(m.always_valid_p_value, e.always_valid_p_value, "always-valid p", 1e-9, 1e-15);
        close(m.chance_to_beat_control, e.chance_to_beat_control, "chance to beat", 0, 1e-7);
      });
      close(a.srm.p_value, c.expected.srm.p_value, "srm p", 1e-9, 1e-15);
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

describe("analysis properties", () => {
  it("the z-test p-value of 1000/10000 vs 1100/10000 is 0.021058", () => {
    const a = analyze(
      AnalysisInput.parse({
        variants: [
          { slug: "a", sample: 10000, conversions: 1000, traffic_share: 50 },
          { slug: "b", sample: 10000, conversions: 1100, traffic_share: 50 },
        ],
      }),
    );
    expect(a.comparisons[0]?.p_value).toBeCloseTo(0.021058, 6);
  });

  it("the always-valid p-value keeps the running minimum it is given", () => {
    const input = AnalysisInput.parse({
      variants: [
        { slug: "a", sample: 100, conversions: 10, traffic_share: 50 },
        { slug: "b", sample: 100, conversions: 10, traffic_share: 50 },
      ],
    });
    expect(analyze(input).comparisons[0]?.always_valid_p_value).toBe(1);
    expect(analyze(input, { previousAlwaysValid: { b: 0.2 } }).comparisons[0]?.always_valid_p_value).toBe(0.2);
  });

  it("the control wins when every other variant is significantly worse", () => {
    const a = analyze(
      AnalysisInput.parse({
        variants: [
          { slug: "a", sample: 50000, conversions: 6000, traffic_share: 50 },
          { slug: "b", sample: 50000, conversions: 4000, traffic_share: 50 },
        ],
      }),
    );
    expect(a.outcome).toEqual({ state: "winner", winner: "a" });
  });

  it("no data is inconclusive with uninformative intervals, never an exception", () => {
    const a = analyze(
      AnalysisInput.parse({
        variants: [
          { slug: "a", sample: 0, conversions: 0, traffic_share: 50 },
          { slug: "b", sample: 0, conversions: 0, traffic_share: 50 },
        ],
      }),
    );
    expect(a.outcome.state).toBe("inconclusive");
    expect(a.variants[0]).toMatchObject({ ci_low: 0, ci_high: 1 });
    expect(a.comparisons[0]?.p_value).toBe(1);
    expect(a.comparisons[0]?.relative_lift).toBeNull();
    expect(msprtPValue(0, 0, 0, 0)).toBe(1);
  });

  it("refuses conversions above the sample", () => {
    const r = AnalysisInput.safeParse({
      variants: [
        { slug: "a", sample: 1, conversions: 2, traffic_share: 50 },
        { slug: "b", sample: 1, conversions: 0, traffic_share: 50 },
      ],
    });
    expect(r.success).toBe(false);
  });
});
