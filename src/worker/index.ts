/**
 * `sgen-ab/worker`: the ready Worker and what it is made of. Deploy the default export in front of a
 * site, or build your own with `createWorker` (the edge, counting, the admin API and pages, wired to
 * the bindings `SGEN_CONFIG`, `SGEN_RUN_DATA`, `SGEN_CATALOG`). Both Durable Object classes are here:
 * a Worker that binds them exports them from its main module.
 *
 * The origin is, unless `origin` says otherwise: a service binding `ORIGIN`; the var `ORIGIN_URL`;
 * else the request's own URL (a Worker on a route in front of its zone's origin).
 *
 * @example
 * ```ts
 * import { createWorker, type SgenEnv } from "sgen-ab/worker";
 * export { CatalogObject, RunDataObject } from "sgen-ab/worker";
 *
 * interface Env extends SgenEnv {
 *   ASSETS: Fetcher;
 * }
 *
 * const sgen = createWorker<Env>({
 *   origin: (request, env) => env.ASSETS.fetch(request), // or your own handler
 *   edge: { visitorId: (request) => request.headers.get("x-user-id") ?? undefined }, // a signed-in user's id
 * });
 *
 * export default {
 *   fetch: (request, env, ctx) => sgen.fetch(request, env, ctx),
 * } satisfies ExportedHandler<Env>;
 * ```
 *
 * The ready Worker as it is, in your own project: `export { default, CatalogObject, RunDataObject } from "sgen-ab/worker";`
 *
 * @module
 */
import { type AdminOptions, type CatalogNamespace, createAdminApi } from "../admin/api.ts";
import { type AdminPagesOptions, createAdminPages } from "../admin/pages/app.ts";
import { urlPath } from "../core/url.ts";
import { createEdge, type Edge, type Origin } from "../edge/handler.ts";
import type { EdgeOptions } from "../edge/options.ts";
import type { BatcherOptions } from "../run-data/batcher.ts";
import type { RunDataObject } from "../run-data/run-data-object.ts";
import { type RunDataSink, runDataSink } from "../run-data/sink.ts";
import { consumeEvents, type EventsMessage, storeInQueue, storeInRunData } from "../run-data/transport.ts";

export { CatalogObject } from "../catalog/catalog-object.ts";
export { RunDataObject } from "../run-data/run-data-object.ts";
export { type RunDataEventsOptions, runDataEvents } from "../run-data/sink.ts";

export interface SgenEnv {
  SGEN_CONFIG?: KVNamespace;
  SGEN_RUN_DATA?: DurableObjectNamespace<RunDataObject>;
  /** A service binding to the site. */
  ORIGIN?: Fetcher;
  /** The site's base URL, e.g. `https://origin.example.com`. */
  ORIGIN_URL?: string;
  /** The catalog Durable Object (experiment records, audit log). Without it there is no admin API. */
  SGEN_CATALOG?: CatalogNamespace;
  /** Secret: JSON `[{ "sha256": "<hex of the token's SHA-256>", "operator": "alice", "role": "administrator" }]`. */
  SGEN_ADMIN_TOKENS?: string;
  /** Optional custom roles: JSON `{ "role": ["capability", …] }`. */
  SGEN_ROLES?: string;
  /** Days an audit entry is kept (default 400). */
  SGEN_AUDIT_RETENTION_DAYS?: string;
  /** Secret that signs the operators' page sessions. Without it the pages cannot be signed in to. */
  SGEN_SESSION_SECRET?: string;
  /** Run-data Durable Objects per new experiment (default 4). */
  SGEN_RUN_DATA_SHARDS?: string;
  /** Days a shipped variant may be served before the list and dashboard remind (default 14). */
  SGEN_SHIPPED_REMINDER_DAYS?: string;
  /** Minutes between the catalog's checks that KV still holds the published config (default 5). */
  SGEN_CONFIG_CHECK_MINUTES?: string;
  /** Failed sign-ins one client address may make per 10 minutes before it is refused (default 20). */
  SGEN_SIGNIN_MAX_FAILURES?: string;
  /** A consent cookie's name: until it says yes (1, true, yes, granted), no cookie is set and nothing counted. */
  SGEN_CONSENT_COOKIE?: string;
  /** Workers Analytics Engine dataset: run-data writes every counted exposure and conversion there (docs/metrics.md). */
  SGEN_ANALYTICS?: AnalyticsEngineDataset;
  /** A Queue producer: run-data sends every counted exposure and conversion there as a message (docs/metrics.md). */
  SGEN_EVENTS_OUT?: Queue;
  /** A service binding webhook deliveries go out through (an egress proxy); default the public internet. */
  SGEN_WEBHOOK_EGRESS?: Fetcher;
  /** The IANA time zone the operators' pages write times in (default UTC), e.g. `Europe/Berlin`. */
  SGEN_ADMIN_TIME_ZONE?: string;
  /** Paths of the site the editor suggests for page fields, separated by commas, spaces or new lines. */
  SGEN_SITE_PATHS?: string;
  /** Cloudflare Access as the admin's gate: `https://<team>.cloudflareaccess.com`. */
  SGEN_ACCESS_TEAM_DOMAIN?: string;
  /** The Access application's audience tag (AUD). */
  SGEN_ACCESS_AUD?: string;
  /** Access identities as operators: JSON `[{ "email": "alice@example.com", "operator": "alice", "role": "administrator" }]`. */
  SGEN_ACCESS_OPERATORS?: string;
  /** Optional Workers Rate Limiting binding: sign-in attempts (API requests, login posts) per client. */
  SGEN_ADMIN_RATE_LIMIT?: RateLimit;
  /** Optional Workers Rate Limiting binding: custom-event posts per client, across isolates. */
  SGEN_EVENTS_RATE_LIMIT?: RateLimit;
  /**
   * Optional Cloudflare Queue producer: events (exposures and conversions) travel through it, delivered
   * at least once to this Worker's queue() handler, and custom events are answered once it holds them.
   * Declare this Worker as the queue's consumer too.
   */
  SGEN_EVENTS_QUEUE?: Queue<EventsMessage>;
  /**
   * How custom events are acknowledged without a queue: "stored" (the default) answers once run-data has
   * stored them; "buffered" answers at once, the events held in the isolate for the batcher's flush delay.
   */
  SGEN_EVENTS_ACK?: string;
  /** Secret: the key the site's backend signs custom events with (X-Sgen-Signature). */
  SGEN_EVENTS_SECRET?: string;
  /** Custom events that count only when signed: "purchase,signup", or "*" for all. */
  SGEN_SIGNED_EVENTS?: string;
}

