// The statistical-significance gate of the reference: `pending` until every variant's sample reaches
// the minimum, `reached` after; `override` when an operator concluded early with a reason.
export type GateState = "pending" | "reached" | "override";

export function gateState(
  minSample: number,
  variantSlugs: readonly string[],
  samples: Readonly<Record<string, number>>,
  overrideReason: string | null,
): GateState {
  if (overrideReason !== null) return "override";
  return variantSlugs.every((slug) => (samples[slug] ?? 0) >= minSample) ? "reached" : "pending";
}
