// Lifecycle rules of the reference, as a pure function of the record and the action. The catalog
// applies the result in one transaction; anything refused here leaves the record as it was.
//
//   draft ──start──▶ live ──pause──▶ paused ──resume──▶ live
//   live|paused ──conclude / override──▶ done ──archive──▶ archived ──delete──▶ (removed)
//   draft ──archive──▶ archived ──restore──▶ the state it had
import type { Capability } from "./permissions.ts";
import type { LifecycleState } from "./schema.ts";

export const ACTIONS = ["start", "pause", "resume", "conclude", "override", "archive", "restore", "delete"] as const;
export type Action = (typeof ACTIONS)[number];

const FROM: Record<Action, readonly LifecycleState[]> = {
  start: ["draft"],
  pause: ["live"],
  resume: ["paused"],
  conclude: ["live", "paused"],
  override: ["live", "paused"],
  archive: ["done", "draft"],
  restore: ["archived"],
  delete: ["archived"],
};

const TO: Record<Exclude<Action, "restore" | "delete">, LifecycleState> = {
  start: "live",
  pause: "paused",
  resume: "live",
  conclude: "done",
  override: "done",
  archive: "archived",
};

export const ACTION_CAPABILITY: Record<Action, Capability> = {
  start: "experiments.start",
  pause: "experiments.pause",
  resume: "experiments.resume",
  conclude: "experiments.conclude",
  override: "experiments.override",
  archive: "experiments.archive",
  restore: "experiments.restore",
  delete: "experiments.delete",
};

export type TransitionResult =
  | { readonly ok: true; readonly from: LifecycleState; readonly to: LifecycleState | "removed" }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Where `action` takes a record in `state` (`restoreTo`: the state an archived record had). */
export function transition(state: LifecycleState, action: Action, restoreTo: LifecycleState | null): TransitionResult {
  if (!FROM[action].includes(state)) {
    return {
      ok: false,
      code: `cannot_${action}_${state}`,
      message: `cannot ${action} an experiment that is ${state} (allowed from: ${FROM[action].join(", ")})`,
    };
  }
  if (action === "delete") return { ok: true, from: state, to: "removed" };
  if (action === "restore") return { ok: true, from: state, to: restoreTo ?? "draft" };
  return { ok: true, from: state, to: TO[action] };
}

/** The capability an edit needs: editing a draft is an Editor's job; anything already started is not. */
export function editCapability(state: LifecycleState): Capability {
  return state === "draft" ? "experiments.edit_draft" : "experiments.edit_live";
}
