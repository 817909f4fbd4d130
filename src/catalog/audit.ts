// The audit log: one entry per write, naming the operator, the experiment, what changed and the
// transition (docs/admin-api.md#audit-entries). Entries outlive a deleted record and are kept for the retention
// setting's number of days.
import type { Operator } from "../core/permissions.ts";
import type { AuditRow } from "./tables.ts";

/** What an audit entry names beside the change itself. */
export interface AuditExtra {
  reason?: string;
  shipped?: string;
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
    changes: storedChanges(r.changes),
    reason: r.reason,
    shipped_variant_slug: r.shipped_variant_slug,
    holdout_id: r.holdout_id ?? null,
  };
}
export type AuditEntry = ReturnType<typeof auditEntry>;

/**
 * The changes as written (JSON of a plain object, by `write`). Text that is not such JSON (a row damaged
 * by hand) is shown as it is, never thrown: an activity page must not fail on one bad row.
 */
function storedChanges(text: string): object {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) return parsed;
  } catch {}
  return { unreadable: text };
}

/** A record's top-level fields that an edit changed, as { field: { from, to } } (its timestamp aside), for the audit entry. */
export function changedFields<T extends { updated_at: string }>(a: T, b: T): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(b) as Array<keyof T & string>) {
    if (key === "updated_at") continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = { from: a[key], to: b[key] };
  }
  return out;
}

export class AuditLog {
  private readonly sql: SqlStorage;
  private readonly retentionDays: () => number;
  private readonly now: () => number;
  private readonly written: (entry: AuditEntry) => void;

  /** `written` hears of each entry in the same transaction (the notifications queue their deliveries there). */
  constructor(sql: SqlStorage, retentionDays: () => number, now: () => number = Date.now, written: (entry: AuditEntry) => void = () => {}) {
    this.sql = sql;
    this.retentionDays = retentionDays;
    this.now = now;
    this.written = written;
  }

  /** Writes one entry, and drops the entries older than the retention setting. */
  write(
    op: Operator,
    experiment: { id: number; slug: string } | null,
    action: string,
    from: string | null,
    to: string | null,
    changes: object,
    extra: AuditExtra = {},
  ): void {
    const now = new Date(this.now());
    const row = this.sql
      .exec<AuditRow>(
        "INSERT INTO audit (at, operator, role, experiment_id, experiment_slug, action, from_state, to_state, changes, reason, shipped_variant_slug) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        now.toISOString(),
        op.name,
        op.role,
        experiment?.id ?? null,
        experiment?.slug ?? null,
        action,
        from,
        to,
        JSON.stringify(changes),
        extra.reason ?? null,
        extra.shipped ?? null,
      )
      .one();
    this.written(auditEntry(row));
    this.sql.exec("DELETE FROM audit WHERE at < ?", new Date(now.getTime() - this.retentionDays() * 86_400_000).toISOString());
  }

  /** Writes one entry about operators rather than an experiment (sessions ended, say). */
  writeOperatorEvent(op: Operator, action: string, changes: object): void {
    this.sql.exec(
      "INSERT INTO audit (at, operator, role, experiment_id, experiment_slug, action, from_state, to_state, changes, reason, shipped_variant_slug) VALUES (?, ?, ?, NULL, NULL, ?, NULL, NULL, ?, NULL, NULL)",
      new Date().toISOString(),
      op.name,
      op.role,
      action,
      JSON.stringify(changes),
    );
  }

  /** One entry about a holdout (its id and slug in `holdout_id` and `experiment_slug` is left empty). */
  writeHoldout(op: Operator, holdout: { id: number; slug: string }, action: string, changes: object): void {
    const now = new Date(this.now());
    this.sql.exec(
      "INSERT INTO audit (at, operator, role, experiment_id, experiment_slug, action, from_state, to_state, changes, reason, shipped_variant_slug, holdout_id) VALUES (?, ?, ?, NULL, NULL, ?, NULL, NULL, ?, NULL, NULL, ?)",
      now.toISOString(),
      op.name,
      op.role,
      action,
      JSON.stringify({ holdout_slug: holdout.slug, ...changes }),
      holdout.id,
    );
    this.sql.exec("DELETE FROM audit WHERE at < ?", new Date(now.getTime() - this.retentionDays() * 86_400_000).toISOString());
  }

  /** The newest `limit` entries: of one experiment, of one holdout, or of all. */
  entries(experimentId: number | null, limit: number, holdoutId: number | null = null): AuditEntry[] {
    const rows =
      experimentId !== null
        ? this.sql.exec<AuditRow>("SELECT * FROM audit WHERE experiment_id = ? ORDER BY id DESC LIMIT ?", experimentId, limit)
        : holdoutId !== null
          ? this.sql.exec<AuditRow>("SELECT * FROM audit WHERE holdout_id = ? ORDER BY id DESC LIMIT ?", holdoutId, limit)
          : this.sql.exec<AuditRow>("SELECT * FROM audit ORDER BY id DESC LIMIT ?", limit);
    return rows.toArray().map(auditEntry);
  }
}
