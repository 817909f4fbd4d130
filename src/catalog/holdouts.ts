// Holdouts in the catalog: the holdouts table, and the writes operators make to it (create, replace,
// delete), each audited with its holdout's id. Every holdout is published to the edge with the
// experiments (publishing.ts); deleting one removes its run-data (`holdout:<id>:shard:<k>`).
import { fail, type Issue, issuesOf, ok, type Result } from "../core/errors.ts";
import { checkHoldoutEdit, type HoldoutInput, HoldoutRecord } from "../core/holdout-schema.ts";
import type { Operator } from "../core/permissions.ts";
import { MAX_HOLDOUTS } from "../core/targeting/rules.ts";
import { type AuditLog, changedFields } from "./audit.ts";
import type { HoldoutRow } from "./tables.ts";

/** A holdout write's answer, and whether the edge must learn of it. */
export interface HoldoutChange<T> {
  readonly result: Result<T>;
  readonly publish: boolean;
  /** A deleted holdout whose run-data must be removed. */
  readonly purge: HoldoutRecord | null;
}

const refused = (result: Result<never>): HoldoutChange<never> => ({ result, publish: false, purge: null });

const notFound = (id: number) => fail(404, "not_found", `no holdout with id ${id}`);

/** The record a row holds, parsed with the schema; a damaged one is reported, never cast. */
export function readHoldout(row: HoldoutRow): { ok: true; record: HoldoutRecord } | { ok: false; issues: Issue[] } {
  try {
    const parsed = HoldoutRecord.safeParse(JSON.parse(row.record));
    if (parsed.success && parsed.data.id === row.id) return { ok: true, record: parsed.data };
    return { ok: false, issues: parsed.success ? [{ path: "id", message: "does not match the row" }] : issuesOf(parsed.error) };
  } catch (err) {
    return { ok: false, issues: [{ path: "(record)", message: `not JSON: ${(err as Error).message}` }] };
  }
}

export class Holdouts {
  private readonly sql: SqlStorage;
  private readonly audit: AuditLog;
  private readonly shardsForNew: () => number;

  /** The catalog's clock (ms since the epoch). */
  private readonly now: () => number;

  constructor(sql: SqlStorage, audit: AuditLog, shardsForNew: () => number, now: () => number = Date.now) {
    this.sql = sql;
    this.audit = audit;
    this.shardsForNew = shardsForNew;
    this.now = now;
  }

  /** Every readable holdout, by id; a damaged record is logged and left out (of the list and of the edge). */
  all(): HoldoutRecord[] {
    const out: HoldoutRecord[] = [];
    for (const row of this.sql.exec<HoldoutRow>("SELECT * FROM holdouts ORDER BY id")) {
      const read = readHoldout(row);
      if (read.ok) out.push(read.record);
      else
        console.warn(`sgen-ab catalog: the stored holdout ${row.id} (${row.slug}) does not match the schema; it is skipped`, read.issues);
    }
    return out;
  }

  get(id: number): Result<HoldoutRecord> {
    const row = this.sql.exec<HoldoutRow>("SELECT * FROM holdouts WHERE id = ?", id).toArray()[0];
    if (row === undefined) return notFound(id);
    const read = readHoldout(row);
    return read.ok ? ok(read.record) : fail(409, "record_unreadable", `the stored holdout ${id} does not match the schema`, read.issues);
  }

  private slugTaken(slug: string, exceptId: number | null): boolean {
    return this.sql.exec("SELECT id FROM holdouts WHERE slug = ? AND id IS NOT ?", slug, exceptId).toArray().length > 0;
  }

  private save(r: HoldoutRecord): void {
    this.sql.exec("UPDATE holdouts SET slug = ?, updated_at = ?, record = ? WHERE id = ?", r.slug, r.updated_at, JSON.stringify(r), r.id);
  }

  create(op: Operator, input: HoldoutInput): HoldoutChange<HoldoutRecord> {
    if (this.slugTaken(input.slug, null)) {
      return refused(
        fail(409, "slug_taken", `a holdout with slug ${input.slug} already exists`, [{ path: "slug", message: "already used" }]),
      );
    }
    const count = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM holdouts").one().n;
    if (count >= MAX_HOLDOUTS) return refused(fail(409, "too_many_holdouts", `at most ${MAX_HOLDOUTS} holdouts; delete one first`));
    const now = new Date(this.now()).toISOString();
    const id = this.sql
      .exec<{ id: number }>(
        "INSERT INTO holdouts (slug, created_at, updated_at, record) VALUES (?, ?, ?, '{}') RETURNING id",
        input.slug,
        now,
        now,
      )
      .one().id;
    const record: HoldoutRecord = { id, ...input, epoch: 0, shards: this.shardsForNew(), created_at: now, updated_at: now };
    this.save(record);
    this.audit.writeHoldout(op, record, "holdout_create", { created: input });
    return { result: ok(record), publish: true, purge: null };
  }

  replace(op: Operator, id: number, input: HoldoutInput, confirmReset: boolean): HoldoutChange<HoldoutRecord> {
    const current = this.get(id);
    if (!current.ok) return refused(current);
    const edit = checkHoldoutEdit(current.value, input, confirmReset);
    if (!edit.ok) return refused(edit);
    if (this.slugTaken(input.slug, id)) {
      return refused(
        fail(409, "slug_taken", `a holdout with slug ${input.slug} already exists`, [{ path: "slug", message: "already used" }]),
      );
    }
    const next: HoldoutRecord = {
      ...current.value,
      ...input,
      epoch: current.value.epoch + (edit.value.resets ? 1 : 0),
      updated_at: new Date(this.now()).toISOString(),
    };
    this.save(next);
    this.audit.writeHoldout(op, next, edit.value.resets ? "holdout_edit_reset" : "holdout_edit", changedFields(current.value, next));
    return { result: ok(next), publish: true, purge: null };
  }

  remove(op: Operator, id: number): HoldoutChange<{ deleted: number }> {
    const current = this.get(id);
    if (!current.ok) return refused(current);
    this.sql.exec("DELETE FROM holdouts WHERE id = ?", id);
    this.audit.writeHoldout(op, current.value, "holdout_delete", { deleted: current.value });
    return { result: ok({ deleted: id }), publish: true, purge: current.value };
  }
}
