// Run-data of one shard of one experiment, in a SQLite-backed Durable Object. Every rule that keeps
// the counts exact is enforced here, inside one object, so it holds under any concurrency:
// - a visitor joins the sample once per epoch (primary key on exposures);
// - a visitor converts once per goal per epoch (primary key on conversions);
// - only a visitor in the sample converts, under the variant it was exposed to; a conversion that
//   arrives before its exposure (batches from different isolates race) waits in `pending` for a while
//   and is never counted without one, so conversions ≤ sample at every moment;
// - a value goal's event adds to its visitor's total once (primary key on its identity), the visitor's
//   counted value is the total up to the goal's cap, and the variant's sum and sum of squares of those
//   counted values are kept exactly, as integers of any size (docs/metrics.md);
// - every event it counted (and nothing it refused) goes out to Analytics Engine and/or a Queue when
//   a binding is there (events-out.ts), from the rows the statements report as written;
// - once the experiment is done the object is frozen and refuses writes.
// After a change it tells the catalog (at most every REPORT_DELAY_MS), which re-evaluates the gate.
// A holdout's shards (`holdout:<id>:shard:<k>`) are the same object, fed the holdout's two arms
// (held, exposed) as variants and its goals as goals; they report to nobody.
import { DurableObject } from "cloudflare:workers";
import { VALUE_SCALE } from "../core/field-rules.ts";
import { entry } from "../core/util.ts";
import type { EventValue, RunEvent } from "../edge/ports.ts";
import { CATALOG_OBJECT_NAME } from "../names.ts";
import { type CountedEvent, type EventsOutEnv, sendCounted, visitorIdOf } from "./events-out.ts";
import type { TallyBatch } from "./tallies.ts";

const PENDING_TTL_MS = 15 * 60_000;
const REPORT_DELAY_MS = 2_000;

export interface ShardSnapshot {
  epoch: number;
  /** variant → unique visitors exposed */
  samples: Record<string, number>;
  /** goal → variant → unique converting visitors */
  conversions: Record<string, Record<string, number>>;
  /** variant → last conversion time (ms) of any goal */
  lastConversionAt: Record<string, number>;
  /** day (UTC, YYYY-MM-DD) → goal ('' for exposures) → variant → count that day */
  daily: Record<string, Record<string, Record<string, number>>>;
  /**
   * Value goals: goal → variant → the sum and the sum of squares of each visitor's counted value (its
   * total up to the cap), in cents, as decimal strings: exact at any size.
   */
  values: Record<string, Record<string, ValueSums>>;
  /** variant → the origin's answers to its sample's target-page requests (the guardrails' measurements) */
  responses: Record<string, OriginResponses>;
  /** variant ('' when not known) → reason → requests left out of the counts (the ledger) */
  notCounted: Record<string, Record<string, number>>;
}

/** The origin's answers to one variant's target-page requests: how many, the errors, the time to headers. */
export interface OriginResponses {
  n: number;
  status_4xx: number;
  status_5xx: number;
  /** Σ and Σ² of the time to the response headers, in whole milliseconds (Σ² as a decimal string). */
  latency_sum: number;
  latency_sum_squares: string;
}

/** Σ and Σ² of the visitors' counted values in cents, as decimal strings of integers. */
export interface ValueSums {
  sum: string;
  sum_squares: string;
}

export interface IngestResult {
  exposures: number;
  conversions: number;
  /** Value events added to a visitor's total (each identity once). */
  values: number;
  /** Whether the tallies sent with the batch were applied (false: none, or a resend already applied). */
  tallies: boolean;
  duplicates: number;
  pending: number;
  frozen: boolean;
}

/** Who the run-data object reports to: the catalog, which decides what the numbers mean. */
export interface RunDataReporter {
  runDataChanged(experimentId: number, shard: number, snapshot: ShardSnapshot): Promise<void>;
}

export interface RunDataEnv extends EventsOutEnv {
  SGEN_CATALOG?: DurableObjectNamespace<RunDataReporter & Rpc.DurableObjectBranded>;
}

