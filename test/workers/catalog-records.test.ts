// Stored records are read back through the ExperimentRecord schema (catalog/records.ts's readRecord):
// one saved before a field existed gets the field's default, and one that no longer parses is reported
// and skipped, never cast and never a 500: the list, the pages, the activity log and the edge's config
// carry on without it.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { catalogStub } from "../../src/catalog/names.ts";
import { readRecord } from "../../src/catalog/records.ts";
import { EDGE_CONFIG_KEY } from "../../src/names.ts";
import { api, created } from "./admin-helpers.ts";
import { signIn } from "./pages-helpers.ts";

const stub = () => catalogStub(env.SGEN_CATALOG);

/** Rewrites the stored JSON of experiment `id` (and returns what was there, to put it back). */
function rewrite(id: number, edit: (stored: string) => string): Promise<string> {
  return runInDurableObject(stub(), (_: CatalogObject, state) => {
    const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM experiments WHERE id = ?", id).one();
    state.storage.sql.exec("UPDATE experiments SET record = ? WHERE id = ?", edit(row.record), id);
    return row.record;
  });
}

const published = async () => JSON.parse((await env.SGEN_CONFIG.get(EDGE_CONFIG_KEY)) ?? '{"experiments":[]}');

describe("reading stored records", () => {
  it("a record saved before rollouts and decision records existed reads with their defaults", async () => {
    const { id } = await created();
    await api("POST", `/experiments/${id}/start`);
    await rewrite(id, (stored) => {
      const { rollout_percent: _r, decision_record: _d, ...older } = JSON.parse(stored);
      return JSON.stringify(older);
    });
    expect((await api("GET", `/experiments/${id}`)).json).toMatchObject({ rollout_percent: 100, decision_record: null });
    const dash = (await api("GET", `/experiments/${id}/dashboard`)).json;
    expect(dash).toMatchObject({ rollout_percent: 100, decision_record: null });
    // And it is published with the default, as before the field existed.
    await api("POST", `/experiments/${id}/pause`);
    expect((await published()).experiments.find((e: { id: number }) => e.id === id)).toMatchObject({
      state: "paused",
      rollout_percent: 100,
    });
  });

  it("a damaged record is left out of the list and the edge's config, answered 409 on its own, and the rest carries on", async () => {
    const damaged = await created();
    const healthy = await created();
    for (const id of [damaged.id, healthy.id]) expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    const original = await rewrite(damaged.id, (stored) => {
      const record = JSON.parse(stored);
      record.variants[0].traffic_share = "fifty"; // what a hand edit or a bad migration might leave
      return JSON.stringify(record);
    });
    try {
      const list = await api("GET", "/experiments?state=live&per_page=100");
      expect(list.status).toBe(200);
      const ids = list.json.rows.map((r: { id: number }) => r.id);
      expect(ids).toContain(healthy.id);
      expect(ids).not.toContain(damaged.id);

      const one = await api("GET", `/experiments/${damaged.id}`);
      expect(one.status).toBe(409);
      expect(one.json.error.code).toBe("record_unreadable");
      expect(one.json.error.issues).toContainEqual(expect.objectContaining({ path: "variants.0.traffic_share" }));
      expect((await api("GET", `/experiments/${damaged.id}/dashboard`)).status).toBe(409);
      // A write is refused the same way and changes nothing.
      expect((await api("POST", `/experiments/${damaged.id}/pause`)).json.error.code).toBe("record_unreadable");

      // A publish (the healthy one's pause) still goes out, without the damaged experiment.
      expect((await api("POST", `/experiments/${healthy.id}/pause`)).headers.get("sgen-publish")).toBeNull();
      const ids2 = (await published()).experiments.map((e: { id: number }) => e.id);
      expect(ids2).toContain(healthy.id);
      expect(ids2).not.toContain(damaged.id);

      // The operators' list page renders.
      const { cookie } = await signIn("demo-viewer");
      const page = await exports.default.fetch(
        new Request("http://localhost:8787/sg-admin/experiments/?state=paused&per_page=100", { headers: { cookie } }),
      );
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(healthy.input.name);
      const dashboard = await exports.default.fetch(
        new Request(`http://localhost:8787/sg-admin/experiments/${damaged.id}`, { headers: { cookie } }),
      );
      expect(dashboard.status).toBe(409);
    } finally {
      await rewrite(damaged.id, () => original);
    }
    expect((await api("GET", `/experiments/${damaged.id}`)).json.lifecycle_state).toBe("live");
  });

  it("an audit entry whose changes are not JSON is shown as text, not thrown", async () => {
    const { id } = await created();
    await runInDurableObject(stub(), (_: CatalogObject, state) => {
      state.storage.sql.exec("UPDATE audit SET changes = '{not json' WHERE experiment_id = ?", id);
    });
    const activity = await api("GET", `/activity?experiment_id=${id}`);
    expect(activity.status).toBe(200);
    expect(activity.json.entries[0].changes).toEqual({ unreadable: "{not json" });
  });

  it("readRecord refuses JSON that is not a record, and a record stored under another row's id", async () => {
    const { id } = await created();
    const record = (await api("GET", `/experiments/${id}`)).json;
    const row = { slug: record.slug, updated_at: record.updated_at, record: JSON.stringify(record) };
    expect(readRecord({ ...row, id }).ok).toBe(true);
    const moved = readRecord({ ...row, id: id + 1 });
    expect(!moved.ok && moved.unreadable.issues).toEqual([{ path: "id", message: `is ${id}, but the row is ${id + 1}` }]);
    expect(readRecord({ ...row, id, record: "{" }).ok).toBe(false);
    const empty = readRecord({ ...row, id, record: "{}" });
    expect(!empty.ok && empty.unreadable.issues.length).toBeGreaterThan(3);
  });
});