export interface WorkerOptions<Env extends SgenEnv> {
  /** Fetches a page of the site. Default: `ORIGIN`, then `ORIGIN_URL`, then `fetch(request)`. */
  origin?: (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;
  /** Overrides of the edge's options (TTLs, cookie names, a site's own visitor id …). */
  edge?: Partial<EdgeOptions<Env>>;
  /** Batching of run-data events (flush delay, batch size, buffer bound). */
  runData?: Omit<BatcherOptions, "send">;
  /** The queue events travel through, if any. Default: the `SGEN_EVENTS_QUEUE` binding. */
  eventsQueue?: (env: Env) => Queue<EventsMessage> | undefined;
  /** Overrides of the admin API's options (base path, body limit …), or false for no admin API (and no pages). */
  admin?: Partial<AdminOptions<Env>> | false;
  /**
   * Overrides of the operators' pages' options, or false for no pages. `basePath` is where they are
   * mounted (default `/sg-admin`, the views under `/sg-admin/experiments/`), whatever the API's path.
   */
  pages?: Partial<AdminPagesOptions<Env>> | false;
}

export function defaultOrigin(request: Request, env: SgenEnv): Promise<Response> {
  if (env.ORIGIN !== undefined) return env.ORIGIN.fetch(request);
  if (env.ORIGIN_URL !== undefined && env.ORIGIN_URL !== "") {
    const base = new URL(env.ORIGIN_URL);
    const url = new URL(request.url);
    url.protocol = base.protocol;
    url.host = base.host;
    return fetch(new Request(url, request));
  }
  return fetch(request);
}

export interface SgenWorker<Env extends SgenEnv> extends ExportedHandler<Env> {
  readonly edge: Edge<Env>;
  readonly runData: RunDataSink<Env>;
  /**
   * Serves `request`: the admin API and pages under their base paths, every other path through the edge.
   * `url` is `request.url`, for a Worker that has read it already to route its own paths first: each read
   * copies the URL out of the runtime, a cost every request pays (bench/README.md).
   *
   * @example
   * const url = request.url; // read once to route the site's own paths
   * if (url.includes("/my-api/")) return api(request);
   * return sgen.fetch(request, env, ctx, url);
   */
  fetch(request: Request, env: Env, ctx: ExecutionContext, url?: string): Promise<Response>;
  /** The events queue's consumer: ingests into run-data; what failed is retried by the queue. */
  queue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void>;
}

export function createWorker<Env extends SgenEnv>(options: WorkerOptions<Env> = {}): SgenWorker<Env> {
  const eventsQueue = options.eventsQueue ?? ((env: Env) => env.SGEN_EVENTS_QUEUE);
  const runData = runDataSink<Env>((env) => env.SGEN_RUN_DATA, options.runData, eventsQueue);
  const edge = createEdge<Env>({
    configStore: (env) => env.SGEN_CONFIG,
    events: runData.sink,
    tallies: runData.tallies,
    // Custom events are answered once a queue holds them, else once run-data has stored them, so a 202
    // survives a crash; SGEN_EVENTS_ACK=buffered trades that for a faster answer (the isolate's buffer).
    storeEvents: (env) => {
      const queue = eventsQueue(env);
      if (queue !== undefined) return (events) => storeInQueue(queue, events);
      const ns = env.SGEN_RUN_DATA;
      if (env.SGEN_EVENTS_ACK !== "buffered" && ns !== undefined) return (events) => storeInRunData(ns, events);
      return undefined;
    },
    qaSecret: (env) => env.SGEN_SESSION_SECRET,
    // A site under GDPR names its consent cookie; until it holds a yes, nobody is assigned or counted.
    consentCookie: (env) => env.SGEN_CONSENT_COOKIE,
    eventsRateLimit: (env) => env.SGEN_EVENTS_RATE_LIMIT,
    eventsSecret: (env) => env.SGEN_EVENTS_SECRET,
    signedEvents: (env) => env.SGEN_SIGNED_EVENTS,
    ...options.edge,
  });
  const origin = options.origin ?? defaultOrigin;
  const adminOptions = options.admin === false ? undefined : (options.admin ?? {});
  const pagesOptions = options.admin === false || options.pages === false ? undefined : (options.pages ?? {});
  const adminBase = adminOptions?.basePath ?? "/sg-admin/api";
  const pagesBase = pagesOptions?.basePath ?? "/sg-admin";
  const admin =
    adminOptions === undefined
      ? undefined
      : createAdminApi<Env>({
          catalog: (env) => env.SGEN_CATALOG,
          tokens: (env) => env.SGEN_ADMIN_TOKENS,
          roles: (env) => env.SGEN_ROLES,
          // The edge checks QA links with the session secret (qaSecret above), so the API signs them with it.
          qaSecret: (env) => env.SGEN_SESSION_SECRET,
          rateLimit: (env) => env.SGEN_ADMIN_RATE_LIMIT,
          access: (env) => ({
            teamDomain: env.SGEN_ACCESS_TEAM_DOMAIN,
            audience: env.SGEN_ACCESS_AUD,
            operators: env.SGEN_ACCESS_OPERATORS,
          }),
          // This isolate learns of its own publications at once; others within the config TTL.
          onPublished: () => edge.invalidateConfig(),
          ...adminOptions,
          basePath: adminBase,
        });
  const pages =
    pagesOptions === undefined
      ? undefined
      : createAdminPages<Env>({
          catalog: (env) => env.SGEN_CATALOG,
          tokens: (env) => env.SGEN_ADMIN_TOKENS,
          roles: (env) => env.SGEN_ROLES,
          rateLimit: (env) => env.SGEN_ADMIN_RATE_LIMIT,
          access: (env) => ({
            teamDomain: env.SGEN_ACCESS_TEAM_DOMAIN,
            audience: env.SGEN_ACCESS_AUD,
            operators: env.SGEN_ACCESS_OPERATORS,
          }),
          sessionSecret: (env) => env.SGEN_SESSION_SECRET,
          // The edge checks QA links with the session secret (qaSecret above), so the pages sign them with it.
          qaSecret: (env) => env.SGEN_SESSION_SECRET,
          timeZone: (env) => env.SGEN_ADMIN_TIME_ZONE,
          sitePaths: (env) => env.SGEN_SITE_PATHS,
          // Previews get the request's own context, so an origin's background work (ctx.waitUntil) is kept.
          origin,
          onPublished: () => edge.invalidateConfig(),
          ...pagesOptions,
          basePath: pagesBase,
        });
  const inAdmin = under(adminBase);
  const inPages = under(pagesBase);
  return {
    edge,
    runData,
    fetch(request, env, ctx, url = request.url) {
      // Read once (here or by the caller) and handed to the edge: each read of request.url copies it.
      if (admin !== undefined || pages !== undefined) {
        // One look at the path for both sub-apps; site traffic never reaches them.
        const path = urlPath(url);
        if (admin !== undefined && inAdmin(path)) return Promise.resolve(admin.fetch(request, env, ctx));
        if (pages !== undefined && inPages(path)) return Promise.resolve(pages.fetch(request, env, ctx));
      }
      const toOrigin: Origin = (r) => origin(r, env, ctx);
      return edge.handle(request, env, ctx, toOrigin, url);
    },
    queue(batch, env) {
      return consumeEvents(batch, env.SGEN_RUN_DATA);
    },
  };
}

/** Whether a path is `base` or below it. */
function under(base: string): (path: string) => boolean {
  const prefix = `${base}/`;
  return (path) => path === base || path.startsWith(prefix);
}

/** The ready Worker: `main` of the repository's wrangler.toml, or re-exported from your own main module. */
// Pure: a Worker that imports `createWorker` alone does not build this one too.
export default /* @__PURE__ */ createWorker<SgenEnv>();
