// The operators' side in one Hono app, to mount in a site's own: the JSON API under `<base>/api` and
// the pages under `<base>`, each as its own sub-app (its own authentication, errors and 404s), chosen
// by path so that the pages' session check never runs on an API call and the reverse.
import { type Context, Hono } from "hono";
import type { CatalogNamespace } from "../catalog/names.ts";
import { type AdminOptions, createAdminApi } from "./api.ts";
import { type AdminPagesOptions, createAdminPages } from "./pages/app.ts";

/** The bindings the admin reads unless told otherwise: those of the ready Worker. */
interface AdminBindings {
  SGEN_CATALOG?: CatalogNamespace;
  SGEN_ADMIN_TOKENS?: string;
  SGEN_ROLES?: string;
  SGEN_SESSION_SECRET?: string;
}

export interface AdminMountOptions<Env> {
  /** Where the admin lives: pages at `<basePath>/experiments/`, the API at `<basePath>/api`. Default `/sg-admin`. */
  basePath?: string;
  /** The catalog Durable Object (class `CatalogObject`). Default: the binding `SGEN_CATALOG`. */
  catalog?: (env: Env) => CatalogNamespace | undefined;
  /** The operators' tokens, JSON `[{ "sha256", "operator", "role" }]`. Default: the secret `SGEN_ADMIN_TOKENS`. */
  tokens?: (env: Env) => string | undefined;
  /** Custom roles, JSON `{ "role": ["capability", …] }`. Default: the var `SGEN_ROLES`. */
  roles?: (env: Env) => string | undefined;
  /** Signs the pages' session cookies. Default: the secret `SGEN_SESSION_SECRET`; without it nobody can sign in. */
  sessionSecret?: (env: Env) => string | undefined;
  /** Fetches a page of the site for a variant's preview, past the edge (never counted). Without it, no previews. */
  origin?: AdminPagesOptions<Env>["origin"];
  /** Called after a change the edge should see at once (e.g. `() => middleware.edge.invalidateConfig()`). */
  onPublished?: () => void;
  /** Largest API body. Default 64 KiB. */
  maxBodyBytes?: AdminOptions<Env>["maxBodyBytes"];
  /** `false`: the API only, no pages. */
  pages?: boolean;
}

const bindings = (env: object) => env as AdminBindings;

function executionContextOf(c: Context): ExecutionContext | undefined {
  try {
    return c.executionCtx as unknown as ExecutionContext;
  } catch {
    return undefined;
  }
}

/**
 * The admin API and the operators' pages as one Hono app whose routes carry `basePath`: mount it with
 * `app.route("/", createAdmin<Env>())` before the site's catch-all routes.
 */
export function createAdmin<Env extends object>(options: AdminMountOptions<Env> = {}): Hono<{ Bindings: Env }> {
  const base = (options.basePath ?? "/sg-admin").replace(/\/+$/, "");
  const catalog = options.catalog ?? ((env: Env) => bindings(env).SGEN_CATALOG);
  const tokens = options.tokens ?? ((env: Env) => bindings(env).SGEN_ADMIN_TOKENS);
  const roles = options.roles ?? ((env: Env) => bindings(env).SGEN_ROLES);
  const api = createAdminApi<Env>({
    basePath: `${base}/api`,
    catalog,
    tokens,
    roles,
    maxBodyBytes: options.maxBodyBytes,
    onPublished: options.onPublished,
    // QA links are checked by the edge with the session secret (as the ready Worker does).
    qaSecret: options.sessionSecret ?? ((env: Env) => bindings(env).SGEN_SESSION_SECRET),
  });
  const pages =
    options.pages === false
      ? undefined
      : createAdminPages<Env>({
          basePath: base,
          catalog,
          tokens,
          roles,
          sessionSecret: options.sessionSecret ?? ((env: Env) => bindings(env).SGEN_SESSION_SECRET),
          origin: options.origin,
          onPublished: options.onPublished,
        });
  const app = new Hono<{ Bindings: Env }>();
  const toApi = (c: Context<{ Bindings: Env }>) => api.fetch(c.req.raw, c.env, executionContextOf(c));
  app.all(`${base}/api`, toApi);
  app.all(`${base}/api/*`, toApi);
  if (pages !== undefined) {
    const toPages = (c: Context<{ Bindings: Env }>) => pages.fetch(c.req.raw, c.env, executionContextOf(c));
    app.all(base, toPages);
    app.all(`${base}/*`, toPages);
  }
  return app;
}
