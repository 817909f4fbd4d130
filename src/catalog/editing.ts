// The writes operators make: create, replace the configuration, the lifecycle actions and the gradual
// rollout. Each checks what only the catalog can know (a slug in use, a busy target page, a chain of
// experiments, the gate) on top of the core's rules, saves the record and its audit entry together, and
// says which effects must follow (publish, freeze run-data, reschedule the alarm); the Durable Object
// carries those out, in that order, with its input still closed.
import { checkEdit, checkOverrides, selfReferenceIssues } from "../core/edit-rules.ts";
import { fail, ok, type Result } from "../core/errors.ts";
import { type Action, transition } from "../core/lifecycle.ts";
import { canonicalPath } from "../core/paths.ts";
import type { Operator } from "../core/permissions.ts";
import { primaryOf, runGate } from "../core/run-look.ts";
import { type DecisionRecord, type ExperimentInput, type ExperimentRecord, startProblems } from "../core/schema.ts";
import { findLayerConflict } from "../core/targeting/layers.ts";
import { type Schedule, scheduleProblems } from "../core/targeting/schedule.ts";
import { type AuditExtra, type AuditLog, changedFields } from "./audit.ts";
import { type Evaluation, evidenceOf } from "./evaluation.ts";
import { seenByEdge } from "./publishing.ts";
import { type Records, readRecord, type UnreadableRecord } from "./records.ts";
import type { RunDataAccess } from "./run-data.ts";
import type { ExperimentRow } from "./tables.ts";

export interface ActionBody {
  shipped_variant_slug?: string | undefined;
  /** Why: required for an override, kept on the audit entry of any action. */
  reason?: string | undefined;
  decision_record?: DecisionRecord | undefined;
  rollout_percent?: number | undefined;
}

/** A write's answer, and the effects outside the object's tables that must follow it. */
export interface Change<T> {
  readonly result: Result<T>;
  /** Publish the edge's view. */
  readonly publish: boolean;
  /** Freeze this experiment's run-data, after publishing. */
  readonly freeze: ExperimentRow | null;
  /** Recompute the alarm (a runtime limit may have changed). */
  readonly reschedule: boolean;
}

const refused = (result: Result<never>): Change<never> => ({ result, publish: false, freeze: null, reschedule: false });

export function notFound(id: number): Result<never> {
  return fail(404, "not_found", `no experiment with id ${id}`);
}

/** A stored record that does not parse cannot be acted on; it is reported with its problems, as a conflict. */
export function unreadable(u: UnreadableRecord): Result<never> {
  return fail(
    409,
    "record_unreadable",
    `the stored record of experiment ${u.id} (${u.slug}) does not match the schema; it is left as it is`,
    u.issues,
  );
}

/** An experiment's run-data cannot be read (a shard fails): the write that needs it is refused, in words. */
export function runDataUnavailable(message: string): Result<never> {
  return fail(503, "run_data_unavailable", message);
}

function slugTaken(slug: string): Result<never> {
  return fail(409, "slug_taken", `an experiment with slug ${slug} already exists`, [{ path: "slug", message: "already used" }]);
}

const selfReference = (issues: ReturnType<typeof selfReferenceIssues>) =>
  fail(422, "validation_failed", "a variant points back at the target page", issues);

const badSchedule = (issues: ReturnType<typeof scheduleProblems>) => fail(422, "validation_failed", "the schedule is not valid", issues);

/** Schedule fields an action makes moot: a start once started, both once concluded or archived. */
const MOOT_SCHEDULE: Partial<Record<Action, ReadonlyArray<keyof Schedule>>> = {
  start: ["scheduled_start_at"],
  resume: ["scheduled_start_at"],
  conclude: ["scheduled_start_at", "scheduled_end_at"],
  override: ["scheduled_start_at", "scheduled_end_at"],
  archive: ["scheduled_start_at", "scheduled_end_at"],
};

export class Editing {
  private readonly records: Records;
  private readonly audit: AuditLog;
  private readonly evaluation: Evaluation;
  private readonly runData: RunDataAccess;
  private readonly shardsForNew: () => number;
  private readonly now: () => number;

