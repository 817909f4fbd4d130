// docs/admin-api.md, black-box: the admin API of `npm start` with the README's three tokens.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, type DemoServer, startDemo } from "./support/demo-server.ts";

let demo: DemoServer;
beforeAll(async () => {
  demo = await startDemo();
});
afterAll(async () => {
  await demo?.stop();
});

const call = (method: string, path: string, body?: unknown, token?: string) => adminApi(demo.base, method, path, body, token);

const input = (slug: string, target = `/${slug}`) => ({
  slug,
  name: `Black-box ${slug}`,
  target_page: target,
  variants: [
    { slug: "a", label: "Control", traffic_share: 50 },
    { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
  ],
  conversion_event: { type: "custom", name: "signup" },
  min_sample_threshold: 50,
});

describe("npm start: the admin API, from outside", () => {
  it("lists the seeded experiment as { rows, total }", async () => {
    const r = await call("GET", "/experiments?q=pricing-page-layout");
    expect(r.status).toBe(200);
    expect(r.json.total).toBe(1);
    expect(r.json.rows[0]).toMatchObject({ slug: "pricing-page-layout", lifecycle_state: "live", target_page: "/pricing" });
  });

  it("runs a whole lifecycle with the right tokens and refuses the wrong ones", async () => {
    expect((await call("POST", "/experiments", input("bb-life"), "demo-viewer")).status).toBe(403);
    const made = await call("POST", "/experiments", input("bb-life"), "demo-editor");
    expect(made.status).toBe(201);
    const id = made.json.id;
    expect(made.json).toMatchObject({
      lifecycle_state: "draft",
      shipped_variant_slug: null,
      post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running" },
    });
    expect((await call("POST", `/experiments/${id}/start`, {}, "demo-viewer")).status).toBe(403);
    expect((await call("POST", `/experiments/${id}/start`, {}, "demo-editor")).json.lifecycle_state).toBe("live");
    expect((await call("POST", `/experiments/${id}/pause`, {}, "demo-editor")).json.lifecycle_state).toBe("paused");
    expect((await call("POST", `/experiments/${id}/resume`, {}, "demo-editor")).json.lifecycle_state).toBe("live");
    expect((await call("POST", `/experiments/${id}/conclude`, { shipped_variant_slug: "b" }, "demo-editor")).status).toBe(403);
    const gate = await call("POST", `/experiments/${id}/conclude`, { shipped_variant_slug: "b" });
    expect(gate.status).toBe(409);
    expect(gate.json.error.code).toBe("gate_pending");
    const dash = await call("GET", `/experiments/${id}/dashboard`, undefined, "demo-viewer");
    expect(dash.json).toMatchObject({ experiment_id: id, lifecycle_state: "live", gate: { state: "pending" } });
    const over = await call("POST", `/experiments/${id}/override`, { shipped_variant_slug: "b", reason: "launch moved up" });
    expect(over.json).toMatchObject({
      lifecycle_state: "done",
      shipped_variant_slug: "b",
      significance_override_reason: "launch moved up",
    });
    expect((await call("GET", `/experiments/${id}/dashboard`)).json.gate.state).toBe("override");
    expect((await call("DELETE", `/experiments/${id}`)).status).toBe(409);
    expect((await call("POST", `/experiments/${id}/archive`, {}, "demo-editor")).status).toBe(403);
    expect((await call("POST", `/experiments/${id}/archive`)).json.lifecycle_state).toBe("archived");
    expect((await call("GET", "/experiments?q=bb-life")).json.total).toBe(0);
    expect((await call("GET", "/experiments?q=bb-life&state=archived")).json.total).toBe(1);
    expect((await call("POST", `/experiments/${id}/restore`)).json.lifecycle_state).toBe("done");
    await call("POST", `/experiments/${id}/archive`);
    expect((await call("DELETE", `/experiments/${id}`, undefined, "demo-editor")).status).toBe(403);
    expect((await call("DELETE", `/experiments/${id}`)).status).toBe(200);
    expect((await call("GET", `/experiments/${id}`)).status).toBe(404);

    const log = await call("GET", `/activity?experiment_id=${id}`, undefined, "demo-viewer");
    expect(log.json.entries.map((e: { action: string; operator: string }) => `${e.operator}:${e.action}`)).toEqual([
      "demo-admin:delete",
      "demo-admin:archive",
      "demo-admin:restore",
      "demo-admin:archive",
      "demo-admin:override",
      "demo-editor:resume",
      "demo-editor:pause",
      "demo-editor:start",
      "demo-editor:create",
    ]);
    expect(log.json.entries[4]).toMatchObject({
      reason: "launch moved up",
      shipped_variant_slug: "b",
      transition: { from: "live", to: "done" },
    });
  });

  it("answers each error with its status and the error shape", async () => {
    const unauth = await call("GET", "/experiments", undefined, "wrong");
    expect(unauth.status).toBe(401);
    expect(unauth.json.error).toMatchObject({ code: "unauthorized", issues: [] });
    const bad = await call("POST", "/experiments", {
      ...input("bb-bad"),
      variants: [
        { slug: "a", label: "A", traffic_share: 60 },
        { slug: "b", label: "B", traffic_share: 30 },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.issues.map((i: { path: string }) => i.path)).toContain("variants");
    expect((await call("POST", "/experiments", "{oops")).status).toBe(400);
    expect((await call("POST", "/experiments", { ...input("bb-big"), notes: "x".repeat(100_000) })).status).toBe(413);
    expect((await call("GET", "/experiments/424242")).status).toBe(404);

    const first = await call("POST", "/experiments", input("bb-busy-1", "/shared-target"));
    const second = await call("POST", "/experiments", input("bb-busy-2", "/shared-target"));
    await call("POST", `/experiments/${first.json.id}/start`);
    const busy = await call("POST", `/experiments/${second.json.id}/start`);
    expect(busy.status).toBe(409);
    expect(busy.json.error.code).toBe("target_page_busy");
    const reset = await call("PUT", `/experiments/${first.json.id}`, {
      ...input("bb-busy-1", "/shared-target"),
      variants: [
        { slug: "a", label: "A", traffic_share: 30 },
        { slug: "b", label: "B", page: "/pricing-b", traffic_share: 70 },
      ],
    });
    expect(reset.status).toBe(409);
    expect(reset.json.error.code).toBe("confirm_reset_required");
  });
});

describe("npm start: inline overrides, from outside", () => {
  it("variant b gets the home page's headline changed and the promo removed; variant a the page unchanged", async () => {
    const made = await call("POST", "/experiments", {
      ...input("bb-home-hero", "/"),
      variants: [
        { slug: "a", label: "Control", traffic_share: 50 },
        {
          slug: "b",
          label: "New headline",
          traffic_share: 50,
          overrides: [
            { selector: "h1#headline", action: "set_text", value: "Ship faster, <b>sleep</b> better" },
            { selector: "p.promo", action: "remove" },
          ],
        },
      ],
    });
    expect(made.status).toBe(201);
    expect((await call("POST", `/experiments/${made.json.id}/start`)).status).toBe(200);
    const page = async (variant: string) =>
      (await fetch(`${demo.base}/`, { headers: { cookie: `sgen-vid=ov-1; sgen-ab-bb-home-hero=${variant}` } })).text();
    const b = await page("b");
    expect(b).toContain(`<h1 id="headline">Ship faster, &lt;b&gt;sleep&lt;/b&gt; better</h1>`);
    expect(b).not.toContain(`class="promo"`);
    const a = await page("a");
    expect(a).toContain(`<h1 id="headline">Ship faster with Acme</h1>`);
    expect(a).toContain(`<p class="promo">Free for 30 days.</p>`);
  });
});

describe("npm start: after the result, from outside", () => {
  it("concludes with a decision record, exports it, rolls the winner out 10/50/100% (only adding visitors) and back", async () => {
    const { referenceAssignment } = await import("../support/murmur3-reference.ts");
    const made = await call("POST", "/experiments", input("bb-rollout", "/thanks"));
    const id = made.json.id;
    await call("POST", `/experiments/${id}/start`);
    const decision = { key_learning: "B converts better.", decision: "Ship B.", follow_up: "Move B into the templates." };
    const done = await call("POST", `/experiments/${id}/override`, {
      shipped_variant_slug: "b",
      reason: "black-box",
      decision_record: decision,
      rollout_percent: 10,
    });
    expect(done.json).toMatchObject({ lifecycle_state: "done", rollout_percent: 10, decision_record: decision });
    const archive = await call("GET", "/experiments?state=done&q=bb-rollout");
    expect(archive.json.rows[0].decision_record).toEqual(decision);
    const exported = await call("GET", `/experiments/${id}/results.json`);
    expect(exported.json.experiment.decision_record).toEqual(decision);
    const csv = await fetch(`${demo.base}/sg-admin/api/experiments/${id}/results.csv`, {
      headers: { authorization: "Bearer demo-viewer" },
    });
    expect((await csv.text()).split("\r\n")[0]).toBe(
      "scope,day,variant,sample,conversions,conversion_rate,relative_lift,p_value,always_valid_p_value,chance_to_beat_control,outcome,look",
    );

    const ids = Array.from({ length: 300 }, (_, i) => `bb-roll-${i}`);
    const winners = async () => {
      const set = new Set<string>();
      for (const vid of ids) {
        const html = await (await fetch(`${demo.base}/thanks`, { headers: { cookie: `sgen-vid=${vid}` } })).text();
        if (html.includes("layout B")) set.add(vid);
      }
      return set;
    };
    const expected = (p: number) => new Set(ids.filter((v) => referenceAssignment("bb-rollout", v, [50, 50]).bucket < p * 100));
    let previous = new Set<string>();
    for (const p of [10, 50, 100]) {
      if (p !== 10) expect((await call("POST", `/experiments/${id}/rollout`, { percent: p })).status).toBe(200);
      const now = await winners();
      expect(now).toEqual(expected(p));
      for (const v of previous) expect(now.has(v)).toBe(true);
      previous = now;
    }
    expect(previous.size).toBe(300);
    expect((await call("POST", `/experiments/${id}/rollback`)).status).toBe(200);
    expect((await winners()).size).toBe(0);
  });
});