const DAY_MS = 86_400_000;

/** [epoch, visitor, variant, at] and [epoch, goal, visitor, at]: compact rows for the JSON the statements read. */
type ExposureRow = [number, string, string, number];
type ConversionRow = [number, string, string, number];

/** A value event as run-data applies it. */
interface ValueRow {
  epoch: number;
  goal: string;
  visitorId: string;
  eventId: string;
  cents: number;
  capCents: number | null;
  at: number;
}

/**
 * Rows per statement. A bound value may be at most 2 MB on Durable Objects: 250 rows with 256-character
 * visitor ids, escaped, stay well below it.
 */
const ROWS_PER_STATEMENT = 250;

function* chunks<T>(rows: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) yield rows.slice(i, i + ROWS_PER_STATEMENT);
}

// How a visitor id is stored: the ids the edge issues (lower-case UUIDs) as their 16 bytes, any other id
// as it came. A blob never equals a text, and only one spelling of a UUID is packed, so two different ids
// never share a key: the counts stay exact. Half the bytes per row means more of a shard's sample in
// SQLite's page cache, and that cache is what random ids wear out (measured: 33,000 → 40,000 events/s).
// (Durable Objects refuse long GLOB patterns, so the shape is checked in three short ones: 36 characters
// with dashes at 9, 14, 19 and 24; nothing but lower-case hex digits and dashes; no fifth dash.)
const visitorKey = (id: string) =>
  `(CASE WHEN ${id} GLOB '????????-????-????-????-????????????' AND ${id} NOT GLOB '*[^0-9a-f-]*' AND ${id} NOT GLOB '*-*-*-*-*-*'
    THEN unhex(replace(${id}, '-', '')) ELSE ${id} END)`;

// The whole batch reaches SQLite as JSON, up to ROWS_PER_STATEMENT rows per statement. RETURNING lists only
// the rows actually written, so the ignored repeats drop out by themselves.
const INSERT_EXPOSURES = `
  INSERT OR IGNORE INTO sample (epoch, visitor, variant, day)
  SELECT value ->> 0, ${visitorKey("value ->> 1")}, value ->> 2, CAST((value ->> 3) / ${DAY_MS} AS INTEGER) FROM json_each(?)
  RETURNING epoch, variant, day`;
const ANY_PENDING = "SELECT 1 FROM pending LIMIT 1";
/** The same statements naming the visitor too, used only when events go out (events-out.ts). */
const withVisitor = (statement: string) => `${statement}, visitor`;
const CONVERT_PENDING = `
  INSERT OR IGNORE INTO conversions (epoch, goal, visitor, variant, at)
  SELECT p.epoch, p.goal, p.visitor, s.variant, p.at FROM pending p JOIN sample s ON s.epoch = p.epoch AND s.visitor = p.visitor
  RETURNING epoch, goal, variant, at`;
const DELETE_RESOLVED_PENDING = `
  DELETE FROM pending WHERE EXISTS (SELECT 1 FROM sample s WHERE s.epoch = pending.epoch AND s.visitor = pending.visitor)`;
const BATCH_CONVERSIONS = `
  SELECT value ->> 0 AS epoch, value ->> 1 AS goal, ${visitorKey("value ->> 2")} AS visitor, value ->> 3 AS at FROM json_each(?)`;
const INSERT_CONVERSIONS = `
  INSERT OR IGNORE INTO conversions (epoch, goal, visitor, variant, at)
  SELECT c.epoch, c.goal, c.visitor, s.variant, c.at FROM (${BATCH_CONVERSIONS}) c JOIN sample s ON s.epoch = c.epoch AND s.visitor = c.visitor
  RETURNING epoch, goal, variant, at`;
const INSERT_PENDING = `
  INSERT OR IGNORE INTO pending (epoch, goal, visitor, at)
  SELECT c.epoch, c.goal, c.visitor, c.at FROM (${BATCH_CONVERSIONS}) c
  WHERE NOT EXISTS (SELECT 1 FROM sample s WHERE s.epoch = c.epoch AND s.visitor = c.visitor)
  RETURNING 1`;

