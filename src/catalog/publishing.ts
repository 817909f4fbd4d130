// Publishing: the edge's view of every live, paused and done experiment, written to KV as one document
// (kv-schema/) under a revision number that grows with every attempt. The meta table remembers the
// last revision KV accepted, so an attempt that failed is known to be pending and the alarm retries it.
import { EDGE_CONFIG_SCHEMA_VERSION, type EdgeConfig, type EdgeExperiment, type ExperimentRecord, edgeViewOf } from "../core/schema.ts";
import { EDGE_CONFIG_KEY } from "../names.ts";
import type { Records } from "./records.ts";
import type { ExperimentRow } from "./tables.ts";

/** The states the edge acts on: a write that leaves or enters one of them must be published. */
export const EDGE_STATES = ["live", "paused", "done"] as const;

export function seenByEdge(state: string): boolean {
  return (EDGE_STATES as readonly string[]).includes(state);
}

/** The published document for these records (those in a state the edge ignores are left out). */
export function edgeDocument(
  records: ReadonlyArray<{ row: Pick<ExperimentRow, "epoch" | "shards">; record: ExperimentRecord }>,
  revision: number,
  publishedAt: string,
): EdgeConfig {
  const experiments: EdgeExperiment[] = [];
  for (const { row, record } of records) {
    const view = edgeViewOf(record, row.epoch, row.shards);
    if (view !== null) experiments.push(view);
  }
  return { schema_version: EDGE_CONFIG_SCHEMA_VERSION, revision, published_at: publishedAt, experiments };
}

/** How a publish ended: KV took it, there is no KV bound, or KV refused it (pending: retry later). */
export type PublishOutcome = "published" | "unbound" | "failed";

export class Publisher {
  private readonly sql: SqlStorage;
  private readonly records: Records;
  private readonly kv: () => KVNamespace | undefined;

  /** `kv` is asked on every publish: the binding belongs to the object's env, which may be replaced. */
  constructor(sql: SqlStorage, records: Records, kv: () => KVNamespace | undefined) {
    this.sql = sql;
    this.records = records;
    this.kv = kv;
  }

  /**
   * Writes the edge's view to KV under a new revision. A record that does not parse is left out (the
   * edge then leaves its pages alone) and reported by readRecord; the others are published.
   */
  async publish(): Promise<PublishOutcome> {
    const kv = this.kv();
    const revision = this.bumpRevision();
    if (kv === undefined) return "unbound";
    const doc = edgeDocument(this.records.recordsInStates(EDGE_STATES), revision, new Date().toISOString());
    try {
      await kv.put(EDGE_CONFIG_KEY, JSON.stringify(doc));
      this.setMeta("published_revision", String(revision));
      return "published";
    } catch (err) {
      console.warn("sgen-ab catalog: publishing to KV failed; retrying by alarm", err);
      return "failed";
    }
  }

  /** A revision was attempted that KV has not accepted yet. */
  pending(): boolean {
    return Number(this.meta("published_revision") ?? 0) < Number(this.meta("revision") ?? 0);
  }

  private bumpRevision(): number {
    const next = Number(this.meta("revision") ?? 0) + 1;
    this.setMeta("revision", String(next));
    return next;
  }

  private meta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }
}
