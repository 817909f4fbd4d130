// The lifecycle through the admin API: every allowed transition, every refused one, and the edge
// following along.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ExperimentRecord } from "../../src/core/schema.ts";
import { api, created } from "./admin-helpers.ts";

describe("lifecycle", () => {
  it("draft → live → paused → live → done (override) → archived → done (restore) → deleted", async () => {
    const { id } = await created();
    const step = async (path: string, body: unknown, state: string) => {
      const r = await api("POST", `/experiments/${id}/${path}`, body);
      expect(r.status, `${path}: ${JSON.stringify(r.json)}`).toBe(200);
      expect(r.json.lifecycle_state).toBe(state);
      return r.json as ExperimentRecord;
    };
    const live = await step("start", {}, "live");
    expect(live.started_at).not.toBeNull();
    await step("pause", {}, "paused");
    await step("resume", {}, "live");
    const done = await step("override", { shipped_variant_slug: "b", reason: "launch date moved" }, "done");
    expect(done.shipped_variant_slug).toBe("b");
    expect(done.significance_override_reason).toBe("launch date moved");
    expect(done.concluded_at).not.toBeNull();
    await step("archive", {}, "archived");
    await step("restore", {}, "done");
    await step("archive", {}, "archived");
    const del = await api("DELETE", `/experiments/${id}`);
    expect(del.status).toBe(200);
    expect((await api("GET", `/experiments/${id}`)).status).toBe(404);
    // The audit outlives the record.
    const log = await api("GET", `/activity?experiment_id=${id}`);
    expect(log.json.entries.map((e: { action: string }) => e.action)).toEqual([
      "delete",
      "archive",
      "restore",
      "archive",
      "override",
      "resume",
      "pause",
      "start",
      "create",
    ]);
  });

  it("a draft can be archived and restored back to draft", async () => {
    const { id } = await created();
    expect((await api("POST", `/experiments/${id}/archive`)).json.lifecycle_state).toBe("archived");
    expect((await api("POST", `/experiments/${id}/restore`)).json.lifecycle_state).toBe("draft");
  });

  it("refuses every transition the lifecycle does not have, with a 409 that names it", async () => {
    const { id } = await created();
    const refused = async (action: string, code: string) => {
      const r = action === "delete" ? await api("DELETE", `/experiments/${id}`) : await api("POST", `/experiments/${id}/${action}`, {});
      expect(r.status, action).toBe(409);
      expect(r.json.error.code).toBe(code);
    };
    // draft
    for (const a of ["pause", "resume", "conclude", "override", "restore", "delete"]) await refused(a, `cannot_${a}_draft`);
    await api("POST", `/experiments/${id}/start`);
    for (const a of ["start", "resume", "archive", "restore", "delete"]) await refused(a, `cannot_${a}_live`);
    await api("POST", `/experiments/${id}/pause`);
    for (const a of ["start", "pause", "archive", "restore", "delete"]) await refused(a, `cannot_${a}_paused`);
    await api("POST", `/experiments/${id}/override`, { shipped_variant_slug: "a", reason: "r" });
    for (const a of ["start", "pause", "resume", "conclude", "override", "restore", "delete"]) await refused(a, `cannot_${a}_done`);
    await api("POST", `/experiments/${id}/archive`);
    for (const a of ["start", "pause", "resume", "conclude", "override", "archive"]) await refused(a, `cannot_${a}_archived`);
    expect((await api("POST", `/experiments/${id}/nonsense`)).status).toBe(404);
  });

  it("conclude answers 409 gate_pending until every variant reaches the minimum sample", async () => {
    const { id } = await created({ min_sample_threshold: 2 });
    await api("POST", `/experiments/${id}/start`);
    const pending = await api("POST", `/experiments/${id}/conclude`, { shipped_variant_slug: "b" });
    expect(pending.status).toBe(409);
    expect(pending.json.error.code).toBe("gate_pending");
    expect((await api("GET", `/experiments/${id}/dashboard`)).json.gate.state).toBe("pending");
  });

  it("conclude and override need a shipped variant that exists; override needs a reason", async () => {
    const { id } = await created();
    await api("POST", `/experiments/${id}/start`);
    for (const body of [{}, { shipped_variant_slug: "zz" }]) {
      const r = await api("POST", `/experiments/${id}/override`, { ...body, reason: "r" });
      expect(r.status).toBe(422);
      expect(r.json.error.issues[0].path).toBe("shipped_variant_slug");
    }
    const noReason = await api("POST", `/experiments/${id}/override`, { shipped_variant_slug: "b", reason: "  " });
    expect(noReason.status).toBe(422);
    expect(noReason.json.error.issues[0].path).toBe("reason");
    expect((await api("GET", `/experiments/${id}`)).json.lifecycle_state).toBe("live");
  });

  it("at most one running experiment per target page: a second start answers 409 target_page_busy", async () => {
    const first = await created();
    const second = await created({ target_page: first.input.target_page });
    expect((await api("POST", `/experiments/${first.id}/start`)).status).toBe(200);
    const busy = await api("POST", `/experiments/${second.id}/start`);
    expect(busy.status).toBe(409);
    expect(busy.json.error.code).toBe("target_page_busy");
    await api("POST", `/experiments/${first.id}/pause`);
    expect((await api("POST", `/experiments/${second.id}/start`)).json.error.code).toBe("target_page_busy");
    await api("POST", `/experiments/${first.id}/override`, { shipped_variant_slug: "a", reason: "make room" });
    expect((await api("POST", `/experiments/${second.id}/start`)).status).toBe(200);
  });

  it("refuses to start with a zero share, and refuses chains between running experiments", async () => {
    const zero = await created({
      variants: [
        { slug: "a", label: "A", traffic_share: 100 },
        { slug: "b", label: "B", page: "/zero-b", traffic_share: 0 },
      ],
    });
    const r = await api("POST", `/experiments/${zero.id}/start`);
    expect(r.status).toBe(422);
    expect(r.json.error.issues[0].path).toBe("variants.1.traffic_share");

    const one = await created();
    await api("POST", `/experiments/${one.id}/start`);
    const chained = await created({
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: one.input.target_page, traffic_share: 50 },
      ],
    });
    const c = await api("POST", `/experiments/${chained.id}/start`);
    expect(c.status).toBe(409);
    expect(c.json.error.code).toBe("experiment_chain");
  });

  it("publishes what the edge needs: a started experiment splits its target page at once", async () => {
    const { id, input } = await created({
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
      ],
    });
    const page = `http://localhost:8787${input.target_page}`;
    const before = await exports.default.fetch(new Request(page));
    expect(before.headers.getSetCookie()).toEqual([]);
    await api("POST", `/experiments/${id}/start`);
    const after = await exports.default.fetch(new Request(page, { headers: { cookie: `sgen-ab-${input.slug}=b` } }));
    expect(after.status).toBe(200);
    expect(await after.text()).toMatch(/layout B/);
    // The published document holds it, in the kv-schema layout.
    const doc = JSON.parse((await env.SGEN_CONFIG.get("sgen-ab:edge-config:v1")) ?? "{}");
    expect(doc.experiments.find((e: { id: number }) => e.id === id)).toMatchObject({ slug: input.slug, state: "live", epoch: 0 });
  });
});
