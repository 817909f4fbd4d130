// The comparison of one variant with the control, the shape both the conversion analysis (analysis.ts)
// and the value-metric analysis (means.ts) answer in, and its empty form for an arm with no visitors.

/** One non-control variant against the control. Every field is null when either arm has no visitors. */
export interface Comparison {
  variant: string;
  absolute_diff: number | null;
  absolute_ci_low: number | null;
  absolute_ci_high: number | null;
  /** Also null when the control's rate (or mean) is 0. */
  relative_lift: number | null;
  relative_ci_low: number | null;
  relative_ci_high: number | null;
  p_value: number | null;
  /** Also null when either arm's traffic share is 0 (no split to test against). */
  always_valid_p_value: number | null;
  absolute_cs_low: number | null;
  absolute_cs_high: number | null;
  chance_to_beat_control: number | null;
  expected_loss: number | null;
}

/** A comparison with nothing to compare: every number null, so the variant can neither win nor lose. */
export function emptyComparison(variant: string): Comparison {
  return {
    variant,
    absolute_diff: null,
    absolute_ci_low: null,
    absolute_ci_high: null,
    relative_lift: null,
    relative_ci_low: null,
    relative_ci_high: null,
    p_value: null,
    always_valid_p_value: null,
    absolute_cs_low: null,
    absolute_cs_high: null,
    chance_to_beat_control: null,
    expected_loss: null,
  };
}
