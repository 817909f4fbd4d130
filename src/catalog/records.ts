// The experiments table: every statement that reads or writes it, and the one way a stored record
// becomes an ExperimentRecord again: readRecord, which parses the JSON with the zod schema (so a record
// saved before a field existed gets that field's default, and a damaged one is reported, never cast).
import * as z from "zod";
import { type Issue, issuesOf } from "../core/errors.ts";
import { type ListQuery, SQL_SORTS } from "../core/list-query.ts";
import { canonicalPath } from "../core/paths.ts";
import type { RunLook } from "../core/run-look.ts";
import { type ExperimentInput, ExperimentRecord, type LifecycleState } from "../core/schema.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";
import type { ExperimentRow } from "./tables.ts";

/** A stored record that does not parse: it is left as it is, reported, and kept out of what the edge sees. */
export interface UnreadableRecord {
  readonly id: number;
  readonly slug: string;
  readonly issues: readonly Issue[];
}

export type RecordRead =
  | { readonly ok: true; readonly record: ExperimentRecord }
  | { readonly ok: false; readonly unreadable: UnreadableRecord };

// Each damaged record is logged once per isolate and version (its updated_at), not on every list.
const reported = new Set<string>();

/** The record a row holds, parsed with the ExperimentRecord schema (defaults for fields added since). */
export function readRecord(row: Pick<ExperimentRow, "id" | "slug" | "updated_at" | "record">): RecordRead {
  let json: unknown;
  let issues: Issue[];
  try {
    json = JSON.parse(row.record);
    const parsed = ExperimentRecord.safeParse(json);
    if (parsed.success && parsed.data.id === row.id) return { ok: true, record: parsed.data };
    issues = parsed.success ? [{ path: "id", message: `is ${parsed.data.id}, but the row is ${row.id}` }] : issuesOf(parsed.error);
  } catch (err) {
    issues = [{ path: "(record)", message: `not JSON: ${(err as Error).message}` }];
  }
  const key = `${row.id}@${row.updated_at}`;
  if (!reported.has(key)) {
    if (reported.size > 1000) reported.clear();
    reported.add(key);
    console.warn(
      `sgen-ab catalog: the stored record of experiment ${row.id} (${row.slug}) does not match the schema; it is left untouched and skipped`,
      issues,
    );
  }
  return { ok: false, unreadable: { id: row.id, slug: row.slug, issues } };
}

// ---- The JSON columns beside the record -----------------------------------------------------------

const Counts = z.record(z.string(), z.number());

/** A run-data shard's counts as stored (run-data's ShardSnapshot). */
export const StoredSnapshot = z.object({
  epoch: z.number().int().min(0),
  samples: Counts,
  conversions: z.record(z.string(), Counts),
  lastConversionAt: Counts,
  daily: z.record(z.string(), z.record(z.string(), Counts)),
  /** Value goals' exact sums (decimal strings of cents); reports of earlier releases have none. */
  values: z
    .record(z.string(), z.record(z.string(), z.object({ sum: z.string().regex(/^\d+$/), sum_squares: z.string().regex(/^\d+$/) })))
    .default({}),
  responses: z
    .record(
      z.string(),
      z.object({
        n: z.number().int().min(0),
        status_4xx: z.number().int().min(0),
        status_5xx: z.number().int().min(0),
        latency_sum: z.number().min(0),
        latency_sum_squares: z.string().regex(/^\d+$/),
      }),
    )
    .default({}),
  notCounted: z.record(z.string(), Counts).default({}),
});

// These are parsed loosely: a field a later version adds (more of the outcome, say) is kept as it was
// written, not dropped on the way to the dashboard. Their types are declared, not inferred, so that
// they hold no index signature of unknowns (which Durable Object RPC cannot type).

