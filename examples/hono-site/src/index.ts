// A site that is a Hono app on Workers, with sgen-ab in it:
// - the middleware: /pricing is split between its own handler and /pricing-b's, counted in run-data;
// - the operators' admin (pages and API) under /sg-admin, in the same Worker.
import { Hono } from "hono";
import { createAdmin } from "sgen-ab/admin";
import { sgenAb } from "sgen-ab/hono";
import type { CatalogObject, RunDataObject } from "sgen-ab/worker";

// The Durable Objects behind counting and the catalog live in this Worker, so its main module exports them.
export { CatalogObject, RunDataObject } from "sgen-ab/worker";

export interface Env {
  SGEN_CONFIG: KVNamespace;
  SGEN_RUN_DATA: DurableObjectNamespace<RunDataObject>;
  SGEN_CATALOG: DurableObjectNamespace<CatalogObject>;
  SGEN_ADMIN_TOKENS?: string;
  SGEN_SESSION_SECRET?: string;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

const app = new Hono<{ Bindings: Env }>();

// First the middleware (it must see the requests), given the app that serves the variant pages.
const ab = sgenAb(app);
app.use(ab);

// Then the admin: the edge in this isolate learns of a publish at once, and previews skip the middleware.
app.route(
  "/",
  createAdmin<Env>({
    onPublished: () => ab.edge.invalidateConfig(),
    origin: (request, env, ctx) => ab.untouched(request, env, ctx),
  }),
);

// The site.
app.get("/", (c) => c.html(page("Home", `<a href="/pricing">Pricing</a>`)));
app.get("/pricing", (c) => c.html(page("Pricing", `<h1>Pricing</h1><a href="/thanks">Buy</a>`)));
app.get("/pricing-b", (c) => c.html(page("Pricing B", `<h1>Simple pricing</h1><a href="/thanks">Buy</a>`)));
app.get("/thanks", (c) => c.html(page("Thanks", `<h1>Thank you</h1>`)));

export default app;
