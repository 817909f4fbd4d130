// The targeting fields through the admin API: defaults for records saved before them, plain
// validation messages, overlapping layer slices refused with a 409 naming the conflict, schedules
// checked on save and carried out by the catalog's alarm as `system`, and what reaches KV.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogStub } from "../../src/admin/api.ts";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { ExperimentInput } from "../../src/core/schema.ts";
import { EDGE_CONFIG_KEY } from "../../src/names.ts";
import { api, created, newExperiment } from "./admin-helpers.ts";
import { uniqueId } from "./helpers.ts";

const stub = () => catalogStub(env.SGEN_CATALOG);

/** Rewrites fields of a stored record directly (a time that has come, a record from before the fields). */
async function storeRecordFields(id: number, change: (record: Record<string, unknown>) => void): Promise<void> {
  await runInDurableObject(stub(), (_: CatalogObject, state) => {
    const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM experiments WHERE id = ?", id).one();
    const record = JSON.parse(row.record) as Record<string, unknown>;
    change(record);
    state.storage.sql.exec("UPDATE experiments SET record = ? WHERE id = ?", JSON.stringify(record), id);
  });
}

async function published(id: number): Promise<Record<string, unknown> | undefined> {
  const doc = JSON.parse((await env.SGEN_CONFIG.get(EDGE_CONFIG_KEY)) ?? '{"experiments":[]}') as { experiments: Array<{ id: number }> };
  return doc.experiments.find((e) => e.id === id) as Record<string, unknown> | undefined;
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe("the targeting fields of a record", () => {
  it("round-trip through the API and reach the published config (the end in UTC, no start)", async () => {
    const layer = `l-${uniqueId()}`;
    const end = new Date(Date.now() + 7 * 86_400_000);
    const endWithOffset = `${new Date(end.getTime() + 3_600_000).toISOString().slice(0, 19)}+01:00`;
    const { id } = await created({
      audience: { match: "any", conditions: [{ attribute: "country", operator: "in", values: ["DE", "AT"] }] },
      coverage_percent: 12.5,
      layer: { slug: layer, from: 0, to: 50 },
      scheduled_end_at: endWithOffset,
      bots: "control",
    });
    const record = (await api("GET", `/experiments/${id}`)).json;
    expect(record).toMatchObject({ coverage_percent: 12.5, layer: { slug: layer, from: 0, to: 50 }, bots: "control" });
    expect(record.scheduled_end_at).toBe(endWithOffset);
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    const edge = await published(id);
    expect(edge).toMatchObject({
      audience: { match: "any", conditions: [{ attribute: "country", operator: "in", values: ["DE", "AT"] }] },
      coverage_percent: 12.5,
      layer: { slug: layer, from: 0, to: 50 },
      scheduled_end_at: new Date(Math.floor(end.getTime() / 1000) * 1000).toISOString(),
      bots: "control",
    });
    expect(edge && "scheduled_start_at" in edge).toBe(false);
    await api("POST", `/experiments/${id}/override`, { shipped_variant_slug: "a", reason: "test done" });
  });

  it("a record saved before the fields existed reads with their defaults", async () => {
    const { id } = await created();
    await storeRecordFields(id, (r) => {
      for (const k of ["audience", "coverage_percent", "layer", "scheduled_start_at", "scheduled_end_at", "bots"]) delete r[k];
    });
    const r = await api("GET", `/experiments/${id}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      audience: null,
      coverage_percent: 100,
      layer: null,
      scheduled_start_at: null,
      scheduled_end_at: null,
      bots: "like_visitors",
    });
  });

  it("bad values are refused with the field's path and a plain message", async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        { audience: { match: "all", conditions: [{ attribute: "planet", operator: "in", values: ["mars"] }] } },
        "audience.conditions.0.attribute",
        /unknown attribute "planet": use country, region/,
      ],
      [
        { audience: { match: "all", conditions: [{ attribute: "country", operator: "in", values: ["Germany"] }] } },
        "audience.conditions.0.values.0",
        /not an ISO 3166-1 alpha-2 country code/,
      ],
      [{ audience: { match: "all", conditions: [] } }, "audience.conditions", /./],
      [{ coverage_percent: 12.345 }, "coverage_percent", /at most two decimals/],
      [{ coverage_percent: 101 }, "coverage_percent", /from 0 to 100/],
      [{ layer: { slug: "l", from: 50, to: 20 } }, "layer.to", /from < to/],
      [{ scheduled_start_at: "2020-01-01T00:00:00Z" }, "scheduled_start_at", /must be in the future/],
      [{ scheduled_start_at: "tomorrow" }, "scheduled_start_at", /ISO 8601/],
      [
        { scheduled_start_at: inAnHour(), scheduled_end_at: new Date(Date.now() + 60_000).toISOString() },
        "scheduled_end_at",
        /after scheduled_start_at/,
      ],
      [{ bots: "hide" }, "bots", /like_visitors/],
    ];
    for (const [fields, path, message] of cases) {
      const r = await api("POST", "/experiments", newExperiment(fields));
      expect(r.status, JSON.stringify(fields)).toBe(422);
      const issue = r.json.error.issues.find((i: { path: string }) => i.path === path);
      expect(issue?.message, `${JSON.stringify(fields)}: ${JSON.stringify(r.json.error.issues)}`).toMatch(message);
    }
  });

  it("a start can be scheduled on a draft or a paused experiment only; a time left unchanged is not checked again", async () => {
    const { id, input } = await created();
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    const onLive = await api("PUT", `/experiments/${id}`, { ...input, scheduled_start_at: inAnHour() });
    expect(onLive.status).toBe(422);
    expect(onLive.json.error.issues[0].message).toMatch(/only on a draft or paused experiment \(this one is live\)/);
    // An end saved in the future stays valid when its time has passed and other fields are edited.
    const end = inAnHour();
    expect((await api("PUT", `/experiments/${id}`, { ...input, scheduled_end_at: end })).status).toBe(200);
    expect((await api("PUT", `/experiments/${id}`, { ...input, scheduled_end_at: end, notes: "edited" })).status).toBe(200);
  });
});

describe("exclusive layers in the admin API", () => {
  it("refuses a start whose slice overlaps a live or paused one, naming both experiments, both slices and the overlap", async () => {
    const layer = `l-${uniqueId()}`;
    const a = await created({ layer: { slug: layer, from: 0, to: 50 } });
    const b = await created({ layer: { slug: layer, from: 40, to: 100 } });
    expect((await api("POST", `/experiments/${a.id}/start`)).status).toBe(200);
    const refused = await api("POST", `/experiments/${b.id}/start`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("layer_conflict");
    expect(refused.json.error.message).toBe(
      `layer "${layer}": slice [40, 100) of "${b.input.slug}" overlaps slice [0, 50) of "${a.input.slug}" (id ${a.id}) on [40, 50)`,
    );
    expect((await api("GET", `/experiments/${b.id}`)).json.lifecycle_state).toBe("draft");
    // Paused still holds its slice.
    await api("POST", `/experiments/${a.id}/pause`);
    expect((await api("POST", `/experiments/${b.id}/start`)).status).toBe(409);
    // Slices that touch do not overlap.
    expect((await api("PUT", `/experiments/${b.id}`, { ...b.input, layer: { slug: layer, from: 50, to: 100 } })).status).toBe(200);
    expect((await api("POST", `/experiments/${b.id}/start`)).status).toBe(200);
    // Widening a running experiment's slice into its neighbour's is refused too.
    const widen = await api("PUT", `/experiments/${b.id}`, { ...b.input, layer: { slug: layer, from: 45, to: 100 } });
    expect(widen.status).toBe(409);
    expect(widen.json.error.code).toBe("layer_conflict");
    expect((await api("POST", `/experiments/${a.id}/resume`)).status).toBe(200);
    const log = (await api("GET", `/activity?experiment_id=${b.id}`)).json.entries;
    expect(log[0].action).toBe("start");
  });

  it("an edit of a draft's slice is not checked: the check is at the start", async () => {
    const layer = `l-${uniqueId()}`;
    const a = await created({ layer: { slug: layer, from: 0, to: 60 } });
    await api("POST", `/experiments/${a.id}/start`);
    const b = await created({ layer: { slug: layer, from: 0, to: 100 } });
    expect((await api("PUT", `/experiments/${b.id}`, { ...b.input, notes: "still a draft" })).status).toBe(200);
  });
});

describe("schedules carried out by the catalog's alarm", () => {
  it("wakes the alarm at the scheduled start, and starts the draft then as system, clearing the start", async () => {
    const at = new Date(Date.now() + 3_600_000);
    const { id } = await created({ scheduled_start_at: at.toISOString() });
    const alarm = await runInDurableObject(stub(), (_: CatalogObject, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm as number).toBeLessThanOrEqual(at.getTime());
    await storeRecordFields(id, (r) => {
      r.scheduled_start_at = new Date(Date.now() - 1000).toISOString();
    });
    await runDurableObjectAlarm(stub());
    const record = (await api("GET", `/experiments/${id}`)).json;
    expect(record.lifecycle_state).toBe("live");
    expect(record.scheduled_start_at).toBeNull();
    const entry = (await api("GET", `/activity?experiment_id=${id}`)).json.entries[0];
    expect(entry).toMatchObject({ operator: "system", action: "start", transition: { from: "draft", to: "live" } });
    expect(entry.reason).toMatch(/^scheduled_start_at .* came due$/);
    expect((await published(id))?.state).toBe("live");
    await api("POST", `/experiments/${id}/pause`);
  });

  it("a start that cannot happen is audited with the reason and dropped, not retried", async () => {
    const page = `/busy-${uniqueId()}`;
    const holder = await created({ target_page: page });
    await api("POST", `/experiments/${holder.id}/start`);
    const { id } = await created({ target_page: page, scheduled_start_at: inAnHour() });
    await storeRecordFields(id, (r) => {
      r.scheduled_start_at = new Date(Date.now() - 1000).toISOString();
    });
    await runDurableObjectAlarm(stub());
    const record = (await api("GET", `/experiments/${id}`)).json;
    expect(record.lifecycle_state).toBe("draft");
    expect(record.scheduled_start_at).toBeNull();
    const entry = (await api("GET", `/activity?experiment_id=${id}`)).json.entries[0];
    expect(entry).toMatchObject({ operator: "system", action: "scheduled_start_refused", changes: { code: "target_page_busy" } });
    expect(entry.reason).toMatch(new RegExp(`${page} already has a running experiment`));
  });

  it("pauses a live experiment at its scheduled end, as system, and resumes a paused one at its start", async () => {
    const { id } = await created({ scheduled_end_at: inAnHour() });
    await api("POST", `/experiments/${id}/start`);
    await storeRecordFields(id, (r) => {
      r.scheduled_end_at = new Date(Date.now() - 1000).toISOString();
    });
    await runDurableObjectAlarm(stub());
    const paused = (await api("GET", `/experiments/${id}`)).json;
    expect(paused.lifecycle_state).toBe("paused");
    expect(paused.scheduled_end_at).toBeNull();
    expect((await api("GET", `/activity?experiment_id=${id}`)).json.entries[0]).toMatchObject({
      operator: "system",
      action: "pause",
      transition: { from: "live", to: "paused" },
    });
    const { json: current } = await api("GET", `/experiments/${id}`);
    // The configuration part of the record: what the API takes back (the catalog's own fields left out).
    const input = Object.fromEntries(Object.entries(current).filter(([k]) => k in ExperimentInput.shape));
    expect((await api("PUT", `/experiments/${id}`, { ...input, scheduled_start_at: inAnHour() })).status).toBe(200);
    await storeRecordFields(id, (r) => {
      r.scheduled_start_at = new Date(Date.now() - 1000).toISOString();
    });
    await runDurableObjectAlarm(stub());
    expect((await api("GET", `/experiments/${id}`)).json.lifecycle_state).toBe("live");
    expect((await api("GET", `/activity?experiment_id=${id}`)).json.entries[0]).toMatchObject({ operator: "system", action: "resume" });
    await api("POST", `/experiments/${id}/pause`);
  });

  it("an operator's start clears a scheduled start, and a conclusion clears both times", async () => {
    const { id } = await created({ scheduled_start_at: inAnHour(), scheduled_end_at: new Date(Date.now() + 7_200_000).toISOString() });
    const started = (await api("POST", `/experiments/${id}/start`)).json;
    expect(started.scheduled_start_at).toBeNull();
    expect(started.scheduled_end_at).not.toBeNull();
    const done = (await api("POST", `/experiments/${id}/override`, { shipped_variant_slug: "a", reason: "r" })).json;
    expect(done.scheduled_end_at).toBeNull();
  });
});
