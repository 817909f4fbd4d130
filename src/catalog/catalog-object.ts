// The catalog: the single source of truth for experiment records and the audit log, in one SQLite
// Durable Object so that every lifecycle transition and its audit entry commit together. After each
// change it publishes the edge's view to KV (kv-schema/); a failed publish is retried by an alarm.
import { DurableObject } from "cloudflare:workers";
import { checkEdit, scriptOverrideProblem, selfReferenceIssues } from "../core/edit-rules.ts";
import { fail, ok, type Result } from "../core/errors.ts";
import { type GateState, gateState } from "../core/gate.ts";
import { type Action, transition } from "../core/lifecycle.ts";
import type { ListQuery } from "../core/list-query.ts";
import type { Operator } from "../core/permissions.ts";
import { decidePostTest } from "../core/post-test.ts";
import { analyzeGoal } from "../core/run-analysis.ts";
import {
  type DecisionRecord,
  EDGE_CONFIG_SCHEMA_VERSION,
  type EdgeConfig,
  type EdgeExperiment,
  type ExperimentInput,
  type ExperimentRecord,
  edgeViewOf,
  type LifecycleState,
  startProblems,
} from "../core/schema.ts";
import { MAX_SHARDS } from "../core/shards.ts";
import { EDGE_CONFIG_KEY } from "../names.ts";
import { freezeRunData, purgeRunData, type RunDataNamespace, readRunData, sumSnapshots } from "../run-data/client.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";
import { type AuditEntry, type AuditRow, auditEntry, CATALOG_SCHEMA, type ExperimentRow } from "./tables.ts";

export interface CatalogEnv {
  SGEN_CONFIG?: KVNamespace;
  SGEN_RUN_DATA?: RunDataNamespace;
  /** Days an audit entry is kept (default 400). */
  SGEN_AUDIT_RETENTION_DAYS?: string;
  /** Run-data objects per new experiment (default 4); fixed for an experiment's life. */
  SGEN_RUN_DATA_SHARDS?: string;
  /** Failed sign-ins one client may make per 10 minutes before it is refused (default 20). */
  SGEN_SIGNIN_MAX_FAILURES?: string;
  /** Days a shipped variant may be served before the list and dashboard remind (default 14). */
  SGEN_SHIPPED_REMINDER_DAYS?: string;
}

/** The statistics as they stood at conclusion, kept with the record for the result archive. */
export interface ConclusionSnapshot {
  at: string;
  epoch: number;
  run: ShardSnapshot;
}

/** What the dashboard needs from the catalog. */
export interface RunState {
  record: ExperimentRecord;
  epoch: number;
  run: ShardSnapshot;
  previousAlwaysValid: Record<string, number> | undefined;
  postTestApplied: PostTestApplied | null;
  srmBlockedAt: string | null;
  conclusion: ConclusionSnapshot | null;
  /** The reminder to move a long-shipped variant into the site, or null. */
  reminder: string | null;
}

/** The automated post-test action that concluded an experiment. */
export interface PostTestApplied {
  action: string;
  outcome: { state: "winner" | "inconclusive"; winner: string | null };
  shipped_variant_slug: string | null;
  at: string;
}

const SYSTEM: Operator = { name: "system", role: "system" };

export interface ActionBody {
  shipped_variant_slug?: string | undefined;
  reason?: string | undefined;
  decision_record?: DecisionRecord | undefined;
  rollout_percent?: number | undefined;
}

export interface WriteOutcome<T> {
  readonly value: T;
  /** False when the edge has not received the change yet (KV failed); an alarm retries. */
  readonly published: boolean;
}

const PUBLISH_RETRY_MS = 5_000;
const SIGNIN_WINDOW_MS = 10 * 60_000;
const SORT_COLUMNS: Record<ListQuery["sort"], string> = {
  name: "name COLLATE NOCASE",
  state: "lifecycle_state",
  sample: "sample",
  created: "created_at",
  updated: "updated_at",
  id: "id",
};

