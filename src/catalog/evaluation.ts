// What the catalog decides on its own, from the numbers: after each run-data report, the gate and the
// automated post-test action (core/post-test.ts), with the run-data frozen into a conclusion snapshot
// when it concludes; and on the alarm, the pause of experiments past their maximum runtime. Every
// decision is audited as operator `system`. Effects outside the object's storage (publishing to KV,
// freezing run-data, the alarm) are left to the caller, which runs them in order.
import { gateState } from "../core/gate.ts";
import type { Operator } from "../core/permissions.ts";
import { decidePostTest } from "../core/post-test.ts";
import { analyzeGoal } from "../core/run-analysis.ts";
import type { ExperimentRecord } from "../core/schema.ts";
import { sumSnapshots } from "../run-data/client.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";
import type { AuditLog } from "./audit.ts";
import {
  alwaysValidMin,
  type ConclusionSnapshot,
  type PostTestApplied,
  type Records,
  readColumn,
  readRecord,
  StoredSnapshot,
} from "./records.ts";
import type { RunDataAccess } from "./run-data.ts";
import type { ExperimentRow } from "./tables.ts";

export const SYSTEM: Operator = { name: "system", role: "system" };

/** When a live experiment pauses itself: started_at + max_runtime_days, or null for no limit. */
export function runtimeCutoff(r: ExperimentRecord): number | null {
  if (r.max_runtime_days === null || r.started_at === null) return null;
  return new Date(r.started_at).getTime() + r.max_runtime_days * 86_400_000;
}

export class Evaluation {
  private readonly sql: SqlStorage;
  private readonly records: Records;
  private readonly audit: AuditLog;
  private readonly runData: RunDataAccess;

  constructor(sql: SqlStorage, records: Records, audit: AuditLog, runData: RunDataAccess) {
    this.sql = sql;
    this.records = records;
    this.audit = audit;
    this.runData = runData;
  }

  /** Keeps a shard's latest report; evaluation sums the reports of the current epoch. */
  keepReport(experimentId: number, shard: number, snapshot: ShardSnapshot): void {
    this.sql.exec(
      "INSERT INTO shard_snapshots (experiment_id, shard, epoch, snapshot) VALUES (?, ?, ?, ?) ON CONFLICT (experiment_id, shard) DO UPDATE SET epoch = excluded.epoch, snapshot = excluded.snapshot",
      experimentId,
      shard,
      snapshot.epoch,
      JSON.stringify(snapshot),
    );
  }

  forgetReports(experimentId: number): void {
    this.sql.exec("DELETE FROM shard_snapshots WHERE experiment_id = ?", experimentId);
  }

  /**
   * The gate and the automated post-test action, from the shards' latest reports. Returns the row of an
   * experiment it concluded (the caller publishes, freezes its run-data and reschedules), else null.
   */
  async afterReport(id: number): Promise<ExperimentRow | null> {
    const row = this.records.row(id);
    if (row === undefined || row.lifecycle_state !== "live") return null;
    const read = readRecord(row);
    if (!read.ok) return null;
    const record = read.record;
    const parts: ShardSnapshot[] = [];
    for (const r of this.sql.exec<{ shard: number; snapshot: string }>(
      "SELECT shard, snapshot FROM shard_snapshots WHERE experiment_id = ? AND epoch = ?",
      id,
      row.epoch,
    )) {
      const part = readColumn(StoredSnapshot, r.snapshot, `report of shard ${r.shard} of experiment ${id}`);
      // Deciding on some shards' counts would decide on a sample the split did not make: wait for the next report.
      if (part === null) return null;
      parts.push(part);
    }
    const run = sumSnapshots(row.epoch, parts);
    const sample = Object.values(run.samples).reduce((a, b) => a + b, 0);
    const analysis = analyzeGoal(record, run, record.conversion_event, alwaysValidMin(row));
    // A comparison without visitors in an arm has no always-valid p-value (null): nothing to keep for it.
    const alwaysValid = analysis.comparisons.flatMap((c) =>
      c.always_valid_p_value === null ? [] : [[c.variant, c.always_valid_p_value] as const],
    );
    this.records.noteRun(id, row.epoch, sample, Object.fromEntries(alwaysValid));

    const gate = gateState(
      record.min_sample_threshold,
      record.variants.map((v) => v.slug),
      run.samples,
      null,
    );
    const decision = decidePostTest(record.post_test, gate, analysis, (record.variants[0] as { slug: string }).slug);
    if (decision.kind === "blocked") {
      if (row.srm_blocked_at === null) {
        this.records.markSrmBlocked(id, new Date().toISOString());
        this.audit.write(SYSTEM, record, "post_test_blocked", null, null, { why: decision.why, srm_p_value: analysis.srm.p_value });
      }
      return null;
    }
    if (decision.kind !== "conclude") return null;
    const now = new Date().toISOString();
    const next: ExperimentRecord = {
      ...record,
      lifecycle_state: "done",
      shipped_variant_slug: decision.shipped,
      concluded_at: now,
      updated_at: now,
    };
    const applied: PostTestApplied = {
      action: decision.action,
      outcome: decision.outcome,
      shipped_variant_slug: decision.shipped,
      at: now,
    };
    await this.snapshotConclusion(row);
    this.records.save(next);
    this.records.setPostTestApplied(id, applied);
    this.audit.write(
      SYSTEM,
      next,
      "post_test_action",
      "live",
      "done",
      { lifecycle_state: { from: "live", to: "done" }, post_test: applied },
      decision.shipped === null ? {} : { shipped: decision.shipped },
    );
    return row;
  }

  /** Keeps the run-data as it stands now with the record: the result archive's figures at conclusion. */
  async snapshotConclusion(row: ExperimentRow): Promise<void> {
    const snapshot: ConclusionSnapshot = { at: new Date().toISOString(), epoch: row.epoch, run: await this.runData.read(row) };
    this.records.setConclusion(row.id, snapshot);
  }

  /** Pauses the live experiments past their maximum runtime; true when one was paused. */
  pauseOverdue(now: number): boolean {
    let changed = false;
    for (const { record } of this.records.recordsInStates(["live"])) {
      const cutoff = runtimeCutoff(record);
      if (cutoff === null || cutoff > now) continue;
      const next: ExperimentRecord = { ...record, lifecycle_state: "paused", updated_at: new Date(now).toISOString() };
      this.records.save(next);
      this.audit.write(SYSTEM, next, "auto_pause", "live", "paused", {
        lifecycle_state: { from: "live", to: "paused" },
        max_runtime_days: record.max_runtime_days,
      });
      changed = true;
    }
    return changed;
  }

  /** The earliest maximum-runtime cutoff of the live experiments, or +Infinity. */
  nextCutoff(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const { record } of this.records.recordsInStates(["live"])) {
      const cutoff = runtimeCutoff(record);
      if (cutoff !== null) next = Math.min(next, cutoff);
    }
    return next;
  }
}

/** A shipped variant still served through the experiment layer: the facts the admin's reminder is worded from. */
export interface ShippedReminder {
  readonly variant: string;
  /** Whole days since the experiment concluded. */
  readonly days: number;
}

/** The reminder due for `r` once its shipped variant has been served for `thresholdDays` or more, else null. */
export function shippedReminder(r: ExperimentRecord, thresholdDays: number, now: number): ShippedReminder | null {
  if (r.lifecycle_state !== "done" || r.shipped_variant_slug === null || r.concluded_at === null) return null;
  const served = (now - new Date(r.concluded_at).getTime()) / 86_400_000;
  return served < thresholdDays ? null : { variant: r.shipped_variant_slug, days: Math.floor(served) };
}
