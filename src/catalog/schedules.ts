// Scheduled starts and ends, carried out by the catalog's alarm (docs/audiences.md, "Schedules"): a due
// `scheduled_start_at` starts a draft or resumes a paused experiment, a due `scheduled_end_at` pauses
// a live one, each as operator `system` through the same lifecycle action an operator would take (so
// every check of a start applies, and the audit entry says `system` and why). A start that cannot
// happen (another experiment holds the target page, a layer conflict, a zero share, an end already
// past) is not retried: it is audited as `scheduled_start_refused` with the reason, and the start is
// cleared, so that an experiment never starts days later by surprise. Times with nothing left to act
// on are cleared, audited as `schedule_cleared`. The core decides (targeting/schedule.ts); this file
// applies.
import type { ExperimentRecord } from "../core/schema.ts";
import { nextScheduleAt, type Schedule, scheduledStep } from "../core/targeting/schedule.ts";
import type { AuditLog } from "./audit.ts";
import type { Editing } from "./editing.ts";
import { SYSTEM } from "./evaluation.ts";
import type { Records } from "./records.ts";

/** The states in which a schedule can still do something; other states' times are cleared on the way there. */
const SCHEDULABLE = ["draft", "live", "paused"] as const;

const hasSchedule = (r: ExperimentRecord) => r.scheduled_start_at !== null || r.scheduled_end_at !== null;

export class Schedules {
  private readonly records: Records;
  private readonly audit: AuditLog;
  private readonly editing: Editing;
  /** The catalog's clock (ms since the epoch). */
  private readonly now: () => number;

  constructor(records: Records, audit: AuditLog, editing: Editing, now: () => number) {
    this.records = records;
    this.audit = audit;
    this.editing = editing;
    this.now = now;
  }

  /** Carries out every schedule due at `now`; true when a change the edge sees was made. */
  async run(now: number): Promise<boolean> {
    let changed = false;
    for (const { record } of this.records.recordsInStates(SCHEDULABLE)) {
      if (!hasSchedule(record)) continue;
      const step = scheduledStep(record, now, (r) => {
        const refusal = this.editing.startRefusal(r.id, record, r.lifecycle_state === "paused" ? "resume" : "start");
        return refusal === null || refusal.ok ? null : { code: refusal.code, reason: refusal.message };
      });
      const act = step.act;
      if (act.action === "start" || act.action === "resume" || act.action === "pause") {
        const at = act.action === "pause" ? record.scheduled_end_at : record.scheduled_start_at;
        const reason = `${act.action === "pause" ? "scheduled_end_at" : "scheduled_start_at"} ${at} came due`;
        const done = await this.editing.act(SYSTEM, record.id, act.action, { reason }, step.clear);
        if (done.result.ok) {
          changed = true;
          continue;
        }
        // Refused after all (the checks above should have said so): treat it as a start that cannot happen.
        this.refused(record, step.clear, done.result.code, done.result.message);
        continue;
      }
      if (act.action === "not_started") this.refused(record, step.clear, act.code, act.reason);
      else if (step.clear.length > 0) this.clear(record, step.clear, "schedule_cleared", {});
    }
    return changed;
  }

  /** When the alarm next has something to do, or +Infinity. */
  next(): number {
    return nextScheduleAt(this.records.recordsInStates(SCHEDULABLE).map(({ record }) => record)) ?? Number.POSITIVE_INFINITY;
  }

  private refused(record: ExperimentRecord, fields: ReadonlyArray<keyof Schedule>, code: string, reason: string): void {
    this.clear(record, fields, "scheduled_start_refused", { code }, reason);
  }

  /** Clears `fields` of the record as it is stored now, with an audit entry by `system`. */
  private clear(
    record: ExperimentRecord,
    fields: ReadonlyArray<keyof Schedule>,
    action: string,
    extraChanges: Record<string, unknown>,
    reason?: string,
  ): void {
    const next: ExperimentRecord = { ...record, updated_at: new Date(this.now()).toISOString() };
    const changes: Record<string, unknown> = { ...extraChanges };
    for (const f of fields) {
      changes[f] = { from: record[f], to: null };
      next[f] = null;
    }
    this.records.save(next);
    this.audit.write(SYSTEM, next, action, null, null, changes, reason === undefined ? {} : { reason });
  }
}
