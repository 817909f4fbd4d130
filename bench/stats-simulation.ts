// The statistics of docs/analysis.md under continuous monitoring, by simulation: A/A false-positive
// rates and power of the always-valid p-value, coverage of the confidence sequence, and false alarms and
// detection of the sequential sample-ratio check, across base rates 1e-4 … 0.5 and splits 50/50, 90/10
// and 99/1. Prints markdown tables (docs/analysis.md and the README quote them).
//
// Run: npm run simulate:stats [-- --full | --scale x] [--seed N] [--every-conversion]   (default: about 35 s of one core)
//
// The engines (samplers, one monitored run, one run of the sample-ratio check) are in bench/stats/.
import { PlanInput, plan } from "../src/core/stats/plan.ts";
import { SRM_THRESHOLD } from "../src/core/stats/srm.ts";
import { reseed } from "./stats/random.ts";
import { ALPHA, monitoredRun, srmRun } from "./stats/runs.ts";

const args = process.argv.slice(2);
const FULL = args.includes("--full");
const seedAt = args.indexOf("--seed");
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 0x5eed;
const LIFT = 0.1;
const RATES = [1e-4, 1e-3, 1e-2, 0.1, 0.5];
const SPLITS: Array<[string, number]> = [
  ["50/50", 0.5],
  ["90/10", 0.1],
  ["99/1", 0.01],
];
const scaleAt = args.indexOf("--scale");
// --full: ten times the runs (about 5 minutes of one core); --scale x: x times (0.1 for a quick look).
const SCALE = FULL ? 10 : scaleAt >= 0 ? Number(args[scaleAt + 1]) : 1;
const AA_RUNS = Math.max(10, Math.round(400 * SCALE));
const AB_RUNS = Math.max(10, Math.round(200 * SCALE));
const SRM_RUNS = Math.max(100, Math.round(10_000 * SCALE));
const SRM_POWER_RUNS = Math.max(10, Math.round(300 * SCALE));

// ---- the tables -------------------------------------------------------------------------------------
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const se = (x: number, n: number) => `±${(100 * Math.sqrt(Math.max(x * (1 - x), 1 / n) / n)).toFixed(1)}`;
const started = Date.now();

console.log(`### Always-valid p-value and confidence sequence\n`);
console.log(
  `${AA_RUNS} A/A and ${AB_RUNS} A/B runs per row (± one standard error), alpha ${ALPHA}, seed ${seed}; A/B: the variant's rate is +${100 * LIFT}% relative. "n/variant" is the plan (\`sgen-ab plan\`, 2 variants, power 0.8) for that lift: fixed horizon · sequential.\n`,
);
console.log(
  "| base rate | split | n/variant (fixed · sequential) | A/A: always-valid p < α at any look | A/A: z-test, any look | A/A: previous mSPRT, any look | A/B: always-valid power by sequential n | A/B: z-test power at fixed n | band missed the truth, A/A | band missed, A/B | relative band missed, A/A · A/B |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const rate of RATES) {
  const p = plan(PlanInput.parse({ baseline_rate: rate, relative_mde: LIFT, alpha: ALPHA, power: 0.8, variants: 2 }));
  for (const [label, rho] of SPLITS) {
    reseed(seed + Math.round(rate * 1e6) + Math.round(rho * 1000));
    // information-equivalent totals for this split
    const horizon = Math.ceil(p.sequential_per_variant / (2 * rho * (1 - rho)));
    const fixedAt = Math.ceil(p.fixed_horizon_per_variant / (2 * rho * (1 - rho)));
    const aa = { av: 0, naive: 0, prev: 0, cs: 0, rel: 0 };
    for (let r = 0; r < AA_RUNS; r++) {
      const x = monitoredRun(rate, rate, rho, p.sequential_per_variant, horizon, fixedAt);
      aa.av += +x.alwaysValid;
      aa.naive += +x.naive;
      aa.prev += +x.previous;
      aa.cs += +x.csMiss;
      aa.rel += +x.relativeMiss;
    }
    const ab = { av: 0, fixed: 0, cs: 0, rel: 0 };
    for (let r = 0; r < AB_RUNS; r++) {
      const x = monitoredRun(rate, rate * (1 + LIFT), rho, p.sequential_per_variant, horizon, fixedAt);
      ab.av += +x.alwaysValid;
      ab.fixed += +x.fixed;
      ab.cs += +x.csMiss;
      ab.rel += +x.relativeMiss;
    }
    const f = (count: number, runs: number) => `${pct(count / runs)} ${se(count / runs, runs)}`;
    console.log(
      `| ${rate} | ${label} | ${p.fixed_horizon_per_variant.toLocaleString("en")} · ${p.sequential_per_variant.toLocaleString("en")} | ${f(aa.av, AA_RUNS)} | ${f(aa.naive, AA_RUNS)} | ${f(aa.prev, AA_RUNS)} | ${f(ab.av, AB_RUNS)} | ${f(ab.fixed, AB_RUNS)} | ${f(aa.cs, AA_RUNS)} | ${f(ab.cs, AB_RUNS)} | ${pct(aa.rel / AA_RUNS)} · ${pct(ab.rel / AB_RUNS)} |`,
    );
  }
}

