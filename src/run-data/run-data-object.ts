// Run-data of one experiment (or one shard of it), in a SQLite-backed Durable Object. A visitor joins
// the sample once per epoch: the primary key on (epoch, visitor) makes a repeated delivery a no-op.
import { DurableObject } from "cloudflare:workers";
import type { Exposure } from "../edge/options.ts";

export interface VariantCount {
  epoch: number;
  variant: string;
  sample: number;
}

export class RunDataObject extends DurableObject<object> {
  constructor(ctx: DurableObjectState, env: object) {
    super(ctx, env);
    this.createTables();
  }

  private createTables(): void {
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS exposures (
        epoch INTEGER NOT NULL, visitor TEXT NOT NULL, variant TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (epoch, visitor)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS variant_counts (
        epoch INTEGER NOT NULL, variant TEXT NOT NULL, sample INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (epoch, variant)
      ) WITHOUT ROWID;
    `);
  }

  /** Adds first exposures; returns how many were new (the rest were repeats). */
  recordExposures(exposures: readonly Exposure[]): number {
    const sql = this.ctx.storage.sql;
    let added = 0;
    this.ctx.storage.transactionSync(() => {
      for (const e of exposures) {
        const inserted = sql.exec(
          "INSERT OR IGNORE INTO exposures (epoch, visitor, variant, at) VALUES (?, ?, ?, ?)",
          e.epoch,
          e.visitorId,
          e.variant,
          e.at,
        ).rowsWritten;
        if (inserted === 0) continue;
        added++;
        sql.exec(
          "INSERT INTO variant_counts (epoch, variant, sample) VALUES (?, ?, 1) ON CONFLICT (epoch, variant) DO UPDATE SET sample = sample + 1",
          e.epoch,
          e.variant,
        );
      }
    });
    return added;
  }

  /** Removes all run-data (the experiment was deleted). */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.createTables(); // a late exposure for the deleted experiment must not fail on missing tables
  }

  counts(epoch: number): VariantCount[] {
    return this.ctx.storage.sql
      .exec<{ epoch: number; variant: string; sample: number }>(
        "SELECT epoch, variant, sample FROM variant_counts WHERE epoch = ? ORDER BY variant",
        epoch,
      )
      .toArray();
  }
}