const num = z.number();
const SequentialState = z.object({
  rho: num,
  conversions_control: num,
  conversions_variant: num,
  tau: num,
  log_m: num,
  log_e: num,
  p_value: num,
});
const SrmState = z.object({
  p_value: num,
  log_e: num.optional(),
  samples: z.array(num).optional(),
  stretch: z.object({ running: z.array(z.boolean()), log_e: num, log_m: num }).optional(),
});
const AnalysisShape = z.looseObject({
  variants: z.array(z.looseObject({ slug: z.string(), sample: num, conversions: num })),
  comparisons: z.array(z.looseObject({ variant: z.string(), always_valid_p_value: num.nullable() })),
  srm: z.looseObject({ p_value: num, sequential_p_value: num, mismatch: z.boolean() }),
  outcome: z.looseObject({ state: z.enum(["winner", "inconclusive"]), winner: z.string().nullable(), losers: z.array(z.string()) }),
});
const RunLookShape = z.looseObject({
  epoch: z.number().int().min(0),
  look: z.number().int().min(1),
  at: z.string(),
  visitors: num,
  goals: z.record(
    z.string(),
    z.looseObject({ analysis: AnalysisShape, state: z.object({ comparisons: z.record(z.string(), SequentialState), srm: SrmState }) }),
  ),
});

/**
 * A kept look (core/run-look.ts), checked for the shape its readers rely on and then kept exactly as it
 * was written: a running state must come back bit for bit, or the next look would not continue it.
 */
export const StoredLook = z.custom<RunLook>((v) => RunLookShape.safeParse(v).success, "not a look of the current layout");

/** The run-data and the look as they stood at conclusion, kept with the record for the result archive. */
export interface ConclusionSnapshot {
  at: string;
  epoch: number;
  run: ShardSnapshot;
  /**
   * The look that decided: the automated action's, or the one taken when an operator concluded. Absent
   * only in a snapshot kept before looks were (the readers then analyse `run` once, and say so).
   */
  look?: RunLook;
  /** "look": frozen as it decided; "recomputed": kept before looks were, and recomputed once from `run`. */
  source?: "look" | "recomputed";
}
export const ConclusionSnapshot: z.ZodType<ConclusionSnapshot> = z.looseObject({
  at: z.string(),
  epoch: z.number().int().min(0),
  run: StoredSnapshot,
  look: StoredLook.optional(),
  source: z.enum(["look", "recomputed"]).optional(),
});

/** The automated post-test action that concluded an experiment. */
export interface PostTestApplied {
  action: string;
  outcome: { state: "winner" | "inconclusive"; winner: string | null; losers?: string[] };
  shipped_variant_slug: string | null;
  at: string;
  /** The look it acted on: its number in the epoch and its time. */
  look?: { look: number; at: string };
}
export const PostTestApplied: z.ZodType<PostTestApplied> = z.looseObject({
  action: z.string(),
  outcome: z.looseObject({
    state: z.enum(["winner", "inconclusive"]),
    winner: z.string().nullable(),
    losers: z.array(z.string()).optional(),
  }),
  shipped_variant_slug: z.string().nullable(),
  at: z.string(),
  look: z.looseObject({ look: num, at: z.string() }).optional(),
});

/** A JSON column parsed with `schema`; null when empty, and null (logged) when it does not parse. */
export function readColumn<T>(schema: z.ZodType<T>, text: string | null, what: string): T | null {
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  console.warn(`sgen-ab catalog: ignoring an unreadable ${what}`, parsed.error.issues);
  return null;
}

const SORT_COLUMNS: Record<(typeof SQL_SORTS)[number], string> = {
  name: "name COLLATE NOCASE",
  state: "lifecycle_state",
  sample: "sample",
  created: "created_at",
  updated: "updated_at",
  id: "id",
  variants: "json_array_length(record, '$.variants')",
  // Days from the start to the conclusion, or to now; a draft (no start) has none.
  days: "julianday(COALESCE(json_extract(record, '$.concluded_at'), 'now')) - julianday(json_extract(record, '$.started_at'))",
  concluded: "json_extract(record, '$.concluded_at')",
};

const isSqlSort = (s: ListQuery["sort"]): s is (typeof SQL_SORTS)[number] => (SQL_SORTS as readonly string[]).includes(s);

export interface ListedRecord {
  readonly record: ExperimentRecord;
  /** The sample as of the last run-data report (the list sorts on it). */
  readonly sample: number;
  /** The row it was read from (the catalog reads the kept look from it). */
  readonly row: ExperimentRow;
}

export class Records {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  row(id: number): ExperimentRow | undefined {
    return this.sql.exec<ExperimentRow>("SELECT * FROM experiments WHERE id = ?", id).toArray()[0];
  }

