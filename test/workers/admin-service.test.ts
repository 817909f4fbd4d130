// The API and the pages share one admin service (src/admin/service.ts): one sign-in limit, counted the
// same whichever door a guess comes through; the pages live where the `pages.basePath` option says,
// not where a rewrite of the API's path would put them; and a preview's origin gets the request's own
// ExecutionContext.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { createWorker, type SgenEnv } from "../../src/worker/index.ts";
import { newExperiment } from "./admin-helpers.ts";
import { signIn } from "./pages-helpers.ts";

describe("one admin service behind the API and the pages", () => {
  it("failed sign-ins on the pages count toward the API's limit for that address, and the reverse", async () => {
    const ip = "198.51.100.23";
    for (let i = 0; i < 10; i++) {
      const page = (await signIn(`guess-${i}`, { headers: { "cf-connecting-ip": ip } })).login;
      expect(page.status).toBe(401);
      const api = await exports.default.fetch(
        new Request("http://localhost:8787/sg-admin/api/experiments", {
          headers: { authorization: `Bearer guess-${i}`, "cf-connecting-ip": ip },
        }),
      );
      expect(api.status).toBe(401);
    }
    const api = await exports.default.fetch(
      new Request("http://localhost:8787/sg-admin/api/experiments", {
        headers: { authorization: "Bearer demo-admin", "cf-connecting-ip": ip },
      }),
    );
    expect(api.status).toBe(429);
    const page = (await signIn("demo-admin", { headers: { "cf-connecting-ip": ip } })).login;
    expect(page.status).toBe(429);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("mounts the pages at the pages option's basePath, and a preview's origin gets the request's ExecutionContext", async () => {
    const seen: ExecutionContext[] = [];
    const worker = createWorker<SgenEnv>({
      origin: async (request, _env, ctx) => {
        seen.push(ctx);
        return demoSite(request);
      },
      admin: { basePath: "/ops-api" },
      pages: { basePath: "/ops" },
    });
    const call = async (url: string, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`http://localhost:8787${url}`, init), env as SgenEnv, ctx);
      await waitOnExecutionContext(ctx);
      return { res, ctx };
    };
    const created = await call("/ops-api/experiments", {
      method: "POST",
      headers: { authorization: "Bearer demo-admin", "content-type": "application/json" },
      body: JSON.stringify(newExperiment({ target_page: "/thanks" })),
    });
    expect(created.res.status).toBe(201);
    const { id } = (await created.res.json()) as { id: number };

    const signedIn = await signIn("demo-viewer", { base: "/ops", fetch: async (url, init) => (await call(url, init)).res });
    expect(signedIn.login.status).toBe(303);
    expect(signedIn.login.headers.get("location")).toBe("/ops/experiments/");
    const { cookie } = signedIn;
    expect((await call("/ops/experiments/", { headers: { cookie } })).res.status).toBe(200);
    // Nothing is mounted where the old rewrite of the API path would have put the pages, nor at the default.
    seen.length = 0;
    expect((await call("/sg-admin/login")).res.status).toBe(404); // the demo site's answer
    expect(seen).toHaveLength(1);

    seen.length = 0;
    const preview = await call(`/ops/experiments/${id}/preview/a`, { headers: { cookie } });
    expect(preview.res.status).toBe(200);
    expect(preview.res.headers.get("x-sgen-preview")).toMatch(/\/a$/);
    expect(seen).toEqual([preview.ctx]);
  });

  it("keeps today's URLs by default: the API at /sg-admin/api, the pages at /sg-admin/experiments/", async () => {
    const worker = createWorker<SgenEnv>({ origin: async (request) => demoSite(request) });
    const fetchOf = (url: string, init?: RequestInit) =>
      worker.fetch(new Request(`http://localhost:8787${url}`, init), env as SgenEnv, createExecutionContext());
    expect((await fetchOf("/sg-admin/api/experiments", { headers: { authorization: "Bearer demo-viewer" } })).status).toBe(200);
    const { login } = await signIn("demo-viewer", { fetch: fetchOf });
    expect(login.headers.get("location")).toBe("/sg-admin/experiments/");
    const none = createWorker<SgenEnv>({ origin: async (request) => demoSite(request), pages: false });
    expect((await none.fetch(new Request("http://localhost:8787/sg-admin/login"), env as SgenEnv, createExecutionContext())).status).toBe(
      404,
    );
  });
});
