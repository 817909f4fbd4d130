// The catalog: the single source of truth for experiment records and the audit log, in one SQLite
// Durable Object so that every lifecycle transition and its audit entry commit together. This class is
// the shell: its RPC methods close the object's input while a write runs, and delegate. The work is in
// records.ts (the experiments table), editing.ts (the writes operators make), evaluation.ts (the gate,
// post-test actions, runtime limits), publishing.ts (the edge's view in KV), audit.ts, counters.ts
// (the sign-in failure counts), sessions.ts (the operators' page sessions) and settings.ts. After each
// change the edge can see, the catalog publishes; a failed publish is retried by the alarm, which also
// pauses experiments past their runtime and carries out scheduled starts and ends (schedules.ts).
import { DurableObject } from "cloudflare:workers";
import { ok, type Result } from "../core/errors.ts";
import { edgeHoldoutOf, type HoldoutInput, type HoldoutRecord } from "../core/holdout-schema.ts";
import type { Action } from "../core/lifecycle.ts";
import { type ListQuery, SUMMARY_SORTS, type SummarySort } from "../core/list-query.ts";
import { type RunSummary, summarizeRun, summaryRank } from "../core/list-summary.ts";
import type { Operator } from "../core/permissions.ts";
import { primaryOf, type RunLook } from "../core/run-look.ts";
import type { ExperimentInput, ExperimentRecord } from "../core/schema.ts";
import type { WebhookInput } from "../core/webhooks.ts";
import { type RunDataNamespace, sumSnapshots } from "../run-data/client.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";
import { type AuditEntry, AuditLog } from "./audit.ts";
import { FailureCounters, type FailureWindow } from "./counters.ts";
import { type ActionBody, type Change, Editing, notFound, unreadable } from "./editing.ts";
import { automationFrom, Evaluation, type Followup, type ShippedReminder, sampleStart, shippedReminder } from "./evaluation.ts";
import { type HoldoutChange, Holdouts } from "./holdouts.ts";
import { migrateCatalog } from "./migrations.ts";
import { type Fetcher, Notifications, type Webhook, type WebhookDelivery } from "./notifications.ts";
import { NEEDS_REPUBLISH, Publisher } from "./publishing.ts";
import { type ConclusionSnapshot, type PostTestApplied, Records, readRecord, type UnreadableRecord } from "./records.ts";
import { RunDataAccess } from "./run-data.ts";
import { Schedules } from "./schedules.ts";
import { SessionStore, type StoredSession } from "./sessions.ts";
import { catalogSettings } from "./settings.ts";
import { createTables, type ExperimentRow } from "./tables.ts";

export type { ActionBody } from "./editing.ts";
export type { ShippedReminder } from "./evaluation.ts";
export type { Webhook, WebhookAttempt, WebhookDelivery } from "./notifications.ts";
export type { ConclusionSnapshot, PostTestApplied, UnreadableRecord } from "./records.ts";
export type { StoredSession } from "./sessions.ts";

export interface CatalogEnv {
  SGEN_CONFIG?: KVNamespace;
  SGEN_RUN_DATA?: RunDataNamespace;
  /** Days an audit entry is kept (default 400). */
  SGEN_AUDIT_RETENTION_DAYS?: string;
  /** Run-data objects per new experiment (default 4); fixed for an experiment's life. */
  SGEN_RUN_DATA_SHARDS?: string;
  /** Days a shipped variant may be served before the list and dashboard remind (default 14). */
  SGEN_SHIPPED_REMINDER_DAYS?: string;
  /** A service binding webhook deliveries are sent through (an egress proxy); default: the public internet. */
  SGEN_WEBHOOK_EGRESS?: Fetcher | { fetch: Fetcher };
  /** Minutes between the alarm's checks that KV still holds the published config (default 5). */
  SGEN_CONFIG_CHECK_MINUTES?: string;
}

