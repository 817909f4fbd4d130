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
import { CATALOG_OBJECT_NAME } from "../catalog/names.ts";
import { entry } from "../core/util.ts";
import type { RunEvent } from "./events.ts";

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

export class RunDataObject extends DurableObject<RunDataEnv> {
  constructor(ctx: DurableObjectState, env: RunDataEnv) {
    super(ctx, env);
    this.createTables();
  }

  private createTables(): void {
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS exposures (
        epoch INTEGER NOT NULL, visitor TEXT NOT NULL, variant TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (epoch, visitor)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS conversions (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, visitor TEXT NOT NULL, variant TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (epoch, goal, visitor)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS pending (
        epoch INTEGER NOT NULL, goal TEXT NOT NULL, visitor TEXT NOT NULL, at INTEGER NOT NULL,
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
    const sql = this.ctx.storage.sql;
    let experimentId: number | undefined;
    let epoch = 0;
    this.ctx.storage.transactionSync(() => {
      // Counters are summed in memory and written once per key at the end of the batch, inside the same
      // transaction: a batch of 500 events makes a handful of counter writes, not a thousand.
      const bumps = new CounterBumps();
      // Most batches find nothing waiting: one query instead of one per exposure.
      let anyPending = sql.exec("SELECT 1 FROM pending LIMIT 1").toArray().length > 0;
      for (const e of events) {
        experimentId = e.experimentId;
        epoch = Math.max(epoch, e.epoch);
        if (e.kind === "exposure") {
          const added = sql.exec(
            "INSERT OR IGNORE INTO exposures (epoch, visitor, variant, at) VALUES (?, ?, ?, ?)",
            e.epoch,
            e.visitorId,
            e.variant,
            e.at,
          ).rowsWritten;
          if (added === 0) {
            result.duplicates++;
            continue;
          }
          result.exposures++;
          bumps.add(e.epoch, "", e.variant, e.at, false);
          if (!anyPending) continue;
          // Conversions that arrived first are counted now, under the variant just recorded.
          const waiting = sql
            .exec<{ goal: string; at: number }>("SELECT goal, at FROM pending WHERE epoch = ? AND visitor = ?", e.epoch, e.visitorId)
            .toArray();
          for (const w of waiting) {
            if (this.convert(bumps, e.epoch, w.goal, e.visitorId, e.variant, w.at)) result.conversions++;
          }
          if (waiting.length > 0) sql.exec("DELETE FROM pending WHERE epoch = ? AND visitor = ?", e.epoch, e.visitorId);
        } else {
          // The common case in one statement: the visitor is in the sample and converts for the first time.
          const converted = sql
            .exec<{ variant: string }>(
              `INSERT OR IGNORE INTO conversions (epoch, goal, visitor, variant, at)
               SELECT epoch, ?, visitor, variant, ? FROM exposures WHERE epoch = ? AND visitor = ? RETURNING variant`,
              e.goal,
              e.at,
              e.epoch,
              e.visitorId,
            )
            .toArray()[0];
          if (converted !== undefined) {
            bumps.add(e.epoch, e.goal, converted.variant, e.at, true);
            result.conversions++;
            continue;
          }
          // Not counted: a repeat, or a visitor whose exposure has not arrived yet.
          const exposed = sql
            .exec<{ variant: string }>("SELECT variant FROM exposures WHERE epoch = ? AND visitor = ?", e.epoch, e.visitorId)
            .toArray()[0];
          if (exposed === undefined) {
            sql.exec("INSERT OR IGNORE INTO pending (epoch, goal, visitor, at) VALUES (?, ?, ?, ?)", e.epoch, e.goal, e.visitorId, e.at);
            anyPending = true;
            result.pending++;
          } else result.duplicates++;
        }
      }
      bumps.write(sql);
      if (anyPending) sql.exec("DELETE FROM pending WHERE at < ?", Date.now() - PENDING_TTL_MS);
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

  private convert(bumps: CounterBumps, epoch: number, goal: string, visitor: string, variant: string, at: number): boolean {
    const added = this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO conversions (epoch, goal, visitor, variant, at) VALUES (?, ?, ?, ?, ?)",
      epoch,
      goal,
      visitor,
      variant,
      at,
    ).rowsWritten;
    if (added > 0) bumps.add(epoch, goal, variant, at, true);
    return added > 0;
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
