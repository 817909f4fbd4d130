// The pieces of the analysis, one by one, against reference values computed outside this project
// (test/fixtures/make-analysis-fixtures.py: SciPy, statsmodels, mpmath, exact rationals, numpy).
import { describe, expect, it } from "vitest";
import { chanceToBeat, expectedLoss } from "../../src/core/stats/bayes.ts";
import { chiSquareUpperTail, logGamma, normalQuantile } from "../../src/core/stats/distributions.ts";
import { fisherExact, newcombeInterval } from "../../src/core/stats/fixed-horizon.ts";
import { PlanInput, plan, sequentialCrossingProbability } from "../../src/core/stats/plan.ts";
import { logMixture } from "../../src/core/stats/sequential.ts";
import { srmChiSquare, srmLogMixture } from "../../src/core/stats/srm.ts";
import fixtures from "../fixtures/analysis-reference.json";

const within = (actual: number, expected: number, what: string, rel: number, abs: number) =>
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(Math.max(abs, rel * Math.abs(expected)));

describe("special functions", () => {
  it("normal quantiles (SciPy)", () => {
    for (const [p, q] of Object.entries(fixtures.normal_quantiles)) within(normalQuantile(Number(p)), q, `ppf(${p})`, 1e-12, 1e-14);
  });
  it("chi-square upper tails (SciPy)", () => {
    for (const c of fixtures.chi2_upper_tails) within(chiSquareUpperTail(c.x, c.df), c.p, `chi2.sf(${c.x}, ${c.df})`, 1e-10, 0);
  });
  it("log-gamma, small to 10^7 (mpmath)", () => {
    for (const c of fixtures.log_gamma) within(logGamma(c.x), c.value, `lgamma(${c.x})`, 1e-15, 1e-14);
  });
});

describe("small samples", () => {
  it("Fisher's exact test, two-sided (exact rationals; SciPy beside it)", () => {
    for (const f of fixtures.fisher) {
      const [xc, nc, xv, nv] = f.table as [number, number, number, number];
      within(fisherExact(xc, nc, xv, nv), f.exact, `fisher ${f.table}`, 1e-12, 1e-300);
      within(fisherExact(xc, nc, xv, nv), f.scipy, `fisher ${f.table} vs SciPy`, 1e-9, 1e-300);
    }
  });
  it("Newcombe's hybrid score interval (statsmodels)", () => {
    for (const n of fixtures.newcombe) {
      const [xc, nc, xv, nv] = n.counts as [number, number, number, number];
      const ci = newcombeInterval(xc, nc, xv, nv, normalQuantile(1 - n.alpha / 2));
      within(ci.low, n.interval[0] as number, `newcombe low ${n.counts}`, 1e-12, 1e-14);
      within(ci.high, n.interval[1] as number, `newcombe high ${n.counts}`, 1e-12, 1e-14);
    }
  });
});

describe("Bayesian guides at every size (mpmath quadrature)", () => {
  for (const b of fixtures.bayes) {
    it(`${b.xc}/${b.nc} against ${b.xv}/${b.nv}`, () => {
      within(chanceToBeat(b.xc, b.nc, b.xv, b.nv) as number, b.chance, "chance to beat", 0, 1e-10);
      within(expectedLoss(b.xc, b.nc, b.xv, b.nv) as number, b.loss, "expected loss", 1e-7, 1e-13);
    });
  }
});

describe("the always-valid test", () => {
  it("the mixture integral (mpmath)", () => {
    for (const m of fixtures.mixtures)
      within(logMixture(m.xv, m.xc, m.rho, m.tau), m.log_m, `ln m(${m.xv}, ${m.xc}, ${m.rho}, ${m.tau})`, 1e-10, 1e-10);
  });
  it("the sample-ratio mixture and chi-square (mpmath, SciPy)", () => {
    for (const s of fixtures.srm) {
      within(srmChiSquare(s.samples, s.shares), s.chi2, `chi2 ${s.samples}`, 1e-9, 1e-300);
      within(Math.min(1, Math.exp(-srmLogMixture(s.samples, s.shares))), s.sequential, `sequential ${s.samples}`, 1e-6, 1e-300);
    }
  });
});

describe("planning", () => {
  it("the fixed-horizon sample (SciPy root of the z-test's power)", () => {
    for (const p of fixtures.plans)
      expect(plan(PlanInput.parse(p.input)).fixed_horizon_per_variant, JSON.stringify(p.input)).toBe(p.fixed_horizon_per_variant);
  });
  it("the boundary-crossing probability behind the sequential plan (numpy Monte Carlo, 10^5 paths)", () => {
    for (const c of fixtures.crossings)
      within(sequentialCrossingProbability(c.drift, c.variance, c.alpha), c.probability, `crossing ${c.drift}`, 0, 0.005);
  });
  it("the sequential plan needs more visitors than the fixed one, and more with more variants", () => {
    const two = plan(PlanInput.parse({ baseline_rate: 0.05, relative_mde: 0.1 }));
    const four = plan(PlanInput.parse({ baseline_rate: 0.05, relative_mde: 0.1, variants: 4 }));
    expect(two.sequential_per_variant).toBeGreaterThan(two.fixed_horizon_per_variant);
    expect(four.fixed_horizon_per_variant).toBeGreaterThan(two.fixed_horizon_per_variant);
    expect(four.sequential_per_variant).toBeGreaterThan(two.sequential_per_variant);
  });
});
