// The edge middleware: for a GET or HEAD of a target page, serve the variant the visitor is assigned to
// under the original URL; every other request passes straight to the origin. Any failure of the
// experiment layer (config, run-data, a variant page) ends in the untouched page, never an error.
import { type CompiledExperiment, type Plan, planRequest } from "../core/edge-plan.ts";
import { normalizePath } from "../core/paths.ts";
import { ConfigCache } from "./config-cache.ts";
import { assignmentCookie, readCookies, usableVisitorId, visitorCookie } from "./cookies.ts";
import { type EdgeOptions, type ResolvedEdgeOptions, withDefaults } from "./options.ts";

export type Origin = (request: Request) => Promise<Response>;

export interface Edge<Env> {
  /** Handles `request`; `origin` fetches a page of the site (the control, a variant page, any other path). */
  handle(request: Request, env: Env, ctx: ExecutionContext, origin: Origin): Promise<Response>;
  /** Drop this isolate's copy of the config (after publishing from the same isolate). */
  invalidateConfig(): void;
  readonly options: ResolvedEdgeOptions<Env>;
}

interface Decision {
  readonly experiment: CompiledExperiment;
  readonly plan: Plan;
  readonly setCookies: string[];
}

export function createEdge<Env>(options: EdgeOptions<Env>): Edge<Env> {
  const o = withDefaults(options);
  const cache = new ConfigCache({
    ttlMs: o.configTtlMs,
    timeoutMs: o.configTimeoutMs,
    kvCacheTtlSeconds: o.kvCacheTtlSeconds,
    cookiePrefix: o.assignmentCookiePrefix,
    log: o.log,
  });

  async function decide(request: Request, env: Env, ctx: ExecutionContext): Promise<Decision | undefined> {
    const cached = cache.get(o.configStore(env), ctx, Date.now());
    const config = cached instanceof Promise ? await cached : cached;
    if (config === undefined || config.byTarget.size === 0) return undefined;
    const url = new URL(request.url);
    const experiment = config.byTarget.get(normalizePath(url.pathname));
    if (experiment === undefined) return undefined;

    const cookies = experiment.state === "live" ? readCookies(request) : {};
    const secure = url.protocol === "https:";
    const setCookies: string[] = [];
    let visitor: string | undefined;
    const visitorId = (): string => {
      if (visitor !== undefined) return visitor;
      visitor = usableVisitorId(o.visitorId?.(request, env)) ?? usableVisitorId(cookies[o.visitorCookie]);
      if (visitor === undefined) {
        visitor = crypto.randomUUID();
        setCookies.push(visitorCookie(o.visitorCookie, visitor, o.visitorMaxAgeDays, secure));
      }
      return visitor;
    };
    const plan = planRequest(experiment, cookies[experiment.cookieName], visitorId);
    if (plan.needsVisitor) visitorId(); // a live page always leaves a visitor id, for conversions later
    if (plan.writeAssignment !== null) {
      setCookies.push(assignmentCookie(experiment.cookieName, plan.writeAssignment, o.assignmentMaxAgeDays, secure));
    }
    if (plan.countExposure && o.exposureSink !== undefined) {
      const sent = o
        .exposureSink(
          {
            experimentId: experiment.id,
            experimentSlug: experiment.slug,
            epoch: experiment.epoch,
            variant: plan.variant.slug,
            visitorId: visitorId(),
            at: Date.now(),
          },
          env,
          ctx,
        )
        .catch((err) => o.log(`sgen-ab: exposure for ${experiment.slug} not recorded`, err));
      ctx.waitUntil(sent);
    }
    return { experiment, plan, setCookies };
  }

  /** Fetches the planned page; a variant page that fails falls back to the target page (the control). */
  async function fetchPlanned(request: Request, d: Decision, origin: Origin): Promise<Response> {
    const page = d.plan.variant.page;
    const url = new URL(request.url);
    if (normalizePath(url.pathname) === normalizePath(page)) return origin(request);
    url.pathname = page;
    try {
      const res = await origin(new Request(url, request));
      if (res.status < 400) return res;
      o.log(`sgen-ab: variant page ${page} of ${d.experiment.slug} answered ${res.status}; serving the target page`);
    } catch (err) {
      o.log(`sgen-ab: variant page ${page} of ${d.experiment.slug} failed; serving the target page`, err);
    }
    return origin(request);
  }

  async function handle(request: Request, env: Env, ctx: ExecutionContext, origin: Origin): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") return origin(request);
    let d: Decision | undefined;
    try {
      d = await decide(request, env, ctx);
    } catch (err) {
      o.log("sgen-ab: could not decide a variant; serving the page untouched", err);
    }
    if (d === undefined) return origin(request);

    const upstream = await fetchPlanned(request, d, origin);
    if (!d.plan.isPrivate && d.setCookies.length === 0) return upstream;
    const res = new Response(upstream.body, upstream);
    for (const c of d.setCookies) res.headers.append("set-cookie", c);
    // The same URL answers differently per visitor (or will again after a resume): no shared cache may
    // keep it, and the browser revalidates so that a pause or a conclusion shows on the next visit.
    if (d.plan.isPrivate) res.headers.set("cache-control", "private, no-cache");
    return res;
  }

  return { handle, invalidateConfig: () => cache.invalidate(), options: o };
}
