// The sample-ratio check of docs/analysis.md: do visitors reach the arms in the configured shares?
//
// `p_value`: Pearson's chi-square of the samples against the shares, for one look.
// `sequential_p_value`: always valid, safe to check at every report. Under the null each visitor's arm
// is an independent categorical draw with probabilities ρ (the shares), so the Dirichlet–multinomial
// mixture likelihood ratio (Lindon & Malek 2022)
//   M_c = Γ(c) / Γ(c + N) · Π_i Γ(cρ_i + n_i) / Γ(cρ_i) / Π_i ρ_i^{n_i}
// is a test martingale for every concentration c, and so is their average over a fixed grid of c, which
// is sensitive from a few thousand visitors to tens of millions at once. The p-value is 1 over the
// running maximum across looks; `mismatch` when it falls below SRM_THRESHOLD, and since it never rises
// again, a mismatch seen in an epoch stays for that epoch as long as the state is kept. When a variant
// is stopped mid-epoch, the test continues on the arms still running (srmLook's `running`).
import { chiSquareUpperTail, logGamma } from "./distributions.ts";

export const SRM_THRESHOLD = 0.001;
/** Dirichlet concentrations c, equally weighted: each is tightest near 16·c visitors. */
export const SRM_CONCENTRATIONS = [100, 1_000, 10_000, 100_000, 1_000_000] as const;

export interface SrmState {
  /** The sequential p-value so far (running minimum). */
  readonly p_value: number;
  /** ln of the test martingale at the last look. */
  readonly log_e?: number;
  /** The samples at the last look, in the input's order. */
  readonly samples?: readonly number[];
  /**
   * Set once the arms that receive visitors are no longer all the arms (a variant was stopped): which
   * arms run, by position, and the martingale and the running arms' mixture at the look where that
   * stretch began.
   */
  readonly stretch?: SrmStretch;
}

export interface SrmStretch {
  readonly running: readonly boolean[];
  readonly log_e: number;
  readonly log_m: number;
}

export interface Srm {
  readonly p_value: number;
  readonly sequential_p_value: number;
  readonly mismatch: boolean;
}

/** Pearson's chi-square of samples against shares (arms with share 0 and no visitors left out). */
export function srmChiSquare(samples: readonly number[], shares: readonly number[]): number {
  const total = samples.reduce((s, v) => s + v, 0);
  const shareSum = shares.reduce((s, v) => s + v, 0);
  if (total === 0 || shareSum === 0) return 1;
  let chi2 = 0;
  let df = -1;
  for (let i = 0; i < samples.length; i++) {
    const n = samples[i] as number;
    const expected = (total * (shares[i] as number)) / shareSum;
    if (expected === 0) {
      if (n > 0) return 0;
      continue;
    }
    chi2 += ((n - expected) * (n - expected)) / expected;
    df++;
  }
  return df > 0 ? chiSquareUpperTail(chi2, df) : 1;
}

/** ln of the averaged Dirichlet–multinomial mixture ratio at these samples. */
export function srmLogMixture(samples: readonly number[], shares: readonly number[]): number {
  const shareSum = shares.reduce((s, v) => s + v, 0);
  const total = samples.reduce((s, v) => s + v, 0);
  if (total === 0 || shareSum === 0) return 0;
  const rho: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const r = (shares[i] as number) / shareSum;
    const x = samples[i] as number;
    if (r === 0) {
      if (x > 0) return Number.POSITIVE_INFINITY; // visitors in an arm with no share
      continue;
    }
    rho.push(r);
    n.push(x);
  }
  if (rho.length < 2) return 0;
  let nullLog = 0;
  for (let i = 0; i < rho.length; i++) nullLog += (n[i] as number) * Math.log(rho[i] as number);
  const logs = SRM_CONCENTRATIONS.map((c) => {
    let v = logGamma(c) - logGamma(c + total);
    for (let i = 0; i < rho.length; i++) {
      const a = c * (rho[i] as number);
      v += logGamma(a + (n[i] as number)) - logGamma(a);
    }
    return v - nullLog;
  });
  const top = Math.max(...logs);
  return top + Math.log(logs.reduce((s, v) => s + Math.exp(v - top), 0) / logs.length);
}

/**
 * One look of the sample-ratio check; `previous` is the last look's state in the same epoch. `running`
 * says which arms still receive visitors (all by default). A stopped arm's visitors go elsewhere, so the
 * arms no longer follow the shares; the arms still running do, among themselves (the hash sends their
 * visitors in proportion to their shares whatever happens to the others). So from the look at which
 * the set of running arms changed, the test martingale continues as a product: its value then, times
 * the running arms' mixture now over its value then (a factor of mean 1 under the null given the past,
 * for the running arms' shares renormalised). `p_value` (the chi-square) is then computed over the
 * running arms alone.
 */
export function srmLook(
  samples: readonly number[],
  shares: readonly number[],
  previous?: SrmState,
  running?: readonly boolean[],
): { srm: Srm; state: SrmState } {
  const all = samples.map(() => true);
  const runs = running === undefined || running.length !== samples.length ? all : running;
  const before = previous?.stretch?.running ?? all;
  let stretch = previous?.stretch;
  if (!sameArms(runs, before)) {
    // The set of running arms changed since the last look: a new stretch starts at that look's counts.
    // (A state without them, from before arms could stop, starts the stretch from no visitors: the
    // running arms' mixture over all their visitors is a test martingale on its own.)
    const base = previous?.samples !== undefined && previous.samples.length === samples.length ? previous.samples : samples.map(() => 0);
    const baseE = previous?.samples !== undefined && previous.log_e !== undefined ? previous.log_e : 0;
    stretch = { running: runs, log_e: baseE, log_m: finite(srmLogMixture(pick(base, runs), pick(shares, runs))) };
  }
  let logE: number;
  if (stretch === undefined) logE = srmLogMixture(samples, shares);
  else {
    const now = srmLogMixture(pick(samples, stretch.running), pick(shares, stretch.running));
    logE =
      stretch.log_m >= Number.MAX_VALUE || now === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : stretch.log_e + now - stretch.log_m;
  }
  logE = finite(logE);
  const nowP = Math.min(1, Math.exp(-logE));
  const sequential = previous === undefined ? nowP : Math.min(previous.p_value, nowP);
  const chi =
    stretch === undefined ? srmChiSquare(samples, shares) : srmChiSquare(pick(samples, stretch.running), pick(shares, stretch.running));
  return {
    srm: { p_value: chi, sequential_p_value: sequential, mismatch: sequential < SRM_THRESHOLD },
    state: { p_value: sequential, log_e: logE, samples: [...samples], ...(stretch === undefined ? {} : { stretch }) },
  };
}

function sameArms(a: readonly boolean[], b: readonly boolean[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function pick<T>(values: readonly T[], keep: readonly boolean[]): T[] {
  return values.filter((_, i) => keep[i] === true);
}

/** Stored as JSON, which has no infinities: an infinite log is kept as the largest double. */
function finite(x: number): number {
  if (Number.isNaN(x)) return Number.MAX_VALUE;
  return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, x));
}
