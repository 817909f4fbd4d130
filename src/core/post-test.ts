// Automated post-test actions (reference: post-test actions). Once the gate is reached, the outcome
// picks the configured action; a sample-ratio mismatch blocks every automated action, since counts
// that do not match the split cannot be trusted to name a winner.
import type { GateState } from "./gate.ts";
import type { PostTest } from "./schema.ts";
import type { Analysis } from "./stats/analysis.ts";

export type PostTestAction = PostTest["on_winner"] | PostTest["on_inconclusive"];

export type PostTestDecision =
  | { readonly kind: "none"; readonly why: "gate_pending" | "keep_running" }
  | { readonly kind: "blocked"; readonly why: "sample_ratio_mismatch" }
  | {
      readonly kind: "conclude";
      readonly action: Exclude<PostTestAction, "keep_running">;
      /** The variant every visitor gets from now on; null for `complete` (the control's page is served). */
      readonly shipped: string | null;
      readonly outcome: Analysis["outcome"];
    };

export function decidePostTest(postTest: PostTest, gate: GateState, analysis: Analysis, controlSlug: string): PostTestDecision {
  if (gate !== "reached") return { kind: "none", why: "gate_pending" };
  if (analysis.srm.mismatch) return { kind: "blocked", why: "sample_ratio_mismatch" };
  const outcome = analysis.outcome;
  const action = outcome.state === "winner" ? postTest.on_winner : postTest.on_inconclusive;
  switch (action) {
    case "keep_running":
      return { kind: "none", why: "keep_running" };
    case "assign_winner":
      return { kind: "conclude", action, shipped: outcome.winner ?? controlSlug, outcome };
    case "assign_control":
      return { kind: "conclude", action, shipped: controlSlug, outcome };
    case "complete":
      return { kind: "conclude", action, shipped: null, outcome };
  }
}
