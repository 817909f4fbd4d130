// Holdouts through the admin API: Administrators manage them, everyone may read them and their
// dashboard, every write is audited with the holdout's id, changes of who is held need ?confirm=reset,
// and the published config carries them for the edge.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EDGE_CONFIG_KEY } from "../../src/names.ts";
import { readHoldoutData } from "../../src/run-data/client.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import { api, created } from "./admin-helpers.ts";
import { uniqueId } from "./helpers.ts";

// Each holdout covers a layer of its own: a global one would hold out visitors of other test files'
// experiments, which share this catalog and its published config.
const newHoldout = (over: Record<string, unknown> = {}) => {
  const n = uniqueId();
  return {
    slug: `holdout-${n}`,
    name: `Holdout ${n}`,
    percent: 10,
    layer: `only-${n}`,
    goals: [
      { type: "page_view", path: "/thanks" },
      { type: "custom", name: "signup" },
    ],
    ...over,
  };
};

async function publishedHoldouts(): Promise<Array<Record<string, unknown>>> {
  return (JSON.parse((await env.SGEN_CONFIG.get(EDGE_CONFIG_KEY)) ?? "{}").holdouts ?? []) as Array<Record<string, unknown>>;
}

describe("holdouts in the admin API", () => {
  it("an Administrator creates, edits and deletes one; each write is published and audited", async () => {
    const input = newHoldout();
    const made = await api("POST", "/holdouts", input);
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    const id = made.json.id as number;
    expect(made.json).toMatchObject({ ...input, epoch: 0, notes: "" });
    expect(made.json.shards).toBeGreaterThanOrEqual(1);
    expect((await publishedHoldouts()).find((h) => h.id === id)).toEqual({
      id,
      slug: input.slug,
      percent: 10,
      layer: input.layer,
      goals: ["page_view:/thanks", "custom:signup"],
      epoch: 0,
      shards: made.json.shards,
    });
    expect((await api("GET", "/holdouts", undefined, "demo-viewer")).json.rows.some((h: { id: number }) => h.id === id)).toBe(true);
    expect((await api("GET", `/holdouts/${id}`, undefined, "demo-viewer")).json.slug).toBe(input.slug);

    // Name and goals change freely; the percent changes who is held, so it needs a reset.
    const renamed = await api("PUT", `/holdouts/${id}`, { ...input, name: "Q3 holdout", goals: [{ type: "page_view", path: "/thanks" }] });
    expect(renamed.status).toBe(200);
    expect(renamed.json.epoch).toBe(0);
    const wider = await api("PUT", `/holdouts/${id}`, { ...input, percent: 20 });
    expect(wider.status).toBe(409);
    expect(wider.json.error.code).toBe("confirm_reset_required");
    expect(wider.json.error.message).toMatch(/changing percent changes who is held out/);
    const reset = await api("PUT", `/holdouts/${id}?confirm=reset`, { ...input, percent: 20 });
    expect(reset.status).toBe(200);
    expect(reset.json.epoch).toBe(1);
    expect((await publishedHoldouts()).find((h) => h.id === id)).toMatchObject({ percent: 20, epoch: 1 });

    const log = (await api("GET", `/activity?holdout_id=${id}`)).json.entries;
    expect(log.map((e: { action: string }) => e.action)).toEqual(["holdout_edit_reset", "holdout_edit", "holdout_create"]);
    expect(log[0]).toMatchObject({
      operator: "demo-admin",
      experiment_id: null,
      holdout_id: id,
      changes: { percent: { from: 10, to: 20 }, epoch: { from: 0, to: 1 } },
    });

    const gone = await api("DELETE", `/holdouts/${id}`);
    expect(gone.status).toBe(200);
    expect(gone.json).toEqual({ deleted: id });
    expect((await api("GET", `/holdouts/${id}`)).status).toBe(404);
    expect((await publishedHoldouts()).some((h) => h.id === id)).toBe(false);
    expect((await api("GET", `/activity?holdout_id=${id}`)).json.entries[0].action).toBe("holdout_delete");
  });

  it("only Administrators may write; Editors and Viewers get 403 and change nothing", async () => {
    for (const token of ["demo-editor", "demo-viewer"]) {
      const r = await api("POST", "/holdouts", newHoldout(), token);
      expect(r.status, token).toBe(403);
    }
    const { json } = await api("POST", "/holdouts", newHoldout());
    for (const token of ["demo-editor", "demo-viewer"]) {
      expect((await api("PUT", `/holdouts/${json.id}`, newHoldout(), token)).status).toBe(403);
      expect((await api("DELETE", `/holdouts/${json.id}`, undefined, token)).status).toBe(403);
    }
    expect((await api("GET", `/holdouts/${json.id}`)).json.name).toBe(json.name);
    await api("DELETE", `/holdouts/${json.id}`);
  });

  it("refuses bad input with paths and plain messages, and a slug in use", async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ percent: 12.345 }, "percent", /at most two decimals/],
      [{ percent: -1 }, "percent", /from 0 to 100/],
      [{ slug: "Not A Slug" }, "slug", /a-z, 0-9/],
      [{ layer: "Bad Layer" }, "layer", /a-z, 0-9/],
      [
        {
          goals: [
            { type: "page_view", path: "/x" },
            { type: "page_view", path: "/x" },
          ],
        },
        "goals.1",
        /listed twice/,
      ],
      [{ goals: [{ type: "page_view", path: "//evil" }] }, "goals.0.path", /same-site path/],
      [{ extra: 1 }, "(body)", /extra/],
    ];
    for (const [over, path, message] of cases) {
      const r = await api("POST", "/holdouts", newHoldout(over));
      expect(r.status, JSON.stringify(over)).toBe(422);
      expect(r.json.error.message).toBe("the request body is not a valid holdout");
      const issue = r.json.error.issues.find((i: { path: string }) => i.path === path);
      expect(issue?.message, `${JSON.stringify(over)}: ${JSON.stringify(r.json.error.issues)}`).toMatch(message);
    }
    const first = await api("POST", "/holdouts", newHoldout());
    const again = await api("POST", "/holdouts", newHoldout({ slug: first.json.slug }));
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("slug_taken");
    await api("DELETE", `/holdouts/${first.json.id}`);
    expect((await api("GET", "/holdouts/abc")).status).toBe(404);
  });

  it("the dashboard compares the held arm with the exposed one on each goal, and lists the experiments it covers", async () => {
    const layer = `l-${uniqueId()}`;
    const covered = await created({ layer: { slug: layer, from: 0, to: 100 } });
    await api("POST", `/experiments/${covered.id}/start`);
    const outside = await created();
    await api("POST", `/experiments/${outside.id}/start`);
    const made = await api("POST", "/holdouts", newHoldout({ layer, percent: 50 }));
    const h = made.json as { id: number; epoch: number; shards: number };
    // Feed the holdout's run-data as the edge does: 40 held (8 convert), 40 exposed (16 convert).
    const { sink, batcher } = runDataSink<Cloudflare.Env>((e) => e.SGEN_RUN_DATA, { flushDelayMs: 0 });
    const ctx = createExecutionContext();
    for (let i = 0; i < 80; i++) {
      const arm = i < 40 ? "held" : "exposed";
      const visitorId = `dash-${h.id}-${i}`;
      sink({ kind: "holdout_exposure", holdoutId: h.id, epoch: h.epoch, visitorId, arm, at: Date.now() }, h.shards, env, ctx);
      if ((arm === "held" && i < 8) || (arm === "exposed" && i < 56)) {
        sink(
          { kind: "holdout_conversion", holdoutId: h.id, epoch: h.epoch, visitorId, goal: "page_view:/thanks", at: Date.now() },
          h.shards,
          env,
          ctx,
        );
      }
    }
    await batcher.flushAll();
    await waitOnExecutionContext(ctx);
    expect((await readHoldoutData(env.SGEN_RUN_DATA, h.id, h.epoch, h.shards)).samples).toEqual({ held: 40, exposed: 40 });

    const d = await api("GET", `/holdouts/${h.id}/dashboard`, undefined, "demo-viewer");
    expect(d.status).toBe(200);
    expect(d.json.arms).toEqual([
      { arm: "held", traffic_share: 50, sample: 40 },
      { arm: "exposed", traffic_share: 50, sample: 40 },
    ]);
    const thanks = d.json.goals[0];
    expect(thanks.goal).toEqual({ type: "page_view", path: "/thanks" });
    expect(thanks.conversions).toEqual({ held: 8, exposed: 16 });
    expect(thanks.analysis.variants.map((v: { slug: string; conversion_rate: number }) => [v.slug, v.conversion_rate])).toEqual([
      ["held", 0.2],
      ["exposed", 0.4],
    ]);
    expect(thanks.analysis.comparisons[0].variant).toBe("exposed");
    expect(thanks.analysis.comparisons[0].absolute_diff).toBeCloseTo(0.2, 10);
    expect(d.json.covered_experiments.map((e: { id: number }) => e.id)).toEqual([covered.id]);
    await api("DELETE", `/holdouts/${h.id}`);
    expect((await readHoldoutData(env.SGEN_RUN_DATA, h.id, h.epoch, h.shards)).samples, "deleting removes its counts").toEqual({});
    await api("POST", `/experiments/${covered.id}/pause`);
    await api("POST", `/experiments/${outside.id}/pause`);
  });
});
