// The edge middleware. For a GET or HEAD of a target page it serves the variant the visitor is assigned
// to under the original URL; a request that completes a conversion goal (a page view, a form post, a
// custom event) is counted; every other request passes straight to the origin. Any failure of the
// experiment layer (config, run-data, a variant page) ends in the untouched page, never an error.
// Beside the events, it measures the origin's answer to every target-page request of a visitor in a
// live sample (the guardrails) and notes each request it leaves out of the counts, with why (the
// ledger): both go to the tally sink, which adds them up in the isolate.

import { isBot } from "../core/bots.ts";
import { alreadyPrivate } from "../core/cache-control.ts";
import { headersClientBucket } from "../core/client-address.ts";
import type { CustomEvent } from "../core/custom-events.ts";
import type { HoldoutGoalTarget } from "../core/edge-holdouts.ts";
import type { CompiledConfig, CompiledExperiment, CompiledVariant, GoalTarget, Plan } from "../core/edge-plan.ts";
import { experimentForPage, fixedPlan, identifiesVisitor, planRequest } from "../core/edge-plan.ts";
import { VALUE_SCALE } from "../core/field-rules.ts";
import { normalizePath } from "../core/paths.ts";
import { urlPath, withPath } from "../core/url.ts";
import { WindowCounter, WindowSets } from "../core/window-counter.ts";
import { ConfigCache } from "./config-cache.ts";
import { assignmentCookie, cookieValue, MAX_VISITOR_ID_LENGTH, parseCookies, usableVisitorId, visitorCookie } from "./cookies.ts";
import { eventsError, handleCustomEvents } from "./custom-events.ts";
import { type EdgeOptions, type ResolvedEdgeOptions, withDefaults } from "./options.ts";
import { applyOverrides } from "./overrides.ts";
import type { EventSink, NotCountedReason, RunEvent, ShardedEvent, TallyExperiment } from "./ports.ts";
import { QA_PARAM, qaVariant } from "./qa-link.ts";
import { checkSignature, SIGNATURE_HEADER, signedEventNames } from "./signed-events.ts";
import { type HoldoutRecorder, planLive, planShippedHeldBack, withVariantPageHeaders } from "./targeting.ts";

export type Origin = (request: Request) => Promise<Response>;

export interface Edge<Env> {
  /**
   * Handles `request`; `origin` fetches a page of the site (the control, a variant page, any other path).
   * `url` is `request.url`, for a caller that has read it already: each read copies the URL out of the
   * runtime, a cost every request pays (bench/README.md).
   *
   * @example
   * const url = request.url; // read once to route the site's own paths
   * if (url.includes("/my-api/")) return api(request);
   * return edge.handle(request, env, ctx, (r) => env.ORIGIN.fetch(r), url);
   */
  handle(request: Request, env: Env, ctx: ExecutionContext, origin: Origin, url?: string): Promise<Response>;
  /** Drop this isolate's copy of the config (after publishing from the same isolate). */
  invalidateConfig(): void;
  readonly options: ResolvedEdgeOptions<Env>;
}

interface Decision {
  readonly experiment: CompiledExperiment;
  readonly plan: Plan;
  readonly setCookies: string[];
  /** The assignment cookie to write, kept apart: a visitor whose variant could not be served gets none. */
  readonly assignmentCookie: string | null;
  /** The visitor id, when the plan counts an exposure (sent once the page is known to be served). */
  readonly visitorId: string | undefined;
  /** When the planned page was asked of the origin (ms), for the time to its response headers. */
  readonly startedAt: number;
  /** The variant page's own answer, when it was fetched by its path: its status and when it came (-1: not fetched so). */
  pageStatus: number;
  pageAt: number;
  /** The planned variant was not served (its page failed, or its overrides could not be applied). */
  fellBack: NotCountedReason | null;
}

/**
 * What the edge reads of a request, each read once: every access to `request.url` copies it, and every
 * access to `request.headers` is a call into the runtime (bench/README.md).
 */
interface Seen {
  readonly request: Request;
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly cookieHeader: string | null;
  readonly config: CompiledConfig;
  /**
   * The clock when the request was read (ms). The runtime's clock stands still while code runs and moves
   * only on I/O, so one reading serves everything decided before the origin is asked, and each
   * `Date.now()` is a call into the runtime that a request pays for.
   */
  readonly now: number;
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
  const setCookies = new SetCookieStrings(o);

  /** Hands an event to the sink; a sink that throws loses the event, never the page. */
  const send: EventSink<Env> = (event, shards, env, ctx) => {
    if (o.events === undefined) return;
    try {
      o.events?.(event, shards, env, ctx);
    } catch (err) {
      o.log(`sgen-ab: a ${event.kind} event was not recorded`, err);
    }
  };

