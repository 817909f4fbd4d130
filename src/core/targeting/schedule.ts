// Scheduled starts and ends: the pure rules the admin API checks and the catalog's alarm follows.
//
// - `scheduled_start_at`: when due, a draft is started and a paused experiment resumed, by `system`.
// - `scheduled_end_at`: when due, a live experiment is paused, by `system`; the edge also stops
//   assigning at that instant on its own (it is published), so a late alarm or KV's propagation
//   delay never runs a test past its end.
// - "Due" means the instant is at or before now: `Date.parse(at) <= now`.
// - Both are optional ISO 8601 instants; when both are set the end is after the start; a start or
//   end set or changed on an experiment that can still run must lie in the future.
// - A due start that cannot be carried out (another experiment holds the target page, the
//   experiment is not startable, its end has already passed) is not retried: the alarm clears it
//   and records why, so the operator sees the reason instead of an experiment that starts days
//   later by surprise.
import type { Issue } from "../errors.ts";

export interface Schedule {
  readonly scheduled_start_at: string | null;
  readonly scheduled_end_at: string | null;
}

type State = "draft" | "live" | "paused" | "done" | "archived";

/** The instant's milliseconds, or NaN for anything that is not a time. */
export const instantMs = (at: string | null | undefined): number => (at === null || at === undefined ? Number.NaN : Date.parse(at));

/** Whether a scheduled instant has come: set, and at or before `now`. */
export function isDue(at: string | null | undefined, now: number): boolean {
  return instantMs(at) <= now;
}

/**
 * A valid schedule time as the published config carries it: the same instant in UTC (`…Z`), for the
 * publisher to turn `2026-03-01T10:00:00+01:00` into `2026-03-01T09:00:00.000Z`.
 */
export const utcInstant = (at: string): string => new Date(instantMs(at)).toISOString();

/** The end must come after the start, when both are set (null when it does or either is unset). */
export function scheduleOrderProblem(start: string | null, end: string | null): string | null {
  if (start === null || end === null) return null;
  const s = instantMs(start);
  const e = instantMs(end);
  return s < e ? null : "scheduled_end_at must be after scheduled_start_at";
}

/** Furthest ahead a time may be scheduled: ten years. */
export const MAX_SCHEDULE_AHEAD_MS = 3650 * 86_400_000;

/**
 * What is wrong with a schedule an operator saves on an experiment in `state`, `previous` being the
 * schedule the record had (null on create). Only a value that is new or changed must be in the
 * future: re-saving a draft whose start is a minute away must not fail a minute later for a field the
 * operator did not touch.
 */
export function scheduleProblems(next: Schedule, state: State, now: number, previous: Schedule | null = null): Issue[] {
  const out: Issue[] = [];
  const order = scheduleOrderProblem(next.scheduled_start_at, next.scheduled_end_at);
  if (order !== null) out.push({ path: "scheduled_end_at", message: order });
  const check = (field: keyof Schedule, allowed: readonly State[], what: string) => {
    const at = next[field];
    if (at === null) return;
    const changed = previous === null || previous[field] !== at;
    if (!allowed.includes(state)) {
      if (changed)
        out.push({ path: field, message: `${what} can be scheduled only on a ${allowed.join(" or ")} experiment (this one is ${state})` });
      return;
    }
    if (!changed) return;
    const ms = instantMs(at);
    if (!(ms > now)) out.push({ path: field, message: `${field} must be in the future` });
    else if (ms - now > MAX_SCHEDULE_AHEAD_MS) out.push({ path: field, message: `${field} may be at most ten years ahead` });
  };
  check("scheduled_start_at", ["draft", "paused"], "a start");
  check("scheduled_end_at", ["draft", "live", "paused"], "an end");
  return out;
}

/** A record as the alarm reads it. */
export interface ScheduledRecord extends Schedule {
  readonly id: number;
  readonly lifecycle_state: State;
}

/** The earliest instant at which the alarm has something to do, for `setAlarm`, or null. */
export function nextScheduleAt(records: Iterable<ScheduledRecord>): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const r of records) {
    if (r.lifecycle_state === "draft" || r.lifecycle_state === "paused") next = Math.min(next, startOrNaN(r));
    if (r.lifecycle_state === "live" || r.lifecycle_state === "paused" || r.lifecycle_state === "draft") {
      next = Math.min(next, endOrNaN(r));
    }
  }
  return next === Number.POSITIVE_INFINITY ? null : next;
}

const orInfinity = (ms: number) => (Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms);
const startOrNaN = (r: Schedule) => orInfinity(instantMs(r.scheduled_start_at));
const endOrNaN = (r: Schedule) => orInfinity(instantMs(r.scheduled_end_at));

/** What the alarm does for one record whose time has come. */
export type ScheduledAction =
  /** Start (draft) or resume (paused) the experiment, audited as `system`. */
  | { readonly action: "start" | "resume" }
  /** Pause the live experiment, audited as `system`. */
  | { readonly action: "pause" }
  /** A due start that could not be carried out: audit `reason` as `system`, change nothing else. */
  | { readonly action: "not_started"; readonly code: string; readonly reason: string }
  /** Nothing to do but clear what is stale. */
  | { readonly action: "none" };

export interface ScheduledStep {
  readonly act: ScheduledAction;
  /** The schedule fields to set to null in the same transaction (a done time never fires twice). */
  readonly clear: ReadonlyArray<keyof Schedule>;
}

/**
 * The alarm's step for `record` at `now`. `startBlocker` says why the record cannot be started or
 * resumed right now (another live experiment on the target page, a start problem), or null; it is
 * asked only when a start is due. A record with nothing due gets `{ act: none, clear: [] }`.
 *
 * @example
 * const step = scheduledStep(record, Date.now(), (r) => (busy(r.target_page) ? { code: "target_page_busy", reason: "…" } : null));
 * if (step.act.action === "start") await start(record, { by: "system" });
 */
export function scheduledStep(
  record: ScheduledRecord,
  now: number,
  startBlocker: (record: ScheduledRecord) => { readonly code: string; readonly reason: string } | null,
): ScheduledStep {
  const startDue = isDue(record.scheduled_start_at, now);
  const endDue = isDue(record.scheduled_end_at, now);
  const state = record.lifecycle_state;
  if (startDue && (state === "draft" || state === "paused")) {
    if (endDue) {
      return {
        act: { action: "not_started", code: "schedule_end_passed", reason: "the scheduled end had already passed when the start came due" },
        clear: ["scheduled_start_at", "scheduled_end_at"],
      };
    }
    const blocked = startBlocker(record);
    if (blocked !== null) return { act: { action: "not_started", ...blocked }, clear: ["scheduled_start_at"] };
    return { act: { action: state === "draft" ? "start" : "resume" }, clear: ["scheduled_start_at"] };
  }
  if (endDue && state === "live") {
    return { act: { action: "pause" }, clear: startDue ? ["scheduled_start_at", "scheduled_end_at"] : ["scheduled_end_at"] };
  }
  // Due times with nothing to act on (an end on a paused or draft experiment, anything on a done or
  // archived one, a start on a live one) are cleared so that they do not wake the alarm again.
  const clear: Array<keyof Schedule> = [];
  if (startDue) clear.push("scheduled_start_at");
  if (endDue) clear.push("scheduled_end_at");
  return { act: { action: "none" }, clear };
}