/** What the dashboard needs from the catalog. */
export interface RunState {
  record: ExperimentRecord;
  epoch: number;
  /** The counts now, read fresh from every shard; empty when `runDataError` says they could not be read. */
  run: ShardSnapshot;
  /** Why the run-data could not be read ("run-data unavailable: shard 2 of 4 failed …"), or null. */
  runDataError: string | null;
  /** The epoch's latest look (the analysis with its running state), or null before the first report. */
  look: RunLook | null;
  postTestApplied: PostTestApplied | null;
  /** When a sample-ratio mismatch was first seen in this epoch (it blocks automation until a reset). */
  srmBlockedAt: string | null;
  conclusion: ConclusionSnapshot | null;
  /** When the current sample started (the start, or the reset that began the epoch), or null before the start. */
  sampleStartedAt: string | null;
  /** When automated actions may act (min_runtime_days after the start of the sample), or null before the start. */
  automationFrom: string | null;
  /** The catalog's time when this was read. */
  now: string;
  /** A shipped variant served long enough that it should move into the site, or null. */
  reminder: ShippedReminder | null;
}

/** What a holdout's dashboard needs from the catalog: the record, its counts, and the experiments it covers. */
export interface HoldoutState {
  record: HoldoutRecord;
  run: ShardSnapshot;
  covered: Array<Pick<ExperimentRecord, "id" | "slug" | "name" | "lifecycle_state" | "shipped_variant_slug">>;
}

/**
 * One row of the list: the record, its sample as last reported, the reminder due, if any, the outcome
 * of the kept look (the conclusion's for a concluded experiment; null before the first report), and the
 * run's summary for the list's columns (core/list-summary.ts).
 */
export type ListedExperiment = ExperimentRecord & {
  sample: number;
  reminder: ShippedReminder | null;
  outcome: { state: "winner" | "inconclusive"; winner: string | null; losers: string[] } | null;
  summary: RunSummary;
};

export interface WriteOutcome<T> {
  readonly value: T;
  /** False when the edge has not received the change yet (KV failed); an alarm retries. */
  readonly published: boolean;
}

const PUBLISH_RETRY_MS = 5_000;

export class CatalogObject extends DurableObject<CatalogEnv> {
  private readonly records: Records;
  private readonly audit: AuditLog;
  private readonly evaluation: Evaluation;
  private readonly editing: Editing;
  private readonly publisher: Publisher;
  private readonly counters: FailureCounters;
  private readonly runData: RunDataAccess;
  private readonly notifications: Notifications;
  /** A write queued a webhook delivery: the alarm must be set for it. */
  private notificationsQueued = false;
  private readonly sessions: SessionStore;
  private readonly schedules: Schedules;
  private readonly holdouts: Holdouts;