  constructor(
    records: Records,
    audit: AuditLog,
    evaluation: Evaluation,
    runData: RunDataAccess,
    shardsForNew: () => number,
    now: () => number,
  ) {
    this.records = records;
    this.audit = audit;
    this.evaluation = evaluation;
    this.runData = runData;
    this.shardsForNew = shardsForNew;
    this.now = now;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** The row and its readable record, or the answer for a missing or unreadable one. */
  private load(id: number): { row: ExperimentRow; record: ExperimentRecord } | Result<never> {
    const row = this.records.row(id);
    if (row === undefined) return notFound(id);
    const read = readRecord(row);
    return read.ok ? { row, record: read.record } : unreadable(read.unreadable);
  }

  /** `mayAllowScripts`: the operator's role may allow script-running overrides. */
  create(op: Operator, given: ExperimentInput, mayAllowScripts: boolean): Change<ExperimentRecord> {
    const checked = checkOverrides(given, mayAllowScripts);
    if (!checked.ok) return refused(checked);
    const input = checked.value; // HTML values as the sanitiser writes them
    const issues = selfReferenceIssues(input);
    if (issues.length > 0) return refused(selfReference(issues));
    const schedule = scheduleProblems(input, "draft", this.now());
    if (schedule.length > 0) return refused(badSchedule(schedule));
    if (this.records.slugTaken(input.slug, null)) return refused(slugTaken(input.slug));
    const now = this.iso();
    const id = this.records.insertDraft(input, this.shardsForNew(), now);
    const record: ExperimentRecord = {
      id,
      ...input,
      lifecycle_state: "draft",
      shipped_variant_slug: null,
      significance_override_reason: null,
      created_at: now,
      updated_at: now,
      started_at: null,
      concluded_at: null,
      decision_record: null,
      rollout_percent: 100,
      stopped_variants: [],
    };
    this.records.save(record);
    this.audit.write(op, record, "create", null, "draft", { created: input });
    // A draft is not published: the edge has nothing to learn. Its scheduled start may wake the alarm.
    return { result: ok(record), publish: false, freeze: null, reschedule: input.scheduled_start_at !== null };
  }

  /** `mayEditLive`: the operator's role may edit a started experiment (checked here, against the state now). */
  replace(
    op: Operator,
    id: number,
    given: ExperimentInput,
    confirmReset: boolean,
    mayEditLive: boolean,
    mayAllowScripts: boolean,
  ): Change<ExperimentRecord> {
    const checked = checkOverrides(given, mayAllowScripts);
    if (!checked.ok) return refused(checked);
    const input = checked.value; // HTML values as the sanitiser writes them
    const loaded = this.load(id);
    if (!("row" in loaded)) return refused(loaded);
    const { row, record: current } = loaded;
    if (current.lifecycle_state !== "draft" && !mayEditLive) {
      return refused(fail(403, "forbidden", `the role ${op.role} may not edit an experiment that is ${current.lifecycle_state}`));
    }
    const edit = checkEdit(current, input, confirmReset);
    if (!edit.ok) return refused(edit);
    const issues = selfReferenceIssues(input);
    if (issues.length > 0) return refused(selfReference(issues));
    const schedule = scheduleProblems(input, current.lifecycle_state, this.now(), current);
    if (schedule.length > 0) return refused(badSchedule(schedule));
    if (this.records.slugTaken(input.slug, id)) return refused(slugTaken(input.slug));
    if (current.lifecycle_state !== "draft") {
      const chain = this.chainProblem(id, input);
      if (chain !== null) return refused(chain);
      // A live or paused experiment's slice must stay apart from the others' in its layer.
      const layer = this.layerProblem(id, input);
      if (layer !== null) return refused(layer);
    }
    const now = this.iso();
    const next: ExperimentRecord = { ...current, ...input, updated_at: now };
    // A reset starts a fresh sample with the variants as now configured: none is stopped in it.
    if (edit.value.resetsSample) next.stopped_variants = [];
    const changes: Record<string, unknown> = changedFields(current, next);
    if (edit.value.resetsSample) {
      this.records.startNewEpoch(id, now);
      changes.sample_reset = { from: row.epoch, to: row.epoch + 1 };
    }
    this.records.save(next);
    this.audit.write(op, next, edit.value.resetsSample ? "edit_reset" : "edit", null, null, changes);
    // max_runtime_days may have changed: the alarm is recomputed.
    return { result: ok(next), publish: seenByEdge(current.lifecycle_state), freeze: null, reschedule: true };
  }

  /**
   * A lifecycle action. `alsoClear` are schedule fields to clear in the same save (the alarm's scheduled
   * pause clears the end it carried out); the action's own moot fields are cleared anyway.
   */
  async act(
    op: Operator,
    id: number,
    action: Action,
    body: ActionBody,
    alsoClear: ReadonlyArray<keyof Schedule> = [],
  ): Promise<Change<ExperimentRecord | { deleted: number }>> {
    const loaded = this.load(id);
    if (!("row" in loaded)) return refused(loaded);
    const { row, record: current } = loaded;
    const t = transition(current.lifecycle_state, action, this.records.restoreTo(row));
    if (!t.ok) return refused(fail(409, t.code, t.message));
    const now = this.iso();

    if (t.to === "removed") {
      const purgeFailed = await this.runData.purge(row);
      if (purgeFailed !== null) return refused(runDataUnavailable(`${purgeFailed}; nothing was deleted, try again`));
      this.records.remove(id);
      this.evaluation.forgetReports(id);
      this.audit.write(op, current, "delete", current.lifecycle_state, "removed", { deleted: current });
      return { result: ok({ deleted: id }), publish: false, freeze: null, reschedule: false };
    }

    const next: ExperimentRecord = { ...current, lifecycle_state: t.to, updated_at: now };
    const extra: AuditExtra = {};
    let evidence: object | null = null;
    if (action !== "override" && body.reason !== undefined && body.reason.trim() !== "") extra.reason = body.reason.trim();
    if (action === "start" || action === "resume") {
      const refusal = this.startRefusal(id, current, action);
      if (refusal !== null) return refused(refusal);
      if (action === "start") next.started_at = current.started_at ?? now;
    }
    if (action === "conclude" || action === "override") {
      const shipped = body.shipped_variant_slug;
      if (shipped === undefined || !current.variants.some((v) => v.slug === shipped)) {
        return refused(
          fail(422, "validation_failed", "name the variant to ship", [
            { path: "shipped_variant_slug", message: `one of: ${current.variants.map((v) => v.slug).join(", ")}` },
          ]),
        );
      }
      const read = await this.runData.read(row);
      if (action === "conclude") {
        if (!read.ok) return refused(runDataUnavailable(`${read.error}; the gate cannot be checked, so nothing was concluded`));
        if (runGate(current, read.run.samples, null) !== "reached") {
          return refused(
            fail(
              409,
              "gate_pending",
              `every variant needs a sample of ${current.min_sample_threshold} before conclusion; use override with a reason`,
            ),
          );
        }
      } else {
        const reason = body.reason?.trim() ?? "";
        if (reason === "") {
          return refused(fail(422, "validation_failed", "an override needs a reason", [{ path: "reason", message: "required" }]));
        }
        next.significance_override_reason = reason;
        extra.reason = reason;
      }
      next.shipped_variant_slug = shipped;
      next.concluded_at = now;
      next.decision_record = body.decision_record ?? null;
      next.rollout_percent = body.rollout_percent ?? 100;
      extra.shipped = shipped;
      // The analysis this conclusion is made on, frozen with it (and named in the audit entry). An
      // override while run-data is unavailable has no true figures to keep: no snapshot, and the
      // result archive reads run-data live once it answers again.
      if (read.ok) {
        const snapshot = this.evaluation.snapshotConclusion(row, current, read.run);
        const primary = snapshot.look === undefined ? undefined : primaryOf(current, snapshot.look);
        if (snapshot.look !== undefined && primary !== undefined) evidence = evidenceOf(snapshot.look, primary);
      } else {
        console.warn(`sgen-ab catalog: no conclusion snapshot for experiment ${id}: ${read.error}`);
      }
    }
    if (action === "archive") this.records.setRestoreTo(id, current.lifecycle_state);
    if (action === "restore") this.records.setRestoreTo(id, null);
    for (const field of [...(MOOT_SCHEDULE[action] ?? []), ...alsoClear]) next[field] = null;

    this.records.save(next);
    const changes: Record<string, unknown> = { lifecycle_state: { from: current.lifecycle_state, to: t.to } };
    for (const field of ["scheduled_start_at", "scheduled_end_at"] as const) {
      if (next[field] !== current[field]) changes[field] = { from: current[field], to: next[field] };
    }
    if (next.decision_record !== current.decision_record && next.decision_record !== null) changes.decision_record = next.decision_record;
    if (next.rollout_percent !== current.rollout_percent)
      changes.rollout_percent = { from: current.rollout_percent, to: next.rollout_percent };
    if (evidence !== null) changes.evidence = evidence;
    this.audit.write(op, next, action, current.lifecycle_state, t.to, changes, extra);
    return {
      result: ok(next),
      publish: seenByEdge(current.lifecycle_state) || seenByEdge(t.to),
      freeze: t.to === "done" ? row : null,
      reschedule: true,
    };
  }

  /**
   * Gradual rollout of the shipped variant of a done experiment: `percent` of visitors (by the assignment
   * hash, so raising it only adds visitors) get it, the rest the control; 0 rolls back to the control.
   */
  setRollout(op: Operator, id: number, percent: number): Change<ExperimentRecord> {
    const loaded = this.load(id);
    if (!("row" in loaded)) return refused(loaded);
    const current = loaded.record;
    if (current.lifecycle_state !== "done") {
      return refused(
        fail(409, `cannot_rollout_${current.lifecycle_state}`, "only a concluded experiment's shipped variant can be rolled out"),
      );
    }
    if (current.shipped_variant_slug === null) {
      return refused(fail(409, "nothing_shipped", "this experiment shipped no variant; there is nothing to roll out"));
    }
    if (!(percent >= 0 && percent <= 100) || Math.round(percent * 100) !== percent * 100) {
      return refused(
        fail(422, "validation_failed", "a percentage from 0 to 100 with at most two decimals", [{ path: "percent", message: "0 to 100" }]),
      );
    }
    const next: ExperimentRecord = { ...current, rollout_percent: percent, updated_at: this.iso() };
    this.records.save(next);
    this.audit.write(
      op,
      next,
      percent === 0 ? "rollback" : "rollout",
      null,
      null,
      { rollout_percent: { from: current.rollout_percent, to: percent } },
      { shipped: current.shipped_variant_slug },
    );
    return { result: ok(next), publish: true, freeze: null, reschedule: false };
  }

  /**
   * Why `record` cannot start (or resume) now, or null: a zero share, another live or paused experiment
   * on its target page, a chain of experiments, a slice overlapping another's in its layer. The
   * catalog's alarm asks the same before a scheduled start.
   */
  startRefusal(id: number, record: ExperimentRecord, action: "start" | "resume" = "start"): Result<never> | null {
    if (action === "start") {
      const problems = startProblems(record);
      if (problems.length > 0) return fail(422, "validation_failed", "the experiment cannot start as configured", problems);
      const busy = this.records.runningOn(record.target_page, id);
      if (busy.length > 0) {
        return fail(409, "target_page_busy", `${record.target_page} already has a running experiment: ${busy.join(", ")}`);
      }
      const chain = this.chainProblem(id, record);
      if (chain !== null) return chain;
    }
    return this.layerProblem(id, record);
  }

  /** A slice of `e`'s layer that overlaps a live or paused experiment's, as a 409 naming both. */
  private layerProblem(id: number, e: Pick<ExperimentInput, "slug" | "layer">): Result<never> | null {
    if (e.layer === null) return null;
    const others = this.records.recordsInStates(["live", "paused"], id).map(({ record }) => record);
    const conflict = findLayerConflict({ id, slug: e.slug, layer: e.layer }, others);
    if (conflict === null) return null;
    return fail(409, "layer_conflict", conflict.message, [{ path: "layer", message: conflict.message }]);
  }

  /**
   * A running experiment whose variant page is another running experiment's target page (or the reverse).
   * Pages are compared in canonical form (core/paths.ts): `/b/`, `/%62` and `/b` are one page to the edge.
   */
  private chainProblem(id: number, e: Pick<ExperimentInput, "target_page" | "variants">): Result<never> | null {
    const target = canonicalPath(e.target_page);
    const pages = new Set(e.variants.map((v) => canonicalPath(v.page ?? e.target_page)));
    for (const { record: o } of this.records.recordsInStates(["live", "paused"], id)) {
      const theirs = canonicalPath(o.target_page);
      if (theirs === target) continue;
      if (pages.has(theirs)) {
        return fail(409, "experiment_chain", `a variant page is the target page of running experiment ${o.slug}`);
      }
      if (o.variants.some((v) => canonicalPath(v.page ?? o.target_page) === target)) {
        return fail(409, "experiment_chain", `the target page is a variant page of running experiment ${o.slug}`);
      }
    }
    return null;
  }
}
