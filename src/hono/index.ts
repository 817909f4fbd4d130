// The edge as Hono middleware, for a site that is itself a Hono app on Workers:
//   app.use("*", sgenAb({ configStore: (env) => env.SGEN_CONFIG }))
// The target page is produced by the app's own handler (`next()`); a variant page on another path is
// fetched with `origin` (default: the app itself, re-entered with the variant's path).
import type { Context, MiddlewareHandler } from "hono";
import { createEdge } from "../edge/handler.ts";
import type { EdgeOptions } from "../edge/options.ts";

export interface HonoEdgeOptions<Env extends object> extends EdgeOptions<Env> {
  /** Fetches a page other than the one being requested. Default: `fetch` of that URL. */
  origin?: (request: Request, c: Context<{ Bindings: Env }>) => Promise<Response>;
}

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

export function sgenAb<Env extends object>(options: HonoEdgeOptions<Env>): MiddlewareHandler<{ Bindings: Env }> {
  const edge = createEdge<Env>(options);
  return async (c, next) => {
    const original = c.req.raw;
    const res = await edge.handle(original, c.env, executionContextOf(c), async (request) => {
      if (request === original) {
        await next();
        return c.res;
      }
      return options.origin ? options.origin(request, c) : fetch(request);
    });
    // Hono's `res` setter copies the previous response's headers (Cache-Control, Set-Cookie) over the new
    // one; ours already carry them, so clear the old response first.
    c.res = undefined;
    c.res = res;
    return res;
  };
}
