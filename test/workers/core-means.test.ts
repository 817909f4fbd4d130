// The analysis of value metrics against reference values computed outside this project (SciPy,
// statsmodels and mpmath, see test/fixtures/make-means-fixtures.py), and the properties docs/metrics.md
// states.
import { describe, expect, it } from "vitest";
import { analyzeMeans, analyzeMeansLook, MeanAnalysisInput } from "../../src/core/stats/means.ts";
import { studentTQuantile, studentTUpperTail } from "../../src/core/stats/student-t.ts";
import { valueMoments, varianceNumerator } from "../../src/core/stats/value-moments.ts";
import fixtures from "../fixtures/means-scipy.json";

const close = (actual: number | null | undefined, expected: number | null, what: string, rel = 1e-9, abs = 1e-15) => {
  if (expected === null) return expect(actual ?? null, what).toBeNull();
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    Math.max(abs, rel * Math.abs(expected)),
  );
};

describe("Student's t against mpmath", () => {
  it("upper tails, to 1e-13 relative at every df from 0.7 to 23 million", () => {
    for (const c of fixtures.t_tails) close(studentTUpperTail(c.t, c.df), c.sf, `sf(${c.t}, ${c.df})`, 1e-13, 0);
  });
  it("quantiles, to 1e-13 relative (SciPy's own are off by up to 3.5e-9 here)", () => {
    for (const c of fixtures.t_quantiles) close(studentTQuantile(c.p, c.df), c.q, `ppf(${c.p}, ${c.df})`, 1e-13, 0);
  });
});

describe("value-metric analysis against SciPy, statsmodels and mpmath", () => {
  fixtures.cases.forEach((c) => {
    it(c.name, () => {
      const a = analyzeMeans(MeanAnalysisInput.parse(c.input));
      expect(a.metric).toBe("mean");
      expect(a.cap).toBe(c.expected.cap);
      c.expected.variants.forEach((e, i) => {
        const v = a.variants[i];
        expect(v?.slug).toBe(e.slug);
        expect(v?.sample).toBe(e.sample);
        close(v?.sum, e.sum, "sum", 1e-15);
        close(v?.mean, e.mean, "mean", 1e-15);
        close(v?.ci_low, e.ci_low, "t interval low");
        close(v?.ci_high, e.ci_high, "t interval high");
      });
      expect(a.comparisons).toHaveLength(c.expected.comparisons.length);
      c.expected.comparisons.forEach((e, i) => {
        const m = a.comparisons[i];
        if (m === undefined) throw new Error("missing comparison");
        expect(m.variant).toBe(e.variant);
        close(m.absolute_diff, e.absolute_diff, "diff", 1e-12);
        close(m.absolute_ci_low, e.absolute_ci_low, "Welch low");
        close(m.absolute_ci_high, e.absolute_ci_high, "Welch high");
        close(m.p_value, e.p_value, "Welch p");
        close(m.relative_lift, e.relative_lift, "lift", 1e-12);
        close(m.relative_ci_low, e.relative_ci_low, "lift low");
        close(m.relative_ci_high, e.relative_ci_high, "lift high");
        expect(m.always_valid_ready).toBe(e.always_valid_ready);
        close(m.always_valid_p_value, e.always_valid_p_value, "always-valid p");
        close(m.absolute_cs_low, e.absolute_cs_low, "sequence low");
        close(m.absolute_cs_high, e.absolute_cs_high, "sequence high");
        close(m.chance_to_beat_control, e.chance_to_beat_control, "chance to beat", 1e-12);
        // The shortfall: 1e-8 relative, or 1e-15 absolute where it is ~0 and its closed form cancels.
        close(m.expected_loss, e.expected_loss, "expected loss", 1e-8, 1e-15);
      });
      close(a.srm.p_value, c.expected.srm.p_value, "srm p", 1e-9);
      expect(a.srm.mismatch).toBe(a.srm.sequential_p_value < 0.001);
      expect(a.outcome).toEqual(c.expected.outcome);
    });
  });
});

