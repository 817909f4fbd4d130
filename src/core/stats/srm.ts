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
// again, a mismatch seen in an epoch stays for that epoch as long as the state is kept.
import { chiSquareUpperTail, logGamma } from "./distributions.ts";

export const SRM_THRESHOLD = 0.001;
/** Dirichlet concentrations c, equally weighted: each is tightest near 16·c visitors. */
export const SRM_CONCENTRATIONS = [100, 1_000, 10_000, 100_000, 1_000_000] as const;

export interface SrmState {
  /** The sequential p-value so far (running minimum). */
  readonly p_value: number;
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

/** One look of the sample-ratio check; `previous` is the last look's state in the same epoch. */
export function srmLook(samples: readonly number[], shares: readonly number[], previous?: SrmState): { srm: Srm; state: SrmState } {
  const now = Math.min(1, Math.exp(-srmLogMixture(samples, shares)));
  const sequential = previous === undefined ? now : Math.min(previous.p_value, now);
  return {
    srm: { p_value: srmChiSquare(samples, shares), sequential_p_value: sequential, mismatch: sequential < SRM_THRESHOLD },
    state: { p_value: sequential },
  };
}