  /** Rows in `states`, by id; `exceptId` leaves one experiment out. */
  inStates(states: readonly LifecycleState[], exceptId: number | null = null): ExperimentRow[] {
    return this.sql
      .exec<ExperimentRow>(
        `SELECT * FROM experiments WHERE lifecycle_state IN (${states.map(() => "?").join(", ")}) AND id IS NOT ? ORDER BY id`,
        ...states,
        exceptId,
      )
      .toArray();
  }

  /** The readable records in `states`; unreadable ones are skipped (readRecord reports them). */
  recordsInStates(
    states: readonly LifecycleState[],
    exceptId: number | null = null,
  ): Array<{ row: ExperimentRow; record: ExperimentRecord }> {
    const out: Array<{ row: ExperimentRow; record: ExperimentRecord }> = [];
    for (const row of this.inStates(states, exceptId)) {
      const read = readRecord(row);
      if (read.ok) out.push({ row, record: read.record });
    }
    return out;
  }

  /**
   * Slugs of the live or paused experiments on `targetPage` other than `exceptId`. Pages are compared in
   * canonical form (core/paths.ts), as the edge matches them: `/pricing/` is busy when `/pricing` runs.
   */
  runningOn(targetPage: string, exceptId: number): string[] {
    const page = canonicalPath(targetPage);
    return this.sql
      .exec<{ slug: string; target_page: string }>(
        "SELECT slug, target_page FROM experiments WHERE lifecycle_state IN ('live', 'paused') AND id != ?",
        exceptId,
      )
      .toArray()
      .filter((r) => canonicalPath(r.target_page) === page)
      .map((r) => r.slug);
  }

  slugTaken(slug: string, exceptId: number | null): boolean {
    return this.sql.exec("SELECT id FROM experiments WHERE slug = ? AND id IS NOT ?", slug, exceptId).toArray().length > 0;
  }

  /** A new draft's row, with its shard count fixed for life; the record is written by `save`. */
  insertDraft(input: ExperimentInput, shards: number, now: string): number {
    return this.sql
      .exec<{ id: number }>(
        "INSERT INTO experiments (slug, name, target_page, lifecycle_state, shards, created_at, updated_at, record) VALUES (?, ?, ?, 'draft', ?, ?, ?, '{}') RETURNING id",
        input.slug,
        input.name,
        input.target_page,
        shards,
        now,
        now,
      )
      .one().id;
  }

  save(r: ExperimentRecord): void {
    this.sql.exec(
      "UPDATE experiments SET slug = ?, name = ?, target_page = ?, lifecycle_state = ?, updated_at = ?, record = ? WHERE id = ?",
      r.slug,
      r.name,
      r.target_page,
      r.lifecycle_state,
      r.updated_at,
      JSON.stringify(r),
      r.id,
    );
  }

  remove(id: number): void {
    this.sql.exec("DELETE FROM experiments WHERE id = ?", id);
  }

  /** A live edit that changes variants or shares: a new epoch, counted from zero, with no looks and no mismatch yet. */
  startNewEpoch(id: number, at: string): void {
    this.sql.exec(
      "UPDATE experiments SET epoch = epoch + 1, sample = 0, run_look = NULL, srm_blocked_at = NULL, epoch_started_at = ? WHERE id = ?",
      at,
      id,
    );
  }

  /** The state a restore returns an archived record to (null once restored). */
  setRestoreTo(id: number, state: LifecycleState | null): void {
    this.sql.exec("UPDATE experiments SET restore_to = ? WHERE id = ?", state, id);
  }

  /** The state a restore returns `row` to, or null when the column holds none (or no state). */
  restoreTo(row: ExperimentRow): LifecycleState | null {
    const parsed = ExperimentRecord.shape.lifecycle_state.safeParse(row.restore_to);
    return parsed.success ? parsed.data : null;
  }

  /** Keeps the epoch's latest look, and its sample (the list sorts on it). */
  noteLook(id: number, look: RunLook): void {
    this.sql.exec("UPDATE experiments SET sample = ?, run_look = ? WHERE id = ?", look.visitors, JSON.stringify(look), id);
  }

  /** The latest look of the row's current epoch, or null (none yet, or unreadable: logged, and the next look starts afresh). */
  look(row: ExperimentRow): RunLook | null {
    const look = readColumn(StoredLook, row.run_look, `latest look of experiment ${row.id}`);
    return look !== null && look.epoch === row.epoch ? look : null;
  }

