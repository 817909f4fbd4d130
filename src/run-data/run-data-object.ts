// Run-data of one shard of one experiment, in a SQLite-backed Durable Object. Every rule that keeps
// the counts exact is enforced here, inside one object, so it holds under any concurrency:
// - a visitor joins the sample once per epoch (primary key on exposures);
// - a visitor converts once per goal per epoch (primary key on conversions);
// - only a visitor in the sample converts, under the variant it was exposed to; a conversion that
//   arrives before its exposure (batches from different isolates race) waits in `pending` for a while
//   and is never counted without one, so conversions ≤ sample at every moment;
// - once the experiment is done the object is frozen and refuses writes.
// After a change it tells the catalog (at most every REPORT_DELAY_MS), which re-evaluates the gate.
import { DurableObject } from "cloudflare:workers";
import { entry } from "../core/util.ts";
import type { RunEvent } from "../edge/ports.ts";
import { CATALOG_OBJECT_NAME } from "../names.ts";

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
}

export interface IngestResult {
  exposures: number;
  conversions: number;
  duplicates: number;
  pending: number;
  frozen: boolean;
}

/** Who the run-data object reports to: the catalog, which decides what the numbers mean. */
export interface RunDataReporter {
  runDataChanged(experimentId: number, shard: number, snapshot: ShardSnapshot): Promise<void>;
}

export interface RunDataEnv {
  SGEN_CATALOG?: DurableObjectNamespace<RunDataReporter & Rpc.DurableObjectBranded>;
}

const DAY_MS = 86_400_000;

/** [epoch, visitor, variant, at] and [epoch, goal, visitor, at]: compact rows for the JSON the statements read. */
type ExposureRow = [number, string, string, number];
type ConversionRow = [number, string, string, number];

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

export class RunDataObject extends DurableObject<RunDataEnv> {
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
    `);
  }

  /** Applies a batch; repeats are counted once, conversions without an exposure wait. */
  async ingest(shard: number, events: readonly RunEvent[]): Promise<IngestResult> {
    const result: IngestResult = { exposures: 0, conversions: 0, duplicates: 0, pending: 0, frozen: false };
    if (this.meta("frozen") === "1") return { ...result, frozen: true };
    const exposures: ExposureRow[] = [];
    const conversions: ConversionRow[] = [];
    let experimentId: number | undefined;
    let epoch = 0;
    for (const e of events) {
      experimentId = e.experimentId;
      if (e.epoch > epoch) epoch = e.epoch;
      if (e.kind === "exposure") exposures.push([e.epoch, e.visitorId, e.variant, e.at]);
      else conversions.push([e.epoch, e.goal, e.visitorId, e.at]);
    }
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      // A few statements per batch, not one or more per event; counters are summed in memory from the rows
      // the statements report as written, and written once per key at the end, in the same transaction.
      const bumps = new CounterBumps();
      // 1. Exposures: the first one of a visitor per epoch joins the sample (later ones are ignored).
      for (const rows of chunks(exposures)) {
        for (const [e, variant, day] of sql.exec(INSERT_EXPOSURES, JSON.stringify(rows)).raw()) {
          bumps.add(e as number, "", variant as string, (day as number) * DAY_MS, false);
          result.exposures++;
        }
      }
      result.duplicates += exposures.length - result.exposures;
      // 2. Conversions that arrived before their exposure and whose exposure is now here are counted,
      //    under the variant recorded. Most batches find nothing waiting: one probe decides.
      if (sql.exec(ANY_PENDING).toArray().length > 0) {
        for (const [e, goal, variant, at] of sql.exec(CONVERT_PENDING).raw()) {
          bumps.add(e as number, goal as string, variant as string, at as number, true);
          result.conversions++;
        }
        sql.exec(DELETE_RESOLVED_PENDING);
        sql.exec("DELETE FROM pending WHERE at < ?", Date.now() - PENDING_TTL_MS);
      }
      // 3. This batch's conversions: a visitor in the sample converts once per goal, under its variant.
      let settled = 0;
      for (const rows of chunks(conversions)) {
        const json = JSON.stringify(rows);
        let converted = 0;
        for (const [e, goal, variant, at] of sql.exec(INSERT_CONVERSIONS, json).raw()) {
          bumps.add(e as number, goal as string, variant as string, at as number, true);
          converted++;
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
      if (experimentId !== undefined) {
        this.setMeta("experiment_id", String(experimentId));
        this.setMeta("shard", String(shard));
        this.setMeta("epoch", String(Math.max(epoch, Number(this.meta("epoch") ?? 0))));
      }
    });
    if ((result.exposures > 0 || result.conversions > 0) && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + REPORT_DELAY_MS);
    }
    return result;
  }

  /** The counts of one epoch. */
  snapshot(epoch: number): ShardSnapshot {
    const sql = this.ctx.storage.sql;
    const snap: ShardSnapshot = { epoch, samples: {}, conversions: {}, lastConversionAt: {}, daily: {} };
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