describe("sums to moments", () => {
  it("keeps the variance exact where n·Q − S² cancels to 1e-10 of its terms", () => {
    // 499,000 visitors at 1,000,000 cents and 1,000 at 1,000,001: the true variance is 0.998/499.999 cents².
    const n = 500_000;
    const s = 499_000 * 1_000_000 + 1_000 * 1_000_001;
    const q = 499_000 * 1_000_000 ** 2 + 1_000 * 1_000_001 ** 2;
    expect(q).toBeGreaterThan(2 ** 53); // as a JSON number it is rounded already
    const exact = BigInt(n) * (499_000n * 1_000_000n ** 2n + 1_000n * 1_000_001n ** 2n) - BigInt(s) ** 2n;
    expect(varianceNumerator(n, s, String(499_000n * 1_000_000n ** 2n + 1_000n * 1_000_001n ** 2n))).toBe(Number(exact));
    // The naive formula in doubles is off in the third digit here.
    expect(Math.abs(n * q - s * s - Number(exact)) / Number(exact)).toBeGreaterThan(1e-3);
  });

  it("computes n·Q − S² exactly from doubles that are exact integers", () => {
    for (const [n, s, q] of [
      [3, 7, 25],
      [1000, 123_456, 98_765_432],
      [77, 2 ** 26 + 3, 2 ** 52 + 5],
    ] as const) {
      expect(varianceNumerator(n, s, q)).toBe(Number(BigInt(n) * BigInt(q) - BigInt(s) * BigInt(s)));
    }
  });

  it("reads the effective number of values as the number of converters for 0/1 values", () => {
    expect(valueMoments(1000, 37, 37).effective).toBe(37);
    // 100 visitors at 1 and one at 1,000: one visitor carries the sum.
    expect(valueMoments(1000, 100 + 1_000, 100 + 1_000_000).effective).toBeCloseTo(1.21, 2);
  });
});

