// A catalog of the previous layout (avp_min, no kept look) brought up to date by migrations.ts, in a
// SQLite storage of its own: every record kept, the new columns added, a conclusion snapshot given the
// look recomputed once from its counts, floored by the stored running minimum, and marked as such.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrateCatalog } from "../../src/catalog/migrations.ts";
import { ConclusionSnapshot, readColumn } from "../../src/catalog/records.ts";
import { analyze } from "../../src/core/stats/analysis.ts";
import type { RunDataObject } from "../../src/run-data/run-data-object.ts";

// The experiments table as the previous release created it.
const PREVIOUS_LAYOUT = `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL, target_page TEXT NOT NULL,
    lifecycle_state TEXT NOT NULL, restore_to TEXT, epoch INTEGER NOT NULL DEFAULT 0, shards INTEGER NOT NULL DEFAULT 1,
    sample INTEGER NOT NULL DEFAULT 0, avp_min TEXT, post_test_applied TEXT, srm_blocked_at TEXT, conclusion_snapshot TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, record TEXT NOT NULL
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`;

const at = "2026-10-01T12:00:00.000Z";
const legacyRecord = (id: number, slug: string, state: string) => ({
  id,
  slug,
  name: slug,
  target_page: `/${slug}`,
  variants: [
    { slug: "a", label: "A", traffic_share: 50 },
    { slug: "b", label: "B", page: `/${slug}-b`, traffic_share: 50 },
  ],
  conversion_event: { type: "page_view", path: "/thanks" },
  min_sample_threshold: 100,
  max_runtime_days: null,
  notes: "",
  post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running" },
  secondary_goals: [],
  allow_script_overrides: false,
  lifecycle_state: state,
  shipped_variant_slug: state === "done" ? "b" : null,
  significance_override_reason: null,
  created_at: at,
  updated_at: at,
  started_at: at,
  concluded_at: state === "done" ? at : null,
});
// Final counts whose single look is inconclusive; the running minimum the previous release kept says b won.
const run = {
  epoch: 0,
  samples: { a: 6000, b: 6000 },
  conversions: { "page_view:/thanks": { a: 600, b: 640 } },
  lastConversionAt: {},
  daily: {},
};

describe("migrating a catalog of the previous layout", () => {
  it("keeps every record, adds the columns, and recomputes each conclusion once with its stored minimum", async () => {
    const stub = env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(`migration-${Math.random()}`));
    const out = await runInDurableObject(stub, (_: RunDataObject, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE IF EXISTS meta");
      sql.exec(PREVIOUS_LAYOUT);
      const insert = (id: number, slug: string, lifecycle: string, avp: string | null, snapshot: string | null) =>
        sql.exec(
          "INSERT INTO experiments (id, slug, name, target_page, lifecycle_state, sample, avp_min, conclusion_snapshot, created_at, updated_at, record) VALUES (?, ?, ?, ?, ?, 12000, ?, ?, ?, ?, ?)",
          id,
          slug,
          slug,
          `/${slug}`,
          lifecycle,
          avp,
          snapshot,
          at,
          at,
          JSON.stringify(legacyRecord(id, slug, lifecycle)),
        );
      insert(1, "concluded", "done", JSON.stringify({ epoch: 0, byVariant: { b: 0.004 } }), JSON.stringify({ at, epoch: 0, run }));
      insert(2, "running", "live", JSON.stringify({ epoch: 0, byVariant: { b: 0.3 } }), null);
      migrateCatalog(sql);
      migrateCatalog(sql); // once only: a second start changes nothing
      const rows = sql.exec<Record<string, string | number | null>>("SELECT * FROM experiments ORDER BY id").toArray();
      return { columns: sql.exec("SELECT * FROM experiments LIMIT 0").columnNames, rows };
    });
    expect(out.columns).toEqual(expect.arrayContaining(["run_look", "epoch_started_at", "avp_min"]));
    expect(out.rows.map((r) => r.slug)).toEqual(["concluded", "running"]);
    const snapshot = readColumn(ConclusionSnapshot, out.rows[0]?.conclusion_snapshot as string, "test");
    expect(snapshot?.source).toBe("recomputed");
    // The tallies of the metrics (value sums, origin answers, the ledger) read as empty from an older report.
    expect(snapshot?.run).toEqual({ ...run, values: {}, responses: {}, notCounted: {} });
    const primary = snapshot?.look?.goals["page_view:/thanks"];
    expect(primary?.analysis.comparisons[0]?.always_valid_p_value).toBe(0.004);
    expect(primary?.analysis.outcome).toEqual({ state: "winner", winner: "b", losers: [] });
    // Without the stored minimum, the same counts read as inconclusive: the floor is what kept the result.
    expect(
      analyze({
        variants: [
          { slug: "a", sample: 6000, conversions: 600, traffic_share: 50 },
          { slug: "b", sample: 6000, conversions: 640, traffic_share: 50 },
        ],
        alpha: 0.05,
      }).outcome.state,
    ).toBe("inconclusive");
    // The live experiment starts a fresh running state at its next report.
    expect(out.rows[1]?.run_look).toBeNull();
  });
});
