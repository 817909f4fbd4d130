// Authentication and the capability map of docs/admin-api.md, route by route and role by role.
import { describe, expect, it } from "vitest";
import { api, created, newExperiment } from "./admin-helpers.ts";

describe("admin authentication", () => {
  it("answers 401 for a missing, malformed or unknown token, with the error shape", async () => {
    for (const token of ["", "nope", "demo-admi", "DEMO-ADMIN", "demo-admin\u00e9", "x".repeat(600)]) {
      const r = await api("GET", "/experiments", undefined, token);
      expect(r.status, token).toBe(401);
      expect(r.json.error.code).toBe("unauthorized");
      expect(r.headers.get("www-authenticate")).toMatch(/Bearer/);
    }
  });

  it("names every route's capability: Viewers read, Editors run drafts, Administrators do the rest", async () => {
    const { id } = await created();
    const expectations: Array<[string, string, unknown, Record<string, number>]> = [
      ["GET", "/experiments", undefined, { "demo-admin": 200, "demo-editor": 200, "demo-viewer": 200 }],
      ["GET", `/experiments/${id}`, undefined, { "demo-admin": 200, "demo-editor": 200, "demo-viewer": 200 }],
      ["GET", `/experiments/${id}/dashboard`, undefined, { "demo-admin": 200, "demo-editor": 200, "demo-viewer": 200 }],
      ["GET", `/activity?experiment_id=${id}`, undefined, { "demo-admin": 200, "demo-editor": 200, "demo-viewer": 200 }],
      ["POST", "/experiments", {}, { "demo-viewer": 403 }],
      ["PUT", `/experiments/${id}`, newExperiment(), { "demo-viewer": 403 }],
      ["POST", `/experiments/${id}/start`, {}, { "demo-viewer": 403 }],
      ["POST", `/experiments/${id}/conclude`, { shipped_variant_slug: "b" }, { "demo-editor": 403, "demo-viewer": 403 }],
      ["POST", `/experiments/${id}/override`, { shipped_variant_slug: "b", reason: "x" }, { "demo-editor": 403, "demo-viewer": 403 }],
      ["POST", `/experiments/${id}/archive`, {}, { "demo-editor": 403, "demo-viewer": 403 }],
      ["POST", `/experiments/${id}/restore`, {}, { "demo-editor": 403, "demo-viewer": 403 }],
      ["DELETE", `/experiments/${id}`, undefined, { "demo-editor": 403, "demo-viewer": 403 }],
    ];
    for (const [method, path, body, statuses] of expectations) {
      for (const [token, status] of Object.entries(statuses)) {
        const r = await api(method, path, body, token);
        expect(r.status, `${token} ${method} ${path}`).toBe(status);
        if (status === 403) expect(r.json.error.code).toBe("forbidden");
      }
    }
    // Nothing a forbidden request tried was written.
    const after = await api("GET", `/experiments/${id}`);
    expect(after.json.lifecycle_state).toBe("draft");
    const log = await api("GET", `/activity?experiment_id=${id}`);
    expect(log.json.entries.map((e: { action: string }) => e.action)).toEqual(["create"]);
  });

  it("lets an Editor edit a draft but not a live experiment", async () => {
    const { id, input } = await created();
    expect((await api("PUT", `/experiments/${id}`, { ...input, name: "Renamed by editor" }, "demo-editor")).status).toBe(200);
    expect((await api("POST", `/experiments/${id}/start`, {}, "demo-editor")).status).toBe(200);
    const live = await api("PUT", `/experiments/${id}`, { ...input, name: "Again" }, "demo-editor");
    expect(live.status).toBe(403);
    expect((await api("POST", `/experiments/${id}/pause`, {}, "demo-editor")).status).toBe(200);
    expect((await api("POST", `/experiments/${id}/resume`, {}, "demo-editor")).status).toBe(200);
  });
});