// Value events, one statement each (they are a goal's purchases, far fewer than exposures). `?1` is the
// visitor id as the edge sent it, bound once and turned into its stored key by visitorKey.
const VALUE_VARIANT = `SELECT variant FROM sample WHERE epoch = ?2 AND visitor = ${visitorKey("?1")}`;
const INSERT_VALUE_EVENT = `
  INSERT OR IGNORE INTO value_events (epoch, goal, visitor, event_id) VALUES (?2, ?3, ${visitorKey("?1")}, ?4) RETURNING 1`;
const ADD_TO_VISITOR_TOTAL = `
  INSERT INTO visitor_values (epoch, goal, visitor, total) VALUES (?2, ?3, ${visitorKey("?1")}, ?4)
  ON CONFLICT (epoch, goal, visitor) DO UPDATE SET total = total + excluded.total RETURNING total`;
const INSERT_PENDING_VALUE = `
  INSERT OR IGNORE INTO pending_values (epoch, goal, visitor_id, event_id, cents, cap, at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING 1`;
const PENDING_VALUES_READY = `
  SELECT p.epoch, p.goal, p.visitor_id, p.event_id, p.cents, p.cap, p.at, s.variant FROM pending_values p
  JOIN sample s ON s.epoch = p.epoch AND s.visitor = ${visitorKey("p.visitor_id")}`;
const DELETE_RESOLVED_PENDING_VALUES = `
  DELETE FROM pending_values WHERE EXISTS (
    SELECT 1 FROM sample s WHERE s.epoch = pending_values.epoch AND s.visitor = ${visitorKey("pending_values.visitor_id")})`;

export class RunDataObject extends DurableObject<RunDataEnv> {
  /** While a batch is applied with events going out: where its counted value events are collected. */
  private streamed: { experimentId: number; events: CountedEvent[] } | null = null;

  constructor(ctx: DurableObjectState, env: RunDataEnv) {
    super(ctx, env);
    this.createTables();
  }

