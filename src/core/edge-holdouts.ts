// What the edge needs of the published holdouts, prepared once per config: which goals a request may
// complete for a holdout (by page-view path, form path and custom event name, as experiments' goals
// are indexed), and for each holdout the assignment cookies of the experiments it covers.
//
// Counting (docs/audiences.md, "Holdouts"): a visitor who reaches the holdout step of a covered live
// experiment's target page (inside its audience, not already assigned) joins one arm of each holdout
// covering it: `held` when the holdout hash holds them, `exposed` otherwise. So both arms are drawn by
// the hash from the same visitors, and the holdout dashboard compares the two like a two-variant test
// (the held arm the control). A held visitor who holds a valid assignment cookie of a covered
// experiment (assigned before the holdout existed or was widened) is not counted as held: they saw
// an experiment. Goal requests of any identified visitor are sent on for the holdout's goals; the
// holdout's run-data counts only those of visitors in its sample.

import { appendTo } from "./multimap.ts";
import { normalizePath } from "./paths.ts";
import type { CompiledHoldout, CompiledHoldouts } from "./targeting/holdouts.ts";
import { holdoutsCovering } from "./targeting/holdouts.ts";

/** The two arms of a holdout, as its run-data names them (the held arm first: the control). */
export const HOLDOUT_ARMS = ["held", "exposed"] as const;
export type HoldoutArm = (typeof HOLDOUT_ARMS)[number];

/** A goal of a holdout that a request may complete. */
export interface HoldoutGoalTarget {
  readonly holdout: CompiledHoldout;
  readonly goal: string;
}

/** An experiment's assignment cookie, and the values it may validly hold. */
export interface AssignmentCookieCheck {
  readonly cookieName: string;
  readonly variantSlugs: ReadonlySet<string>;
}

export interface EdgeHoldouts {
  readonly all: readonly CompiledHoldout[];
  readonly pageViewGoals: ReadonlyMap<string, readonly HoldoutGoalTarget[]>;
  readonly formGoals: ReadonlyMap<string, readonly HoldoutGoalTarget[]>;
  readonly customGoals: ReadonlyMap<string, readonly HoldoutGoalTarget[]>;
  /** Holdout id → the assignment cookies of the live and paused experiments it covers. */
  readonly coveredCookies: ReadonlyMap<number, readonly AssignmentCookieCheck[]>;
}

export const NO_EDGE_HOLDOUTS: EdgeHoldouts = {
  all: [],
  pageViewGoals: new Map(),
  formGoals: new Map(),
  customGoals: new Map(),
  coveredCookies: new Map(),
};

interface CoveredExperiment {
  readonly state: string;
  readonly layer: { readonly slug: string } | null | undefined;
  readonly cookie: AssignmentCookieCheck;
}

/** Prepares the holdouts of a config for the request path. */
export function compileEdgeHoldouts(holdouts: CompiledHoldouts, experiments: readonly CoveredExperiment[]): EdgeHoldouts {
  if (holdouts.all.length === 0) return NO_EDGE_HOLDOUTS;
  const pageViewGoals = new Map<string, HoldoutGoalTarget[]>();
  const formGoals = new Map<string, HoldoutGoalTarget[]>();
  const customGoals = new Map<string, HoldoutGoalTarget[]>();
  for (const holdout of holdouts.all) {
    for (const goal of holdout.goals) {
      const colon = goal.indexOf(":");
      const type = goal.slice(0, colon);
      const rest = goal.slice(colon + 1);
      const target = { holdout, goal };
      if (type === "page_view") appendTo(pageViewGoals, normalizePath(rest), target);
      else if (type === "form_submission") appendTo(formGoals, normalizePath(rest), target);
      else appendTo(customGoals, rest, target);
    }
  }
  const coveredCookies = new Map<number, AssignmentCookieCheck[]>();
  for (const e of experiments) {
    if (e.state !== "live" && e.state !== "paused") continue;
    for (const h of holdoutsCovering(holdouts, e.layer?.slug ?? null)) appendTo(coveredCookies, h.id, e.cookie);
  }
  return { all: holdouts.all, pageViewGoals, formGoals, customGoals, coveredCookies };
}

/** Whether the request carries a valid assignment cookie of any experiment the holdout covers. */
export function holdsCoveredCookie(
  holdouts: EdgeHoldouts,
  holdout: CompiledHoldout,
  cookie: (name: string) => string | undefined,
): boolean {
  for (const c of holdouts.coveredCookies.get(holdout.id) ?? []) {
    const v = cookie(c.cookieName);
    if (v !== undefined && c.variantSlugs.has(v)) return true;
  }
  return false;
}
