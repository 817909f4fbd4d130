// End to end in the runtime: visitors through the demo Worker, run-data shards reporting to the catalog
// by alarm, the catalog's gate and the dashboard counting exactly what was sent.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { catalogStub } from "../../src/catalog/names.ts";
import { runDataObjectName } from "../../src/names.ts";
import { api, created } from "./admin-helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("run-data reports to the catalog", () => {
  it("counts what was sent, reports by alarm, updates the list's sample, and freezes on conclusion", async () => {
    const { id, input } = await created({
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
      ],
      conversion_event: { type: "custom", name: "signup" },
      min_sample_threshold: 5,
    });
    await api("POST", `/experiments/${id}/start`);
    const page = `http://localhost:8787${input.target_page}`;
    const cookies: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await exports.default.fetch(new Request(page, { headers: { cookie: `sgen-vid=rep-${i}` } }));
      await res.arrayBuffer();
      const assigned = res.headers
        .getSetCookie()
        .find((c) => c.startsWith(`sgen-ab-${input.slug}=`))
        ?.split(";")[0];
      cookies.push(`sgen-vid=rep-${i}; ${assigned}`);
    }
    for (let i = 0; i < 40; i += 2) {
      for (let k = 0; k < 2; k++) {
        // each converting visitor sends the event twice: it counts once
        await exports.default.fetch(
          new Request("http://localhost:8787/__sgen/events", {
            method: "POST",
            headers: { cookie: cookies[i] as string },
            body: '{"events":[{"name":"signup"}]}',
          }),
        );
      }
    }
    await sleep(400); // the demo Worker flushes its batches after 200 ms
    const dash = (await api("GET", `/experiments/${id}/dashboard`)).json;
    const sample = dash.variants.reduce((s: number, v: { sample: number }) => s + v.sample, 0);
    const conversions = dash.variants.reduce((s: number, v: { conversions: number }) => s + v.conversions, 0);
    expect(sample).toBe(40);
    expect(conversions).toBe(20);
    expect(dash.gate.state).toBe("reached");
    expect(dash.analysis.variants.map((v: { sample: number }) => v.sample)).toEqual(dash.variants.map((v: { sample: number }) => v.sample));

    // Each shard with data has a report alarm; running them updates the catalog's copy.
    let reported = 0;
    for (let k = 0; k < 4; k++) {
      if (await runDurableObjectAlarm(env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(runDataObjectName(id, k))))) reported++;
    }
    expect(reported).toBeGreaterThan(0);
    const listed = (await api("GET", `/experiments?q=${input.slug}`)).json.rows[0];
    expect(listed.sample).toBe(40);

    // Concluding freezes the shards: a late batch is refused.
    expect((await api("POST", `/experiments/${id}/conclude`, { shipped_variant_slug: "b" })).status).toBe(200);
    const shard0 = env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(runDataObjectName(id, 0)));
    const late = await shard0.ingest(0, [
      { kind: "exposure", experimentId: id, epoch: 0, visitorId: "late", variant: "a", at: Date.now() },
    ]);
    expect(late.frozen).toBe(true);
  });

  it("pauses an experiment past max_runtime_days, by the catalog's alarm", async () => {
    const { id } = await created({ max_runtime_days: 1 });
    await api("POST", `/experiments/${id}/start`);
    const stub = catalogStub(env.SGEN_CATALOG);
    await runInDurableObject(stub, (_: CatalogObject, state) => {
      const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM experiments WHERE id = ?", id).one();
      const record = JSON.parse(row.record);
      record.started_at = new Date(Date.now() - 2 * 86_400_000).toISOString();
      state.storage.sql.exec("UPDATE experiments SET record = ? WHERE id = ?", JSON.stringify(record), id);
    });
    await runDurableObjectAlarm(stub);
    expect((await api("GET", `/experiments/${id}`)).json.lifecycle_state).toBe("paused");
    const entry = (await api("GET", `/activity?experiment_id=${id}`)).json.entries[0];
    expect(entry).toMatchObject({ operator: "system", action: "auto_pause", transition: { from: "live", to: "paused" } });
  });
});
