// The gate and the automated post-test actions, driven by run-data reports to the real catalog.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogStub } from "../../src/catalog/names.ts";
import { DEFAULT_POST_TEST, type ExperimentInput } from "../../src/core/schema.ts";
import type { ShardSnapshot } from "../../src/run-data/run-data-object.ts";
import { api, created } from "./admin-helpers.ts";

const snapshot = (samples: Record<string, number>, conversions: Record<string, number>, goal = "page_view:/thanks"): ShardSnapshot => ({
  epoch: 0,
  samples,
  conversions: { [goal]: conversions },
  lastConversionAt: {},
  daily: {},
  values: {},
  responses: {},
  notCounted: {},
});

async function started(postTest: Partial<ExperimentInput["post_test"]>, minSample = 100) {
  const { id } = await created({ post_test: { ...DEFAULT_POST_TEST, ...postTest }, min_sample_threshold: minSample, min_runtime_days: 0 });
  expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
  return id;
}

const report = (id: number, snap: ShardSnapshot) => catalogStub(env.SGEN_CATALOG).runDataChanged(id, 0, snap);
const record = async (id: number) => (await api("GET", `/experiments/${id}`)).json;
const lastEntry = async (id: number) => (await api("GET", `/activity?experiment_id=${id}`)).json.entries[0];

describe("automated post-test actions", () => {
  const clearWinner = snapshot({ a: 2000, b: 2000 }, { a: 200, b: 320 });
  const inconclusive = snapshot({ a: 2000, b: 2000 }, { a: 200, b: 205 });

  it("nothing happens while the gate is pending, whatever the data", async () => {
    const id = await started({ on_winner: "assign_winner", on_inconclusive: "complete" }, 5000);
    await report(id, clearWinner);
    expect((await record(id)).lifecycle_state).toBe("live");
  });

  it("a winner with assign_winner ships it, as operator system, with a timestamp on the dashboard", async () => {
    const id = await started({ on_winner: "assign_winner", on_inconclusive: "keep_running" });
    await report(id, clearWinner);
    const r = await record(id);
    expect(r).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: "b" });
    const entry = await lastEntry(id);
    expect(entry).toMatchObject({
      operator: "system",
      action: "post_test_action",
      transition: { from: "live", to: "done" },
      shipped_variant_slug: "b",
    });
    const dash = (await api("GET", `/experiments/${id}/dashboard`)).json;
    expect(dash.post_test.applied).toMatchObject({
      action: "assign_winner",
      outcome: { state: "winner", winner: "b" },
      shipped_variant_slug: "b",
    });
    expect(Date.parse(dash.post_test.applied.at)).toBeGreaterThan(0);
    // The edge now serves b to everyone.
    const published = JSON.parse((await env.SGEN_CONFIG.get("sgen-ab:edge-config:v1")) ?? "{}");
    expect(published.experiments.find((e: { id: number }) => e.id === id)).toMatchObject({ state: "done", shipped_variant_slug: "b" });
  });

  it("a winner with assign_control ships the control; with complete, nothing is shipped", async () => {
    const back = await started({ on_winner: "assign_control", on_inconclusive: "keep_running" });
    await report(back, clearWinner);
    expect(await record(back)).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: "a" });
    const complete = await started({ on_winner: "complete", on_inconclusive: "keep_running" });
    await report(complete, clearWinner);
    expect(await record(complete)).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: null });
  });

  it("inconclusive: keep_running keeps it live; assign_control and complete conclude it", async () => {
    const keep = await started({ on_winner: "assign_winner", on_inconclusive: "keep_running" });
    await report(keep, inconclusive);
    expect((await record(keep)).lifecycle_state).toBe("live");
    const control = await started({ on_winner: "assign_winner", on_inconclusive: "assign_control" });
    await report(control, inconclusive);
    expect(await record(control)).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: "a" });
    const complete = await started({ on_winner: "assign_winner", on_inconclusive: "complete" });
    await report(complete, inconclusive);
    expect(await record(complete)).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: null });
  });

  it("a sample-ratio mismatch blocks every automated action and is recorded", async () => {
    const id = await started({ on_winner: "assign_winner", on_inconclusive: "complete" });
    await report(id, snapshot({ a: 2000, b: 2600 }, { a: 200, b: 420 }));
    expect((await record(id)).lifecycle_state).toBe("live");
    expect(await lastEntry(id)).toMatchObject({ operator: "system", action: "post_test_blocked" });
    const dash = (await api("GET", `/experiments/${id}/dashboard`)).json;
    expect(dash.post_test.blocked_at).not.toBeNull();
  });

  it("conclude by an operator needs the gate reached in the run-data itself", async () => {
    const { id } = await created({ min_sample_threshold: 1 });
    await api("POST", `/experiments/${id}/start`);
    expect((await api("POST", `/experiments/${id}/conclude`, { shipped_variant_slug: "a" })).json.error.code).toBe("gate_pending");
  });
});
