// Options of the edge middleware, with the defaults a site gets when it sets nothing.
export const EDGE_CONFIG_KEY = "sgen-ab:edge-config:v1";

/** What the edge needs from a KV namespace: one text read. Tests inject slow or failing ones. */
export interface ConfigStore {
  get(key: string, options: { type: "text"; cacheTtl?: number }): Promise<string | null>;
}

export interface Exposure {
  readonly experimentId: number;
  readonly experimentSlug: string;
  readonly epoch: number;
  readonly variant: string;
  readonly visitorId: string;
  readonly at: number;
}

/** Receives first assignments, off the response path. */
export type ExposureSink<Env> = (exposures: Exposure, env: Env, ctx: ExecutionContext) => Promise<void>;

export interface EdgeOptions<Env> {
  /** The KV namespace holding the published config (`kv-schema/`). Missing → the edge passes everything through. */
  configStore: (env: Env) => ConfigStore | undefined;
  /** Where exposures go. Default: nowhere (the Worker wires the run-data Durable Object). */
  exposureSink?: ExposureSink<Env>;
  /** A site's own visitor id (a signed-in user's id, say). Returning undefined falls back to the `sgen-vid` cookie. */
  visitorId?: (request: Request, env: Env) => string | undefined;
  /** How long an isolate trusts its copy of the config before re-reading KV in the background. Default 30 s. */
  configTtlMs?: number;
  /** How long a request may wait for a config it has never read before it is served untouched. Default 100 ms. */
  configTimeoutMs?: number;
  /** KV's own edge cache for the config read, in seconds (KV's minimum is 30). Default 30. */
  kvCacheTtlSeconds?: number;
  /** Visitor cookie name. Default `sgen-vid`. */
  visitorCookie?: string;
  /** Prefix of the assignment cookie; the experiment slug follows. Default `sgen-ab-`. */
  assignmentCookiePrefix?: string;
  /** Visitor cookie lifetime. Default 400 days (the longest browsers keep a cookie). */
  visitorMaxAgeDays?: number;
  /** Assignment cookie lifetime. Default 90 days (the contract asks for at least 30). */
  assignmentMaxAgeDays?: number;
  /** Where problems are reported. Default `console.warn`. Never thrown to the visitor. */
  log?: (message: string, error?: unknown) => void;
}

export type ResolvedEdgeOptions<Env> = Required<Omit<EdgeOptions<Env>, "exposureSink" | "visitorId">> &
  Pick<EdgeOptions<Env>, "exposureSink" | "visitorId">;

export function withDefaults<Env>(o: EdgeOptions<Env>): ResolvedEdgeOptions<Env> {
  return {
    configTtlMs: 30_000,
    configTimeoutMs: 100,
    kvCacheTtlSeconds: 30,
    visitorCookie: "sgen-vid",
    assignmentCookiePrefix: "sgen-ab-",
    visitorMaxAgeDays: 400,
    assignmentMaxAgeDays: 90,
    log: (message, error) => console.warn(message, error ?? ""),
    ...o,
  };
}
