/**
 * `sgen-ab/admin`: the operators' side (the JSON API of docs/admin-api.md and the server-rendered
 * pages), to mount in your own Hono app. `createAdmin` gives both under one base path (default
 * `/sg-admin`: pages at `/sg-admin/experiments/`, the API at `/sg-admin/api`); `createAdminApi` and
 * `createAdminPages` are the two halves alone. The catalog Durable Object class they talk to,
 * `CatalogObject`, is exported by `sgen-ab/worker`; your Worker exports it and binds it (`SGEN_CATALOG`).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { createAdmin } from "sgen-ab/admin";
 * import type { CatalogObject } from "sgen-ab/worker";
 * export { CatalogObject, RunDataObject } from "sgen-ab/worker";
 *
 * interface Env {
 *   SGEN_CONFIG: KVNamespace;
 *   SGEN_CATALOG: DurableObjectNamespace<CatalogObject>;
 *   SGEN_ADMIN_TOKENS: string; // secret: [{"sha256":"<hex>","operator":"alice","role":"administrator"}]
 *   SGEN_SESSION_SECRET: string; // secret: signs the pages' session cookies
 * }
 *
 * const app = new Hono<{ Bindings: Env }>();
 * app.route("/", createAdmin<Env>()); // pages at /sg-admin/experiments/, API at /sg-admin/api
 * app.get("/", (c) => c.text("the site"));
 * export default app;
 * ```
 *
 * @module
 */
export { type AdminOptions, type CatalogNamespace, catalogStub, createAdminApi } from "./api.ts";
export { type AdminMountOptions, createAdmin } from "./mount.ts";
export { type AdminPagesOptions, createAdminPages } from "./pages/app.ts";
