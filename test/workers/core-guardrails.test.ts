// Guardrails (src/core/guardrails.ts): the breach decision on each metric, its orientation (worse is
// worse, better never trips), and by seeded simulation, continuous monitoring at the worst case of the
// hypothesis (the variant worse by exactly max_degradation): a breach at some look in at most alpha of
// runs, while a real harm is caught early.
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../bench/means-sim.ts";
import { checkGuardrails, describeBreach, GUARDRAIL_ALPHA, type GuardrailCounts } from "../../src/core/guardrails.ts";
import type { Guardrail } from "../../src/core/schema.ts";

const variants = [{ slug: "a" }, { slug: "b" }];
const responses = (n: number, e5: number, ms = 0, ms2 = "0", e4 = 0) => ({
  n,
  status_4xx: e4,
  status_5xx: e5,
  latency_sum: ms,
  latency_sum_squares: ms2,
});
const counts = (over: Partial<GuardrailCounts>): GuardrailCounts => ({ samples: {}, conversions: {}, values: {}, responses: {}, ...over });
const errorRate: Guardrail = { metric: "error_rate", max_degradation: 0.01, include_4xx: false };

describe("guardrail checks", () => {
  it("a variant whose page answers 500 to everyone breaches within a few hundred responses", () => {
    let breachedAt: number | null = null;
    for (let n = 10; n <= 2000 && breachedAt === null; n += 10) {
      const [r] = checkGuardrails({ variants, guardrails: [errorRate] }, counts({ responses: { a: responses(n, 0), b: responses(n, n) } }));
      if (r?.breached) breachedAt = n;
    }
    expect(breachedAt).not.toBeNull();
    expect(breachedAt as number).toBeLessThanOrEqual(200);
    const [r] = checkGuardrails(
      { variants, guardrails: [errorRate] },
      counts({ responses: { a: responses(500, 1), b: responses(500, 500) } }),
    );
    expect(r).toMatchObject({ variant: "b", metric: "error_rate", breached: true, alpha: GUARDRAIL_ALPHA });
    expect(r?.treatment.value).toBe(1);
    expect(describeBreach(r as NonNullable<typeof r>)).toContain("error_rate: b is worse than the control by");
  });

  it("counts 4xx only when the guardrail says so; a better variant never breaches", () => {
    const c = counts({ responses: { a: responses(5000, 0, 0, "0", 0), b: responses(5000, 0, 0, "0", 5000) } });
    expect(checkGuardrails({ variants, guardrails: [errorRate] }, c)[0]?.breached).toBe(false);
    expect(checkGuardrails({ variants, guardrails: [{ ...errorRate, include_4xx: true }] }, c)[0]?.breached).toBe(true);
    const better = counts({ responses: { a: responses(5000, 5000), b: responses(5000, 0) } });
    const [r] = checkGuardrails({ variants, guardrails: [errorRate] }, better);
    expect(r?.degradation).toBe(-1);
    expect(r?.breached).toBe(false);
  });

  it("latency: a variant 200 ms slower breaches a 50 ms guardrail, one 20 ms slower does not", () => {
    const arm = (n: number, mean: number, sd: number) => {
      // n responses of mean ± sd (half each side): Σ and Σ² exactly.
      const lo = mean - sd;
      const hi = mean + sd;
      return responses(n, 0, (n / 2) * (lo + hi), String((n / 2) * (lo * lo + hi * hi)));
    };
    const g: Guardrail = { metric: "origin_latency_ms", max_degradation: 50 };
    const slow = checkGuardrails({ variants, guardrails: [g] }, counts({ responses: { a: arm(2000, 120, 60), b: arm(2000, 320, 60) } }));
    expect(slow[0]).toMatchObject({ breached: true, degradation: 200 });
    const fine = checkGuardrails({ variants, guardrails: [g] }, counts({ responses: { a: arm(2000, 120, 60), b: arm(2000, 140, 60) } }));
    expect(fine[0]?.breached).toBe(false);
  });

  it("a goal guardrail trips on a drop of its rate or its value per visitor, never on a rise", () => {
    const signup: Guardrail = { metric: "goal", goal: { type: "page_view", path: "/thanks" }, max_degradation: 0.02 };
    const drop = counts({ samples: { a: 5000, b: 5000 }, conversions: { "page_view:/thanks": { a: 1000, b: 500 } } });
    expect(checkGuardrails({ variants, guardrails: [signup] }, drop)[0]).toMatchObject({ breached: true, degradation: 0.1 });
    const rise = counts({ samples: { a: 5000, b: 5000 }, conversions: { "page_view:/thanks": { a: 500, b: 1000 } } });
    expect(checkGuardrails({ variants, guardrails: [signup] }, rise)[0]?.breached).toBe(false);

    const revenue: Guardrail = { metric: "goal", goal: { type: "custom", name: "purchase", aggregate: "sum" }, max_degradation: 1 };
    // 1,000 buyers of $50 in a, 1,000 of $20 in b, out of 5,000 visitors each: $10 against $4 per visitor.
    const values = {
      "sum:purchase": {
        a: { sum: String(1000 * 5000), sum_squares: String(1000 * 5000 * 5000) },
        b: { sum: String(1000 * 2000), sum_squares: String(1000 * 2000 * 2000) },
      },
    };
    const r = checkGuardrails({ variants, guardrails: [revenue] }, counts({ samples: { a: 5000, b: 5000 }, values }));
    expect(r[0]).toMatchObject({ goal: "sum:purchase", breached: true });
    expect(r[0]?.degradation).toBeCloseTo(6, 10);
  });

  it("splits alpha over every check and skips stopped variants", () => {
    const three = [{ slug: "a" }, { slug: "b" }, { slug: "c" }];
    const g: Guardrail[] = [errorRate, { metric: "origin_latency_ms", max_degradation: 50 }];
    const all = checkGuardrails({ variants: three, guardrails: g }, counts({}));
    expect(all.map((r) => [r.guardrail, r.variant])).toEqual([
      [0, "b"],
      [0, "c"],
      [1, "b"],
      [1, "c"],
    ]);
    expect(all.every((r) => r.alpha === GUARDRAIL_ALPHA / 4 && !r.breached)).toBe(true);
    expect(checkGuardrails({ variants: three, guardrails: g }, counts({}), ["b"]).map((r) => r.variant)).toEqual(["c", "c"]);
  });
});

