// The decision of docs/analysis.md#the-outcome: Holm's step-down correction over the always-valid p-values of
// the comparisons, at alpha; winner, losers, or inconclusive.

/** Which comparisons Holm's step-down procedure rejects at `alpha`; a null p-value is never rejected. */
export function holmRejects(pValues: readonly (number | null)[], alpha: number): boolean[] {
  const order = pValues.map((p, i) => ({ p: p ?? 1, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const rejected = pValues.map(() => false);
  for (let k = 0; k < order.length; k++) {
    const entry = order[k] as { p: number; i: number };
    if (!(entry.p <= alpha / (order.length - k)) || pValues[entry.i] === null) break;
    rejected[entry.i] = true;
  }
  return rejected;
}

export interface Outcome {
  readonly state: "winner" | "inconclusive";
  readonly winner: string | null;
  readonly losers: string[];
}

export interface OutcomeComparison {
  readonly variant: string;
  readonly always_valid_p_value: number | null;
  /** +1 if the variant looks better than the control, −1 if worse, 0 if neither (or the two estimates disagree). */
  readonly direction: -1 | 0 | 1;
  /** The variant's rate, to rank several significant winners. */
  readonly rate: number | null;
}

/**
 * winner: the best (highest rate) variant significantly better than the control; losers: the variants
 * significantly worse, in input order; the control wins when every other variant is a loser.
 */
export function decideOutcome(control: string, comparisons: readonly OutcomeComparison[], alpha: number): Outcome {
  const rejected = holmRejects(
    comparisons.map((c) => c.always_valid_p_value),
    alpha,
  );
  const better = comparisons.filter((c, i) => rejected[i] && c.direction > 0);
  const losers = comparisons.filter((c, i) => rejected[i] && c.direction < 0).map((c) => c.variant);
  if (better.length > 0) {
    const best = better.reduce((a, b) => ((b.rate ?? 0) > (a.rate ?? 0) ? b : a));
    return { state: "winner", winner: best.variant, losers };
  }
  if (comparisons.length > 0 && losers.length === comparisons.length) return { state: "winner", winner: control, losers };
  return { state: "inconclusive", winner: null, losers };
}
