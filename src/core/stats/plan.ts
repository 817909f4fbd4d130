// Planning (docs/analysis.md#planning): the sample per variant a test needs, before it starts.
//
// fixed_horizon_per_variant: the smallest n at which the two-sided unpooled z-test at Holm's first
// step, alpha / (variants − 1), detects the lift with probability `power`:
//   power(n) = Φ(δ/se − z) + Φ(−δ/se − z),   se = √((p₁(1−p₁) + p₂(1−p₂)) / n),   z = Φ⁻¹(1 − alpha/2(variants−1)).
//
// sequential_per_variant: the n* at which the always-valid test, tuned with planned_sample_per_variant
// = n* and checked continuously up to n*, reaches the same power. In its normal approximation the
// test's score U = x_v − kρ is a Brownian motion in the information I = kρ(1 − ρ) with drift
// θ = (q − ρ)/(ρ(1 − ρ)) per unit and variance q(1 − q)/(ρ(1 − ρ)), q = ρp₂/(ρp₂ + (1 − ρ)p₁); it rejects
// when |U| ≥ b(I) = √((I + 1/τ²)(2 ln(1/α′) + ln(1 + Iτ²))). With τ² = r*/I* the problem is free of
// scale in u = I/I*: we find the drift D = θ√I* at which the probability of crossing by u = 1 is
// `power` (the crossing probability computed by propagating the density of U/√I* on a grid, with the
// Brownian-bridge correction for crossings between steps), then I* = D²/θ² and n* = I* / (ρ(1−ρ)(p₁+p₂)/2)
// at equal shares (ρ = ½). The simulation (`npm run simulate:stats`) checks the power this promises.
import * as z from "zod";
import { normalCdf, normalQuantile } from "./distributions.ts";
import { optimalMixingRatio } from "./sequential.ts";

export const PlanInput = z
  .strictObject({
    baseline_rate: z.number().gt(0).lt(1),
    relative_mde: z.number().refine((v) => v !== 0 && Number.isFinite(v), "must be a nonzero number"),
    alpha: z.number().gt(0).lt(1).default(0.05),
    power: z.number().gt(0).lt(1).default(0.8),
    variants: z.number().int().min(2).max(20).default(2),
  })
  .superRefine((input, ctx) => {
    const treated = input.baseline_rate * (1 + input.relative_mde);
    if (!(treated > 0 && treated < 1))
      ctx.addIssue({
        code: "custom",
        path: ["relative_mde"],
        message: "baseline_rate × (1 + relative_mde) must lie strictly between 0 and 1",
      });
    if (input.power <= input.alpha / (2 * (input.variants - 1)))
      ctx.addIssue({ code: "custom", path: ["power"], message: "must exceed the false-positive rate of one comparison" });
  });
export type PlanInput = z.input<typeof PlanInput>;

export interface SamplePlan {
  fixed_horizon_per_variant: number;
  sequential_per_variant: number;
}

/** Power of the unpooled two-sided z-test at n visitors a variant. */
export function fixedHorizonPower(p1: number, p2: number, n: number, alpha: number): number {
  const se = Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n);
  const z = normalQuantile(1 - alpha / 2);
  const delta = Math.abs(p2 - p1);
  return normalCdf(delta / se - z) + normalCdf(-delta / se - z);
}

/** The smallest whole n with fixedHorizonPower ≥ power. */
export function fixedHorizonSample(p1: number, p2: number, alpha: number, power: number): number {
  const z = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const guess = ((z + zb) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2))) / (p2 - p1) ** 2;
  let lo = Math.max(1, Math.floor(guess * 0.5));
  let hi = Math.max(2, Math.ceil(guess * 1.5) + 2);
  while (fixedHorizonPower(p1, p2, lo, alpha) >= power && lo > 1) lo = Math.max(1, Math.floor(lo / 2));
  while (fixedHorizonPower(p1, p2, hi, alpha) < power) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fixedHorizonPower(p1, p2, mid, alpha) >= power) hi = mid;
    else lo = mid;
  }
  return fixedHorizonPower(p1, p2, lo, alpha) >= power ? lo : hi;
}

// 200 steps in u and a grid of 0.04 standard deviations: within 1e-4 of a 1,600 × 0.005 computation.
const STEPS = 200;
const GRID = 0.04;

/**
 * P(the always-valid test rejects by u = 1) for W(u) = D u + σ B(u) against ±b(u),
 * b(u) = √((u + 1/r*)(2 ln(1/α) + ln(1 + r* u))).
 */