describe("validation", () => {
  const variant = (over: Record<string, unknown> = {}) => ({
    slug: "a",
    sample: 10,
    sum: 50,
    sum_squares: 400,
    traffic_share: 50,
    ...over,
  });
  const issues = (input: unknown) => {
    const r = MeanAnalysisInput.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("accepts a well-formed input and fills the defaults", () => {
    const parsed = MeanAnalysisInput.parse({ metric: "mean", variants: [variant(), variant({ slug: "b" })] });
    expect(parsed.alpha).toBe(0.05);
    expect(parsed.scale).toBe(1);
  });

  it("refuses a variance below zero, sum_squares above sum², and uncapped values", () => {
    expect(issues({ metric: "mean", variants: [variant({ sum_squares: 249 }), variant({ slug: "b" })] })).toEqual([
      "variants.0.sum_squares: must be at least sum² / sample (a variance cannot be negative)",
    ]);
    expect(issues({ metric: "mean", variants: [variant(), variant({ slug: "b", sum_squares: 2501 })] })).toEqual([
      "variants.1.sum_squares: cannot exceed sum² (each visitor's value is non-negative)",
    ]);
    expect(issues({ metric: "mean", cap: { value: 4 }, variants: [variant(), variant({ slug: "b" })] })).toContain(
      "variants.0.sum: exceeds sample × cap: the values were not capped",
    );
    expect(issues({ metric: "mean", cap: { value: 6 }, variants: [variant(), variant({ slug: "b" })] })).toContain(
      "variants.0.sum_squares: exceeds cap × sum: the values were not capped",
    );
  });

  it("refuses negative, non-finite or malformed sums, one variant, an empty arm with a sum, a slug twice", () => {
    expect(issues({ metric: "mean", variants: [variant({ sum: -1 }), variant({ slug: "b" })] })[0]).toMatch(/^variants\.0\.sum: /);
    expect(issues({ metric: "mean", variants: [variant({ sum_squares: "12e3" }), variant({ slug: "b" })] })[0]).toMatch(
      /^variants\.0\.sum_squares: /,
    );
    expect(issues({ metric: "mean", variants: [variant({ sample: -1 }), variant({ slug: "b" })] })[0]).toMatch(/^variants\.0\.sample: /);
    expect(issues({ metric: "mean", variants: [variant()] })).toEqual(["variants: needs at least two variants, the control first"]);
    expect(issues({ metric: "mean", variants: [variant({ sample: 0 }), variant({ slug: "b" })] })).toEqual([
      "variants.0.sum: an empty variant (sample 0) has sum and sum_squares 0",
    ]);
    expect(issues({ metric: "mean", variants: [variant(), variant()] })).toEqual(['variants.1.slug: variant slug "a" is used twice']);
    expect(
      MeanAnalysisInput.safeParse(
        JSON.parse('{"metric":"mean","variants":[{"slug":"a","sample":10,"sum":1e999,"sum_squares":1,"traffic_share":50}]}'),
      ).success,
    ).toBe(false);
  });

  it("takes rounding slack only for sums that are not exact integers", () => {
    // Three visitors at 0.1: the float sums put n·Q a hair below S².
    const s = 0.1 + 0.1 + 0.1;
    const q = 0.1 * 0.1 + 0.1 * 0.1 + 0.1 * 0.1;
    expect(issues({ metric: "mean", variants: [variant({ sample: 3, sum: s, sum_squares: q }), variant({ slug: "b" })] })).toEqual([]);
    const a = analyzeMeans(
      MeanAnalysisInput.parse({ metric: "mean", variants: [variant({ sample: 3, sum: s, sum_squares: q }), variant({ slug: "b" })] }),
    );
    expect(a.variants[0]?.ci_low).toBeNull(); // no spread: no t interval, rather than [0.1, 0.1]
  });
});

describe("properties", () => {
  const input = (a: [number, number, number], b: [number, number, number], extra: Record<string, unknown> = {}) =>
    MeanAnalysisInput.parse({
      metric: "mean",
      variants: [
        { slug: "a", sample: a[0], sum: a[1], sum_squares: a[2], traffic_share: 50 },
        { slug: "b", sample: b[0], sum: b[1], sum_squares: b[2], traffic_share: 50 },
      ],
      ...extra,
    });

  it("is 0 outside the confidence sequence exactly when the always-valid p-value is below alpha", () => {
    for (const [shift, alpha] of [
      [0, 0.05],
      [40_000, 0.05],
      [55_000, 0.05],
      [70_000, 0.01],
      [200_000, 0.05],
    ] as const) {
      const a = analyzeMeans(input([50_000, 1_000_000, 400_000_000], [50_000, 1_000_000 + shift, 400_000_000 + 30 * shift], { alpha }));
      const c = a.comparisons[0];
      if (c?.absolute_cs_low == null || c.absolute_cs_high == null || c.always_valid_p_value == null) throw new Error("no sequence");
      expect(c.absolute_cs_low > 0 || c.absolute_cs_high < 0).toBe(c.always_valid_p_value < alpha);
    }
  });

  it("keeps the running minimum of earlier looks, and counts no look before the validity rule holds", () => {
    const tiny = analyzeMeans(input([40, 200, 40_000], [40, 1_000, 1_000_000]), { previousAlwaysValid: { b: 0.2 } });
    expect(tiny.comparisons[0]?.always_valid_ready).toBe(false);
    expect(tiny.comparisons[0]?.always_valid_p_value).toBe(0.2);
    expect(tiny.comparisons[0]?.absolute_cs_low).toBeNull();
    expect(tiny.comparisons[0]?.chance_to_beat_control).toBeNull();
  });

  it("carries the running minimum and the SRM state from look to look, and starts over when the plan changes", () => {
    const strong = input([50_000, 1_000_000, 400_000_000], [50_000, 1_200_000, 406_000_000]);
    const weak = input([60_000, 1_200_000, 480_000_000], [60_000, 1_220_000, 481_000_000]);
    const first = analyzeMeansLook(strong);
    const p1 = first.analysis.comparisons[0]?.always_valid_p_value as number;
    expect(p1).toBeLessThan(0.05);
    const alone = analyzeMeansLook(weak).analysis.comparisons[0]?.always_valid_p_value as number;
    expect(alone).toBeGreaterThan(p1);
    const second = analyzeMeansLook(weak, { previous: first.state });
    expect(second.analysis.comparisons[0]?.always_valid_p_value).toBe(p1);
    expect(second.state.srm.p_value).toBeLessThanOrEqual(first.state.srm.p_value);
    const replanned = analyzeMeansLook({ ...weak, planned_sample_per_variant: 500_000 }, { previous: first.state });
    expect(replanned.analysis.comparisons[0]?.always_valid_p_value).toBeGreaterThan(p1);
  });

  it("scales: sums in cents with scale 100 read as currency, p-values unchanged", () => {
    const cents = analyzeMeans(input([20_000, 4_100_000, 9_300_000_000], [20_000, 4_500_000, 9_900_000_000], { scale: 100 }));
    const units = analyzeMeans(input([20_000, 41_000, 930_000], [20_000, 45_000, 990_000]));
    expect(cents.variants[0]?.mean).toBeCloseTo(2.05, 12);
    close(cents.comparisons[0]?.absolute_cs_low, units.comparisons[0]?.absolute_cs_low ?? null, "cs", 1e-12);
    close(cents.comparisons[0]?.p_value, units.comparisons[0]?.p_value ?? null, "p", 1e-12);
  });

  it("tunes the mixture with planned_sample_per_variant without changing the fixed-horizon test", () => {
    const early = analyzeMeans(
      input([20_000, 4_100_000, 9_300_000_000], [20_000, 4_500_000, 9_900_000_000], { planned_sample_per_variant: 20_000 }),
    );
    const late = analyzeMeans(
      input([20_000, 4_100_000, 9_300_000_000], [20_000, 4_500_000, 9_900_000_000], { planned_sample_per_variant: 2_000_000 }),
    );
    expect(early.comparisons[0]?.p_value).toBe(late.comparisons[0]?.p_value);
    expect(early.comparisons[0]?.always_valid_p_value as number).toBeLessThan(late.comparisons[0]?.always_valid_p_value as number);
  });
});
