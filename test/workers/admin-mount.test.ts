// sgen-ab/admin's createAdmin mounted in a site's own Hono app: the API and the pages under one base
// path, each answering as itself, and the site's own routes untouched.
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createAdmin } from "../../src/admin/mount.ts";

function site(basePath?: string) {
  const app = new Hono<{ Bindings: Cloudflare.Env }>();
  app.route("/", createAdmin<Cloudflare.Env>(basePath === undefined ? {} : { basePath }));
  app.get("*", (c) => c.text(`site ${new URL(c.req.url).pathname}`));
  return (path: string, init: RequestInit = {}) => app.fetch(new Request(`http://site.test${path}`, init), env);
}

describe("createAdmin in a Hono site", () => {
  it("answers the API under <base>/api with the operators' tokens, JSON errors included", async () => {
    const visit = site();
    const list = await visit("/sg-admin/api/experiments", { headers: { authorization: "Bearer demo-viewer" } });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ total: expect.any(Number) });
    const anonymous = await visit("/sg-admin/api/experiments");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "unauthorized" } });
    const unknown = await visit("/sg-admin/api/nothing-here", { headers: { authorization: "Bearer demo-viewer" } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("serves the pages under <base>, sends the signed-out to its sign-in page, and leaves the site alone", async () => {
    const visit = site("/ops/");
    const login = await visit("/ops/login");
    expect(login.status).toBe(200);
    expect(await login.text()).toMatch(/<form[^>]+action="\/ops\/login"/);
    const list = await visit("/ops/experiments/", { redirect: "manual" });
    expect(list.status).toBe(303);
    expect(list.headers.get("location")).toBe("/ops/login");
    const api = await visit("/ops/api/experiments", { headers: { authorization: "Bearer demo-admin" } });
    expect(api.status).toBe(200);
    expect(await (await visit("/sg-admin/api/experiments")).text()).toBe("site /sg-admin/api/experiments");
    expect(await (await visit("/pricing")).text()).toBe("site /pricing");
  });
});
