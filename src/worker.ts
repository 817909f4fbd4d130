// The ready Worker: deploy it in front of a site (`wrangler deploy`), or build your own from
// `createWorker`. It wires the edge to Workers KV (config), the run-data Durable Object (exposures) and
// the origin: a service binding `ORIGIN`, an `ORIGIN_URL`, or else the request's own URL (a Worker on a
// route in front of its zone's origin).
import { createEdge, type Edge, type Origin } from "./edge/handler.ts";
import type { EdgeOptions } from "./edge/options.ts";
import type { RunDataObject } from "./run-data/run-data-object.ts";
import { runDataSink } from "./run-data/sink.ts";

export { RunDataObject } from "./run-data/run-data-object.ts";

export interface SgenEnv {
  SGEN_CONFIG?: KVNamespace;
  SGEN_RUN_DATA?: DurableObjectNamespace<RunDataObject>;
  /** A service binding to the site. */
  ORIGIN?: Fetcher;
  /** The site's base URL, e.g. `https://origin.example.com`. */
  ORIGIN_URL?: string;
}

export interface WorkerOptions<Env extends SgenEnv> {
  /** Fetches a page of the site. Default: `ORIGIN`, then `ORIGIN_URL`, then `fetch(request)`. */
  origin?: (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;
  /** Overrides of the edge's options (TTLs, cookie names, a site's own visitor id …). */
  edge?: Partial<EdgeOptions<Env>>;
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
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
}

export function createWorker<Env extends SgenEnv>(options: WorkerOptions<Env> = {}): SgenWorker<Env> {
  const edge = createEdge<Env>({
    configStore: (env) => env.SGEN_CONFIG,
    exposureSink: runDataSink((env) => env.SGEN_RUN_DATA),
    ...options.edge,
  });
  const origin = options.origin ?? defaultOrigin;
  return {
    edge,
    fetch(request, env, ctx) {
      const toOrigin: Origin = (r) => origin(r, env, ctx);
      return edge.handle(request, env, ctx, toOrigin);
    },
  };
}

export default createWorker<SgenEnv>();