  /**
   * The ledger of what was not counted: one call wherever a request is left out,
   * `ledger.note(experiment, variant | null, reason, env, ctx)`. Added up in the isolate by the tally
   * sink (no Durable Object call of its own); a sink that throws loses the note, never the page.
   */
  const ledger = {
    note(experiment: TallyExperiment, variant: string | null, reason: NotCountedReason, env: Env, ctx: ExecutionContext): void {
      if (o.tallies === undefined) return;
      try {
        o.tallies.notCounted(experiment, variant, reason, env, ctx);
      } catch (err) {
        o.log(`sgen-ab: a ${reason} note for experiment ${experiment.id} was not recorded`, err);
      }
    },
  };

  /** Cloudflare's own verdict that the request is automated: a verified bot, or a bot score below the line. */
  function botSignal(seen: Seen): boolean {
    // Not read where the zone says it has no Bot Management: the first read of request.cf builds the
    // whole object (about 7k instructions, bench/README.md) for a verdict such a zone never gets.
    if (o.botSignals === false) return false; // only an explicit false: an option left undefined keeps the default
    const bm = (seen.request as { cf?: { botManagement?: { verifiedBot?: unknown; score?: unknown } } }).cf?.botManagement;
    if (bm === undefined) return false;
    if (bm.verifiedBot === true) return true;
    return o.botScoreBelow !== false && typeof bm.score === "number" && bm.score > 0 && bm.score < o.botScoreBelow;
  }

  /**
   * The per-client limit on new visitors counted, in this isolate: a client (an IPv4 address or an IPv6
   * /64) past `newVisitorsPerMinute` distinct new visitor ids in the minute has the next ones served but
   * not counted, so that nobody can choose visitor ids by the public hash and fill a variant cheaply. A
   * visitor that comes back without its assignment cookie is the same id and costs nothing more.
   */
  const newVisitorWindow = o.newVisitorsPerMinute === false ? null : new WindowSets(60_000);
  function newVisitorLimited(seen: Seen, visitorId: string): boolean {
    if (newVisitorWindow === null) return false;
    const client = headersClientBucket(seen.headers);
    return client !== null && !newVisitorWindow.admit(client, visitorId, o.newVisitorsPerMinute as number, seen.now);
  }

  /** The variant a request's assignment cookie names in `experiment`, if it is one of its variants. */
  const assignedVariant = (seen: Seen, experiment: CompiledExperiment): string | null => {
    const slug = cookieValue(seen.cookieHeader, experiment.cookieName);
    return namesVariant(experiment, slug) ? slug : null;
  };

  /**
   * A visitor back with what the experiment already gave it: a live experiment's valid assignment
   * cookie (`assigned`, its value as read), or (in a gradual rollout) its visitor id.
   */
  const returning = (seen: Seen, env: Env, experiment: CompiledExperiment, assigned: string | undefined): boolean =>
    experiment.state === "live" ? namesVariant(experiment, assigned) : knownVisitor(seen, env) !== undefined;

  /** The visitor id a request carries (a site's own, or the cookie), if any. */
  const knownVisitor = (seen: Seen, env: Env): string | undefined => carriedVisitor(seen, env).id;

  /**
   * The visitor id a request carries, and whether what it carried was too long to use (it is then
   * replaced by a fresh one): the site's function asked once, the cookie read at most once.
   */
  function carriedVisitor(seen: Seen, env: Env): { id: string | undefined; tooLong: boolean } {
    const site = o.visitorId?.(seen.request, env);
    const fromSite = usableVisitorId(site);
    if (fromSite !== undefined) return { id: fromSite, tooLong: false };
    const cookie = cookieValue(seen.cookieHeader, o.visitorCookie);
    const id = usableVisitorId(cookie);
    return {
      id,
      tooLong: id === undefined && ((site?.length ?? 0) > MAX_VISITOR_ID_LENGTH || (cookie?.length ?? 0) > MAX_VISITOR_ID_LENGTH),
    };
  }

  /** A known crawler or tool: served like a visitor (or the control, by the experiment's `bots`), never counted. */
  const crawler = (seen: Seen): boolean => isBot(seen.headers.get("user-agent"), o.bots);

  /** Whether the visitor has consented to cookies and measurement, where the site asks for it. */
  function consented(seen: Seen, env: Env): boolean {
    const consentName = o.consentCookie?.(env);
    if (consentName !== undefined && consentName !== "" && !CONSENTED.test(cookieValue(seen.cookieHeader, consentName) ?? "")) {
      return false;
    }
    return o.consent === undefined || o.consent(seen.request, parseCookies(seen.cookieHeader), env);
  }

  /** A crawler, or a visitor who has not consented: never counted. */
  const untracked = (seen: Seen, env: Env): boolean => crawler(seen) || !consented(seen, env);

