// The edge as Hono middleware, for a site that is itself a Hono app on Workers:
//   app.use("*", sgenAb({ configStore: (env) => env.SGEN_CONFIG }))
// The target page is produced by the app's own handler (`next()`); a variant page on another path is
// fetched with `origin` (default: the app itself, re-entered with the variant's path).
import type { Context, MiddlewareHandler } from "hono";
import { createEdge } from "./handler.ts";
import type { EdgeOptions } from "./options.ts";

export interface HonoEdgeOptions<Env extends object> extends EdgeOptions<Env> {
  /** Fetches a page other than the one being requested. Default: `fetch` of that URL. */
  origin?: (request: Request, c: Context<{ Bindings: Env }>) => Promise<Response>;
}

export function sgenAb<Env extends object>(options: HonoEdgeOptions<Env>): MiddlewareHandler<{ Bindings: Env }> {
  const edge = createEdge<Env>(options);
  return async (c, next) => {
    const original = c.req.raw;
    const res = await edge.handle(original, c.env, c.executionCtx as unknown as ExecutionContext, async (request) => {
      if (request === original) {
        await next();
        return c.res;
      }
      return options.origin ? options.origin(request, c) : fetch(request);
    });
    c.res = res;
    return res;
  };
}