  private createTables(): void {
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      -- The sample: who was exposed, to which variant, on which UTC day (days since 1970).
      CREATE TABLE IF NOT EXISTS sample (
        epoch INTEGER NOT NULL, visitor BLOB NOT NULL, variant TEXT NOT NULL, day INTEGER NOT NULL,
        PRIMARY KEY (epoch, visitor)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS conversions (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, visitor BLOB NOT NULL, variant TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (epoch, goal, visitor)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS pending (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, visitor BLOB NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (epoch, visitor, goal)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS counts (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, variant TEXT NOT NULL, n INTEGER NOT NULL, last_at INTEGER,
        PRIMARY KEY (epoch, goal, variant)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS daily (
        epoch INTEGER NOT NULL, day TEXT NOT NULL, goal TEXT NOT NULL, variant TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (epoch, day, goal, variant)
      ) WITHOUT ROWID;
      -- Value goals: each event once (its identity), each visitor's raw total, and per variant the exact
      -- sums of the counted values (the totals up to the cap), as decimal text so that no size overflows.
      CREATE TABLE IF NOT EXISTS value_events (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, visitor BLOB NOT NULL, event_id TEXT NOT NULL,
        PRIMARY KEY (epoch, goal, visitor, event_id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS visitor_values (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, visitor BLOB NOT NULL, total INTEGER NOT NULL,
        PRIMARY KEY (epoch, goal, visitor)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS value_sums (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, variant TEXT NOT NULL, sum TEXT NOT NULL, sum_squares TEXT NOT NULL,
        PRIMARY KEY (epoch, goal, variant)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS pending_values (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, visitor_id TEXT NOT NULL, event_id TEXT NOT NULL,
        cents INTEGER NOT NULL, cap INTEGER, at INTEGER NOT NULL,
        PRIMARY KEY (epoch, goal, visitor_id, event_id)
      ) WITHOUT ROWID;
      -- The edge's tallies: the origin's answers per variant (guardrails) and the requests not counted
      -- (the ledger), with the ids of the tally batches applied (kept a day), so a resend adds nothing.
      CREATE TABLE IF NOT EXISTS responses (
        epoch INTEGER NOT NULL, variant TEXT NOT NULL, n INTEGER NOT NULL, status_4xx INTEGER NOT NULL,
        status_5xx INTEGER NOT NULL, latency_sum INTEGER NOT NULL, latency_sum_squares INTEGER NOT NULL,
        PRIMARY KEY (epoch, variant)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS not_counted (
        epoch INTEGER NOT NULL, variant TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (epoch, variant, reason)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS tally_batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
    `);
  }

  /**
   * Applies a batch; repeats are counted once, conversions without an exposure wait. `tallies`, when
   * sent, are added once per batch id.
   */
  async ingest(shard: number, events: readonly RunEvent[], tallies?: TallyBatch): Promise<IngestResult> {
    const result: IngestResult = { exposures: 0, conversions: 0, values: 0, tallies: false, duplicates: 0, pending: 0, frozen: false };
    if (this.meta("frozen") === "1") return { ...result, frozen: true };
    const exposures: ExposureRow[] = [];
    const conversions: ConversionRow[] = [];
    const values: ValueRow[] = [];
    let experimentId: number | undefined = tallies?.experimentId;
    let holdoutId: number | undefined;
    let epoch = 0;
    for (const r of tallies?.responses ?? []) epoch = Math.max(epoch, r[0]);
    for (const r of tallies?.notCounted ?? []) epoch = Math.max(epoch, r[0]);
    for (const e of events) {
      if (e.epoch > epoch) epoch = e.epoch;
      switch (e.kind) {
        case "exposure":
          experimentId = e.experimentId;
          exposures.push([e.epoch, e.visitorId, e.variant, e.at]);
          break;
        case "conversion":
          experimentId = e.experimentId;
          conversions.push([e.epoch, e.goal, e.visitorId, e.at]);
          if (e.value !== undefined) values.push(valueRow(e.epoch, e.goal, e.visitorId, e.value, e.at));
          break;
        // A holdout's object counts its two arms as an experiment's counts its variants.
        case "holdout_exposure":
          holdoutId = e.holdoutId;
          exposures.push([e.epoch, e.visitorId, e.arm, e.at]);
          break;
        case "holdout_conversion":
          holdoutId = e.holdoutId;
          conversions.push([e.epoch, e.goal, e.visitorId, e.at]);
          break;
      }
    }
    const sql = this.ctx.storage.sql;
    // Events out: the counted events, from the rows written (only when a binding wants them).
    // A holdout's counts are its own comparison, not an experiment's events: they are not sent out.
    const out: CountedEvent[] | null =
      holdoutId === undefined && (this.env.SGEN_ANALYTICS !== undefined || this.env.SGEN_EVENTS_OUT !== undefined) ? [] : null;
    const exposedAt = out === null ? null : new Map(exposures.map((r) => [r[1], r[3]]));
    const outId = experimentId ?? Number(this.meta("experiment_id") ?? 0);
    this.streamed = out === null ? null : { experimentId: outId, events: out };
    this.ctx.storage.transactionSync(() => {
      // A few statements per batch, not one or more per event; counters are summed in memory from the rows
      // the statements report as written, and written once per key at the end, in the same transaction.
      const bumps = new CounterBumps();
      // 1. Exposures: the first one of a visitor per epoch joins the sample (later ones are ignored).
      for (const rows of chunks(exposures)) {
        const statement = out === null ? INSERT_EXPOSURES : withVisitor(INSERT_EXPOSURES);
        for (const [e, variant, day, visitor] of sql.exec(statement, JSON.stringify(rows)).raw()) {
          bumps.add(e as number, "", variant as string, (day as number) * DAY_MS, false);
          result.exposures++;
          if (out !== null) {
            const id = visitorIdOf(visitor);
            out.push(counted("exposure", outId, e as number, variant as string, null, id, null, exposedAt?.get(id) ?? Date.now()));
          }
        }
      }
      result.duplicates += exposures.length - result.exposures;
      // 2. Conversions that arrived before their exposure and whose exposure is now here are counted,
      //    under the variant recorded. Most batches find nothing waiting: one probe decides.
      if (sql.exec(ANY_PENDING).toArray().length > 0) {
        for (const [e, goal, variant, at, visitor] of sql.exec(out === null ? CONVERT_PENDING : withVisitor(CONVERT_PENDING)).raw()) {
          bumps.add(e as number, goal as string, variant as string, at as number, true);
          result.conversions++;
          out?.push(counted("conversion", outId, e as number, variant as string, goal as string, visitorIdOf(visitor), null, at as number));
        }
        sql.exec(DELETE_RESOLVED_PENDING);
        sql.exec("DELETE FROM pending WHERE at < ?", Date.now() - PENDING_TTL_MS);
      }
      // 3. This batch's conversions: a visitor in the sample converts once per goal, under its variant.
      let settled = 0;
      for (const rows of chunks(conversions)) {
        const json = JSON.stringify(rows);
        let converted = 0;
        for (const [e, goal, variant, at, visitor] of sql
          .exec(out === null ? INSERT_CONVERSIONS : withVisitor(INSERT_CONVERSIONS), json)
          .raw()) {
          bumps.add(e as number, goal as string, variant as string, at as number, true);
          converted++;
          out?.push(counted("conversion", outId, e as number, variant as string, goal as string, visitorIdOf(visitor), null, at as number));
        }
        result.conversions += converted;
        settled += converted;
        // 4. Not counted: a repeat, or a visitor whose exposure has not arrived yet (it waits in pending).
        if (converted < rows.length) {
          const waiting = sql.exec(INSERT_PENDING, json).toArray().length;
          result.pending += waiting;
          settled += waiting;
        }
      }
      result.duplicates += conversions.length - settled;
      bumps.write(sql);
      // 5. Value events: waiting ones whose exposure is here, then this batch's.
      if (values.length > 0 || sql.exec("SELECT 1 FROM pending_values LIMIT 1").toArray().length > 0) {
        const sums = new ValueSumBumps();
        this.applyPendingValues(sums);
        for (const v of values) {
          const applied = this.applyValue(v, sums);
          if (applied === "counted") result.values++;
          else if (applied === "pending") result.pending++;
        }
        sums.write(sql);
      }
      // 6. The tallies of the batch, once per batch id.
      if (tallies !== undefined) result.tallies = applyTallies(sql, tallies);
      if (experimentId !== undefined) {
        this.setMeta("experiment_id", String(experimentId));
        this.setMeta("shard", String(shard));
        this.setMeta("epoch", String(Math.max(epoch, Number(this.meta("epoch") ?? 0))));
      } else if (holdoutId !== undefined) this.setMeta("holdout_id", String(holdoutId));
    });
    this.streamed = null;
    if (out !== null) await sendCounted(this.env, out, (m, err) => console.warn(m, err));
    const changed = result.exposures > 0 || result.conversions > 0 || result.values > 0 || result.tallies;
    // Experiments report to the catalog (the gate); a holdout's dashboard reads its shards when asked.
    if (experimentId !== undefined && changed && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + REPORT_DELAY_MS);
    }
    return result;
  }

  /**
   * One value event: added to its visitor's total once; the visitor's counted value moves from
   * min(old, cap) to min(new, cap), and the variant's sums move with it. A visitor not in the sample yet
   * (its exposure is in another batch) waits in pending_values, as a conversion does.
   */
  private applyValue(v: ValueRow, sums: ValueSumBumps, known?: string): "counted" | "repeat" | "pending" {
    const sql = this.ctx.storage.sql;
    const variant = known ?? sql.exec<{ variant: string }>(VALUE_VARIANT, v.visitorId, v.epoch).toArray()[0]?.variant;
    if (variant === undefined) {
      const waiting = sql.exec(INSERT_PENDING_VALUE, v.epoch, v.goal, v.visitorId, v.eventId, v.cents, v.capCents, v.at).toArray();
      return waiting.length > 0 ? "pending" : "repeat";
    }
    if (sql.exec(INSERT_VALUE_EVENT, v.visitorId, v.epoch, v.goal, v.eventId).toArray().length === 0) return "repeat";
    const total = sql.exec<{ total: number }>(ADD_TO_VISITOR_TOTAL, v.visitorId, v.epoch, v.goal, v.cents).one().total;
    sums.add(v.epoch, v.goal, variant, total - v.cents, total, v.capCents);
    if (this.streamed !== null) {
      const capped = (x: number) => (v.capCents === null ? x : Math.min(x, v.capCents));
      const added = (capped(total) - capped(total - v.cents)) / VALUE_SCALE;
      this.streamed.events.push(counted("value", this.streamed.experimentId, v.epoch, variant, v.goal, v.visitorId, added, v.at));
    }
    return "counted";
  }

  /** Value events that waited for their visitor's exposure and now have it; those waiting too long are dropped. */
  private applyPendingValues(sums: ValueSumBumps): void {
    const sql = this.ctx.storage.sql;
    const ready = sql
      .exec<{
        epoch: number;
        goal: string;
        visitor_id: string;
        event_id: string;
        cents: number;
        cap: number | null;
        at: number;
        variant: string;
      }>(PENDING_VALUES_READY)
      .toArray();
    if (ready.length > 0) {
      for (const p of ready) {
        const row: ValueRow = {
          epoch: p.epoch,
          goal: p.goal,
          visitorId: p.visitor_id,
          eventId: p.event_id,
          cents: p.cents,
          capCents: p.cap,
          at: p.at,
        };
        this.applyValue(row, sums, p.variant);
      }
      sql.exec(DELETE_RESOLVED_PENDING_VALUES);
    }
    sql.exec("DELETE FROM pending_values WHERE at < ?", Date.now() - PENDING_TTL_MS);
  }

  /** The counts of one epoch. */
  snapshot(epoch: number): ShardSnapshot {
    const sql = this.ctx.storage.sql;
    const snap: ShardSnapshot = {
      epoch,
      samples: {},
      conversions: {},
      lastConversionAt: {},
      daily: {},
      values: {},
      responses: {},
      notCounted: {},
    };
    for (const r of sql.exec<{ goal: string; variant: string; n: number; last_at: number | null }>(
      "SELECT goal, variant, n, last_at FROM counts WHERE epoch = ?",
      epoch,
    )) {
      if (r.goal === "") snap.samples[r.variant] = r.n;
      else {
        entry(snap.conversions, r.goal, () => ({}))[r.variant] = r.n;
        if (r.last_at !== null) snap.lastConversionAt[r.variant] = Math.max(snap.lastConversionAt[r.variant] ?? 0, r.last_at);
      }
    }
    for (const r of sql.exec<{ day: string; goal: string; variant: string; n: number }>(
      "SELECT day, goal, variant, n FROM daily WHERE epoch = ?",
      epoch,
    )) {
      entry(
        entry(snap.daily, r.day, () => ({})),
        r.goal,
        () => ({}),
      )[r.variant] = r.n;
    }
    for (const r of sql.exec<{ goal: string; variant: string; sum: string; sum_squares: string }>(
      "SELECT goal, variant, sum, sum_squares FROM value_sums WHERE epoch = ?",
      epoch,
    )) {
      entry(snap.values, r.goal, () => ({}))[r.variant] = { sum: r.sum, sum_squares: r.sum_squares };
    }
    for (const r of sql.exec<{ variant: string; n: number; c4: number; c5: number; ls: number; lq: string }>(
      "SELECT variant, n, status_4xx AS c4, status_5xx AS c5, latency_sum AS ls, CAST(latency_sum_squares AS TEXT) AS lq FROM responses WHERE epoch = ?",
      epoch,
    )) {
      snap.responses[r.variant] = { n: r.n, status_4xx: r.c4, status_5xx: r.c5, latency_sum: r.ls, latency_sum_squares: r.lq };
    }
    for (const r of sql.exec<{ variant: string; reason: string; n: number }>(
      "SELECT variant, reason, n FROM not_counted WHERE epoch = ?",
      epoch,
    )) {
      entry(snap.notCounted, r.variant, () => ({}))[r.reason] = r.n;
    }
    return snap;
  }

  /** The experiment is done: refuse writes from now on. */
  freeze(): void {
    this.setMeta("frozen", "1");
  }

  /** Removes all run-data (the experiment was deleted). */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.createTables(); // a late batch for the deleted experiment must not fail on missing tables
    this.freeze();
  }

  override async alarm(): Promise<void> {
    const id = Number(this.meta("experiment_id"));
    const catalog = this.env.SGEN_CATALOG;
    if (!Number.isInteger(id) || id <= 0 || catalog === undefined) return;
    const epoch = Number(this.meta("epoch") ?? 0);
    // An exception here makes the runtime retry the alarm with backoff: the report is not lost.
    await catalog.get(catalog.idFromName(CATALOG_OBJECT_NAME)).runDataChanged(id, Number(this.meta("shard") ?? 0), this.snapshot(epoch));
  }

  private meta(key: string): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: string): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }
}

/**
 * The counter increments of one batch, keyed by what they count. `counts` keeps the total and the last
 * conversion time per (epoch, goal, variant); `daily` the total per UTC day.
 */
class CounterBumps {
  private readonly totals = new Map<string, { epoch: number; goal: string; variant: string; n: number; lastAt: number | null }>();
  private readonly days = new Map<string, { epoch: number; day: string; goal: string; variant: string; n: number }>();
  private dayStart = 0;
  private dayEnd = -1;
  private day = "";

  add(epoch: number, goal: string, variant: string, at: number, isConversion: boolean): void {
    const key = `${epoch}\u0000${goal}\u0000${variant}`;
    const total = this.totals.get(key);
    const lastAt = isConversion ? at : null;
    if (total === undefined) this.totals.set(key, { epoch, goal, variant, n: 1, lastAt });
    else {
      total.n++;
      if (lastAt !== null && (total.lastAt === null || lastAt > total.lastAt)) total.lastAt = lastAt;
    }
    const day = this.dayOf(at);
    const dayKey = `${key}\u0000${day}`;
    const daily = this.days.get(dayKey);
    if (daily === undefined) this.days.set(dayKey, { epoch, day, goal, variant, n: 1 });
    else daily.n++;
  }

  /** The UTC day of `ms`; a batch's events nearly all fall on one day, so the last one is kept. */
  private dayOf(ms: number): string {
    if (ms < this.dayStart || ms > this.dayEnd) {
      this.dayStart = ms - (ms % DAY_MS);
      this.dayEnd = this.dayStart + DAY_MS - 1;
      this.day = new Date(this.dayStart).toISOString().slice(0, 10);
    }
    return this.day;
  }

  write(sql: SqlStorage): void {
    for (const t of this.totals.values()) {
      sql.exec(
        `INSERT INTO counts (epoch, goal, variant, n, last_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (epoch, goal, variant) DO UPDATE SET n = n + excluded.n, last_at = MAX(COALESCE(last_at, 0), excluded.last_at)`,
        t.epoch,
        t.goal,
        t.variant,
        t.n,
        t.lastAt,
      );
    }
    for (const d of this.days.values()) {
      sql.exec(
        "INSERT INTO daily (epoch, day, goal, variant, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT (epoch, day, goal, variant) DO UPDATE SET n = n + excluded.n",
        d.epoch,
        d.day,
        d.goal,
        d.variant,
        d.n,
      );
    }
  }
}

function counted(
  kind: CountedEvent["kind"],
  experiment_id: number,
  epoch: number,
  variant: string,
  goal: string | null,
  visitor_id: string,
  value: number | null,
  at: number,
): CountedEvent {
  return { kind, experiment_id, epoch, variant, goal, visitor_id, value, at };
}

/** A conversion event's value as run-data applies it; a value the edge should not have sent is taken as 0. */
function valueRow(epoch: number, goal: string, visitorId: string, v: EventValue, at: number): ValueRow {
  const cents = Number.isSafeInteger(v.cents) && v.cents >= 0 ? v.cents : 0;
  const capCents = v.capCents !== null && Number.isSafeInteger(v.capCents) && v.capCents > 0 ? v.capCents : null;
  return { epoch, goal, visitorId, eventId: String(v.id), cents, capCents, at };
}

/**
 * The changes of one batch to the value sums, per (epoch, goal, variant), as big integers: a visitor
 * whose total went from `before` to `after` moves its counted value from min(before, cap) to
 * min(after, cap), so Σ += new − old and Σ² += new² − old².
 */
class ValueSumBumps {
  private readonly changes = new Map<string, { epoch: number; goal: string; variant: string; sum: bigint; squares: bigint }>();

  add(epoch: number, goal: string, variant: string, before: number, after: number, capCents: number | null): void {
    const oldValue = BigInt(capCents === null ? before : Math.min(before, capCents));
    const newValue = BigInt(capCents === null ? after : Math.min(after, capCents));
    if (oldValue === newValue) return;
    const key = `${epoch}\u0000${goal}\u0000${variant}`;
    let change = this.changes.get(key);
    if (change === undefined) {
      change = { epoch, goal, variant, sum: 0n, squares: 0n };
      this.changes.set(key, change);
    }
    change.sum += newValue - oldValue;
    change.squares += newValue * newValue - oldValue * oldValue;
  }

  write(sql: SqlStorage): void {
    for (const c of this.changes.values()) {
      const current = sql
        .exec<{ sum: string; sum_squares: string }>(
          "SELECT sum, sum_squares FROM value_sums WHERE epoch = ? AND goal = ? AND variant = ?",
          c.epoch,
          c.goal,
          c.variant,
        )
        .toArray()[0];
      const sum = BigInt(current?.sum ?? "0") + c.sum;
      const squares = BigInt(current?.sum_squares ?? "0") + c.squares;
      sql.exec(
        "INSERT OR REPLACE INTO value_sums (epoch, goal, variant, sum, sum_squares) VALUES (?, ?, ?, ?, ?)",
        c.epoch,
        c.goal,
        c.variant,
        sum.toString(),
        squares.toString(),
      );
    }
  }
}

/** Adds a tally batch unless its id was applied already; forgets ids a day old. True when applied. */
function applyTallies(sql: SqlStorage, t: TallyBatch): boolean {
  const now = Date.now();
  if (sql.exec("INSERT OR IGNORE INTO tally_batches (id, at) VALUES (?, ?) RETURNING 1", String(t.id), now).toArray().length === 0) {
    return false;
  }
  sql.exec("DELETE FROM tally_batches WHERE at < ?", now - DAY_MS);
  const count = (n: unknown) => (typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : 0);
  for (const [epoch, variant, n, c4, c5, ms, ms2] of t.responses) {
    sql.exec(
      `INSERT INTO responses (epoch, variant, n, status_4xx, status_5xx, latency_sum, latency_sum_squares) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (epoch, variant) DO UPDATE SET n = n + excluded.n, status_4xx = status_4xx + excluded.status_4xx,
         status_5xx = status_5xx + excluded.status_5xx, latency_sum = latency_sum + excluded.latency_sum,
         latency_sum_squares = latency_sum_squares + excluded.latency_sum_squares`,
      count(epoch),
      String(variant),
      count(n),
      count(c4),
      count(c5),
      count(ms),
      count(ms2),
    );
  }
  for (const [epoch, variant, reason, n] of t.notCounted) {
    sql.exec(
      "INSERT INTO not_counted (epoch, variant, reason, n) VALUES (?, ?, ?, ?) ON CONFLICT (epoch, variant, reason) DO UPDATE SET n = n + excluded.n",
      count(epoch),
      String(variant),
      String(reason),
      count(n),
    );
  }
  return true;
}
