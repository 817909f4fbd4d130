// Bad input at the admin boundary: a clear, structured error, and nothing written.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { API, api, created, newExperiment } from "./admin-helpers.ts";

async function activityCount(): Promise<number> {
  return (await api("GET", "/activity?limit=1000")).json.entries.length;
}

describe("admin input validation", () => {
  it("names the field of every invalid value (422) and writes nothing", async () => {
    const before = await activityCount();
    const cases: Array<[object, string]> = [
      [{ slug: "Bad Slug" }, "slug"],
      [{ name: "" }, "name"],
      [{ target_page: "//evil.example" }, "target_page"],
      [{ variants: [{ slug: "a", label: "A", traffic_share: 100 }] }, "variants"],
      [
        {
          variants: [
            { slug: "a", label: "A", traffic_share: 60 },
            { slug: "b", label: "B", traffic_share: 30 },
          ],
        },
        "variants",
      ],
      [
        {
          variants: [
            { slug: "a", label: "A", traffic_share: 50 },
            { slug: "b", label: "B", page: "https://evil.example/", traffic_share: 50 },
          ],
        },
        "variants.1.page",
      ],
      [{ conversion_event: { type: "custom", name: "" } }, "conversion_event.name"],
      [{ min_sample_threshold: 0 }, "min_sample_threshold"],
      [{ min_sample_threshold: "100" }, "min_sample_threshold"],
      [{ post_test: { on_winner: "celebrate", on_inconclusive: "keep_running" } }, "post_test.on_winner"],
      [{ unknown_field: 1 }, "(body)"],
    ];
    for (const [patch, path] of cases) {
      const r = await api("POST", "/experiments", { ...newExperiment(), ...patch });
      expect(r.status, JSON.stringify(patch)).toBe(422);
      expect(r.json.error.code).toBe("validation_failed");
      expect(
        r.json.error.issues.map((i: { path: string }) => i.path),
        JSON.stringify(patch),
      ).toContain(path);
    }
    expect(await activityCount()).toBe(before);
  });

  it("a non-control variant that is just the target page is refused", async () => {
    const input = newExperiment();
    const r = await api("POST", "/experiments", {
      ...input,
      variants: [input.variants[0], { slug: "b", label: "B", page: input.target_page, traffic_share: 50 }],
    });
    expect(r.status).toBe(422);
    expect(r.json.error.issues[0].path).toBe("variants.1.page");
  });

  it("answers 400 for malformed JSON and for no body", async () => {
    for (const body of ["{", "not json", "", "[1,"]) {
      const r = await api("POST", "/experiments", body);
      expect(r.status, body).toBe(400);
      expect(r.json.error.code).toBe("invalid_json");
    }
  });

  it("answers 413 for a body over the limit, declared or streamed", async () => {
    const big = JSON.stringify({ ...newExperiment(), notes: "x".repeat(70_000) });
    expect((await api("POST", "/experiments", big)).status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const res = await exports.default.fetch(
      new Request(`${API}/experiments`, { method: "POST", headers: { authorization: "Bearer demo-admin" }, body: stream }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
  });

  it("a duplicate slug answers 409 slug_taken", async () => {
    const { input } = await created();
    const r = await api("POST", "/experiments", { ...newExperiment(), slug: input.slug });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("slug_taken");
  });

  it("unknown ids and routes answer 404 with the error shape", async () => {
    for (const path of ["/experiments/999999999", "/experiments/abc", "/experiments/0", "/nothing-here"]) {
      const r = await api("GET", path);
      expect(r.status, path).toBe(404);
      expect(r.json.error.code).toBe("not_found");
    }
  });

  it("prototype-pollution keys are rejected as unknown fields", async () => {
    const r = await api("POST", "/experiments", `{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}`);
    expect(r.status).toBe(422);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe("action and rollout bodies", () => {
  it("a field the action does not use is refused, not ignored, and the message names the body", async () => {
    const { id } = await created();
    const before = await activityCount();
    for (const [action, body] of [
      ["start", { reason: "launch" }],
      ["start", { shipped_variant_slug: "b" }],
      ["archive", { decision_record: { key_learning: "x", decision: "y", follow_up: "z" } }],
    ] as const) {
      const r = await api("POST", `/experiments/${id}/${action}`, body);
      expect(r.status).toBe(422);
      expect(r.json.error.message).toBe(`the request body is not a valid ${action} body`);
      expect(r.json.error.issues[0].message).toMatch(/Unrecognized key/);
    }
    expect(await activityCount()).toBe(before);
    expect((await api("POST", `/experiments/${id}/start`, {})).status).toBe(200);
    const conclude = await api("POST", `/experiments/${id}/conclude`, { shipped_variant_slug: "b", reason: "not used by conclude" });
    expect(conclude.status).toBe(422);
    expect(conclude.json.error.message).toBe("the request body is not a valid conclude body");
    expect(conclude.json.error.issues[0].message).toMatch(/reason/);
    const pause = await api("POST", `/experiments/${id}/pause`, { reason: "holiday" });
    expect(pause.json.error.message).toBe("the request body is not a valid pause body");
    expect((await api("GET", `/experiments/${id}`)).json.lifecycle_state).toBe("live");
  });

  it("a bad rollout body says it is the rollout body that is wrong", async () => {
    const { id } = await created();
    for (const body of [{ percent: 120 }, { percent: 50, reason: "x" }, {}]) {
      const r = await api("POST", `/experiments/${id}/rollout`, body);
      expect(r.status).toBe(422);
      expect(r.json.error.message).toBe("the request body is not a valid rollout body");
    }
  });

  it("a 401 answer carries no-store too (429: admin-headers.test.ts)", async () => {
    const r = await api("GET", "/experiments", undefined, "not-a-token");
    expect(r.status).toBe(401);
    expect(r.headers.get("cache-control")).toBe("no-store");
  });
});

describe("editing", () => {
  it("a live edit of variants or shares needs ?confirm=reset, then starts a new epoch", async () => {
    const { id, input } = await created();
    await api("POST", `/experiments/${id}/start`);
    const changed = {
      ...input,
      variants: [
        { ...input.variants[0], traffic_share: 40 },
        { ...input.variants[1], traffic_share: 60 },
      ],
    };
    const refused = await api("PUT", `/experiments/${id}`, changed);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("confirm_reset_required");
    expect((await api("GET", `/experiments/${id}/dashboard`)).json.epoch).toBe(0);
    const reset = await api("PUT", `/experiments/${id}?confirm=reset`, changed);
    expect(reset.status).toBe(200);
    expect(reset.json.variants[1].traffic_share).toBe(60);
    const dash = await api("GET", `/experiments/${id}/dashboard`);
    expect(dash.json.epoch).toBe(1);
    expect(dash.json.variants.map((v: { sample: number }) => v.sample)).toEqual([0, 0]);
    const log = await api("GET", `/activity?experiment_id=${id}`);
    expect(log.json.entries[0].action).toBe("edit_reset");
  });

  it("a live edit of name, notes or secondary goals needs no reset; the primary goal, slug and target are fixed", async () => {
    const { id, input } = await created();
    await api("POST", `/experiments/${id}/start`);
    const fine = await api("PUT", `/experiments/${id}`, {
      ...input,
      name: "New name",
      notes: "n",
      secondary_goals: [{ type: "custom", name: "newsletter" }],
    });
    expect(fine.status).toBe(200);
    expect(fine.json.secondary_goals).toEqual([{ type: "custom", name: "newsletter" }]);
    const locked: Array<[object, string]> = [
      [{ conversion_event: { type: "page_view", path: "/elsewhere" } }, "conversion_event_locked"],
      [{ slug: `${input.slug}-x` }, "slug_locked"],
      [{ target_page: `${input.target_page}-x` }, "target_page_locked"],
    ];
    for (const [patch, code] of locked) {
      const r = await api("PUT", `/experiments/${id}`, { ...input, ...patch });
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe(code);
    }
  });

  it("a concluded experiment cannot be edited", async () => {
    const { id, input } = await created();
    await api("POST", `/experiments/${id}/start`);
    await api("POST", `/experiments/${id}/override`, { shipped_variant_slug: "a", reason: "r" });
    const r = await api("PUT", `/experiments/${id}`, { ...input, name: "late" });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("cannot_edit_done");
  });
});
