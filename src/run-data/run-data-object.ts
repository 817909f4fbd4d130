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

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

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
          this.bump(e.epoch, "", e.variant, e.at, false);
          // Conversions that arrived first are counted now, under the variant just recorded.
          const waiting = sql
            .exec<{ goal: string; at: number }>("SELECT goal, at FROM pending WHERE epoch = ? AND visitor = ?", e.epoch, e.visitorId)
            .toArray();
          for (const w of waiting) {
            if (this.convert(e.epoch, w.goal, e.visitorId, e.variant, w.at)) result.conversions++;
          }
          if (waiting.length > 0) sql.exec("DELETE FROM pending WHERE epoch = ? AND visitor = ?", e.epoch, e.visitorId);
        } else {
          const exposed = sql
            .exec<{ variant: string }>("SELECT variant FROM exposures WHERE epoch = ? AND visitor = ?", e.epoch, e.visitorId)
            .toArray()[0];
          if (exposed === undefined) {
            sql.exec("INSERT OR IGNORE INTO pending (epoch, goal, visitor, at) VALUES (?, ?, ?, ?)", e.epoch, e.goal, e.visitorId, e.at);
            result.pending++;
          } else if (this.convert(e.epoch, e.goal, e.visitorId, exposed.variant, e.at)) result.conversions++;
          else result.duplicates++;
        }
      }
      sql.exec("DELETE FROM pending WHERE at < ?", Date.now() - PENDING_TTL_MS);
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

  private convert(epoch: number, goal: string, visitor: string, variant: string, at: number): boolean {
    const added = this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO conversions (epoch, goal, visitor, variant, at) VALUES (?, ?, ?, ?, ?)",
      epoch,
      goal,
      visitor,
      variant,
      at,
    ).rowsWritten;
    if (added > 0) this.bump(epoch, goal, variant, at, true);
    return added > 0;
  }

  private bump(epoch: number, goal: string, variant: string, at: number, isConversion: boolean): void {
    const sql = this.ctx.storage.sql;
    sql.exec(
      `INSERT INTO counts (epoch, goal, variant, n, last_at) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (epoch, goal, variant) DO UPDATE SET n = n + 1, last_at = MAX(COALESCE(last_at, 0), excluded.last_at)`,
      epoch,
      goal,
      variant,
      isConversion ? at : null,
    );
    sql.exec(
      "INSERT INTO daily (epoch, day, goal, variant, n) VALUES (?, ?, ?, ?, 1) ON CONFLICT (epoch, day, goal, variant) DO UPDATE SET n = n + 1",
      epoch,
      dayOf(at),
      goal,
      variant,
    );
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
