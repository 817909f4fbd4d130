// The catalog publishes to KV after each change the edge can see; a failed publish keeps the change,
// tells the operator, and is retried by the object's alarm until KV takes it.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogStub } from "../../src/admin/api.ts";
import type { CatalogEnv, CatalogObject } from "../../src/catalog/catalog-object.ts";
import { EDGE_CONFIG_KEY } from "../../src/names.ts";
import { api, created } from "./admin-helpers.ts";

const admin = { name: "test-admin", role: "administrator" };

describe("publishing the edge config", () => {
  it("a KV failure answers sgen-publish: pending, keeps the change, and the alarm publishes it later", async () => {
    const { id } = await created();
    const stub = catalogStub(env.SGEN_CATALOG);
    const result = await runInDurableObject(stub, async (instance: CatalogObject) => {
      const real = (instance as unknown as { env: CatalogEnv }).env;
      const failingKv = { put: () => Promise.reject(new Error("KV unavailable")) } as unknown as KVNamespace;
      (instance as unknown as { env: CatalogEnv }).env = { ...real, SGEN_CONFIG: failingKv };
      try {
        return await instance.act(admin, id, "start", {});
      } finally {
        (instance as unknown as { env: CatalogEnv }).env = real;
      }
    });
    expect(result.ok && result.value.published).toBe(false);
    // The transition is kept...
    expect((await api("GET", `/experiments/${id}`)).json.lifecycle_state).toBe("live");
    const before = JSON.parse((await env.SGEN_CONFIG.get(EDGE_CONFIG_KEY)) ?? '{"experiments":[]}');
    expect(before.experiments.some((e: { id: number }) => e.id === id)).toBe(false);
    // ...and the alarm delivers it.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = JSON.parse((await env.SGEN_CONFIG.get(EDGE_CONFIG_KEY)) ?? "{}");
    expect(after.experiments.some((e: { id: number; state: string }) => e.id === id && e.state === "live")).toBe(true);
  });

  it("the API marks a write whose publish failed", async () => {
    const { id } = await created();
    const stub = catalogStub(env.SGEN_CATALOG);
    await runInDurableObject(stub, (instance: CatalogObject) => {
      const self = instance as unknown as { env: CatalogEnv };
      self.env = { ...self.env, SGEN_CONFIG: { put: () => Promise.reject(new Error("down")) } as unknown as KVNamespace };
    });
    const r = await api("POST", `/experiments/${id}/start`);
    await runInDurableObject(stub, (instance: CatalogObject) => {
      const self = instance as unknown as { env: CatalogEnv };
      self.env = { ...self.env, SGEN_CONFIG: env.SGEN_CONFIG };
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("sgen-publish")).toBe("pending");
    await runDurableObjectAlarm(stub);
  });
});