  /** How a holdout's arm is recorded for this request: its event, and the cookie that says it was sent. */
  function recorderFor(
    seen: Seen,
    experiment: CompiledExperiment,
    env: Env,
    ctx: ExecutionContext,
    cookies: string[],
    secure: boolean,
  ): HoldoutRecorder {
    if (experiment.targeting.holdouts.length === 0) return NO_RECORDER;
    return {
      cookieName: (id) => `${o.visitorCookie}-h${id}`,
      record: (event, shards) => {
        // A holdout's arms are samples too: past the client's limit on new visitors the visitor is
        // recorded in neither and keeps no mark, so that a later visit under the limit records it.
        if (o.events !== undefined && newVisitorLimited(seen, event.visitorId)) return;
        send(event, shards, env, ctx);
        cookies.push(setCookies.holdoutSeen(event.holdoutId, event.epoch, secure));
      },
    };
  }

  function decide(seen: Seen, env: Env, ctx: ExecutionContext, experiment: CompiledExperiment, qa: string | null): Decision {
    const secure = seen.url.startsWith("https:");
    const cookies: string[] = [];
    let visitor: string | undefined;
    const visitorId = (): string => {
      if (visitor !== undefined) return visitor;
      const carried = carriedVisitor(seen, env);
      visitor = carried.id;
      if (visitor === undefined) {
        if (experiment.state === "live" && carried.tooLong) ledger.note(experiment, null, "id_too_long", env, ctx);
        visitor = crypto.randomUUID();
        cookies.push(setCookies.issuedVisitor(visitor, secure));
      }
      return visitor;
    };
    const qaTarget = qa === null ? undefined : experiment.bySlug.get(qa);
    // Cookies are read only while live (assignment) or during a gradual rollout (the visitor id): a paused
    // or fully shipped experiment never reads or writes them. Who enters a live one: targeting.ts.
    // Cloudflare's bot signals are read only for a request that would join a sample or get a visitor id:
    // a returning visitor's page (the common case) never pays for request.cf. A request they mark is a
    // crawler: served by the experiment's `bots` rule, never counted.
    // A live experiment's assignment cookie, read once: who is returning and the plan both need it (each
    // scan of the Cookie header is measurable on this path: bench/README.md).
    const assigned = experiment.state === "live" ? cookieValue(seen.cookieHeader, experiment.cookieName) : undefined;
    const automated =
      qaTarget === undefined && identifiesVisitor(experiment) && !returning(seen, env, experiment, assigned) && botSignal(seen);
    // A holdout keeps its held visitors from a concluded experiment's shipped variant too.
    const heldBack = experiment.state === "done" && experiment.shipped !== experiment.control && experiment.targeting.holdouts.length > 0;
    let plan: Plan;
    if (qaTarget !== undefined) plan = fixedPlan(qaTarget);
    else if (!identifiesVisitor(experiment) && !heldBack) plan = planRequest(experiment, undefined, visitorId);
    else if (!consented(seen, env)) {
      if (experiment.state === "live") ledger.note(experiment, null, "no_consent", env, ctx);
      plan = identifiesVisitor(experiment) ? fixedPlan(experiment.control) : planRequest(experiment, undefined, visitorId);
    } else if (experiment.state === "live") {
      const isCrawler = automated || crawler(seen);
      // Served like a visitor (or the control, by `bots`), never counted: the ledger says so.
      if (isCrawler) ledger.note(experiment, null, automated ? "bot_signal" : "crawler", env, ctx);
      plan = planLive(
        seen,
        experiment,
        assigned,
        isCrawler,
        visitorId,
        seen.config.holdouts,
        recorderFor(seen, experiment, env, ctx, cookies, secure),
        (why) => ledger.note(experiment, null, why, env, ctx),
      );
    } else if (experiment.targeting.bots === "control" && (automated || crawler(seen))) plan = fixedPlan(experiment.control);
    else if (heldBack) {
      plan = planShippedHeldBack(
        seen,
        experiment,
        automated || crawler(seen),
        visitorId,
        seen.config.holdouts,
        recorderFor(seen, experiment, env, ctx, cookies, secure),
      );
    } else plan = planRequest(experiment, undefined, visitorId); // a gradual rollout, crawlers served like visitors
    if (plan.stoppedVariant !== undefined) ledger.note(experiment, plan.stoppedVariant, "variant_stopped", env, ctx);
    if (plan.needsVisitor) visitorId(); // a live page always leaves a visitor id, for conversions later
    // Past the client's limit on new visitors, the page and its cookies are as usual; only the count is left out.
    const limited = plan.countExposure && o.events !== undefined && newVisitorLimited(seen, visitorId());
    if (limited) ledger.note(experiment, plan.variant.slug, "rate_limited", env, ctx);
    return {
      experiment,
      plan,
      setCookies: cookies,
      assignmentCookie: plan.writeAssignment === null ? null : setCookies.assignment(experiment, plan.variant, secure),
      visitorId: plan.countExposure && !limited ? visitorId() : undefined,
      startedAt: seen.now,
      pageStatus: -1,
      pageAt: -1,
      fellBack: null,
    };
  }

