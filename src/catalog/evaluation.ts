// What the catalog decides on its own, from the numbers. Every run-data report is a look: the epoch's
// running state is advanced with it (core/run-look.ts) and kept, and the automated post-test action is
// decided on that look (core/post-test.ts): a conclusion freezes the look that decided it, a clear loser
// may be stopped, and a sample-ratio mismatch, the first time it is seen in an epoch, is recorded and
// blocks the automation for the rest of it. On the alarm: the pause of experiments past their maximum
// runtime, and a decision for experiments whose minimum runtime has just passed (so that one that turned
// conclusive earlier acts then). Every decision is audited as operator `system`, with its evidence.
// Effects outside the object's storage (publishing to KV, freezing run-data, the alarm) are left to the
// caller, which runs them in order.

import { checkGuardrails, describeBreach, type GuardrailResult } from "../core/guardrails.ts";
import type { Operator } from "../core/permissions.ts";
import { decidePostTest } from "../core/post-test.ts";
import { type GoalLook, primaryOf, type RunLook, runGate, takeLook } from "../core/run-look.ts";
import type { ExperimentRecord, StoppedVariant } from "../core/schema.ts";
import { sumSnapshots } from "../run-data/client.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";
import type { AuditLog } from "./audit.ts";
import { type ConclusionSnapshot, type PostTestApplied, type Records, readColumn, readRecord, StoredSnapshot } from "./records.ts";
import type { ExperimentRow } from "./tables.ts";

export const SYSTEM: Operator = { name: "system", role: "system" };

const DAY_MS = 86_400_000;

/** When a live experiment pauses itself: started_at + max_runtime_days, or null for no limit. */
export function runtimeCutoff(r: ExperimentRecord): number | null {
  if (r.max_runtime_days === null || r.started_at === null) return null;
  return new Date(r.started_at).getTime() + r.max_runtime_days * DAY_MS;
}

/**
 * From when automated actions may act: min_runtime_days after the start of the current sample (the
 * experiment's start, or the reset that began the epoch); null before the start.
 */
export function automationFrom(r: Pick<ExperimentRecord, "started_at" | "min_runtime_days">, epochStartedAt: string | null): number | null {
  const start = sampleStart(r, epochStartedAt);
  return start === null ? null : start + r.min_runtime_days * DAY_MS;
}

/** When the current sample started: the experiment's start, or the reset that began the epoch; null before the start. */
export function sampleStart(r: Pick<ExperimentRecord, "started_at">, epochStartedAt: string | null): number | null {
  if (r.started_at === null) return null;
  return Math.max(Date.parse(r.started_at), epochStartedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(epochStartedAt));
}

/** What must follow an automated decision: publish the edge's view, and freeze a concluded run's data. */
export interface Followup {
  readonly publish: boolean;
  readonly freeze: ExperimentRow | null;
}

/** A look's numbers, as an audit entry's evidence: what the automation (or an operator) acted on. */
export function evidenceOf(look: RunLook, primary: GoalLook) {
  const a = primary.analysis;
  return {
    look: look.look,
    at: look.at,
    visitors: look.visitors,
    variants: a.variants.map((v) => ({ slug: v.slug, sample: v.sample, conversions: v.conversions })),
    comparisons: a.comparisons.map((c) => ({
      variant: c.variant,
      absolute_diff: c.absolute_diff,
      relative_lift: c.relative_lift,
      p_value: c.p_value,
      always_valid_p_value: c.always_valid_p_value,
    })),
    srm: a.srm,
    outcome: a.outcome,
  };
}

export class Evaluation {
  private readonly sql: SqlStorage;
  private readonly records: Records;
  private readonly audit: AuditLog;
  private readonly now: () => number;

  constructor(sql: SqlStorage, records: Records, audit: AuditLog, now: () => number) {
    this.sql = sql;
    this.records = records;
    this.audit = audit;
    this.now = now;
  }