export class CatalogObject extends DurableObject<CatalogEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: CatalogEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(CATALOG_SCHEMA);
  }

  // ---- reads --------------------------------------------------------------------------------------

  get(id: number): Result<ExperimentRecord> {
    const row = this.row(id);
    return row === undefined ? notFound(id) : ok(JSON.parse(row.record) as ExperimentRecord);
  }

  list(q: ListQuery): { rows: Array<ExperimentRecord & { sample: number; reminder: string | null }>; total: number } {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (q.state === "") where.push("lifecycle_state != 'archived'");
    else {
      where.push("lifecycle_state = ?");
      args.push(q.state);
    }
    if (q.q !== "") {
      where.push("(name LIKE ? ESCAPE '\\' OR target_page LIKE ? ESCAPE '\\' OR slug LIKE ? ESCAPE '\\')");
      const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(like, like, like);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const total = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM experiments ${clause}`, ...args).one().n;
    const order = `${SORT_COLUMNS[q.sort]} ${q.order === "asc" ? "ASC" : "DESC"}, id ${q.order === "asc" ? "ASC" : "DESC"}`;
    const rows = this.sql
      .exec<ExperimentRow>(
        `SELECT * FROM experiments ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`,
        ...args,
        q.per_page,
        (q.page - 1) * q.per_page,
      )
      .toArray()
      .map((r) => {
        const record = JSON.parse(r.record) as ExperimentRecord;
        return { ...record, sample: r.sample, reminder: this.reminderFor(record) };
      });
    return { rows, total };
  }

  activity(experimentId: number | null, limit: number): AuditEntry[] {
    const rows =
      experimentId === null
        ? this.sql.exec<AuditRow>("SELECT * FROM audit ORDER BY id DESC LIMIT ?", limit)
        : this.sql.exec<AuditRow>("SELECT * FROM audit WHERE experiment_id = ? ORDER BY id DESC LIMIT ?", experimentId, limit);
    return rows.toArray().map(auditEntry);
  }

  /** The record with its run-data, read fresh from every shard. */
  async runState(id: number): Promise<Result<RunState>> {
    const row = this.row(id);
    if (row === undefined) return notFound(id);
    return ok({
      record: JSON.parse(row.record) as ExperimentRecord,
      epoch: row.epoch,
      run: await this.runDataOf(row),
      previousAlwaysValid: alwaysValidMin(row),
      postTestApplied: row.post_test_applied === null ? null : (JSON.parse(row.post_test_applied) as PostTestApplied),
      srmBlockedAt: row.srm_blocked_at,
      conclusion: row.conclusion_snapshot === null ? null : (JSON.parse(row.conclusion_snapshot) as ConclusionSnapshot),
      reminder: this.reminderFor(JSON.parse(row.record) as ExperimentRecord),
    });
  }

  /**
   * A run-data shard's report (at most every few seconds per shard): keep its counts, then re-evaluate
   * the gate and the automated post-test action.
   */
  runDataChanged(experimentId: number, shard: number, snapshot: ShardSnapshot): Promise<void> {
    return this.ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(
        "INSERT INTO shard_snapshots (experiment_id, shard, epoch, snapshot) VALUES (?, ?, ?, ?) ON CONFLICT (experiment_id, shard) DO UPDATE SET epoch = excluded.epoch, snapshot = excluded.snapshot",
        experimentId,
        shard,
        snapshot.epoch,
        JSON.stringify(snapshot),
      );
      await this.evaluate(experimentId);
    });
  }

  // ---- writes -------------------------------------------------------------------------------------

  // Every write runs with the object's input closed: a write that awaits run-data or KV must not
  // interleave with another write working from the same, now stale, record.
  /** `mayAllowScripts`: the operator's role may allow script-running overrides. */
  create(op: Operator, input: ExperimentInput, mayAllowScripts = false): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    return this.ctx.blockConcurrencyWhile(() => this.doCreate(op, input, mayAllowScripts));
  }

  /** `mayEditLive`: the operator's role may edit a started experiment (checked here, against the state now). */
  replace(
    op: Operator,
    id: number,
    input: ExperimentInput,
    confirmReset: boolean,
    mayEditLive: boolean,
    mayAllowScripts = false,
  ): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    return this.ctx.blockConcurrencyWhile(() => this.doReplace(op, id, input, confirmReset, mayEditLive, mayAllowScripts));
  }

  act(op: Operator, id: number, action: Action, body: ActionBody): Promise<Result<WriteOutcome<ExperimentRecord | { deleted: number }>>> {
    return this.ctx.blockConcurrencyWhile(() => this.doAct(op, id, action, body));
  }

  private async doCreate(op: Operator, input: ExperimentInput, mayAllowScripts = false): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    const scripts = scriptOverrideProblem(input, mayAllowScripts);
    if (scripts !== null) return scripts;
    const issues = selfReferenceIssues(input);
    if (issues.length > 0) return fail(422, "validation_failed", "a variant points back at the target page", issues);
    if (this.slugTaken(input.slug, null)) return slugTaken(input.slug);
    const now = new Date().toISOString();
    const id = this.sql
      .exec<{ id: number }>(
        "INSERT INTO experiments (slug, name, target_page, lifecycle_state, shards, created_at, updated_at, record) VALUES (?, ?, ?, 'draft', ?, ?, ?, '{}') RETURNING id",
        input.slug,
        input.name,
        input.target_page,
        this.shardsForNewExperiments(),
        now,
        now,
      )
      .one().id;
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
    };
    this.saveRecord(record);
    this.audit(op, record, "create", null, "draft", { created: input });
    return ok({ value: record, published: true }); // a draft is not published: the edge has nothing to learn
  }

  private async doReplace(
    op: Operator,
    id: number,
    input: ExperimentInput,
    confirmReset: boolean,
    mayEditLive: boolean,
    mayAllowScripts: boolean,
  ): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    const scripts = scriptOverrideProblem(input, mayAllowScripts);
    if (scripts !== null) return scripts;
    const row = this.row(id);
    if (row === undefined) return notFound(id);
    const current = JSON.parse(row.record) as ExperimentRecord;
    if (current.lifecycle_state !== "draft" && !mayEditLive) {
      return fail(403, "forbidden", `the role ${op.role} may not edit an experiment that is ${current.lifecycle_state}`);
    }
    const edit = checkEdit(current, input, confirmReset);
    if (!edit.ok) return edit;
    const issues = selfReferenceIssues(input);
    if (issues.length > 0) return fail(422, "validation_failed", "a variant points back at the target page", issues);
    if (this.slugTaken(input.slug, id)) return slugTaken(input.slug);
    if (current.lifecycle_state !== "draft") {
      const chain = this.chainProblem(id, input);
      if (chain !== null) return chain;
    }
    const next: ExperimentRecord = { ...current, ...input, updated_at: new Date().toISOString() };
    const changes = diff(current, next);
    if (edit.value.resetsSample) {
      this.sql.exec("UPDATE experiments SET epoch = epoch + 1, sample = 0, avp_min = NULL, srm_blocked_at = NULL WHERE id = ?", id);
      changes.sample_reset = { from: row.epoch, to: row.epoch + 1 };
    }
    this.saveRecord(next);
    this.audit(op, next, edit.value.resetsSample ? "edit_reset" : "edit", null, null, changes);
    const published = await this.publishIfEdgeSees(current.lifecycle_state);
    await this.scheduleAlarm(); // max_runtime_days may have changed
    return ok({ value: next, published });
  }

  private async doAct(
    op: Operator,
    id: number,
    action: Action,
    body: ActionBody,
  ): Promise<Result<WriteOutcome<ExperimentRecord | { deleted: number }>>> {
    const row = this.row(id);
    if (row === undefined) return notFound(id);
    const current = JSON.parse(row.record) as ExperimentRecord;
    const t = transition(current.lifecycle_state, action, (row.restore_to as LifecycleState | null) ?? null);
    if (!t.ok) return fail(409, t.code, t.message);
    const now = new Date().toISOString();

    if (t.to === "removed") {
      if (this.env.SGEN_RUN_DATA !== undefined) await purgeRunData(this.env.SGEN_RUN_DATA, id, row.shards);
      this.sql.exec("DELETE FROM experiments WHERE id = ?", id);
      this.sql.exec("DELETE FROM shard_snapshots WHERE experiment_id = ?", id);
      this.audit(op, current, "delete", current.lifecycle_state, "removed", { deleted: current });
      return ok({ value: { deleted: id }, published: true });
    }

    const next: ExperimentRecord = { ...current, lifecycle_state: t.to, updated_at: now };
    const extra: { reason?: string; shipped?: string } = {};
    if (action === "start") {
      const problems = startProblems(current);
      if (problems.length > 0) return fail(422, "validation_failed", "the experiment cannot start as configured", problems);
      const busy = this.sql
        .exec<{ slug: string }>(
          "SELECT slug FROM experiments WHERE target_page = ? AND lifecycle_state IN ('live', 'paused') AND id != ?",
          current.target_page,
          id,
        )
        .toArray();
      if (busy.length > 0) {
        return fail(
          409,
          "target_page_busy",
          `${current.target_page} already has a running experiment: ${busy.map((b) => b.slug).join(", ")}`,
        );
      }
      const chain = this.chainProblem(id, current);
      if (chain !== null) return chain;
      next.started_at = current.started_at ?? now;
    }
    if (action === "conclude" || action === "override") {
      const shipped = body.shipped_variant_slug;
      if (shipped === undefined || !current.variants.some((v) => v.slug === shipped)) {
        return fail(422, "validation_failed", "name the variant to ship", [
          { path: "shipped_variant_slug", message: `one of: ${current.variants.map((v) => v.slug).join(", ")}` },
        ]);
      }
      if (action === "conclude") {
        const run = await this.runDataOf(row);
        const gate = gateState(
          current.min_sample_threshold,
          current.variants.map((v) => v.slug),
          run.samples,
          null,
        );
        if (gate !== "reached") {
          return fail(
            409,
            "gate_pending",
            `every variant needs a sample of ${current.min_sample_threshold} before conclusion; use override with a reason`,
          );
        }
      } else {
        const reason = body.reason?.trim() ?? "";
        if (reason === "") return fail(422, "validation_failed", "an override needs a reason", [{ path: "reason", message: "required" }]);
        next.significance_override_reason = reason;
        extra.reason = reason;
      }
      next.shipped_variant_slug = shipped;
      next.concluded_at = now;
      next.decision_record = body.decision_record ?? null;
      next.rollout_percent = body.rollout_percent ?? 100;
      extra.shipped = shipped;
      await this.snapshotConclusion(row);
    }
    if (action === "archive") this.sql.exec("UPDATE experiments SET restore_to = ? WHERE id = ?", current.lifecycle_state, id);
    if (action === "restore") this.sql.exec("UPDATE experiments SET restore_to = NULL WHERE id = ?", id);

    this.saveRecord(next);
    const changes: Record<string, unknown> = { lifecycle_state: { from: current.lifecycle_state, to: t.to } };
    if (next.decision_record !== current.decision_record && next.decision_record !== null) changes.decision_record = next.decision_record;
    if (next.rollout_percent !== current.rollout_percent)
      changes.rollout_percent = { from: current.rollout_percent ?? 100, to: next.rollout_percent };
    this.audit(op, next, action, current.lifecycle_state, t.to, changes, extra);
    const seenByEdge = [current.lifecycle_state, t.to].some((s) => s === "live" || s === "paused" || s === "done");
    const published = seenByEdge ? await this.publish() : true;
    if (t.to === "done") await this.freeze(row);
    await this.scheduleAlarm();
    return ok({ value: next, published });
  }

  /**
   * Gradual rollout of the shipped variant of a done experiment: `percent` of visitors (by the assignment
   * hash, so raising it only adds visitors) get it, the rest the control; 0 rolls back to the control.
   */
  setRollout(op: Operator, id: number, percent: number): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const row = this.row(id);
      if (row === undefined) return notFound(id);
      const current = JSON.parse(row.record) as ExperimentRecord;
      if (current.lifecycle_state !== "done") {
        return fail(409, `cannot_rollout_${current.lifecycle_state}`, "only a concluded experiment's shipped variant can be rolled out");
      }
      if (current.shipped_variant_slug === null)
        return fail(409, "nothing_shipped", "this experiment shipped no variant; there is nothing to roll out");
      if (!(percent >= 0 && percent <= 100) || Math.round(percent * 100) !== percent * 100) {
        return fail(422, "validation_failed", "a percentage from 0 to 100 with at most two decimals", [
          { path: "percent", message: "0 to 100" },
        ]);
      }
      const next: ExperimentRecord = { ...current, rollout_percent: percent, updated_at: new Date().toISOString() };
      this.saveRecord(next);
      this.audit(
        op,
        next,
        percent === 0 ? "rollback" : "rollout",
        null,
        null,
        { rollout_percent: { from: current.rollout_percent ?? 100, to: percent } },
        { shipped: current.shipped_variant_slug },
      );
      return ok({ value: next, published: await this.publish() });
    });
  }

  /**
   * Rate limit for guessing tokens: how many seconds `key` (a client address) must wait, or 0. Counted
   * here, in the one catalog object, so that no isolate can be used to get around it.
   */
  signInRetryAfter(key: string, now = Date.now()): number {
    const row = this.sql
      .exec<{ window_start: number; failures: number }>("SELECT window_start, failures FROM failed_signins WHERE key = ?", key)
      .toArray()[0];
    if (row === undefined || now - row.window_start >= SIGNIN_WINDOW_MS) return 0;
    return row.failures >= this.maxFailures() ? Math.ceil((row.window_start + SIGNIN_WINDOW_MS - now) / 1000) : 0;
  }

  noteFailedSignIn(key: string, now = Date.now()): void {
    const row = this.sql.exec<{ window_start: number }>("SELECT window_start FROM failed_signins WHERE key = ?", key).toArray()[0];
    if (row === undefined || now - row.window_start >= SIGNIN_WINDOW_MS) {
      this.sql.exec("INSERT OR REPLACE INTO failed_signins (key, window_start, failures) VALUES (?, ?, 1)", key, now);
    } else {
      this.sql.exec("UPDATE failed_signins SET failures = failures + 1 WHERE key = ?", key);
    }
    this.sql.exec("DELETE FROM failed_signins WHERE window_start < ?", now - SIGNIN_WINDOW_MS);
  }

  private maxFailures(): number {
    const n = Number(this.env.SGEN_SIGNIN_MAX_FAILURES ?? 20);
    return Number.isInteger(n) && n > 0 ? n : 20;
  }

  /** Creates and starts the demo's experiment if the catalog is empty (idempotent). */
  seed(op: Operator, input: ExperimentInput): Promise<void> {
    return this.ctx.blockConcurrencyWhile(() => this.doSeed(op, input));
  }

  private async doSeed(op: Operator, input: ExperimentInput): Promise<void> {
    if (this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM audit").one().n > 0) return;
    const created = await this.doCreate(op, input);
    if (created.ok) await this.doAct(op, created.value.value.id, "start", {});
  }

  // ---- publishing ---------------------------------------------------------------------------------

  /** Writes the edge's view of every live, paused and done experiment to KV. */
  async publish(): Promise<boolean> {
    const kv = this.env.SGEN_CONFIG;
    const revision = this.bumpRevision();
    if (kv === undefined) return false;
    const experiments: EdgeExperiment[] = [];
    for (const r of this.sql.exec<ExperimentRow>(
      "SELECT * FROM experiments WHERE lifecycle_state IN ('live', 'paused', 'done') ORDER BY id",
    )) {
      const view = edgeViewOf(JSON.parse(r.record) as ExperimentRecord, r.epoch, r.shards);
      if (view !== null) experiments.push(view);
    }
    const doc: EdgeConfig = { schema_version: EDGE_CONFIG_SCHEMA_VERSION, revision, published_at: new Date().toISOString(), experiments };
    try {
      await kv.put(EDGE_CONFIG_KEY, JSON.stringify(doc));
      this.sql.exec(
        "INSERT INTO meta (key, value) VALUES ('published_revision', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        String(revision),
      );
      return true;
    } catch (err) {
      console.warn("sgen-ab catalog: publishing to KV failed; retrying by alarm", err);
      await this.scheduleAlarm();
      return false;
    }
  }

  /** Retries a publish that failed, and pauses experiments past their maximum runtime. */
  override alarm(): Promise<void> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const now = Date.now();
      let changed = false;
      for (const r of this.sql.exec<ExperimentRow>("SELECT * FROM experiments WHERE lifecycle_state = 'live'").toArray()) {
        const record = JSON.parse(r.record) as ExperimentRecord;
        const cutoff = runtimeCutoff(record);
        if (cutoff === null || cutoff > now) continue;
        const next: ExperimentRecord = { ...record, lifecycle_state: "paused", updated_at: new Date(now).toISOString() };
        this.saveRecord(next);
        this.audit(SYSTEM, next, "auto_pause", "live", "paused", {
          lifecycle_state: { from: "live", to: "paused" },
          max_runtime_days: record.max_runtime_days,
        });
        changed = true;
      }
      if (changed || this.publishPending()) await this.publish();
      await this.scheduleAlarm();
    });
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private async publishIfEdgeSees(state: LifecycleState): Promise<boolean> {
    return state === "live" || state === "paused" || state === "done" ? this.publish() : true;
  }

  private row(id: number): ExperimentRow | undefined {
    return this.sql.exec<ExperimentRow>("SELECT * FROM experiments WHERE id = ?", id).toArray()[0];
  }

  private slugTaken(slug: string, exceptId: number | null): boolean {
    return this.sql.exec("SELECT id FROM experiments WHERE slug = ? AND id IS NOT ?", slug, exceptId).toArray().length > 0;
  }

  /** A running experiment whose variant page is another running experiment's target page (or the reverse). */
  private chainProblem(id: number, e: Pick<ExperimentInput, "target_page" | "variants">): Result<never> | null {
    const others = this.sql
      .exec<ExperimentRow>("SELECT * FROM experiments WHERE lifecycle_state IN ('live', 'paused') AND id != ?", id)
      .toArray()
      .map((r) => JSON.parse(r.record) as ExperimentRecord);
    const pages = new Set(e.variants.map((v) => v.page ?? e.target_page));
    for (const o of others) {
      if (pages.has(o.target_page) && o.target_page !== e.target_page) {
        return fail(409, "experiment_chain", `a variant page is the target page of running experiment ${o.slug}`);
      }
      if (o.variants.some((v) => (v.page ?? o.target_page) === e.target_page) && o.target_page !== e.target_page) {
        return fail(409, "experiment_chain", `the target page is a variant page of running experiment ${o.slug}`);
      }
    }
    return null;
  }

  private saveRecord(r: ExperimentRecord): void {
    this.sql.exec(
      "UPDATE experiments SET slug = ?, name = ?, target_page = ?, lifecycle_state = ?, updated_at = ?, record = ? WHERE id = ?",
      r.slug,
      r.name,
      r.target_page,
      r.lifecycle_state,
      r.updated_at,
      JSON.stringify(r),
      r.id,
    );
  }

  private audit(
    op: Operator,
    r: ExperimentRecord,
    action: string,
    from: string | null,
    to: string | null,
    changes: object,
    extra: { reason?: string; shipped?: string } = {},
  ): void {
    const now = new Date();
    this.sql.exec(
      "INSERT INTO audit (at, operator, role, experiment_id, experiment_slug, action, from_state, to_state, changes, reason, shipped_variant_slug) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      now.toISOString(),
      op.name,
      op.role,
      r.id,
      r.slug,
      action,
      from,
      to,
      JSON.stringify(changes),
      extra.reason ?? null,
      extra.shipped ?? null,
    );
    const days = Number(this.env.SGEN_AUDIT_RETENTION_DAYS ?? 400);
    if (Number.isFinite(days) && days > 0) {
      this.sql.exec("DELETE FROM audit WHERE at < ?", new Date(now.getTime() - days * 86_400_000).toISOString());
    }
  }

  private async runDataOf(row: ExperimentRow): Promise<ShardSnapshot> {
    const ns = this.env.SGEN_RUN_DATA;
    return ns === undefined ? sumSnapshots(row.epoch, []) : readRunData(ns, row.id, row.epoch, row.shards);
  }

  private async freeze(row: ExperimentRow): Promise<void> {
    if (this.env.SGEN_RUN_DATA === undefined) return;
    try {
      await freezeRunData(this.env.SGEN_RUN_DATA, row.id, row.shards);
    } catch (err) {
      // The edge stops counting a done experiment as soon as it reads the new config; freezing only
      // guards against batches already in flight.
      console.warn(`sgen-ab catalog: could not freeze run-data of experiment ${row.id}`, err);
    }
  }

  /** The gate and the automated post-test action, from the shards' latest reports. */
  private async evaluate(id: number): Promise<void> {
    const row = this.row(id);
    if (row === undefined || row.lifecycle_state !== "live") return;
    const record = JSON.parse(row.record) as ExperimentRecord;
    const parts = this.sql
      .exec<{ snapshot: string }>("SELECT snapshot FROM shard_snapshots WHERE experiment_id = ? AND epoch = ?", id, row.epoch)
      .toArray()
      .map((r) => JSON.parse(r.snapshot) as ShardSnapshot);
    const run = sumSnapshots(row.epoch, parts);
    const sample = Object.values(run.samples).reduce((a, b) => a + b, 0);
    const analysis = analyzeGoal(record, run, record.conversion_event, alwaysValidMin(row));
    const avp = Object.fromEntries(analysis.comparisons.map((c) => [c.variant, c.always_valid_p_value]));
    this.sql.exec(
      "UPDATE experiments SET sample = ?, avp_min = ? WHERE id = ?",
      sample,
      JSON.stringify({ epoch: row.epoch, byVariant: avp }),
      id,
    );

    const gate: GateState = gateState(
      record.min_sample_threshold,
      record.variants.map((v) => v.slug),
      run.samples,
      null,
    );
    const decision = decidePostTest(record.post_test, gate, analysis, (record.variants[0] as { slug: string }).slug);
    if (decision.kind === "blocked") {
      if (row.srm_blocked_at === null) {
        this.sql.exec("UPDATE experiments SET srm_blocked_at = ? WHERE id = ?", new Date().toISOString(), id);
        this.audit(SYSTEM, record, "post_test_blocked", null, null, { why: decision.why, srm_p_value: analysis.srm.p_value });
      }
      return;
    }
    if (decision.kind !== "conclude") return;
    const now = new Date().toISOString();
    const next: ExperimentRecord = {
      ...record,
      lifecycle_state: "done",
      shipped_variant_slug: decision.shipped,
      concluded_at: now,
      updated_at: now,
    };
    const applied = { action: decision.action, outcome: decision.outcome, shipped_variant_slug: decision.shipped, at: now };
    await this.snapshotConclusion(row);
    this.saveRecord(next);
    this.sql.exec("UPDATE experiments SET post_test_applied = ? WHERE id = ?", JSON.stringify(applied), id);
    this.audit(
      SYSTEM,
      next,
      "post_test_action",
      "live",
      "done",
      { lifecycle_state: { from: "live", to: "done" }, post_test: applied },
      decision.shipped === null ? {} : { shipped: decision.shipped },
    );
    await this.publish();
    await this.freeze(row);
    await this.scheduleAlarm();
  }

  private async snapshotConclusion(row: ExperimentRow): Promise<void> {
    const snapshot: ConclusionSnapshot = { at: new Date().toISOString(), epoch: row.epoch, run: await this.runDataOf(row) };
    this.sql.exec("UPDATE experiments SET conclusion_snapshot = ? WHERE id = ?", JSON.stringify(snapshot), row.id);
  }

  private reminderFor(r: ExperimentRecord): string | null {
    const days = Number(this.env.SGEN_SHIPPED_REMINDER_DAYS ?? 14);
    if (r.lifecycle_state !== "done" || r.shipped_variant_slug === null || r.concluded_at === null || !(days >= 0)) return null;
    const served = (Date.now() - new Date(r.concluded_at).getTime()) / 86_400_000;
    if (served < days) return null;
    return `Variant ${r.shipped_variant_slug} has been served through the experiment layer for ${Math.floor(served)} days: move it into the site and archive this experiment, since every request still passes through it.`;
  }

  private shardsForNewExperiments(): number {
    const n = Number(this.env.SGEN_RUN_DATA_SHARDS ?? 4);
    return Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS ? n : 4;
  }

  private publishPending(): boolean {
    return Number(this.meta("published_revision") ?? 0) < Number(this.meta("revision") ?? 0);
  }

  /** One alarm serves both jobs: the earliest of a publish retry and the next runtime cutoff. */
  private async scheduleAlarm(): Promise<void> {
    let next = this.publishPending() ? Date.now() + PUBLISH_RETRY_MS : Number.POSITIVE_INFINITY;
    for (const r of this.sql.exec<{ record: string }>("SELECT record FROM experiments WHERE lifecycle_state = 'live'")) {
      const cutoff = runtimeCutoff(JSON.parse(r.record) as ExperimentRecord);
      if (cutoff !== null) next = Math.min(next, cutoff);
    }
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
    else await this.ctx.storage.deleteAlarm();
  }

  private meta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private bumpRevision(): number {
    const next = Number(this.meta("revision") ?? 0) + 1;
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('revision', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(next),
    );
    return next;
  }
}

/** When a live experiment pauses itself: started_at + max_runtime_days, or null for no limit. */
function runtimeCutoff(r: ExperimentRecord): number | null {
  if (r.max_runtime_days === null || r.started_at === null) return null;
  return new Date(r.started_at).getTime() + r.max_runtime_days * 86_400_000;
}

function alwaysValidMin(row: ExperimentRow): Record<string, number> | undefined {
  if (row.avp_min === null) return undefined;
  const stored = JSON.parse(row.avp_min) as { epoch: number; byVariant: Record<string, number> };
  return stored.epoch === row.epoch ? stored.byVariant : undefined;
}

function notFound(id: number): Result<never> {
  return fail(404, "not_found", `no experiment with id ${id}`);
}

function slugTaken(slug: string): Result<never> {
  return fail(409, "slug_taken", `an experiment with slug ${slug} already exists`, [{ path: "slug", message: "already used" }]);
}

/** Top-level fields that differ, as { field: { from, to } }. */
function diff(a: ExperimentRecord, b: ExperimentRecord): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(b) as Array<keyof ExperimentRecord>) {
    if (key === "updated_at") continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = { from: a[key], to: b[key] };
  }
  return out;
}