  /**
   * Once the page is served: the exposure is counted and the assignment cookie written only when the
   * visitor got its variant. One whose variant page failed got the control's page: it is not counted
   * (the ledger says why) and keeps no assignment, so its next visit, assigned by the same hash, counts
   * if that page then serves. The origin's answer is tallied for the guardrails.
   */
  function settle(d: Decision, upstreamStatus: number, env: Env, ctx: ExecutionContext): void {
    const { experiment, plan } = d;
    const variant = plan.variant.slug;
    // The time of the origin's answer: read once when the variant page came (fetchPlanned), else now.
    const answeredAt = d.pageAt >= 0 ? d.pageAt : Date.now();
    if (plan.inSample && o.tallies !== undefined) {
      const status = d.pageStatus >= 0 ? d.pageStatus : upstreamStatus;
      const ms = answeredAt - d.startedAt;
      try {
        o.tallies.response(experiment, variant, status, ms, env, ctx);
      } catch (err) {
        o.log(`sgen-ab: a response of experiment ${experiment.id} was not tallied`, err);
      }
    }
    if (d.fellBack !== null) {
      if (d.visitorId !== undefined) ledger.note(experiment, variant, d.fellBack, env, ctx);
      return;
    }
    if (d.assignmentCookie !== null) d.setCookies.push(d.assignmentCookie);
    if (d.visitorId !== undefined && o.events !== undefined) {
      send(
        { kind: "exposure", experimentId: experiment.id, epoch: experiment.epoch, visitorId: d.visitorId, variant, at: answeredAt },
        experiment.shards,
        env,
        ctx,
      );
    }
  }

  /**
   * Counts `goals` for the visitor of `request`, if it is assigned in each experiment. The run-data
   * object decides whether the visitor is in the sample; this only skips requests that cannot be.
   */
  function countConversions(
    seen: Seen,
    env: Env,
    ctx: ExecutionContext,
    goals: readonly GoalTarget[],
    custom?: CustomEvent,
    /** Where the events go instead of the sink, for a store awaited before the answer. */
    collect?: ShardedEvent[],
    /** The site's verdicts on this request, when already asked (the event endpoint asks once). */
    known?: SiteVerdicts,
  ): number {
    if (o.events === undefined || (known?.untracked ?? untracked(seen, env))) return 0;
    if (botSignal(seen)) {
      for (const { experiment } of goals) ledger.note(experiment, assignedVariant(seen, experiment), "bot_signal", env, ctx);
      return 0;
    }
    const visitorId = known === undefined ? knownVisitor(seen, env) : known.visitor;
    if (visitorId === undefined) return 0;
    let sent = 0;
    let id: string | undefined; // one identity per event, whichever of the experiments' goals it counts for
    const now = Date.now();
    for (const { experiment, goal, value } of goals) {
      if (now >= experiment.targeting.endsAt) continue; // past its scheduled end it counts nothing, as paused
      const assigned = cookieValue(seen.cookieHeader, experiment.cookieName);
      const variant = assigned === undefined ? undefined : experiment.bySlug.get(assigned);
      // A stopped variant's visitors are counted nowhere, conversions included.
      if (variant === undefined || variant.stopped) continue;
      let event: RunEvent;
      if (value === null || custom === undefined) {
        event = { kind: "conversion", experimentId: experiment.id, epoch: experiment.epoch, visitorId, goal, at: now };
      } else {
        id ??= custom.id === undefined ? `e:${crypto.randomUUID()}` : `c:${custom.id}`;
        const cents = Math.round((custom.value ?? 0) * VALUE_SCALE);
        event = {
          kind: "conversion",
          experimentId: experiment.id,
          epoch: experiment.epoch,
          visitorId,
          goal,
          at: now,
          value: { cents, id, capCents: value.capCents },
        };
      }
      if (collect === undefined) send(event, experiment.shards, env, ctx);
      else collect.push({ event, shards: experiment.shards });
      sent++;
    }
    return sent;
  }

  /** Counts a goal request for the holdouts whose goals it completes (their run-data keeps only their sample's). */
  function countHeldConversions(
    seen: Seen,
    env: Env,
    ctx: ExecutionContext,
    targets: readonly HoldoutGoalTarget[],
    known?: SiteVerdicts,
  ): number {
    if (o.events === undefined || (known?.untracked ?? untracked(seen, env)) || botSignal(seen)) return 0;
    const visitorId = known === undefined ? knownVisitor(seen, env) : known.visitor;
    if (visitorId === undefined) return 0;
    const at = Date.now();
    for (const { holdout, goal } of targets) {
      send({ kind: "holdout_conversion", holdoutId: holdout.id, epoch: holdout.epoch, visitorId, goal, at }, holdout.shards, env, ctx);
    }
    return targets.length;
  }

