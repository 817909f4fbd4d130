// Publishing: the edge's view of every live, paused and done experiment and of every holdout, written
// to KV as one document (kv-schema/) under a revision number that grows with every attempt. The meta
// table remembers the last revision KV accepted, so an attempt that failed is known to be pending and the alarm retries it,
// and the digest of the text KV took, so that the alarm can tell, by reading the document back with the
// edge's own parser, whether KV still holds it: missing, corrupt, stale or altered documents are
// republished (the catalog is the source of truth; nothing else writes that key).
import { parseEdgeConfig } from "../core/edge-config.ts";
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
  holdouts: EdgeConfig["holdouts"] = [],
): EdgeConfig {
  const experiments: EdgeExperiment[] = [];
  for (const { row, record } of records) {
    const view = edgeViewOf(record, row.epoch, row.shards);
    if (view !== null) experiments.push(view);
  }
  return { schema_version: EDGE_CONFIG_SCHEMA_VERSION, revision, published_at: publishedAt, experiments, holdouts };
}

/** How a publish ended: KV took it, there is no KV bound, or KV refused it (pending: retry later). */
export type PublishOutcome = "published" | "unbound" | "failed";

/**
 * What KV holds under the config key, read back as the edge reads it: the document last published
 * (`current`), nothing (`missing`), something the edge refuses (`corrupt`: not JSON, or not a valid
 * document), a valid document of another revision (`stale`) or of this revision with other contents
 * (`altered`); `unreadable` when KV did not answer, `unbound` when there is no KV.
 */
export type PublishedState = "current" | "missing" | "corrupt" | "stale" | "altered" | "unreadable" | "unbound";

/** The states that call for publishing again. */
export const NEEDS_REPUBLISH: ReadonlySet<PublishedState> = new Set(["missing", "corrupt", "stale", "altered"]);

async function digestOf(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Publisher {
  private readonly sql: SqlStorage;
  private readonly records: Records;
  private readonly kv: () => KVNamespace | undefined;
  private readonly holdouts: () => EdgeConfig["holdouts"];

  /** `kv` is asked on every publish: the binding belongs to the object's env, which may be replaced. */
  constructor(sql: SqlStorage, records: Records, kv: () => KVNamespace | undefined, holdouts: () => EdgeConfig["holdouts"] = () => []) {
    this.sql = sql;
    this.records = records;
    this.kv = kv;
    this.holdouts = holdouts;
  }

  /**
   * Writes the edge's view to KV under a new revision. A record that does not parse is left out (the
   * edge then leaves its pages alone) and reported by readRecord; the others are published.
   */
  async publish(): Promise<PublishOutcome> {
    const kv = this.kv();
    const revision = this.bumpRevision();
    if (kv === undefined) return "unbound";
    const doc = edgeDocument(this.records.recordsInStates(EDGE_STATES), revision, new Date().toISOString(), this.holdouts());
    const text = JSON.stringify(doc);
    try {
      await kv.put(EDGE_CONFIG_KEY, text);
      this.setMeta("published_revision", String(revision));
      this.setMeta("published_digest", await digestOf(text));
      return "published";
    } catch (err) {
      console.warn("sgen-ab catalog: publishing to KV failed; retrying by alarm", err);
      return "failed";
    }
  }

  /** Reads the published document back from KV and says whether it is the one this catalog last published. */
  async check(): Promise<PublishedState> {
    const kv = this.kv();
    if (kv === undefined) return "unbound";
    const revision = Number(this.meta("published_revision") ?? 0);
    let raw: string | null;
    try {
      raw = await kv.get(EDGE_CONFIG_KEY, "text");
    } catch (err) {
      console.warn("sgen-ab catalog: could not read the published config back from KV", err);
      return "unreadable";
    }
    if (raw === null) return revision === 0 ? "current" : "missing"; // nothing published yet is not a loss
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return "corrupt";
    }
    const parsed = parseEdgeConfig(json);
    if (!parsed.ok) return "corrupt";
    if (parsed.value.revision !== revision) return "stale";
    const digest = this.meta("published_digest");
    return digest === undefined || digest === (await digestOf(raw)) ? "current" : "altered";
  }

  /** Whether anything was ever published: from then on the alarm checks that KV still holds it. */
  everPublished(): boolean {
    return this.meta("published_revision") !== undefined;
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
