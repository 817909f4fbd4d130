// Brings a catalog written by an earlier release up to the current layout, once, when the object
// starts. Nothing is dropped: a column the current code no longer writes stays where it was.
//
// Layout 2 (this release) keeps the epoch's latest look (run_look) instead of the running minimum of
// the always-valid p-values (avp_min), and a conclusion snapshot with the look that decided it:
// - the columns run_look and epoch_started_at are added;
// - a live experiment starts a fresh running state at its next report (a first look at its counts then
//   is valid on its own; carrying a bare minimum into the new test would not be);
// - a conclusion snapshot kept without a look gets one, recomputed once from the counts it kept, with
//   the stored running minimum of its epoch as the floor of each always-valid p-value (what the previous
//   release's dashboard showed for it), and is marked `source: "recomputed"`.
import { goalKey } from "../core/goals.ts";
import { DEFAULT_ALPHA, lookGoals, type RunLook } from "../core/run-look.ts";
import type { ExperimentRecord } from "../core/schema.ts";
import { analyzeLook } from "../core/stats/analysis.ts";
import { ConclusionSnapshot, readColumn, readRecord } from "./records.ts";
import type { ExperimentRow } from "./tables.ts";

const LAYOUT = 2;

export function migrateCatalog(sql: SqlStorage): void {
  const layout = Number(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'layout'").toArray()[0]?.value ?? 1);
  if (layout >= LAYOUT) return;
  const columns = new Set(sql.exec("SELECT * FROM experiments LIMIT 0").columnNames);
  if (!columns.has("run_look")) sql.exec("ALTER TABLE experiments ADD COLUMN run_look TEXT");
  if (!columns.has("epoch_started_at")) sql.exec("ALTER TABLE experiments ADD COLUMN epoch_started_at TEXT");
  const hasMinimum = columns.has("avp_min");
  for (const row of sql.exec<ExperimentRow & { avp_min?: string | null }>(
    "SELECT * FROM experiments WHERE conclusion_snapshot IS NOT NULL",
  )) {
    const snapshot = readColumn(ConclusionSnapshot, row.conclusion_snapshot, `conclusion snapshot of experiment ${row.id}`);
    const read = readRecord(row);
    if (snapshot === null || snapshot.look !== undefined || !read.ok) continue;
    const floor = hasMinimum ? legacyMinimum(row.avp_min ?? null, snapshot.epoch) : undefined;
    const upgraded: ConclusionSnapshot = { ...snapshot, look: recomputedLook(read.record, snapshot, floor), source: "recomputed" };
    sql.exec("UPDATE experiments SET conclusion_snapshot = ? WHERE id = ?", JSON.stringify(upgraded), row.id);
  }
  sql.exec("INSERT INTO meta (key, value) VALUES ('layout', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(LAYOUT));
}

/** The previous layout's { epoch, byVariant } minimum, for that epoch only. */
function legacyMinimum(text: string | null, epoch: number): Record<string, number> | undefined {
  if (text === null) return undefined;
  try {
    const v = JSON.parse(text) as { epoch?: unknown; byVariant?: unknown };
    if (v.epoch !== epoch || typeof v.byVariant !== "object" || v.byVariant === null) return undefined;
    const out: Record<string, number> = {};
    for (const [k, n] of Object.entries(v.byVariant)) if (typeof n === "number" && Number.isFinite(n)) out[k] = n;
    return out;
  } catch {
    return undefined;
  }
}

function recomputedLook(r: ExperimentRecord, s: ConclusionSnapshot, floor: Record<string, number> | undefined): RunLook {
  const goals: Record<string, RunLook["goals"][string]> = {};
  const primary = goalKey(r.conversion_event);
  const visitors = r.variants.reduce((sum, v) => sum + (s.run.samples[v.slug] ?? 0), 0);
  for (const goal of lookGoals(r)) {
    const key = goalKey(goal);
    const byVariant = s.run.conversions[key] ?? {};
    const input = {
      variants: r.variants.map((v) => {
        const sample = s.run.samples[v.slug] ?? 0;
        return { slug: v.slug, sample, conversions: Math.min(byVariant[v.slug] ?? 0, sample), traffic_share: v.traffic_share };
      }),
      alpha: DEFAULT_ALPHA,
    };
    // The one remaining use of the previous layout's minimum: only the primary goal had one.
    goals[key] = analyzeLook(input, key === primary && floor !== undefined ? { previousAlwaysValid: floor } : {});
  }
  return { epoch: s.epoch, look: 1, at: s.at, visitors, goals };
}