  /**
   * The catalog's clock (ms since the epoch): every time it records and every runtime it checks. Tests
   * replace it (inside `runInDurableObject`) to move an experiment's days forward; nothing else should.
   */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: CatalogEnv) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    createTables(sql);
    migrateCatalog(sql);
    // Bindings and settings are read from `this.env` at each use, never captured.
    const runData = new RunDataAccess(() => this.env.SGEN_RUN_DATA);
    const now = () => this.clock();
    this.records = new Records(sql);
    this.notifications = new Notifications(sql, () => {
      const egress = this.env.SGEN_WEBHOOK_EGRESS;
      if (egress === undefined) return (r) => fetch(r);
      return typeof egress === "function" ? egress : (r) => egress.fetch(r);
    });
    this.audit = new AuditLog(
      sql,
      () => this.settings().auditRetentionDays,
      now,
      (entry) => {
        if (this.notifications.entryWritten(entry)) this.notificationsQueued = true;
      },
    );
    this.evaluation = new Evaluation(sql, this.records, this.audit, now);
    this.editing = new Editing(this.records, this.audit, this.evaluation, runData, () => this.settings().runDataShards, now);
    this.holdouts = new Holdouts(sql, this.audit, () => this.settings().runDataShards, now);
    this.publisher = new Publisher(
      sql,
      this.records,
      () => this.env.SGEN_CONFIG,
      () => this.holdouts.all().map(edgeHoldoutOf),
    );
    this.counters = new FailureCounters(sql);
    this.runData = runData;
    this.sessions = new SessionStore(sql);
    this.schedules = new Schedules(this.records, this.audit, this.editing, now);
  }

  private settings() {
    return catalogSettings(this.env as Record<string, unknown>);
  }

  // ---- reads --------------------------------------------------------------------------------------

  get(id: number): Result<ExperimentRecord> {
    const row = this.records.row(id);
    if (row === undefined) return notFound(id);
    const read = readRecord(row);
    return read.ok ? ok(read.record) : unreadable(read.unreadable);
  }

  /** One page of the list; a record that does not parse is left out of `rows` and named in `unreadable`. */
  list(q: ListQuery): { rows: ListedExperiment[]; total: number; unreadable: UnreadableRecord[] } {
    const days = this.settings().shippedReminderDays;
    const now = this.clock();
    // Each row's summary comes from what the catalog already holds (the shards' last reports and the kept
    // look, or what was kept at conclusion): listing never reads run-data.
    const summaries = new Map<number, RunSummary>();
    const summary = (row: ExperimentRow, record: ExperimentRecord): RunSummary => {
      let s = summaries.get(record.id);
      if (s === undefined) {
        const concluded = this.concludedOf(row, record);
        const counts = record.lifecycle_state === "draft" ? null : (concluded?.run ?? this.evaluation.reported(row));
        // As the dashboard: a conclusion kept without its look is analysed afresh from its counts.
        const look = concluded !== null ? (concluded.look ?? null) : this.records.look(row);
        s = summarizeRun(record, counts, look === null ? null : (primaryOf(record, look)?.analysis ?? null), now);
        summaries.set(record.id, s);
      }
      return s;
    };
    const sort = q.sort;
    const page = this.records.list(
      q,
      (SUMMARY_SORTS as readonly string[]).includes(sort)
        ? (row, record) => summaryRank(summary(row, record), sort as SummarySort)
        : undefined,
    );
    return {
      rows: page.rows.map(({ record, sample, row }) => ({
        ...record,
        sample,
        reminder: shippedReminder(record, days, now),
        outcome: this.keptOutcome(row, record),
        summary: summary(row, record),
      })),
      total: page.total,
      unreadable: page.unreadable,
    };
  }

  /** What was kept at the conclusion of a concluded experiment; null for any other. */
  private concludedOf(row: ExperimentRow, record: ExperimentRecord): ConclusionSnapshot | null {
    return record.lifecycle_state === "done" || record.lifecycle_state === "archived" ? this.records.conclusion(row) : null;
  }

  /** The primary goal's outcome at the look the dashboard shows: the conclusion's, else the epoch's latest. */
  private keptOutcome(row: ExperimentRow, record: ExperimentRecord): ListedExperiment["outcome"] {
    const concluded = this.concludedOf(row, record);
    const look = concluded?.look ?? this.records.look(row);
    const outcome = look === null ? undefined : primaryOf(record, look)?.analysis.outcome;
    return outcome === undefined ? null : { state: outcome.state, winner: outcome.winner, losers: [...outcome.losers] };
  }

  /** Audit entries, newest first: of one experiment, of one holdout (`holdoutId`), or of all. */
  activity(experimentId: number | null, limit: number, holdoutId: number | null = null): AuditEntry[] {
    return this.audit.entries(experimentId, limit, holdoutId);
  }

  // ---- holdouts -----------------------------------------------------------------------------------

  listHoldouts(): HoldoutRecord[] {
    return this.holdouts.all();
  }

  getHoldout(id: number): Result<HoldoutRecord> {
    return this.holdouts.get(id);
  }

  /** A holdout with its counts (read fresh from its shards) and the experiments it covers. */
  async holdoutState(id: number): Promise<Result<HoldoutState>> {
    const got = this.holdouts.get(id);
    if (!got.ok) return got;
    const record = got.value;
    const covered = this.records
      .recordsInStates(["live", "paused", "done"])
      .map((r) => r.record)
      .filter((e) => record.layer === null || e.layer?.slug === record.layer)
      .map(({ id, slug, name, lifecycle_state, shipped_variant_slug }) => ({ id, slug, name, lifecycle_state, shipped_variant_slug }));
    return ok({ record, run: await this.runData.readHoldout(record), covered });
  }

  createHoldout(op: Operator, input: HoldoutInput): Promise<Result<WriteOutcome<HoldoutRecord>>> {
    return this.ctx.blockConcurrencyWhile(() => this.applyHoldout(this.holdouts.create(op, input)));
  }

  replaceHoldout(op: Operator, id: number, input: HoldoutInput, confirmReset: boolean): Promise<Result<WriteOutcome<HoldoutRecord>>> {
    return this.ctx.blockConcurrencyWhile(() => this.applyHoldout(this.holdouts.replace(op, id, input, confirmReset)));
  }

  deleteHoldout(op: Operator, id: number): Promise<Result<WriteOutcome<{ deleted: number }>>> {
    return this.ctx.blockConcurrencyWhile(() => this.applyHoldout(this.holdouts.remove(op, id)));
  }

  private async applyHoldout<T>(change: HoldoutChange<T>): Promise<Result<WriteOutcome<T>>> {
    if (!change.result.ok) return change.result;
    const published = change.publish ? await this.publish() : true;
    if (change.purge !== null) await this.runData.purgeHoldout(change.purge);
    return ok({ value: change.result.value, published });
  }

  /** The record with its run-data, read fresh from every shard. */
  async runState(id: number): Promise<Result<RunState>> {
    const row = this.records.row(id);
    if (row === undefined) return notFound(id);
    const read = readRecord(row);
    if (!read.ok) return unreadable(read.unreadable);
    const now = this.clock();
    const from = automationFrom(read.record, row.epoch_started_at);
    const started = sampleStart(read.record, row.epoch_started_at);
    const run = await this.runData.read(row);
    return ok({
      record: read.record,
      epoch: row.epoch,
      run: run.ok ? run.run : sumSnapshots(row.epoch, []),
      runDataError: run.ok ? null : run.error,
      look: this.records.look(row),
      postTestApplied: this.records.postTestApplied(row),
      srmBlockedAt: row.srm_blocked_at,
      conclusion: this.records.conclusion(row),
      sampleStartedAt: started === null ? null : new Date(started).toISOString(),
      automationFrom: from === null ? null : new Date(from).toISOString(),
      now: new Date(now).toISOString(),
      reminder: shippedReminder(read.record, this.settings().shippedReminderDays, now),
    });
  }

  /**
   * A run-data shard's report (at most every few seconds per shard): keep its counts, then re-evaluate
   * the gate and the automated post-test action.
   */
  runDataChanged(experimentId: number, shard: number, snapshot: ShardSnapshot): Promise<void> {
    return this.ctx.blockConcurrencyWhile(async () => {
      this.evaluation.keepReport(experimentId, shard, snapshot);
      const followup = this.evaluation.afterReport(experimentId, snapshot.epoch);
      if (followup !== null) await this.follow([followup]);
      else await this.wakeForNotifications();
    });
  }

  // ---- writes -------------------------------------------------------------------------------------

  // Every write runs with the object's input closed: a write that awaits run-data or KV must not
  // interleave with another write working from the same, now stale, record.

  /** `mayAllowScripts`: the operator's role may allow script-running overrides. */
  create(op: Operator, input: ExperimentInput, mayAllowScripts = false): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    return this.ctx.blockConcurrencyWhile(() => this.apply(this.editing.create(op, input, mayAllowScripts)));
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
    return this.ctx.blockConcurrencyWhile(() =>
      this.apply(this.editing.replace(op, id, input, confirmReset, mayEditLive, mayAllowScripts)),
    );
  }

  act(op: Operator, id: number, action: Action, body: ActionBody): Promise<Result<WriteOutcome<ExperimentRecord | { deleted: number }>>> {
    return this.ctx.blockConcurrencyWhile(async () => this.apply(await this.editing.act(op, id, action, body)));
  }

  /**
   * Gradual rollout of the shipped variant of a done experiment: `percent` of visitors (by the assignment
   * hash, so raising it only adds visitors) get it, the rest the control; 0 rolls back to the control.
   */
  setRollout(op: Operator, id: number, percent: number): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    return this.ctx.blockConcurrencyWhile(() => this.apply(this.editing.setRollout(op, id, percent)));
  }

  // ---- failure counters (the admin's sign-in limit, admin/signin-limit.ts) --------------------------

  /** The failed sign-ins counted for `key` (a client address) in its last window. */
  signInFailures(key: string): FailureWindow | null {
    return this.counters.window(key);
  }

  /** Counts a failed sign-in for `key`, in windows of `windowMs`. */
  noteSignInFailure(key: string, windowMs: number, now: number): void {
    this.counters.note(key, windowMs, now);
  }

  // ---- webhooks (Administrators, through the admin API) ----------------------------------------------

  /** A new hook; its secret is in the answer and nowhere else ever again. */
  createWebhook(op: Operator, input: WebhookInput): Promise<{ webhook: Webhook; secret: string }> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const made = this.notifications.create(input, op.name);
      const { url, events, format, description } = input;
      this.audit.write(op, null, "webhook_create", null, null, { webhook: { id: made.webhook.id, url, events, format, description } });
      await this.wakeForNotifications();
      return made;
    });
  }

  listWebhooks(): Webhook[] {
    return this.notifications.list();
  }

  deleteWebhook(op: Operator, id: number): Promise<boolean> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const hook = this.notifications.get(id);
      if (hook === null || !this.notifications.remove(id)) return false;
      this.audit.write(op, null, "webhook_delete", null, null, { webhook: { id, url: hook.url } });
      await this.wakeForNotifications();
      return true;
    });
  }

  /** Sends a test notification to one hook (through the alarm, like any other). */
  pingWebhook(op: Operator, id: number): Promise<boolean> {
    return this.ctx.blockConcurrencyWhile(async () => {
      if (!this.notifications.ping(id, op.name)) return false;
      this.notificationsQueued = true;
      await this.wakeForNotifications();
      return true;
    });
  }

  /** The newest deliveries with every attempt, of one hook or of all. */
  webhookDeliveries(hookId: number | null, limit: number): WebhookDelivery[] {
    return this.notifications.deliveries(hookId, limit);
  }

  private async wakeForNotifications(): Promise<void> {
    if (!this.notificationsQueued) return;
    this.notificationsQueued = false;
    await this.scheduleAlarm();
  }

  // ---- operators' page sessions (admin/session.ts decides what they mean; sessions.ts keeps them) ----

  /** Stores a new session under `key` (the hex SHA-256 of the cookie's id). */
  openSession(key: string, op: Operator, tokenDigest: string, now: number, lifetimeMs: number): void {
    this.sessions.open(key, op.name, op.role, tokenDigest, now, lifetimeMs);
  }

  /** The session under `key` if it is alive at `now` (within its lifetime, used within `idleMs`); using it keeps it alive. */
  touchSession(key: string, now: number, idleMs: number): StoredSession | null {
    return this.sessions.touch(key, now, idleMs);
  }

  /** Ends one session (sign-out). */
  closeSession(key: string): boolean {
    return this.sessions.close(key);
  }

  /** Ends every session signed in with a token that is no longer in the token list. */
  closeSessionsOfToken(tokenDigest: string): number {
    return this.sessions.closeAllOfToken(tokenDigest);
  }

  /** Ends every session of `operator`, on `by`'s request ("sign out everywhere"), with an audit entry. */
  closeOperatorSessions(by: Operator, operator: string): Promise<number> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const ended = this.sessions.closeAllOf(operator);
      this.audit.writeOperatorEvent(by, "sign_out_everywhere", { operator, sessions_ended: ended });
      return ended;
    });
  }

  // ---- publishing and the alarm -------------------------------------------------------------------

  /** Writes the edge's view of every live, paused and done experiment to KV; false when KV has not taken it. */
  async publish(): Promise<boolean> {
    const outcome = await this.publisher.publish();
    if (outcome === "failed") await this.scheduleAlarm();
    return outcome === "published";
  }

  /**
   * Retries a publish that failed, pauses experiments past their maximum runtime, carries out schedules,
   * decides for those whose minimum runtime has passed (an experiment that turned conclusive earlier
   * acts now), checks that KV still holds the document last published (read back with the edge's
   * parser: a missing, corrupt, stale or altered document is published again, every
   * SGEN_CONFIG_CHECK_MINUTES once anything was published), and sends the webhook deliveries due (after
   * the rest, outside the write lock: a slow receiver must not hold up writes).
   */
  override async alarm(): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      const now = this.clock();
      const paused = this.evaluation.pauseOverdue(now);
      const scheduled = await this.schedules.run(now);
      const followups = this.evaluation.afterRuntime();
      if (paused || scheduled || this.publisher.pending() || followups.some((f) => f.publish)) await this.publish();
      else {
        const state = await this.publisher.check();
        if (NEEDS_REPUBLISH.has(state)) {
          console.warn(`sgen-ab catalog: the published config in KV is ${state}; publishing it again`);
          await this.publish();
        }
      }
      for (const f of followups) if (f.freeze !== null) await this.runData.freeze(f.freeze);
    });
    await this.notifications.deliverDue(Date.now());
    this.notificationsQueued = false;
    await this.scheduleAlarm();
  }

  /** The effects of automated decisions, in order: publish, freeze run-data, reschedule the alarm. */
  private async follow(followups: readonly Followup[]): Promise<void> {
    if (followups.some((f) => f.publish)) await this.publish();
    for (const f of followups) if (f.freeze !== null) await this.runData.freeze(f.freeze);
    await this.scheduleAlarm();
  }

  /** Carries out a write's effects, in order: publish, freeze run-data, reschedule the alarm. */
  private async apply<T>(change: Change<T>): Promise<Result<WriteOutcome<T>>> {
    if (!change.result.ok) return change.result;
    const published = change.publish ? await this.publish() : true;
    if (change.freeze !== null) await this.runData.freeze(change.freeze);
    // A publish starts the periodic check of KV, so it reschedules the alarm as well.
    if (change.reschedule || change.publish || this.notificationsQueued) {
      this.notificationsQueued = false;
      await this.scheduleAlarm();
    }
    return ok({ value: change.result.value, published });
  }

  /**
   * One alarm serves every job: the earliest of a publish retry, a maximum-runtime cutoff, a minimum
   * runtime ahead, the next schedule, the next webhook delivery and the next check of KV.
   */
  private async scheduleAlarm(): Promise<void> {
    const now = this.clock();
    const retry = this.publisher.pending() ? now + PUBLISH_RETRY_MS : Number.POSITIVE_INFINITY;
    const check = this.publisher.everPublished() ? now + this.settings().configCheckMinutes * 60_000 : Number.POSITIVE_INFINITY;
    const next = Math.min(retry, check, this.evaluation.nextCutoff(), this.schedules.next());
    // The alarm runs on the runtime's own clock: a time past by the catalog's clock is due at once.
    // Webhook deliveries are timed on the runtime's clock already.
    const real = Math.min(
      Number.isFinite(next) ? (next <= now ? Date.now() : Date.now() + (next - now)) : next,
      this.notifications.nextDue(),
    );
    if (Number.isFinite(real)) await this.ctx.storage.setAlarm(Math.max(real, Date.now()));
    else await this.ctx.storage.deleteAlarm();
  }
}
