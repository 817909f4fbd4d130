// Continuous-monitoring simulation of the value-metric analysis: the engine behind
// `npm run simulate:means` (bench/means-simulation.ts) and the seeded check in npm test.
//
// Each run is one experiment with a control and one variant. Visitors arrive in a random order; a
// share of them purchase once, for a log-normal amount rounded to cents and capped as run-data would
// cap it. Only purchases change the sums, so the statistic is looked at right before and right after
// every purchase: between two purchases the sums stand still and only the samples grow, so these two
// looks bracket what a dashboard refreshed after every visitor would show.
import { normalCdf, normalQuantile } from "../src/core/stats/distributions.ts";
import { mixtureLogStatistic, rho2ForPlan, sequentialLookCounts, sequentialMeanLook } from "../src/core/stats/mean-sequential.ts";
import { valueMoments } from "../src/core/stats/value-moments.ts";

export interface Scenario {
  /** Share of visitors sent to the control and the variant (they need not sum to 1 exactly). */
  split: readonly [number, number];
  /** Probability that a control visitor purchases. */
  purchaseRate: number;
  /** The variant's relative lift of the purchase rate (0 for an A/A test). */
  lift: number;
  /** Mean purchase amount in currency units, and the log-normal's log-scale standard deviation. */
  meanAmount: number;
  logSd: number;
  /** The per-visitor cap in currency units (null: none). */
  cap: number | null;
  /** Total visitors per run. */
  horizon: number;
  plannedSamplePerVariant: number;
  alpha: number;
  minEffective: number;
}

export interface SimulationResult {
  runs: number;
  /** Runs in which the always-valid p-value went below alpha at some look. */
  rejected: number;
  /** Runs in which the true difference left the confidence sequence at some counted look. */
  missed: number;
  /** The same mixture with Welch's variance alone (no pooled term), same validity rule: what the pooled term fixes. */
  welchOnlyRejected: number;
  /** Runs in which a Welch z-test (no validity rule) went below alpha at some look. */
  naiveRejected: number;
  /** Runs in which a Welch z-test at the last look alone was below alpha. */
  finalRejected: number;
  /** Visitors per arm (the smaller arm) at the first always-valid rejection, for the runs that rejected. */
  rejectionSamples: number[];
  /** The true difference of means, in currency units. */
  trueDiff: number;
}

/** mulberry32: small, fast and seeded, so that a run repeats exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** E[min(X, c)] for X log-normal with log-mean mu and log-sd s. */
function cappedLogNormalMean(mu: number, s: number, cap: number | null): number {
  const mean = Math.exp(mu + (s * s) / 2);
  if (cap === null) return mean;
  const lc = Math.log(cap);
  return mean * normalCdf((lc - mu - s * s) / s) + cap * (1 - normalCdf((lc - mu) / s));
}

interface Arm {
  share: number;
  rate: number;
  /** Own index of the next purchaser, and the global visitor count at which it arrives. */
  nextIndex: number;
  nextTime: number;
  sum: number;
  sumSquares: number;
}

export function simulate(scenario: Scenario, runs: number, seed: number): SimulationResult {
  const random = seededRandom(seed);
  const { split, alpha, horizon } = scenario;
  const total = split[0] + split[1];
  const shares = [split[0] / total, split[1] / total] as const;
  const mu = Math.log(scenario.meanAmount) - (scenario.logSd * scenario.logSd) / 2;
  const capCents = scenario.cap === null ? Number.POSITIVE_INFINITY : Math.round(scenario.cap * 100);
  const rates = [scenario.purchaseRate, scenario.purchaseRate * (1 + scenario.lift)] as const;
  if (!(rates[0] > 0 && rates[1] > 0 && rates[0] <= 1 && rates[1] <= 1)) throw new Error("purchase rates must be in (0, 1]");
  const trueDiff = (rates[1] - rates[0]) * cappedLogNormalMean(mu, scenario.logSd, scenario.cap);
  const rho2 = rho2ForPlan(alpha, scenario.plannedSamplePerVariant);
  const zAlpha = normalQuantile(1 - alpha / 2);

  let spare: number | null = null;
  const gaussian = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - random();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * random();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
  const geometricGap = (p: number): number => 1 + Math.floor(Math.log(1 - random()) / Math.log1p(-p));
  const amountCents = (): number => Math.min(capCents, Math.round(100 * Math.exp(mu + scenario.logSd * gaussian())));
  // floor(share · time) of an arm's visitors are in after `time` visitors in all; its i-th visitor
  // arrives at the first time that counts it (corrected for the rounding of i / share).
  const arrival = (arm: Arm): number => {
    const i = arm.nextIndex;
    let time = Math.ceil(i / arm.share);
    while (Math.floor(arm.share * time) < i) time++;
    while (time > 1 && Math.floor(arm.share * (time - 1)) >= i) time--;
    return time;
  };

  const result: SimulationResult = {
    runs,
    rejected: 0,
    welchOnlyRejected: 0,
    missed: 0,
    naiveRejected: 0,
    finalRejected: 0,
    rejectionSamples: [],
    trueDiff,
  };
  for (let run = 0; run < runs; run++) {
    const arms: Arm[] = [0, 1].map((i) => {
      const arm: Arm = { share: shares[i] as number, rate: rates[i] as number, nextIndex: 0, nextTime: 0, sum: 0, sumSquares: 0 };
      arm.nextIndex = geometricGap(arm.rate);
      arm.nextTime = arrival(arm);
      return arm;
    });
    let rejected = false;
    let welchOnly = false;
    let missed = false;
    let naive = false;
    let lastZ = 0;
    const look = (time: number) => {
      const nc = Math.floor(shares[0] * time);
      const nv = Math.floor(shares[1] * time);
      const c = arms[0] as Arm;
      const v = arms[1] as Arm;
      const mc = valueMoments(nc, c.sum, c.sumSquares, 100);
      const mv = valueMoments(nv, v.sum, v.sumSquares, 100);
      if (nc >= 2 && nv >= 2) {
        const welch = mc.variance / nc + mv.variance / nv;
        if (welch > 0) {
          lastZ = (mv.mean - mc.mean) / Math.sqrt(welch);
          if (Math.abs(lastZ) > zAlpha) naive = true;
          if (!welchOnly && sequentialLookCounts(mc, mv, scenario.minEffective)) {
            welchOnly = mixtureLogStatistic(lastZ * lastZ, nc + nv, rho2) > Math.log(1 / alpha);
          }
        }
      }
      const s = sequentialMeanLook(mc, mv, alpha, rho2, scenario.minEffective);
      if (!s.ready) return;
      if (!rejected && s.p < alpha) {
        rejected = true;
        result.rejectionSamples.push(Math.min(nc, nv));
      }
      if (s.low !== null && (s.low > trueDiff || (s.high as number) < trueDiff)) missed = true;
    };
    for (;;) {
      const arm = (arms[0] as Arm).nextTime <= (arms[1] as Arm).nextTime ? (arms[0] as Arm) : (arms[1] as Arm);
      const time = arm.nextTime;
      if (time > horizon) break;
      look(time - 1);
      const cents = amountCents();
      arm.sum += cents;
      arm.sumSquares += cents * cents;
      arm.nextIndex += geometricGap(arm.rate);
      arm.nextTime = arrival(arm);
      look(time);
    }
    look(horizon);
    if (rejected) result.rejected++;
    if (welchOnly) result.welchOnlyRejected++;
    if (missed) result.missed++;
    if (naive) result.naiveRejected++;
    if (Math.abs(lastZ) > zAlpha) result.finalRejected++;
  }
  return result;
}
