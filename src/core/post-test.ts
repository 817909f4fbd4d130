// Automated post-test actions (reference: post-test actions). The automation acts only when three
// things hold at once: the gate is reached (every running variant has the minimum sample), the minimum
// runtime has passed (min_runtime_days after the start of the current sample: a full week of traffic by
// default, so that one day's visitors, or an outsider's burst of them, cannot decide), and no
// sample-ratio mismatch has been seen in this epoch (counts that do not follow the split cannot be
// trusted to name a winner). Then the outcome picks the configured action; while the outcome is
// inconclusive and the test keeps running, `on_loser: send_to_control` stops the clear losers.
import type { GateState } from "./gate.ts";
import type { PostTest } from "./schema.ts";
import type { Analysis } from "./stats/analysis.ts";

export type PostTestAction = PostTest["on_winner"] | PostTest["on_inconclusive"];

/** What holds the automation back besides the gate, as the catalog knows it at this moment. */
export interface AutomationState {
  /** min_runtime_days have passed since the start of the current sample. */
  readonly runtimeReached: boolean;
  /** A sample-ratio mismatch was seen at some look of this epoch (it stays for the epoch). */
  readonly srmBlocked: boolean;
}

export type PostTestDecision =
  | { readonly kind: "none"; readonly why: "gate_pending" | "min_runtime" | "keep_running" }
  | { readonly kind: "blocked"; readonly why: "sample_ratio_mismatch" }
  | {
      readonly kind: "conclude";
      readonly action: Exclude<PostTestAction, "keep_running">;
      /** The variant every visitor gets from now on; null for `complete` (the control's page is served). */
      readonly shipped: string | null;
      readonly outcome: Analysis["outcome"];
    }
  | {
      readonly kind: "stop_losers";
      /** The clear losers not stopped yet, in the variants' order. */
      readonly losers: readonly string[];
      readonly outcome: Analysis["outcome"];
    };

/**
 * The automated action due now. `stopped` lists the variants already stopped (a loser is stopped once).
 * A mismatch is reported as `blocked` only once the gate is reached; the catalog records the mismatch
 * itself as soon as it is seen.
 */
export function decidePostTest(
  postTest: PostTest,
  gate: GateState,
  analysis: Analysis,
  controlSlug: string,
  state: AutomationState,
  stopped: readonly string[] = [],
): PostTestDecision {
  if (gate !== "reached") return { kind: "none", why: "gate_pending" };
  if (state.srmBlocked || analysis.srm.mismatch) return { kind: "blocked", why: "sample_ratio_mismatch" };
  if (!state.runtimeReached) return { kind: "none", why: "min_runtime" };
  const outcome = analysis.outcome;
  const action = outcome.state === "winner" ? postTest.on_winner : postTest.on_inconclusive;
  switch (action) {
    case "keep_running": {
      const losers = postTest.on_loser === "send_to_control" ? outcome.losers.filter((l) => !stopped.includes(l)) : [];
      return losers.length > 0 ? { kind: "stop_losers", losers, outcome } : { kind: "none", why: "keep_running" };
    }
    case "assign_winner":
      return { kind: "conclude", action, shipped: outcome.winner ?? controlSlug, outcome };
    case "assign_control":
      return { kind: "conclude", action, shipped: controlSlug, outcome };
    case "complete":
      return { kind: "conclude", action, shipped: null, outcome };
  }
}
