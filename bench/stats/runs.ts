// One monitored run of an A/B test as the dashboard sees it, and one run of the sample-ratio check:
// the engines of `npm run simulate:stats` and of the seeded regression test in `npm test`.
//
// A run is a stream of visitors, each assigned to the variant with probability ρ and converting at once
// with its arm's rate. The first 50 conversions are generated one at a time (the gap to the next
// conversion is geometric in the pooled rate, the converter's arm is Bernoulli(ρ p_v / π), the visitors
// in between split binomially) and every statistic is checked just before and just after each of them;
// then the run grows in steps of 2% of its visitors with a check after each (300 to 550 checks a run).
import { fixedHorizon } from "../../src/core/stats/fixed-horizon.ts";
import {
  confidenceSequence,
  relativeConfidenceSequence,
  type SequentialTestState,
  sequentialLook,
} from "../../src/core/stats/sequential.ts";
import { SRM_THRESHOLD, srmChiSquare, srmLogMixture } from "../../src/core/stats/srm.ts";
import { binomial, geometric, random } from "./random.ts";

export const ALPHA = 0.05;

/** The pooled-variance normal mSPRT this release replaces (τ = 0.05 σ̄). */
export function previousMsprt(xc: number, nc: number, xv: number, nv: number): number {
  const pooled = (xc + xv) / (nc + nv);
  const s2 = pooled * (1 - pooled);
  if (s2 === 0) return 1;
  const v = s2 * (1 / nc + 1 / nv);
  const tau2 = 0.0025 * s2;
  const d = xv / nv - xc / nc;
  return Math.min(1, Math.exp(-(0.5 * Math.log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2)))));
}

export interface RunResult {
  alwaysValid: boolean;
  naive: boolean;
  previous: boolean;
  csMiss: boolean;
  relativeMiss: boolean;
  fixed: boolean;
}

/**
 * One run from the control's rate pc and the variant's pv at variant share ρ, tuned to `planned`
 * visitors a variant, until `horizon` visitors in the two arms; the fixed-horizon test is read once at
 * `fixedAt`. The first `oneByOne` conversions are generated and checked one at a time.
 */
export function monitoredRun(
  pc: number,
  pv: number,
  rho: number,
  planned: number,
  horizon: number,
  fixedAt: number,
  oneByOne = 50,
): RunResult {
  const pooledRate = rho * pv + (1 - rho) * pc;
  const qConv = (rho * pv) / pooledRate; // a converter's chance of being in the variant
  const qNon = (rho * (1 - pv)) / (1 - pooledRate); // a non-converter's
  const truth = pv - pc;
  let nc = 0;
  let nv = 0;
  let xc = 0;
  let xv = 0;
  let state: SequentialTestState | undefined;
  const result: RunResult = { alwaysValid: false, naive: false, previous: false, csMiss: false, relativeMiss: false, fixed: false };
  let fixedDone = false;
  const relativeTruth = pv / pc - 1;
  const checkBand = () => {
    if (nc === 0 || nv === 0) return;
    if (!result.csMiss) {
      const cs = confidenceSequence(xc, nc, xv, nv, ALPHA, planned);
      if (cs !== null && (truth < cs.low || truth > cs.high)) result.csMiss = true;
    }
    if (!result.relativeMiss) {
      const cs = relativeConfidenceSequence(xc, nc, xv, nv, ALPHA, planned);
      if (cs !== null && (relativeTruth < cs.low || relativeTruth > cs.high)) result.relativeMiss = true;
    }
  };
  const look = () => {
    if (nc === 0 || nv === 0) return;
    if (!result.alwaysValid) {
      state = sequentialLook({ xc, nc, xv, nv, rho }, ALPHA, planned, state);
      if (state.p_value < ALPHA) result.alwaysValid = true;
    }
    if (!result.naive) {
      const f = fixedHorizon(xc, nc, xv, nv, ALPHA);
      if (f !== null && f.p_value < ALPHA) result.naive = true;
    }
    if (!result.previous && previousMsprt(xc, nc, xv, nv) < ALPHA) result.previous = true;
    checkBand();
  };
  const atFixed = () => {
    if (fixedDone || nc + nv < fixedAt) return;
    fixedDone = true;
    const f = fixedHorizon(xc, nc, xv, nv, ALPHA);
    result.fixed = f !== null && f.p_value < ALPHA;
  };
  // Phase 1: conversion by conversion.
  for (let k = 0; k < oneByOne; k++) {
    const gap = geometric(pooledRate);
    if (nc + nv + gap > horizon) break;
    const others = gap - 1;
    const toVariant = binomial(others, qNon);
    nv += toVariant;
    nc += others - toVariant;
    checkBand();
    if (random() < qConv) {
      nv++;
      xv++;
    } else {
      nc++;
      xc++;
    }
    look();
    atFixed();
  }
  // Phase 2: growth in steps of 2%, with a look placed exactly at the fixed horizon's sample.
  while (nc + nv < horizon) {
    const total = nc + nv;
    let target = Math.min(horizon, Math.max(total + 1, Math.ceil(total * 1.02)));
    if (!fixedDone && target > fixedAt && total < fixedAt) target = fixedAt;
    const step = target - total;
    const dv = binomial(step, rho);
    const dc = step - dv;
    nv += dv;
    nc += dc;
    xv += binomial(dv, pv);
    xc += binomial(dc, pc);
    look();
    atFixed();
  }
  return result;
}

/** A run of visitors up to `total`, checked at every 2% of growth from 100 visitors. */
export function srmRun(
  shares: readonly number[],
  actual: readonly number[],
  total: number,
): { sequentialAt: number | null; chiAlarm: boolean } {
  const counts = shares.map(() => 0);
  let n = 0;
  let best = 0;
  let chiAlarm = false;
  const threshold = Math.log(1 / SRM_THRESHOLD);
  while (n < total) {
    const target = Math.min(total, Math.max(n + 100, Math.ceil(n * 1.02)));
    let left = target - n;
    let mass = 1;
    for (let i = 0; i < counts.length; i++) {
      const take = i === counts.length - 1 ? left : binomial(left, (actual[i] as number) / mass);
      counts[i] = (counts[i] as number) + take;
      left -= take;
      mass -= actual[i] as number;
    }
    n = target;
    best = Math.max(best, srmLogMixture(counts, shares));
    if (!chiAlarm && srmChiSquare(counts, shares) < SRM_THRESHOLD) chiAlarm = true;
    if (best >= threshold) return { sequentialAt: n, chiAlarm };
  }
  return { sequentialAt: null, chiAlarm };
}
