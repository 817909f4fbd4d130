// A/A simulation: why the dashboard's decisions use the always-valid p-value and not the plain z-test.
// Both arms convert at the same rate, so every "significant" result is a false positive. An operator
// who looks after every batch of visitors and stops at the first p < 0.05 is fooled far more often than
// 5% of the time; the mSPRT's always-valid p-value (running minimum over the looks) is not.
// Run: npm run simulate:aa [-- experiments looks visitorsPerLook baseRate]
import { msprtPValue } from "../src/core/stats/analysis.ts";
import { twoSidedP } from "../src/core/stats/distributions.ts";

const [experiments = 2000, looks = 100, perLook = 200, rate = 0.1] = process.argv.slice(2).map(Number);
const ALPHA = 0.05;

// mulberry32, seeded, so that a run can be repeated exactly.
let state = 0x5eed;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function conversions(n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

function run(effect: number) {
  let naiveAny = 0;
  let naiveFinal = 0;
  let alwaysValid = 0;
  for (let e = 0; e < experiments; e++) {
    let nc = 0;
    let xc = 0;
    let nv = 0;
    let xv = 0;
    let naiveStopped = false;
    let avpMin = 1;
    for (let look = 0; look < looks; look++) {
      nc += perLook;
      nv += perLook;
      xc += conversions(perLook, rate);
      xv += conversions(perLook, rate + effect);
      const pc = xc / nc;
      const pv = xv / nv;
      const se = Math.sqrt((pc * (1 - pc)) / nc + (pv * (1 - pv)) / nv);
      const p = se > 0 ? twoSidedP((pv - pc) / se) : 1;
      if (p < ALPHA) naiveStopped = true;
      if (look === looks - 1 && p < ALPHA) naiveFinal++;
      avpMin = Math.min(avpMin, msprtPValue(xc, nc, xv, nv));
    }
    if (naiveStopped) naiveAny++;
    if (avpMin < ALPHA) alwaysValid++;
  }
  return { naiveAny: naiveAny / experiments, naiveFinal: naiveFinal / experiments, alwaysValid: alwaysValid / experiments };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
// 95% half-width of a proportion estimated from `experiments` runs.
const margin = (x: number) => `±${(196 * Math.sqrt((x * (1 - x)) / experiments)).toFixed(1)}`;

const started = Date.now();
const aa = run(0);
const ab = run(0.015);
console.log(
  `A/A simulation: ${experiments} experiments, ${looks} looks of ${perLook} visitors per arm, base rate ${rate}, alpha ${ALPHA}\n`,
);
console.log("| decision rule | A/A: false positives | A/B (+1.5 points): detected |");
console.log("|---|---|---|");
console.log(`| z-test, stop at the first look with p < 0.05 | ${pct(aa.naiveAny)} ${margin(aa.naiveAny)} | ${pct(ab.naiveAny)} |`);
console.log(`| z-test, one look at the end only | ${pct(aa.naiveFinal)} ${margin(aa.naiveFinal)} | ${pct(ab.naiveFinal)} |`);
console.log(`| always-valid p-value (mSPRT), any look | ${pct(aa.alwaysValid)} ${margin(aa.alwaysValid)} | ${pct(ab.alwaysValid)} |`);
console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