export function sequentialCrossingProbability(drift: number, variance: number, alpha: number): number {
  const r = optimalMixingRatio(alpha);
  const c = 2 * Math.log(1 / alpha);
  const boundary = (u: number) => Math.sqrt((u + 1 / r) * (c + Math.log1p(r * u)));
  const top = boundary(1);
  const size = 2 * Math.ceil(top / GRID) + 1;
  const centre = (size - 1) / 2;
  const w = (i: number) => (i - centre) * GRID;
  const du = 1 / STEPS;
  const sd = Math.sqrt(variance * du);
  const reach = Math.ceil((7 * sd + Math.abs(drift) * du) / GRID) + 1;
  // Exact first step from W(0) = 0, then convolution with the normal step density on the grid.
  let density = new Float64Array(size);
  const b1 = boundary(du);
  for (let i = 0; i < size; i++) {
    const x = w(i);
    if (Math.abs(x) >= b1) continue;
    const bridge = (1 - Math.exp((-2 * b1 * (b1 - x)) / (variance * du))) * (1 - Math.exp((-2 * b1 * (b1 + x)) / (variance * du)));
    density[i] = (Math.exp(-((x - drift * du) ** 2) / (2 * variance * du)) / Math.sqrt(2 * Math.PI * variance * du)) * GRID * bridge;
  }
  // The step density depends only on the offset j − i; the bridge factors differ from 1 only within a
  // few step deviations of the boundary.
  const kernel = new Float64Array(2 * reach + 1);
  for (let o = -reach; o <= reach; o++) {
    const dx = o * GRID - drift * du;
    kernel[o + reach] = (Math.exp(-(dx * dx) / (2 * variance * du)) * GRID) / Math.sqrt(2 * Math.PI * variance * du);
  }
  const near = 8 * sd;
  for (let step = 2; step <= STEPS; step++) {
    const bPrev = boundary((step - 1) * du);
    const bNow = boundary(step * du);
    const next = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      const y = w(j);
      if (Math.abs(y) >= bNow) continue;
      const from = Math.max(0, j - reach);
      const to = Math.min(size - 1, j + reach);
      const yNear = bNow - Math.abs(y) < near;
      let total = 0;
      for (let i = from; i <= to; i++) {
        const mass = density[i] as number;
        if (mass === 0) continue;
        let term = mass * (kernel[j - i + reach] as number);
        if (yNear) {
          const x = w(i);
          term *= 1 - Math.exp((-2 * (bPrev - x) * (bNow - y)) / (variance * du));
          term *= 1 - Math.exp((-2 * (bPrev + x) * (bNow + y)) / (variance * du));
        }
        total += term;
      }
      next[j] = total;
    }
    density = next;
  }
  let survive = 0;
  for (let i = 0; i < size; i++) survive += density[i] as number;
  return Math.min(1, Math.max(0, 1 - survive));
}

/** The standardised drift D at which the continuously checked test reaches `power` by u = 1. */
export function sequentialDrift(variance: number, alpha: number, power: number): number {
  let lo = 0;
  let hi = 2;
  while (sequentialCrossingProbability(hi, variance, alpha) < power) {
    lo = hi;
    hi *= 2;
  }
  // Regula falsi (Illinois) on a smooth increasing function: a handful of grid propagations.
  let flo = sequentialCrossingProbability(lo, variance, alpha) - power;
  let fhi = sequentialCrossingProbability(hi, variance, alpha) - power;
  let side = 0;
  for (let i = 0; i < 40 && hi - lo > 1e-4; i++) {
    const mid = (lo * fhi - hi * flo) / (fhi - flo);
    const f = sequentialCrossingProbability(mid, variance, alpha) - power;
    if (Math.abs(f) < 1e-5) return mid;
    if (f > 0) {
      hi = mid;
      fhi = f;
      if (side === -1) flo /= 2;
      side = -1;
    } else {
      lo = mid;
      flo = f;
      if (side === 1) fhi /= 2;
      side = 1;
    }
  }
  return (lo + hi) / 2;
}

/** The plan of docs/analysis.md#planning for parsed input. */
export function plan(input: z.output<typeof PlanInput>): SamplePlan {
  const p1 = input.baseline_rate;
  const p2 = p1 * (1 + input.relative_mde);
  const alpha = input.alpha / (input.variants - 1);
  const fixed = fixedHorizonSample(p1, p2, alpha, input.power);
  // Equal shares: ρ = ½, q = p₂/(p₁ + p₂), θ = (q − ½)/¼, variance factor q(1 − q)/¼.
  const q = p2 / (p1 + p2);
  const theta = 4 * (q - 0.5);
  const variance = 4 * q * (1 - q);
  const drift = sequentialDrift(variance, alpha, input.power);
  const information = (drift / theta) ** 2;
  const sequential = Math.ceil(information / ((p1 + p2) / 4));
  return { fixed_horizon_per_variant: fixed, sequential_per_variant: sequential };
}