  /**
   * The per-client limit on custom-event posts: in this isolate (a fixed window per minute), then the
   * Rate Limiting binding if one is configured. The client is its address (an IPv6 client by its /64),
   * else its visitor id; a request with neither can count nothing and is not limited.
   */
  const eventsWindow = o.eventsPerMinute === false ? null : new WindowCounter(60_000);
  async function eventsRetryAfter(seen: Seen, env: Env, known: SiteVerdicts): Promise<number> {
    const address = headersClientBucket(seen.headers);
    const visitor = address === null ? known.visitor : undefined;
    const key = address ?? (visitor === undefined ? null : `vid:${visitor}`);
    if (key === null) return 0;
    const now = Date.now();
    if (eventsWindow !== null && eventsWindow.hit(key, now) > (o.eventsPerMinute as number)) return eventsWindow.retryAfterSeconds(now);
    const binding = o.eventsRateLimit?.(env);
    if (binding === undefined) return 0;
    try {
      return (await binding.limit({ key: `events:${key}` })).success ? 0 : 60;
    } catch (err) {
      o.log("sgen-ab: the events rate limit binding failed; using the isolate's limit only", err);
      return 0;
    }
  }

  /**
   * Fetches the planned page and hands the response to `done`; a variant page that fails falls back to
   * the target page (the control). A variant page that cannot be fetched at all is taken as a 5xx answer.
   * `done` runs in the same continuation that takes the variant page's answer: each `.then` is a promise
   * and a turn of the microtask queue that a request pays for (bench/README.md).
   */
  function fetchPlanned(seen: Seen, path: string, d: Decision, origin: Origin, done: (res: Response) => Response): Promise<Response> {
    const variant = d.plan.variant;
    // On the other pages of an experiment that spans pages, a variant is its overrides on the page asked for.
    if (path === variant.pagePath || path !== d.experiment.targetPage) return origin(seen.request).then(done);
    const fallBack = (status: number, why: string, err?: unknown): Promise<Response> => {
      d.pageStatus = status;
      d.pageAt = Date.now();
      d.fellBack = status < 400 ? "variant_page_redirect" : status < 500 ? "variant_page_4xx" : "variant_page_5xx";
      o.log(`sgen-ab: variant page ${variant.page} of ${d.experiment.slug} ${why}; serving the target page`, err);
      return origin(seen.request).then(done);
    };
    const ask = (url: string): Promise<Response> => {
      return origin(new Request(url, { method: seen.method, headers: seen.headers, redirect: "manual" }));
    };
    /**
     * A redirect from the variant page (a trailing slash added, a page moved) is followed on the site
     * itself, up to MAX_VARIANT_REDIRECTS hops, so the visitor still gets the variant under the URL it
     * asked for; a redirect off the site, or too many, cannot be served there and falls back.
     */
    const follow = (res: Response, from: string, hops: number): Response | Promise<Response> => {
      const status = res.status; // read once: each read of a response's status is a call into the runtime
      if (status >= 400) return fallBack(status, `answered ${status}`);
      if (!REDIRECTS.has(status)) {
        d.pageStatus = status;
        d.pageAt = Date.now();
        return done(res);
      }
      void res.body?.cancel();
      const next = onSameSite(res.headers.get("location"), from, seen.url);
      if (next === null) return fallBack(status, `redirected (${status}) off the site`);
      if (hops >= MAX_VARIANT_REDIRECTS) return fallBack(status, `redirected more than ${MAX_VARIANT_REDIRECTS} times`);
      try {
        return ask(next).then(
          (r) => follow(r, next, hops + 1),
          (err) => fallBack(UNREACHABLE, "failed", err),
        );
      } catch (err) {
        return fallBack(UNREACHABLE, "failed", err);
      }
    };
    const first = withPath(seen.url, variant.page);
    let pending: Promise<Response>;
    try {
      pending = ask(first);
    } catch (err) {
      return fallBack(UNREACHABLE, "failed", err);
    }
    return pending.then(
      (res) => follow(res, first, 0),
      (err) => fallBack(UNREACHABLE, "failed", err),
    );
  }

  /** The variant a QA link in the URL names for `experiment`, when its signature holds. */
  async function qaFor(seen: Seen, env: Env, experiment: CompiledExperiment): Promise<string | null> {
    const secret = o.qaSecret?.(env);
    const token = new URL(seen.url).searchParams.get(QA_PARAM);
    return secret === undefined || token === null ? null : qaVariant(secret, token, experiment.id);
  }