/** Binomial(n, p) the slow way: exact, and fast enough at these sizes. */
function binomial(random: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

describe("guardrails monitored continuously (seeded simulation)", () => {
  const RUNS = 300;
  const STEP = 100; // responses per arm between looks
  const LOOKS = 200; // up to 20,000 responses an arm

  /** The share of runs that breach at some look, and the median responses per arm at the breach. */
  function errorRuns(pc: number, pv: number, delta: number, seed: number) {
    const random = seededRandom(seed);
    const g: Guardrail = { metric: "error_rate", max_degradation: delta, include_4xx: false };
    let breaches = 0;
    const at: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let ec = 0;
      let ev = 0;
      for (let look = 1; look <= LOOKS; look++) {
        ec += binomial(random, STEP, pc);
        ev += binomial(random, STEP, pv);
        const n = look * STEP;
        const [r] = checkGuardrails({ variants, guardrails: [g] }, counts({ responses: { a: responses(n, ec), b: responses(n, ev) } }));
        if (r?.breached) {
          breaches++;
          at.push(n);
          break;
        }
      }
    }
    at.sort((x, y) => x - y);
    return { rate: breaches / RUNS, median: at.length === 0 ? null : (at[Math.floor(at.length / 2)] as number) };
  }

  it("error rate, worse by exactly max_degradation (1% → 1.5%, allowed 0.5 points): breaches in at most alpha of runs", () => {
    const r = errorRuns(0.01, 0.015, 0.005, 19);
    console.log(`error rate 1% → 1.5%, allowed 0.5 points: breached in ${r.rate * 100}% of runs`);
    expect(r.rate).toBeLessThanOrEqual(GUARDRAIL_ALPHA);
  });

  it("error rate, a real harm (1% → 5%): caught in nearly every run, within about two thousand responses an arm", () => {
    const r = errorRuns(0.01, 0.05, 0.005, 20);
    console.log(`error rate 1% → 5%, allowed 0.5 points: breached in ${r.rate * 100}% of runs, median ${r.median} responses an arm`);
    expect(r.rate).toBeGreaterThan(0.95);
    expect(r.median as number).toBeLessThanOrEqual(2500);
  });

  it("latency, worse by exactly max_degradation (+10 ms on a heavy-tailed 100 ms): breaches in at most alpha of runs", () => {
    const random = seededRandom(21);
    const g: Guardrail = { metric: "origin_latency_ms", max_degradation: 10 };
    // Log-normal times with a mean of 100 ms (log-sd 0.8), the variant's shifted by 10 ms.
    const s = 0.8;
    const mu = Math.log(100) - (s * s) / 2;
    const draw = (shift: number) => {
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.round(Math.exp(mu + s * z) + shift);
    };
    let breaches = 0;
    for (let run = 0; run < 150; run++) {
      const a = { n: 0, s: 0, q: 0n };
      const b = { n: 0, s: 0, q: 0n };
      for (let look = 1; look <= 100; look++) {
        for (let i = 0; i < STEP; i++) {
          const x = draw(0);
          const y = draw(10);
          a.n++;
          a.s += x;
          a.q += BigInt(x * x);
          b.n++;
          b.s += y;
          b.q += BigInt(y * y);
        }
        const c = counts({ responses: { a: responses(a.n, 0, a.s, a.q.toString()), b: responses(b.n, 0, b.s, b.q.toString()) } });
        if (checkGuardrails({ variants, guardrails: [g] }, c)[0]?.breached) {
          breaches++;
          break;
        }
      }
    }
    console.log(`latency +10 ms, allowed 10 ms: breached in ${(100 * breaches) / 150}% of runs`);
    expect(breaches / 150).toBeLessThanOrEqual(GUARDRAIL_ALPHA);
  });
});
