// The catalog's SQLite tables and the shape of their rows. Records are kept whole as JSON (the
// record's shape, docs/admin-api.md, read back only through records.ts's readRecord), with the columns the list filters
// and sorts on alongside. Which module owns which table: experiments → records.ts, audit → audit.ts,
// meta → publishing.ts (the revision), shard_snapshots → evaluation.ts, failed_signins → counters.ts,
// sessions → sessions.ts, holdouts → holdouts.ts.
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
    run_look TEXT,
    epoch_started_at TEXT,
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
  CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY, operator TEXT NOT NULL, role TEXT NOT NULL, token_digest TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sessions_by_operator ON sessions (operator);
  CREATE TABLE IF NOT EXISTS shard_snapshots (
    experiment_id INTEGER NOT NULL, shard INTEGER NOT NULL, epoch INTEGER NOT NULL, snapshot TEXT NOT NULL,
    PRIMARY KEY (experiment_id, shard)
  );
  CREATE TABLE IF NOT EXISTS holdouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    record TEXT NOT NULL
  );
`;

/** Columns added to tables after their first release, each added once to a catalog that lacks it. */
const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; definition: string }> = [
  // Holdouts are audited like experiments; an entry names one or the other.
  { table: "audit", column: "holdout_id", definition: "INTEGER" },
];

/** Creates the tables, and adds the columns a catalog of an earlier version does not have yet. */
export function createTables(sql: SqlStorage): void {
  sql.exec(CATALOG_SCHEMA);
  for (const { table, column, definition } of ADDED_COLUMNS) {
    const has = sql.exec("SELECT 1 FROM pragma_table_info(?) WHERE name = ?", table, column).toArray().length > 0;
    if (!has) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
  sql.exec("CREATE INDEX IF NOT EXISTS audit_by_holdout ON audit (holdout_id, id)");
}

export interface ExperimentRow extends Record<string, SqlStorageValue> {
  id: number;
  slug: string;
  name: string;
  target_page: string;
  lifecycle_state: string;
  restore_to: string | null;
  epoch: number;
  shards: number;
  sample: number;
  /**
   * JSON of the epoch's latest look (core/run-look.ts RunLook): every goal's analysis and the running
   * state the next look continues from. A reset clears it. (Catalogs of the previous layout also hold an
   * `avp_min` column, read once by migrations.ts.)
   */
  run_look: string | null;
  /** When the current epoch began, if a reset began it (else the experiment's start did). */
  epoch_started_at: string | null;
  /** JSON of the automated post-test action that concluded the experiment, if one did. */
  post_test_applied: string | null;
  /** When a sample-ratio mismatch was first seen in this epoch: it blocks automation until a reset. */
  srm_blocked_at: string | null;
  /** JSON { at, epoch, run, look, source }: the counts and the look that stood when the experiment was concluded. */
  conclusion_snapshot: string | null;
  created_at: string;
  updated_at: string;
  /** JSON of the ExperimentRecord: read it with readRecord (records.ts), never with a cast. */
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
  /** The holdout an entry is about (then experiment_id is null), or null. */
  holdout_id: number | null;
}

export interface HoldoutRow extends Record<string, SqlStorageValue> {
  id: number;
  slug: string;
  created_at: string;
  updated_at: string;
  /** JSON of the HoldoutRecord: read it with readHoldout (holdouts.ts), never with a cast. */
  record: string;
}