  /** Everything after the config: a fast pass-through for the many requests no experiment touches. */
  function route(
    request: Request,
    env: Env,
    ctx: ExecutionContext,
    origin: Origin,
    config: CompiledConfig | undefined,
    now: number,
    url: string,
  ): Promise<Response> {
    if (config === undefined) return isEventsPost(url) ? eventsWithoutConfig(request, env, ctx, url) : origin(request);
    const path = normalizePath(urlPath(url));
    const method = request.method;
    if (path === o.eventsPath) {
      // Events never go to the origin, and never meet a stand-in for a config that could not be read:
      // they would be answered 202 and counted for nothing.
      return cache.lastReadFailed ? eventsWithoutConfig(request, env, ctx, url) : customEvents(request, env, ctx, config, url);
    }
    const page = method === "GET" || method === "HEAD";
    const experiment = page ? experimentForPage(config, path) : undefined;
    const goals = method === "GET" ? config.pageViewGoals.get(path) : method === "POST" ? config.formGoals.get(path) : undefined;
    const held = heldGoalsOf(config, method, path);
    if (experiment === undefined && goals === undefined && held === undefined) {
      // A variant page asked for by its own path: kept out of search indexes.
      if (page && config.variantPages.targetOf.size > 0 && config.variantPages.targetOf.has(path)) {
        return origin(request).then((res) => withVariantPageHeaders(config.variantPages, path, url, res));
      }
      return origin(request);
    }
    const headers = request.headers;
    const seen: Seen = { request, url, method, headers, cookieHeader: headers.get("cookie"), config, now };
    // A QA link needs a signature check (async); every other request is decided without waiting.
    if (experiment !== undefined && url.includes(QA_PARAM_EQ)) {
      return qaFor(seen, env, experiment).then(
        (qa) => serve(seen, env, ctx, origin, path, experiment, goals, qa, held),
        (err) => {
          o.log("sgen-ab: could not check a QA link; ignoring it", err);
          return serve(seen, env, ctx, origin, path, experiment, goals, null, held);
        },
      );
    }
    return serve(seen, env, ctx, origin, path, experiment, goals, null, held);
  }

  /** Whether the request is for the custom-event endpoint (asked only when there is no config to route by). */
  const isEventsPost = (url: string): boolean => normalizePath(urlPath(url)) === o.eventsPath;

  /** `POST /__sgen/events`: the site's callbacks asked once, and a throw among them answered, never thrown. */
  async function customEvents(request: Request, env: Env, ctx: ExecutionContext, config: CompiledConfig, url: string): Promise<Response> {
    const headers = request.headers;
    const seen: Seen = { request, url, method: request.method, headers, cookieHeader: headers.get("cookie"), config, now: Date.now() };
    let known: SiteVerdicts;
    try {
      known = { visitor: knownVisitor(seen, env), untracked: false };
    } catch (err) {
      return callbackFailed("visitorId", err);
    }
    try {
      known = { visitor: known.visitor, untracked: untracked(seen, env) };
    } catch (err) {
      return callbackFailed("consent or consentCookie", err);
    }
    try {
      const signature = headers.get(SIGNATURE_HEADER);
      const store = o.storeEvents?.(env);
      const kept: ShardedEvent[] | undefined = store === undefined ? undefined : [];
      const names = signedEventNames(o.signedEvents?.(env));
      return await handleCustomEvents(request, config, o, {
        retryAfter: () => eventsRetryAfter(seen, env, known),
        signed: signature !== null,
        verify: (body) => checkSignature(signature, o.eventsSecret?.(env), known.visitor, body, Date.now(), o.signatureToleranceSeconds),
        mustBeSigned: (name) => names === "all" || names.has(name),
        count: (goals, event) => countConversions(seen, env, ctx, goals, event, kept, known),
        countHeld: (targets) => countHeldConversions(seen, env, ctx, targets, known),
        notCounted: (reason, goals) => {
          for (const { experiment } of goals) ledger.note(experiment, assignedVariant(seen, experiment), reason, env, ctx);
        },
        commit: async () => (store === undefined || kept === undefined ? "buffered" : await store(kept)),
      });
    } catch (err) {
      o.log("sgen-ab: custom events could not be handled; nothing was counted", err);
      return eventsError(500, "events_failed", "the events could not be handled, so nothing was counted; sending them again is safe");
    }
  }

  function callbackFailed(callback: string, err: unknown): Response {
    o.log(`sgen-ab: the site's ${callback} function threw on ${o.eventsPath}; nothing was counted`, err);
    return eventsError(500, "site_callback_failed", `the site's ${callback} function threw, so these events were not counted`);
  }

