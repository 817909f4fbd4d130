// npm run simulate:means [-- runsScale]: continuous-monitoring simulations of the value-metric
// analysis (docs/metrics.md has the table this prints and what it shows). A revenue metric: 3% of
// visitors purchase once, for a log-normal amount with mean $50 and log-sd 1.5 (the top 1% of purchases
// carry a fifth of the revenue), in cents. `runsScale` multiplies every row's number of runs (0.25 for
// a quick look; the default takes under two minutes of one core).
import { MIN_EFFECTIVE_VALUES } from "../src/core/stats/mean-sequential.ts";
import { type Scenario, type SimulationResult, simulate } from "./means-sim.ts";

const scale = Number(process.argv[2] ?? 1);
const base: Scenario = {
  split: [0.5, 0.5],
  purchaseRate: 0.03,
  lift: 0,
  meanAmount: 50,
  logSd: 1.5,
  cap: null,
  horizon: 600_000,
  plannedSamplePerVariant: 100_000,
  alpha: 0.05,
  minEffective: MIN_EFFECTIVE_VALUES,
};
// Visitors per arm a fixed-horizon Welch test needs for 80% power at this lift (two-sided 0.05):
// 2 (z₀.₉₇₅ + z₀.₈)² CV² / lift², CV² the per-visitor value's squared coefficient of variation
// (315 uncapped, 139 with the $500 cap).
const fixedHorizon = (cv2: number, lift: number) => Math.round((2 * (1.959964 + 0.841621) ** 2 * cv2) / (lift * lift));

const started = Date.now();
const cpuStart = process.cpuUsage();
let seed = 0x5eed;
const run = (scenario: Partial<Scenario>, runs: number): SimulationResult =>
  simulate({ ...base, ...scenario }, Math.max(20, Math.round(runs * scale)), seed++);
const rate = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}% ±${(100 * Math.sqrt(((k / n) * (1 - k / n)) / n) || 0).toFixed(1)}`;
const median = (xs: number[]) => {
  if (xs.length === 0) return "–";
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor(s.length / 2)] as number).toLocaleString("en-US");
};
const split = (s: readonly [number, number]) => `${Math.round(s[0] * 100)}/${Math.round(s[1] * 100)}`;
const cap = (c: number | null) => (c === null ? "none" : `$${c}`);

console.log(
  `Value metric: ${base.purchaseRate * 100}% of visitors purchase, log-normal amounts (mean $${base.meanAmount}, log-sd ${base.logSd}), alpha ${base.alpha}, validity rule S²/Q ≥ ${MIN_EFFECTIVE_VALUES} per arm; looks before and after every purchase.\n`,
);

console.log(
  `A/A, monitored continuously (${base.horizon.toLocaleString("en-US")} visitors a run, planned_sample_per_variant ${base.plannedSamplePerVariant.toLocaleString("en-US")}); rate ± standard error:\n`,
);
console.log(
  "| split | cap | runs | always-valid p < alpha at some look | same, Welch variance alone | Welch z-test, any look | Welch z-test, last look only |",
);
console.log("|---|---|---|---|---|---|---|");
for (const s of [
  [0.5, 0.5],
  [0.9, 0.1],
] as const) {
  for (const c of [null, 500]) {
    const r = run({ split: s, cap: c }, 2000);
    console.log(
      `| ${split(s)} | ${cap(c)} | ${r.runs} | ${rate(r.rejected, r.runs)} | ${rate(r.welchOnlyRejected, r.runs)} | ${rate(r.naiveRejected, r.runs)} | ${rate(r.finalRejected, r.runs)} |`,
    );
  }
}

console.log(
  "\nA/B: the variant's purchase rate lifted; planned_sample_per_variant from the fixed-horizon formula, each run twice that sample (in the smaller arm's variance terms at 90/10):\n",
);
console.log(
  "| lift | split | cap | planned a variant | visitors a run | runs | detected (always-valid) | true difference outside the sequence at some look | median visitors in the smaller arm at detection | Welch z-test at the last look |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const [lift, s, c, cv2, runs] of [
  [0.1, [0.5, 0.5], 500, 139, 400],
  [0.1, [0.5, 0.5], null, 315, 200],
  [0.05, [0.5, 0.5], 500, 139, 150],
  [0.1, [0.9, 0.1], 500, 139, 300],
] as const) {
  const planned = fixedHorizon(cv2, lift);
  // At 90/10 the difference has 2.78 times the variance it has at 50/50 for the same total.
  const horizon = Math.round(4 * planned * (s[0] === 0.5 ? 1 : (1 / s[0] + 1 / s[1]) / 4));
  const r = run({ lift, split: s, cap: c, plannedSamplePerVariant: planned, horizon }, runs);
  console.log(
    `| +${lift * 100}% | ${split(s)} | ${cap(c)} | ${planned.toLocaleString("en-US")} | ${horizon.toLocaleString("en-US")} | ${r.runs} | ${rate(r.rejected, r.runs)} | ${rate(r.missed, r.runs)} | ${median(r.rejectionSamples)} | ${rate(r.finalRejected, r.runs)} |`,
  );
}

console.log(
  "\nThe validity rule, where the asymptotics fail: extreme skew (log-sd 2.5, where the top 1% of purchases carry 57% of the revenue, and 3, 75%), the mixture tuned for tiny samples (planned_sample_per_variant 100), 200,000 visitors a run:\n",
);
console.log(
  "| S²/Q needed per arm | log-sd 2.5, A/A: always-valid p < alpha at some look | log-sd 2.5, +50%: true difference outside the sequence | log-sd 3, +50%: outside the sequence | log-sd 3, +50%: detected |",
);
console.log("|---|---|---|---|---|");
for (const minEffective of [0, 10, 30]) {
  const stress = { plannedSamplePerVariant: 100, horizon: 200_000, minEffective };
  const aa = run({ ...stress, logSd: 2.5 }, 400);
  const ab = run({ ...stress, logSd: 2.5, lift: 0.5 }, 400);
  const ab3 = run({ ...stress, logSd: 3, lift: 0.5 }, 400);
  console.log(
    `| ${minEffective} | ${rate(aa.rejected, aa.runs)} | ${rate(ab.missed, ab.runs)} | ${rate(ab3.missed, ab3.runs)} | ${rate(ab3.rejected, ab3.runs)} |`,
  );
}

const cpu = process.cpuUsage(cpuStart);
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s of CPU)`);
