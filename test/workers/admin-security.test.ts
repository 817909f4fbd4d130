// Admin security: every write route × role × lifecycle state, the rate limit on guessed tokens, and
// session fixation on the pages.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ACTION_CAPABILITY, type Action } from "../../src/core/lifecycle.ts";
import { type Capability, DEFAULT_ROLES, roleCan } from "../../src/core/permissions.ts";
import { API, api, created } from "./admin-helpers.ts";
import { cookiesOf, hiddenField, sameOrigin } from "./pages-helpers.ts";

// Least privileged first: a refused call changes nothing, so the next role can try the same experiment.
const ROLES = { "demo-viewer": "viewer", "demo-editor": "editor", "demo-admin": "administrator" } as const;

async function inState(state: string): Promise<{ id: number; input: Awaited<ReturnType<typeof created>>["input"] }> {
  const c = await created();
  const step = (a: string, body: object = {}) => api("POST", `/experiments/${c.id}/${a}`, body);
  if (state !== "draft") await step("start");
  if (state === "paused") await step("pause");
  if (state === "done" || state === "archived") await step("override", { shipped_variant_slug: "b", reason: "matrix" });
  if (state === "archived") await step("archive");
  expect((await api("GET", `/experiments/${c.id}`)).json.lifecycle_state).toBe(state);
  return c;
}

describe("route × role × state", () => {
  const routes: Array<{
    name: string;
    capability: (state: string) => Capability;
    call: (id: number, input: object, token: string) => ReturnType<typeof api>;
  }> = [
    ...(["start", "pause", "resume", "conclude", "override", "archive", "restore"] as Action[]).map((a) => ({
      name: a,
      capability: () => ACTION_CAPABILITY[a],
      call: (id: number, _i: object, token: string) =>
        api("POST", `/experiments/${id}/${a}`, { shipped_variant_slug: "b", reason: "r" }, token),
    })),
    {
      name: "delete",
      capability: () => "experiments.delete",
      call: (id, _i, token) => api("DELETE", `/experiments/${id}`, undefined, token),
    },
    {
      name: "edit",
      capability: (s) => (s === "draft" ? "experiments.edit_draft" : "experiments.edit_live"),
      call: (id, input, token) => api("PUT", `/experiments/${id}`, input, token),
    },
    {
      name: "rollout",
      capability: () => "experiments.conclude",
      call: (id, _i, token) => api("POST", `/experiments/${id}/rollout`, { percent: 10 }, token),
    },
  ];

  for (const state of ["draft", "live", "paused", "done", "archived"]) {
    it(`${state}: a role without the capability gets 403 and changes nothing; one with it is never refused for its role`, async () => {
      for (const route of routes) {
        const { id, input } = await inState(state);
        for (const [token, role] of Object.entries(ROLES)) {
          const allowed = roleCan(DEFAULT_ROLES, role, route.capability(state));
          const r = await route.call(id, input, token);
          if (!allowed) {
            expect(r.status, `${role} ${route.name} on ${state}`).toBe(403);
            expect((await api("GET", `/experiments/${id}`)).json.lifecycle_state, `${role} ${route.name} on ${state}`).toBe(state);
          } else {
            expect(r.status, `${role} ${route.name} on ${state}: ${JSON.stringify(r.json)}`).not.toBe(403);
            break; // the first role allowed may have changed the state; the matrix moves on
          }
        }
      }
    });
  }
});

describe("guessing tokens", () => {
  it("after 20 failures from one address, that address is refused (429) before any token is looked at", async () => {
    const from = (ip: string, token: string) =>
      exports.default.fetch(new Request(`${API}/experiments`, { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": ip } }));
    for (let i = 0; i < 20; i++) expect((await from("203.0.113.7", `guess-${i}`)).status).toBe(401);
    const blocked = await from("203.0.113.7", "demo-admin");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await from("203.0.113.8", "demo-admin")).status).toBe(200);
  });
});

describe("pages sessions", () => {
  it("a planted session cookie is not accepted, and signing in issues a fresh one", async () => {
    const planted = "eyJuIjoiZGVtby1hZG1pbiJ9.forged";
    const page = await exports.default.fetch(
      new Request("http://localhost:8787/sg-admin/experiments/", {
        headers: { cookie: `sgen-admin-session=${planted}` },
        redirect: "manual",
      }),
    );
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toMatch(/\/sg-admin\/login$/);
    const form = await exports.default.fetch(new Request("http://localhost:8787/sg-admin/login"));
    const loginCookie = cookiesOf(form).join("; ");
    const loginToken = hiddenField(await form.text(), "login_csrf") ?? "";
    const login = await exports.default.fetch(
      new Request("http://localhost:8787/sg-admin/login", {
        method: "POST",
        headers: { ...sameOrigin(`sgen-admin-session=${planted}; ${loginCookie}`) },
        body: `token=demo-viewer&login_csrf=${encodeURIComponent(loginToken)}`,
        redirect: "manual",
      }),
    );
    expect(login.status).toBe(303);
    const set = login.headers.getSetCookie().find((c) => c.startsWith("sgen-admin-session="));
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set?.split(";")[0]).not.toBe(`sgen-admin-session=${planted}`);
  });
});