  /**
   * No config to count by: the KV binding is missing, or its read failed or was slow. A visitor is not
   * waiting on a custom-event post the way it waits on a page, so wait longer for the config (a page
   * waits `configTimeoutMs`); without one, say so with a 503 the client can retry, rather than count the
   * events for no experiment or hand them to the origin.
   */
  async function eventsWithoutConfig(request: Request, env: Env, ctx: ExecutionContext, url: string): Promise<Response> {
    let config: CompiledConfig | undefined;
    try {
      const store = o.configStore(env);
      config = store === undefined ? undefined : await cache.patient(store, ctx, Date.now(), EVENTS_CONFIG_WAIT_MS);
    } catch (err) {
      o.log("sgen-ab: could not load the experiment config for custom events", err);
    }
    if (config !== undefined) return customEvents(request, env, ctx, config, url);
    const res = eventsError(
      503,
      "config_unavailable",
      "the experiment config could not be read, so nothing was counted; send the events again",
    );
    res.headers.set("retry-after", "5");
    return res;
  }

  function serve(
    seen: Seen,
    env: Env,
    ctx: ExecutionContext,
    origin: Origin,
    path: string,
    experiment: CompiledExperiment | undefined,
    goals: readonly GoalTarget[] | undefined,
    qa: string | null,
    held: readonly HoldoutGoalTarget[] | undefined,
  ): Promise<Response> {
    let d: Decision | undefined;
    if (experiment !== undefined) {
      try {
        d = decide(seen, env, ctx, experiment, qa);
      } catch (err) {
        o.log("sgen-ab: could not decide a variant; serving the page untouched", err);
        if (experiment.state === "live") ledger.note(experiment, null, "fail_open", env, ctx);
      }
    }
    const done = (res: Response): Response => finish(seen, env, ctx, res, d, goals, held, path);
    return d === undefined ? origin(seen.request).then(done) : fetchPlanned(seen, path, d, origin, done);
  }

  /** Overrides, conversions, and the headers an assigned page must carry. */
  function finish(
    seen: Seen,
    env: Env,
    ctx: ExecutionContext,
    upstream: Response,
    d: Decision | undefined,
    goals: readonly GoalTarget[] | undefined,
    held: readonly HoldoutGoalTarget[] | undefined,
    path: string,
  ): Response {
    const overrides = d?.plan.variant.overrides;
    // Read once (the rewriter's response keeps it): each read of a response's status is a runtime call.
    const status = upstream.status;
    // Whether `upstream` is a response of our own making, whose headers may be changed in place.
    let ours = false;
    if (d !== undefined && overrides !== undefined && status < 300) {
      try {
        const applied = applyOverrides(upstream, overrides, !d.experiment.allowScriptOverrides);
        upstream = applied.response;
        ours = applied.edited;
      } catch (err) {
        // A selector the runtime refuses (the admin validates them, but fail open all the same).
        o.log(`sgen-ab: overrides of ${d.experiment.slug}/${d.plan.variant.slug} could not be applied; serving the page unedited`, err);
        d.fellBack ??= "fail_open";
      }
    }
    if (d !== undefined) {
      try {
        settle(d, status, env, ctx);
      } catch (err) {
        o.log("sgen-ab: could not count an exposure", err);
      }
    }
    if (status < 400) {
      try {
        if (goals !== undefined) countConversions(seen, env, ctx, goals);
        if (held !== undefined) countHeldConversions(seen, env, ctx, held); // a holdout's goals
      } catch (err) {
        o.log("sgen-ab: could not count a conversion", err);
      }
    }
    if (d === undefined) {
      const method = seen.method;
      return method === "GET" || method === "HEAD" ? withVariantPageHeaders(seen.config.variantPages, path, seen.url, upstream) : upstream;
    }
    // The same URL answers differently per visitor (or will again after a resume): see core/cache-control.ts.
    const isPrivate = d.plan.isPrivate;
    const cookies = d.setCookies;
    if (cookies.length === 0 && !ours) {
      // Only Cache-Control may change: the origin's answer is passed on as it is when it needs none.
      if (!isPrivate || alreadyPrivate(upstream.headers.get("cache-control"))) return upstream;
      const res = new Response(upstream.body, upstream);
      res.headers.set("cache-control", "private, no-cache");
      return res;
    }
    // A fetched response's headers cannot be changed, so it is copied; and the copy's headers are read
    // once, since each `.headers` of a Response is a call into the runtime (bench/README.md).
    const res = ours ? upstream : new Response(upstream.body, upstream);
    const headers = res.headers;
    for (const c of cookies) headers.append("set-cookie", c);
    if (isPrivate && !alreadyPrivate(headers.get("cache-control"))) headers.set("cache-control", "private, no-cache");
    return res;
  }

  /** The config could not be had, by a throw or a rejection: the page goes to the origin untouched. */
  function withoutConfig(request: Request, env: Env, ctx: ExecutionContext, origin: Origin, url: string, err: unknown): Promise<Response> {
    o.log("sgen-ab: could not load the experiment config; serving the page untouched", err);
    return isEventsPost(url) ? eventsWithoutConfig(request, env, ctx, url) : origin(request);
  }

