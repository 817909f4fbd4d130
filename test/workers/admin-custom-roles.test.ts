// Custom roles from configuration (SGEN_ROLES), and the token secret parsed from hashed entries.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdminApi } from "../../src/admin/api.ts";

async function digest(token: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("custom roles", () => {
  it("a role defined in configuration gets exactly its capabilities", async () => {
    const tokens = JSON.stringify([
      { sha256: await digest("analyst-token"), operator: "ana", role: "analyst" },
      { sha256: await digest("publisher-token"), operator: "pat", role: "publisher" },
    ]);
    const roles = JSON.stringify({
      analyst: ["experiments.list", "dashboard.view"],
      publisher: ["experiments.list", "experiments.create"],
    });
    const app = createAdminApi<Cloudflare.Env>({
      catalog: (e) => e.SGEN_CATALOG,
      tokens: () => tokens,
      roles: () => roles,
      basePath: "/custom/api",
    });
    const call = (method: string, path: string, token: string, body?: unknown) =>
      app.request(
        `http://x/custom/api${path}`,
        { method, headers: { authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) },
        env,
      );
    expect((await call("GET", "/experiments", "analyst-token")).status).toBe(200);
    expect((await call("GET", "/activity", "analyst-token")).status).toBe(403);
    expect((await call("POST", "/experiments", "analyst-token", {})).status).toBe(403);
    expect((await call("POST", "/experiments", "publisher-token", {})).status).toBe(422); // allowed, then validated
    expect((await call("GET", "/experiments", "demo-admin")).status).toBe(401); // only this app's tokens count
  });

  it("an invalid token list lets nobody in, rather than failing open", async () => {
    const app = createAdminApi<Cloudflare.Env>({
      catalog: (e) => e.SGEN_CATALOG,
      tokens: () => '[{"sha256":"not-hex","operator":"x","role":"administrator"}]',
    });
    const res = await app.request("http://x/sg-admin/api/experiments", { headers: { authorization: "Bearer anything" } }, env);
    expect(res.status).toBe(401);
  });
});
