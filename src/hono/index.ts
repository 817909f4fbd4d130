/**
 * `sgen-ab/hono`: the edge as Hono middleware, for a site that is itself a Hono app on Workers.
 *
 * The target page is produced by the app's own handler (`next()`); a variant page on another path is
 * produced by the app too, re-entered in-process with the variant's path (no network request, no
 * second trip through this middleware). Exposures and conversions go to the run-data Durable Objects
 * bound as `SGEN_RUN_DATA`, so counting works once the binding and the class export are there.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { sgenAb } from "sgen-ab/hono";
 * import type { RunDataObject } from "sgen-ab/worker";
 * export { RunDataObject } from "sgen-ab/worker";
 *
 * interface Env {
 *   SGEN_CONFIG: KVNamespace;
 *   SGEN_RUN_DATA: DurableObjectNamespace<RunDataObject>;
 * }
 *
 * const app = new Hono<{ Bindings: Env }>();
 * app.use(sgenAb(app));
 * app.get("/pricing", (c) => c.html("<h1>Pricing</h1>"));
 * app.get("/pricing-b", (c) => c.html("<h1>Pricing, the new layout</h1>"));
 * export default app;
 * ```
 *
 * @module
 */
import type { Context, Hono, Env as HonoEnv, MiddlewareHandler, Schema } from "hono";
import { createEdge, type Edge } from "../edge/handler.ts";
import type { EdgeOptions } from "../edge/options.ts";
import type { ConfigStore, EventSink } from "../edge/ports.ts";
import { type RunDataNamespace, runDataEvents } from "../run-data/sink.ts";

export type { ConfigStore, EventSink, RunEvent } from "../edge/ports.ts";
export { type RunDataEventsOptions, runDataEvents } from "../run-data/sink.ts";

/** The `Bindings` of a Hono app's `Env` (an app declared without them has none). */
export type BindingsOf<E extends HonoEnv> = E extends { Bindings: infer B extends object } ? B : object;

/** The bindings the middleware reads when its options do not say otherwise: those of the ready Worker. */
interface DefaultBindings {
  SGEN_CONFIG?: ConfigStore;
  SGEN_RUN_DATA?: RunDataNamespace;
  SGEN_SESSION_SECRET?: string;
  SGEN_CONSENT_COOKIE?: string;
}

export interface SgenAbOptions<E extends HonoEnv> extends Omit<EdgeOptions<BindingsOf<E>>, "configStore" | "events"> {
  /** The KV namespace with the published config. Default: the binding `SGEN_CONFIG`. */
  configStore?: (env: BindingsOf<E>) => ConfigStore | undefined;
  /**
   * Where exposures and conversions go. Default: the run-data Durable Objects bound as `SGEN_RUN_DATA`
   * (`runDataEvents((env) => env.SGEN_RUN_DATA)`); `false` counts nothing.
   */
  events?: EventSink<BindingsOf<E>> | false;
  /**
   * Fetches a page other than the one being requested (a variant page on another path). Default: the
   * app itself, re-entered with that request; this middleware lets such a request through untouched.
   */
  origin?: (request: Request, c: Context<E>) => Promise<Response>;
}

/** The middleware, with the edge behind it and a way into the app that the middleware stays out of. */
export type SgenAbMiddleware<E extends HonoEnv> = MiddlewareHandler<E> & {
  /** The edge (e.g. `edge.invalidateConfig()` after the admin in the same app published a change). */
  readonly edge: Edge<BindingsOf<E>>;
  /** The app's own answer to `request`, with this middleware out of the way: the admin's previews. */
  untouched(request: Request, env: BindingsOf<E>, ctx?: ExecutionContext): Promise<Response>;
};

// Hono throws when an app is called without an execution context (`app.request`, a nested `app.fetch`);
// the edge then runs its background work unawaited rather than fail the page.
const DETACHED = { waitUntil: (p: Promise<unknown>) => void p.catch(() => {}), passThroughOnException: () => {}, props: {} };

function executionContextOf(c: Context): ExecutionContext {
  try {
    return c.executionCtx as unknown as ExecutionContext;
  } catch {
    return DETACHED as unknown as ExecutionContext;
  }
}

const defaults = (env: object) => env as DefaultBindings;

/**
 * The sgen-ab edge as middleware of `app`: register it before the routes it should see,
 * `app.use(sgenAb(app))`, and pass the app that serves the variant pages (the top-level one).
 */
export function sgenAb<E extends HonoEnv, S extends Schema, BasePath extends string>(
  app: Hono<E, S, BasePath>,
  options: SgenAbOptions<E> = {},
): SgenAbMiddleware<E> {
  type B = BindingsOf<E>;
  const { origin, events, configStore, ...rest } = options;
  const edge = createEdge<B>({
    qaSecret: (env) => defaults(env).SGEN_SESSION_SECRET,
    consentCookie: (env) => defaults(env).SGEN_CONSENT_COOKIE,
    ...rest,
    configStore: configStore ?? ((env) => defaults(env).SGEN_CONFIG),
    events: events === false ? undefined : (events ?? runDataEvents<B>((env) => defaults(env).SGEN_RUN_DATA)),
  });
  // The requests this middleware itself sends into the app for a variant page: they pass straight on.
  const own = new WeakSet<Request>();
  const reEnter = (request: Request, c: Context<E>): Promise<Response> => {
    own.add(request);
    return Promise.resolve(app.fetch(request, c.env, executionContextOf(c)));
  };
  const middleware: MiddlewareHandler<E> = async (c, next) => {
    const original = c.req.raw;
    if (own.has(original)) return next();
    const res = await edge.handle(original, c.env as B, executionContextOf(c), async (request) => {
      if (request === original) {
        await next();
        return c.res;
      }
      return (origin ?? reEnter)(request, c);
    });
    // Hono's `res` setter copies the previous response's headers (Cache-Control, Set-Cookie) over the new
    // one; ours already carry them, so clear the old response first.
    c.res = undefined;
    c.res = res;
    return res;
  };
  const untouched = (request: Request, env: BindingsOf<E>, ctx?: ExecutionContext): Promise<Response> => {
    own.add(request);
    return Promise.resolve(app.fetch(request, env, ctx));
  };
  return Object.assign(middleware, { edge, untouched });
}
