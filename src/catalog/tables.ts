// The catalog's SQLite tables. Records are kept whole as JSON (the contract's shape), with the columns
// the list filters and sorts on alongside.
export const CATALOG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS experiments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    target_page TEXT NOT NULL,
    lifecycle_state TEXT NOT NULL,
    restore_to TEXT,
    epoch INTEGER NOT NULL DEFAULT 0,
    shards INTEGER NOT NULL DEFAULT 1,
    sample INTEGER NOT NULL DEFAULT 0,
    avp_min TEXT,
    post_test_applied TEXT,
    srm_blocked_at TEXT,
    conclusion_snapshot TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    role TEXT NOT NULL,
    experiment_id INTEGER,
    experiment_slug TEXT,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    changes TEXT NOT NULL,
    reason TEXT,
    shipped_variant_slug TEXT
  );
  CREATE INDEX IF NOT EXISTS audit_by_experiment ON audit (experiment_id, id);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS failed_signins (key TEXT PRIMARY KEY, window_start INTEGER NOT NULL, failures INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS shard_snapshots (
    experiment_id INTEGER NOT NULL, shard INTEGER NOT NULL, epoch INTEGER NOT NULL, snapshot TEXT NOT NULL,
    PRIMARY KEY (experiment_id, shard)
  );
`;

export interface ExperimentRow extends Record<string, SqlStorageValue> {
  id: number;
  slug: string;
  lifecycle_state: string;
  restore_to: string | null;
  epoch: number;
  shards: number;
  sample: number;
  /** JSON { epoch, byVariant }: the running minimum of each comparison's always-valid p-value. */
  avp_min: string | null;
  /** JSON of the automated post-test action that concluded the experiment, if one did. */
  post_test_applied: string | null;
  srm_blocked_at: string | null;
  /** JSON { at, epoch, run, analysis }: the statistics as they stood when the experiment was concluded. */
  conclusion_snapshot: string | null;
  record: string;
}

export interface AuditRow extends Record<string, SqlStorageValue> {
  id: number;
  at: string;
  operator: string;
  role: string;
  experiment_id: number | null;
  experiment_slug: string | null;
  action: string;
  from_state: string | null;
  to_state: string | null;
  changes: string;
  reason: string | null;
  shipped_variant_slug: string | null;
}

/** An audit entry as the API returns it. */
export function auditEntry(r: AuditRow) {
  return {
    id: r.id,
    at: r.at,
    operator: r.operator,
    role: r.role,
    experiment_id: r.experiment_id,
    experiment_slug: r.experiment_slug,
    action: r.action,
    transition: r.from_state === null && r.to_state === null ? null : { from: r.from_state, to: r.to_state },
    changes: JSON.parse(r.changes) as unknown,
    reason: r.reason,
    shipped_variant_slug: r.shipped_variant_slug,
  };
}
export type AuditEntry = ReturnType<typeof auditEntry>;