console.log(`\n### Sample-ratio check\n`);
console.log(
  `Visitors up to 10^6 a run, checked at every 2% of growth (about 320 checks); mismatch when the p-value is below ${SRM_THRESHOLD}. ${SRM_RUNS} correct runs and ${SRM_POWER_RUNS} imbalanced runs per row.\n`,
);
console.log(
  "| shares | correct runs: sequential mismatch | correct runs: chi-square at every check | 2% imbalance caught by 10^4 · 10^5 · 10^6 visitors | median visitors to catch it |",
);
console.log("|---|---|---|---|---|");
for (const shares of [
  [50, 50],
  [90, 10],
  [99, 1],
  [34, 33, 33],
]) {
  reseed(seed + shares.length * 7 + (shares[1] as number));
  const sum = shares.reduce((a, b) => a + b, 0);
  const rho = shares.map((s) => s / sum);
  let falseAlarms = 0;
  let chiAlarms = 0;
  for (let r = 0; r < SRM_RUNS; r++) {
    const x = srmRun(shares, rho, 1_000_000);
    falseAlarms += +(x.sequentialAt !== null);
    chiAlarms += +x.chiAlarm;
  }
  // the last arm receives 2% fewer visitors than its share; the others make up the difference
  const last = rho.length - 1;
  const skewed = rho.map((r, i) => (i === last ? r * 0.98 : r + ((rho[last] as number) * 0.02) / last));
  const caught: number[] = [];
  for (let r = 0; r < SRM_POWER_RUNS; r++) {
    const x = srmRun(shares, skewed, 10_000_000);
    caught.push(x.sequentialAt ?? Number.POSITIVE_INFINITY);
  }
  caught.sort((a, b) => a - b);
  const by = (limit: number) => pct(caught.filter((c) => c <= limit).length / SRM_POWER_RUNS);
  const median = caught[Math.floor(SRM_POWER_RUNS / 2)] as number;
  console.log(
    `| ${shares.join("/")} | ${(100 * (falseAlarms / SRM_RUNS)).toFixed(2)}% (${falseAlarms} of ${SRM_RUNS}) | ${pct(chiAlarms / SRM_RUNS)} | ${by(1e4)} · ${by(1e5)} · ${by(1e6)} | ${Number.isFinite(median) ? median.toLocaleString("en") : "> 10^7"} |`,
  );
}
if (args.includes("--every-conversion")) {
  // The plan's power is for a check after every conversion: one regime checked exactly so.
  const runs = Math.max(100, Math.round(1500 * SCALE));
  const p = plan(PlanInput.parse({ baseline_rate: 0.1, relative_mde: LIFT, alpha: ALPHA, power: 0.8, variants: 2 }));
  reseed(seed + 99);
  let hits = 0;
  for (let r = 0; r < runs; r++) {
    const horizon = 2 * p.sequential_per_variant;
    hits += +monitoredRun(0.1, 0.1 * (1 + LIFT), 0.5, p.sequential_per_variant, horizon, horizon, Number.POSITIVE_INFINITY).alwaysValid;
  }
  console.log(
    `\nChecked after every conversion (base rate 0.1, 50/50, +${100 * LIFT}%, ${runs} runs): always-valid power by the sequential n ${pct(hits / runs)} ${se(hits / runs, runs)}.`,
  );
}
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