  function handle(request: Request, env: Env, ctx: ExecutionContext, origin: Origin, url: string = request.url): Promise<Response> {
    let cached: ReturnType<ConfigCache["get"]>;
    const now = Date.now();
    try {
      cached = cache.get(o.configStore(env), ctx, now);
    } catch (err) {
      return withoutConfig(request, env, ctx, origin, url, err);
    }
    if (!(cached instanceof Promise)) return route(request, env, ctx, origin, cached, now, url);
    return cached.then(
      (config) => route(request, env, ctx, origin, config, Date.now(), url), // the clock moved while KV answered
      (err) => withoutConfig(request, env, ctx, origin, url, err),
    );
  }

  return { handle, invalidateConfig: () => cache.invalidate(), options: o };
}

const CONSENTED = /^(1|true|yes|granted)$/i;

/** Whether an assignment cookie's value is one of `experiment`'s variants (anything else is no assignment). */
const namesVariant = (experiment: CompiledExperiment, slug: string | undefined): slug is string =>
  slug !== undefined && experiment.bySlug.has(slug);

/** The status a variant page is taken to have answered when it could not be fetched at all. */
const UNREACHABLE = 502;
/** Statuses that send the client elsewhere (304 and 300 are answers, passed on as they are). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_VARIANT_REDIRECTS = 3;

/** Where a redirect's `Location` points, resolved against `from`, if on the visitor's own site; else null. */
function onSameSite(location: string | null, from: string, visitorUrl: string): string | null {
  if (location === null || location === "") return null;
  try {
    const target = new URL(location, from);
    return target.origin === new URL(visitorUrl).origin ? target.href : null;
  } catch {
    return null;
  }
}
/** How long a custom-event post waits for a config that a page would not wait for. */
const EVENTS_CONFIG_WAIT_MS = 5_000;

/** What the site's own functions say of a request: its visitor id, and whether it may be tracked at all. */
interface SiteVerdicts {
  readonly visitor: string | undefined;
  readonly untracked: boolean;
}

const NO_RECORDER: HoldoutRecorder = { cookieName: () => "", record: () => {} };

/** The holdout goals a request may complete (none looked up while no holdout has goals). */
function heldGoalsOf(config: CompiledConfig, method: string, path: string): readonly HoldoutGoalTarget[] | undefined {
  const h = config.holdouts;
  if (h.all.length === 0) return undefined;
  return method === "GET" ? h.pageViewGoals.get(path) : method === "POST" ? h.formGoals.get(path) : undefined;
}
const QA_PARAM_EQ = `${QA_PARAM}=`;

/**
 * The Set-Cookie strings the edge writes, made by the `cookie` package once per name and security and
 * then reused: an assignment cookie is one of a few fixed strings, and a visitor cookie differs only in
 * the id, which the edge issues itself (a UUID, nothing to encode).
 */
class SetCookieStrings {
  private readonly assignments = new WeakMap<CompiledVariant, [string | undefined, string | undefined]>();
  private readonly visitorParts: [[string, string] | undefined, [string, string] | undefined] = [undefined, undefined];

  private readonly o: CookieSettings;

  constructor(settings: CookieSettings) {
    this.o = settings;
  }

  assignment(experiment: CompiledExperiment, variant: CompiledVariant, secure: boolean): string {
    let pair = this.assignments.get(variant);
    if (pair === undefined) {
      pair = [undefined, undefined];
      this.assignments.set(variant, pair);
    }
    const i = secure ? 1 : 0;
    pair[i] ??= assignmentCookie(experiment.cookieName, variant.slug, this.o.assignmentMaxAgeDays, secure);
    return pair[i];
  }

  /** `<visitor cookie>-h<id>=<epoch>`: this visitor's arm of holdout `id` was counted in that epoch. */
  holdoutSeen(holdoutId: number, epoch: number, secure: boolean): string {
    return assignmentCookie(`${this.o.visitorCookie}-h${holdoutId}`, String(epoch), this.o.assignmentMaxAgeDays, secure);
  }

  /** The cookie for a visitor id the edge just issued: `crypto.randomUUID()`, whose characters need no encoding. */
  issuedVisitor(id: string, secure: boolean): string {
    const i = secure ? 1 : 0;
    let parts = this.visitorParts[i];
    if (parts === undefined) {
      const marker = "00000000-0000-4000-8000-000000000000";
      const whole = visitorCookie(this.o.visitorCookie, marker, this.o.visitorMaxAgeDays, secure);
      const at = whole.indexOf(marker);
      parts = [whole.slice(0, at), whole.slice(at + marker.length)];
      this.visitorParts[i] = parts;
    }
    return parts[0] + id + parts[1];
  }
}

type CookieSettings = Pick<ResolvedEdgeOptions<unknown>, "visitorCookie" | "visitorMaxAgeDays" | "assignmentMaxAgeDays">;