  /** Keeps a shard's latest report (never over a report of a later epoch); evaluation sums the reports of the current epoch. */
  keepReport(experimentId: number, shard: number, snapshot: ShardSnapshot): void {
    this.sql.exec(
      "INSERT INTO shard_snapshots (experiment_id, shard, epoch, snapshot) VALUES (?, ?, ?, ?) ON CONFLICT (experiment_id, shard) DO UPDATE SET epoch = excluded.epoch, snapshot = excluded.snapshot WHERE excluded.epoch >= shard_snapshots.epoch",
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
   * The summed counts of the row's epoch as the shards last reported them (no run-data is read), or null
   * when a stored report does not parse: deciding on some shards' counts would decide on a sample the
   * split did not make, so the caller waits for the next report.
   */
  reported(row: Pick<ExperimentRow, "id" | "epoch">): ShardSnapshot | null {
    const parts: ShardSnapshot[] = [];
    for (const r of this.sql.exec<{ shard: number; snapshot: string }>(
      "SELECT shard, snapshot FROM shard_snapshots WHERE experiment_id = ? AND epoch = ?",
      row.id,
      row.epoch,
    )) {
      const part = readColumn(StoredSnapshot, r.snapshot, `report of shard ${r.shard} of experiment ${row.id}`);
      if (part === null) return null;
      parts.push(part);
    }
    return sumSnapshots(row.epoch, parts);
  }

  /**
   * A run-data report of a live experiment, of epoch `epoch`: a look, then the automated decision on it.
   * A late report of an earlier epoch is no look at this one.
   */
  afterReport(id: number, epoch: number): Followup | null {
    const row = this.records.row(id);
    if (row === undefined || row.lifecycle_state !== "live" || epoch !== row.epoch) return null;
    const read = readRecord(row);
    if (!read.ok) return null;
    const run = this.reported(row);
    if (run === null) return null;
    const look = this.look(row, read.record, run);
    // The circuit breaker first: a variant doing harm stops now, whatever the post-test automation waits for.
    if (this.tripBreakers(read.record, run)) return { publish: true, freeze: null };
    return this.decide(this.records.row(id) ?? row, read.record, look, run);
  }

  /**
   * Advances the epoch's running state with `run` and keeps the new look. The first sample-ratio
   * mismatch of the epoch is recorded, and audited once, whatever the gate.
   */
  look(row: ExperimentRow, record: ExperimentRecord, run: ShardSnapshot): RunLook {
    const at = new Date(this.now()).toISOString();
    const look = takeLook(record, run, this.records.look(row), row.epoch, at);
    this.records.noteLook(row.id, look);
    const primary = primaryOf(record, look);
    if (primary?.analysis.srm.mismatch && row.srm_blocked_at === null) {
      this.records.markSrmBlocked(row.id, at);
      this.audit.write(SYSTEM, record, "post_test_blocked", null, null, {
        why: "sample_ratio_mismatch",
        blocks: "automated post-test actions, for the rest of this sample (until a reset)",
        evidence: evidenceOf(look, primary),
      });
    }
    return look;
  }

  /** The automated decision on a kept look (after a report, or when the minimum runtime has passed). */
  decide(row: ExperimentRow, record: ExperimentRecord, look: RunLook, run: ShardSnapshot): Followup | null {
    const primary = primaryOf(record, look);
    if (primary === undefined || record.lifecycle_state !== "live") return null;
    const nowMs = this.now();
    const from = automationFrom(record, row.epoch_started_at);
    const control = (record.variants[0] as { slug: string }).slug;
    const decision = decidePostTest(
      record.post_test,
      runGate(record, run.samples, null),
      primary.analysis,
      control,
      { runtimeReached: from !== null && from <= nowMs, srmBlocked: row.srm_blocked_at !== null },
      record.stopped_variants.map((s) => s.slug),
    );
    if (decision.kind === "stop_losers") {
      const evidence = evidenceOf(look, primary);
      this.stopVariants(
        record,
        decision.losers.map((slug) => ({
          slug,
          reason: "loser",
          detail: `significantly worse than the control (always-valid p = ${formatP(primary.analysis.comparisons.find((c) => c.variant === slug)?.always_valid_p_value ?? null)}, after Holm) at look ${look.look}`,
          evidence,
        })),
      );
      return { publish: true, freeze: null };
    }
    if (decision.kind !== "conclude") return null;
    const at = new Date(nowMs).toISOString();
    const next: ExperimentRecord = {
      ...record,
      lifecycle_state: "done",
      shipped_variant_slug: decision.shipped,
      concluded_at: at,
      updated_at: at,
    };
    const applied: PostTestApplied = {
      action: decision.action,
      outcome: decision.outcome,
      shipped_variant_slug: decision.shipped,
      at,
      look: { look: look.look, at: look.at },
    };
    // The snapshot is the look that decided, with the counts it analysed: what the archive shows.
    const snapshot: ConclusionSnapshot = { at, epoch: row.epoch, run, look, source: "look" };
    this.records.setConclusion(row.id, snapshot);
    this.records.save(next);
    this.records.setPostTestApplied(row.id, applied);
    this.audit.write(
      SYSTEM,
      next,
      "post_test_action",
      "live",
      "done",
      { lifecycle_state: { from: "live", to: "done" }, post_test: applied, evidence: evidenceOf(look, primary) },
      decision.shipped === null ? {} : { shipped: decision.shipped },
    );
    return { publish: true, freeze: row };
  }

  /**
   * The circuit breaker (docs/metrics.md): every guardrail against every running variant
   * (core/guardrails.ts); a variant that breaches one is stopped with reason `guardrail`, its audit entry
   * carrying every breached check as the evidence. True when it stopped one (the caller publishes).
   */
  private tripBreakers(record: ExperimentRecord, run: ShardSnapshot): boolean {
    if (record.guardrails.length === 0) return false;
    const breaches = checkGuardrails(
      record,
      { ...run, values: run.values ?? {}, responses: run.responses ?? {} },
      record.stopped_variants.map((s) => s.slug),
    ).filter((b) => b.breached);
    if (breaches.length === 0) return false;
    const first = new Map<string, GuardrailResult>();
    for (const b of breaches) if (!first.has(b.variant)) first.set(b.variant, b);
    this.stopVariants(
      record,
      [...first.values()].map((b) => ({
        slug: b.variant,
        reason: "guardrail" as const,
        detail: describeBreach(b).slice(0, 500),
        evidence: { guardrails: breaches.filter((x) => x.variant === b.variant) },
      })),
    );
    return true;
  }

  /**
   * Stops variants for the rest of the epoch, the statistics' clear losers or a guardrail's: the edge
   * then serves their visitors the control's page and counts them nowhere, and the next looks carry
   * their numbers as they stood. One audit entry per variant, as `system`, with the evidence. The
   * control is never stopped, nor a variant twice. The caller publishes.
   */
  stopVariants(
    record: ExperimentRecord,
    stops: ReadonlyArray<{ slug: string; reason: StoppedVariant["reason"]; detail: string; evidence: object }>,
  ): ExperimentRecord {
    const at = new Date(this.now()).toISOString();
    let current = record;
    for (const stop of stops) {
      const index = current.variants.findIndex((v) => v.slug === stop.slug);
      if (index <= 0 || current.stopped_variants.some((s) => s.slug === stop.slug)) continue;
      const stopped: StoppedVariant = { slug: stop.slug, reason: stop.reason, at, detail: stop.detail };
      const next: ExperimentRecord = { ...current, stopped_variants: [...current.stopped_variants, stopped], updated_at: at };
      this.records.save(next);
      this.audit.write(SYSTEM, next, "stop_variant", null, null, {
        stopped_variants: { from: current.stopped_variants, to: next.stopped_variants },
        stopped_variant: stop.slug,
        reason: stop.reason,
        detail: `${stop.slug} stopped (${stop.reason}): ${stop.detail}`,
        evidence: stop.evidence,
      });
      current = next;
    }
    return current;
  }

  /**
   * `run` (the run-data as it stands now), analysed as the epoch's next look (kept), frozen with the record as
   * the conclusion snapshot: an operator's conclusion keeps the analysis it was made on, as the
   * automation's does.
   */
  snapshotConclusion(row: ExperimentRow, record: ExperimentRecord, run: ShardSnapshot): ConclusionSnapshot {
    const at = new Date(this.now()).toISOString();
    const look = takeLook(record, run, this.records.look(row), row.epoch, at);
    this.records.noteLook(row.id, look);
    const snapshot: ConclusionSnapshot = { at, epoch: row.epoch, run, look, source: "look" };
    this.records.setConclusion(row.id, snapshot);
    return snapshot;
  }

  /**
   * For the live experiments whose minimum runtime has passed: the decision on their kept look, which
   * may have been waiting only for the runtime.
   */
  afterRuntime(): Followup[] {
    const out: Followup[] = [];
    const nowMs = this.now();
    for (const { row, record } of this.records.recordsInStates(["live"])) {
      const from = automationFrom(record, row.epoch_started_at);
      if (from === null || from > nowMs) continue;
      const look = this.records.look(row);
      const run = look === null ? null : this.reported(row);
      if (look === null || run === null) continue;
      const followup = this.decide(row, record, look, run);
      if (followup !== null) out.push(followup);
    }
    return out;
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

  /** The earliest moment the alarm has work: a maximum-runtime cutoff, or a minimum runtime still ahead; else +Infinity. */
  nextCutoff(): number {
    const nowMs = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const { row, record } of this.records.recordsInStates(["live"])) {
      const cutoff = runtimeCutoff(record);
      if (cutoff !== null) next = Math.min(next, cutoff);
      const from = automationFrom(record, row.epoch_started_at);
      if (from !== null && from > nowMs) next = Math.min(next, from);
    }
    return next;
  }
}

function formatP(p: number | null): string {
  return p === null ? "n/a" : p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
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