  markSrmBlocked(id: number, at: string): void {
    this.sql.exec("UPDATE experiments SET srm_blocked_at = ? WHERE id = ?", at, id);
  }

  setPostTestApplied(id: number, applied: PostTestApplied): void {
    this.sql.exec("UPDATE experiments SET post_test_applied = ? WHERE id = ?", JSON.stringify(applied), id);
  }

  setConclusion(id: number, snapshot: ConclusionSnapshot): void {
    this.sql.exec("UPDATE experiments SET conclusion_snapshot = ? WHERE id = ?", JSON.stringify(snapshot), id);
  }

  postTestApplied(row: ExperimentRow): PostTestApplied | null {
    return readColumn(PostTestApplied, row.post_test_applied, `post-test action of experiment ${row.id}`);
  }

  conclusion(row: ExperimentRow): ConclusionSnapshot | null {
    return readColumn(ConclusionSnapshot, row.conclusion_snapshot, `conclusion snapshot of experiment ${row.id}`);
  }

  /**
   * One page of the list: filter, sort, page (docs/admin-api.md#the-list). Unreadable records are reported apart.
   * A sort SQLite cannot do (on the run's summary) is ranked by `rank` over every matching readable row;
   * rows it ranks null come last in either order.
   */
  list(
    q: ListQuery,
    rank?: (row: ExperimentRow, record: ExperimentRecord) => number | null,
  ): { rows: ListedRecord[]; total: number; unreadable: UnreadableRecord[] } {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (q.state === "") where.push("lifecycle_state != 'archived'");
    else if (q.state === "concluded") where.push("lifecycle_state IN ('done', 'archived')");
    else {
      where.push("lifecycle_state = ?");
      args.push(q.state);
    }
    if (q.q !== "") {
      // A substring test, not a pattern: instr() gives % _ \\ no meaning and has no length limit (Durable
      // Objects refuse LIKE patterns of about 50 characters as "too complex"). ASCII case is folded, as LIKE did.
      where.push("(instr(lower(name), lower(?)) > 0 OR instr(lower(target_page), lower(?)) > 0 OR instr(lower(slug), lower(?)) > 0)");
      args.push(q.q, q.q, q.q);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const total = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM experiments ${clause}`, ...args).one().n;
    const direction = q.order === "asc" ? "ASC" : "DESC";
    const rows: ListedRecord[] = [];
    const unreadable: UnreadableRecord[] = [];
    const offset = (q.page - 1) * q.per_page;
    if (isSqlSort(q.sort) || rank === undefined) {
      const order = isSqlSort(q.sort) ? SORT_COLUMNS[q.sort] : "id";
      for (const row of this.sql.exec<ExperimentRow>(
        // Rows without a value (a draft's days running) come last in either order, as in the ranked sorts.
        `SELECT * FROM experiments ${clause} ORDER BY (${order}) IS NULL, ${order} ${direction}, id ${direction} LIMIT ? OFFSET ?`,
        ...args,
        q.per_page,
        offset,
      )) {
        const read = readRecord(row);
        if (read.ok) rows.push({ record: read.record, sample: row.sample, row });
        else unreadable.push(read.unreadable);
      }
      return { rows, total, unreadable };
    }
    const ranked: Array<{ listed: ListedRecord; rank: number | null }> = [];
    for (const row of this.sql.exec<ExperimentRow>(`SELECT * FROM experiments ${clause} ORDER BY id`, ...args)) {
      const read = readRecord(row);
      if (read.ok) ranked.push({ listed: { record: read.record, sample: row.sample, row }, rank: rank(row, read.record) });
      else unreadable.push(read.unreadable);
    }
    const sign = q.order === "asc" ? 1 : -1;
    ranked.sort((a, b) => {
      if (a.rank === null || b.rank === null)
        return a.rank === b.rank ? sign * (a.listed.record.id - b.listed.record.id) : a.rank === null ? 1 : -1;
      return a.rank !== b.rank ? sign * (a.rank - b.rank) : sign * (a.listed.record.id - b.listed.record.id);
    });
    for (const r of ranked.slice(offset, offset + q.per_page)) rows.push(r.listed);
    return { rows, total, unreadable };
  }
}
