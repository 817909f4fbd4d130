// The edge middleware. For a GET or HEAD of a target page it serves the variant the visitor is assigned
// to under the original URL; a request that completes a conversion goal (a page view, a form post, a
// custom event) is counted; every other request passes straight to the origin. Any failure of the
// experiment layer (config, run-data, a variant page) ends in the untouched page, never an error.

import { isBot } from "../core/bots.ts";
import type { CompiledConfig, CompiledExperiment, GoalTarget, Plan } from "../core/edge-plan.ts";
import { fixedPlan, identifiesVisitor, planRequest } from "../core/edge-plan.ts";
import { normalizePath } from "../core/paths.ts";
import { urlPath, withPath } from "../core/url.ts";
import { ConfigCache } from "./config-cache.ts";
import { assignmentCookie, type CookieJar, readCookies, usableVisitorId, visitorCookie } from "./cookies.ts";
import { handleCustomEvents } from "./custom-events.ts";
import { type EdgeOptions, type EventSink, type ResolvedEdgeOptions, withDefaults } from "./options.ts";
import { applyOverrides } from "./overrides.ts";
import { QA_PARAM, qaVariant } from "./qa-link.ts";

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

  /** Hands an event to the sink; a sink that throws loses the event, never the page. */
  const send: EventSink<Env> = (event, shards, env, ctx) => {
    try {
      o.events?.(event, shards, env, ctx);
    } catch (err) {
      o.log(`sgen-ab: ${event.kind} for experiment ${event.experimentId} not recorded`, err);
    }
  };

  /** The visitor id a request carries (a site's own, or the cookie), if any. */
  const knownVisitor = (request: Request, env: Env, cookies: CookieJar): string | undefined =>
    usableVisitorId(o.visitorId?.(request, env)) ?? usableVisitorId(cookies[o.visitorCookie]);

  function decide(request: Request, env: Env, ctx: ExecutionContext, experiment: CompiledExperiment, qa: string | null): Decision {
    // Cookies matter while live (assignment) and during a gradual rollout (the visitor id); a paused or
    // fully shipped experiment never reads or writes them.
    const needsCookies = experiment.state === "live" || (experiment.state === "done" && experiment.rolloutBuckets < 10_000);
    const cookies = needsCookies ? readCookies(request) : {};
    const secure = request.url.startsWith("https:");
    const setCookies: string[] = [];
    let visitor: string | undefined;
    const visitorId = (): string => {
      if (visitor !== undefined) return visitor;
      visitor = knownVisitor(request, env, cookies);
      if (visitor === undefined) {
        visitor = crypto.randomUUID();
        setCookies.push(visitorCookie(o.visitorCookie, visitor, o.visitorMaxAgeDays, secure));
      }
      return visitor;
    };
    const qaTarget = qa === null ? undefined : experiment.bySlug.get(qa);
    const untracked =
      identifiesVisitor(experiment) &&
      (isBot(request.headers.get("user-agent"), o.bots) || (o.consent !== undefined && !o.consent(request, cookies, env)));
    const plan =
      qaTarget !== undefined
        ? fixedPlan(qaTarget)
        : untracked
          ? fixedPlan(experiment.control)
          : planRequest(experiment, cookies[experiment.cookieName], visitorId);
    if (plan.needsVisitor) visitorId(); // a live page always leaves a visitor id, for conversions later
    if (plan.writeAssignment !== null) {
      setCookies.push(assignmentCookie(experiment.cookieName, plan.writeAssignment, o.assignmentMaxAgeDays, secure));
    }
    if (plan.countExposure && o.events !== undefined) {
      const event = {
        kind: "exposure",
        experimentId: experiment.id,
        epoch: experiment.epoch,
        visitorId: visitorId(),
        variant: plan.variant.slug,
        at: Date.now(),
      } as const;
      send(event, experiment.shards, env, ctx);
    }
    return { experiment, plan, setCookies };
  }

  /**
   * Counts `goals` for the visitor of `request`, if it is assigned in each experiment. The run-data
   * object decides whether the visitor is in the sample; this only skips requests that cannot be.
   */
  function countConversions(request: Request, env: Env, ctx: ExecutionContext, goals: readonly GoalTarget[]): number {
    if (o.events === undefined) return 0;
    const cookies = readCookies(request);
    if (isBot(request.headers.get("user-agent"), o.bots) || (o.consent !== undefined && !o.consent(request, cookies, env))) return 0;
    const visitorId = knownVisitor(request, env, cookies);
    if (visitorId === undefined) return 0;
    let sent = 0;
    for (const { experiment, goal } of goals) {
      const assigned = cookies[experiment.cookieName];
      if (assigned === undefined || !experiment.bySlug.has(assigned)) continue;
      send(
        { kind: "conversion", experimentId: experiment.id, epoch: experiment.epoch, visitorId, goal, at: Date.now() },
        experiment.shards,
        env,
        ctx,
      );
      sent++;
    }
    return sent;
  }

  /** Fetches the planned page; a variant page that fails falls back to the target page (the control). */
  async function fetchPlanned(request: Request, path: string, d: Decision, origin: Origin): Promise<Response> {
    const page = d.plan.variant.page;
    if (path === d.plan.variant.pagePath) return origin(request);
    try {
      const res = await origin(
        new Request(withPath(request.url, page), { method: request.method, headers: request.headers, redirect: "manual" }),
      );
      if (res.status < 400) return res;
      o.log(`sgen-ab: variant page ${page} of ${d.experiment.slug} answered ${res.status}; serving the target page`);
    } catch (err) {
      o.log(`sgen-ab: variant page ${page} of ${d.experiment.slug} failed; serving the target page`, err);
    }
    return origin(request);
  }

  /** The variant a QA link in the URL names for `experiment`, when its signature holds. */
  async function qaFor(request: Request, env: Env, experiment: CompiledExperiment): Promise<string | null> {
    const secret = o.qaSecret?.(env);
    const token = new URL(request.url).searchParams.get(QA_PARAM);
    return secret === undefined || token === null ? null : qaVariant(secret, token, experiment.id);
  }

  /** Everything after the config: a fast pass-through for the many requests no experiment touches. */
  function route(request: Request, env: Env, ctx: ExecutionContext, origin: Origin, config: CompiledConfig | undefined): Promise<Response> {
    if (config === undefined) return origin(request);
    const path = normalizePath(urlPath(request.url));
    const method = request.method;
    if (path === o.eventsPath) return handleCustomEvents(request, config, o, (goals) => countConversions(request, env, ctx, goals));
    const experiment = method === "GET" || method === "HEAD" ? config.byTarget.get(path) : undefined;
    const goals = method === "GET" ? config.pageViewGoals.get(path) : method === "POST" ? config.formGoals.get(path) : undefined;
    if (experiment === undefined && goals === undefined) return origin(request);
    return serve(request, env, ctx, origin, path, experiment, goals);
  }

  async function serve(
    request: Request,
    env: Env,
    ctx: ExecutionContext,
    origin: Origin,
    path: string,
    experiment: CompiledExperiment | undefined,
    goals: readonly GoalTarget[] | undefined,
  ): Promise<Response> {
    let d: Decision | undefined;
    if (experiment !== undefined) {
      try {
        const qa = request.url.includes(`${QA_PARAM}=`) ? await qaFor(request, env, experiment) : null;
        d = decide(request, env, ctx, experiment, qa);
      } catch (err) {
        o.log("sgen-ab: could not decide a variant; serving the page untouched", err);
      }
    }
    let upstream = d === undefined ? await origin(request) : await fetchPlanned(request, path, d, origin);
    const overrides = d?.plan.variant.overrides;
    if (overrides !== undefined && upstream.status < 300) {
      try {
        upstream = applyOverrides(upstream, overrides);
      } catch (err) {
        // A selector the runtime refuses (the admin validates them, but fail open all the same).
        o.log(`sgen-ab: overrides of ${d?.experiment.slug}/${d?.plan.variant.slug} could not be applied; serving the page unedited`, err);
      }
    }
    if (goals !== undefined && upstream.status < 400) {
      try {
        countConversions(request, env, ctx, goals);
      } catch (err) {
        o.log("sgen-ab: could not count a conversion", err);
      }
    }
    if (d === undefined || (!d.plan.isPrivate && d.setCookies.length === 0)) return upstream;
    const res = new Response(upstream.body, upstream);
    for (const c of d.setCookies) res.headers.append("set-cookie", c);
    // The same URL answers differently per visitor (or will again after a resume): no shared cache may
    // keep it, and the browser revalidates so that a pause or a conclusion shows on the next visit.
    if (d.plan.isPrivate) res.headers.set("cache-control", "private, no-cache");
    return res;
  }

  function handle(request: Request, env: Env, ctx: ExecutionContext, origin: Origin): Promise<Response> {
    let cached: ReturnType<ConfigCache["get"]>;
    try {
      cached = cache.get(o.configStore(env), ctx, Date.now());
    } catch (err) {
      o.log("sgen-ab: could not load the experiment config; serving the page untouched", err);
      return origin(request);
    }
    if (!(cached instanceof Promise)) return route(request, env, ctx, origin, cached);
    return cached.then(
      (config) => route(request, env, ctx, origin, config),
      (err) => {
        o.log("sgen-ab: could not load the experiment config; serving the page untouched", err);
        return origin(request);
      },
    );
  }

  return { handle, invalidateConfig: () => cache.invalidate(), options: o };
}
