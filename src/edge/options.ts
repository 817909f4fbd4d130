// Options of the edge middleware, with the defaults a site gets when it sets nothing.
import { DEFAULT_BOT_PATTERN } from "../core/bots.ts";
import type { ConfigStore, DurableEventStore, EventSink, TallySink } from "./ports.ts";

export interface EdgeOptions<Env> {
  /** The KV namespace holding the published config (`kv-schema/`). Missing → the edge passes everything through. */
  configStore: (env: Env) => ConfigStore | undefined;
  /** Where exposures and conversions go. Default: nowhere (the Worker wires the run-data Durable Objects). */
  events?: EventSink<Env>;
  /**
   * Where the guardrails' measurements (each target-page response's status and time) and the ledger of
   * requests not counted go, added up in the isolate. Default: nowhere (the Worker wires run-data).
   */
  tallies?: TallySink<Env>;
  /**
   * Where custom events go when their acknowledgement must mean they are kept: a store awaited before the
   * answer (`ack: "stored"` or `"queued"`; 503 `not_stored` if it fails). Undefined for `env` (the
   * default): they join the isolate's buffer like every other event, and the answer says `ack: "buffered"`.
   */
  storeEvents?: (env: Env) => DurableEventStore | undefined;
  /** Path of the custom-event endpoint (docs/conversions.md#custom-events). Default `/__sgen/events`. */
  eventsPath?: string;
  /** Largest custom-event body. Default 8 KiB. */
  maxEventBodyBytes?: number;
  /** Most events in one custom-event body. Default 20. */
  maxEventsPerRequest?: number;
  /**
   * Custom-event posts one client (an IPv4 address, an IPv6 /64, or without an address the visitor id)
   * may make per minute in one isolate; past it, 429 with Retry-After. Default 600; false for no limit.
   */
  eventsPerMinute?: number | false;
  /**
   * A Workers Rate Limiting binding applied to custom-event posts per client as well, across isolates
   * (the ready Worker passes `SGEN_EVENTS_RATE_LIMIT`). Checked only on the event endpoint.
   */
  eventsRateLimit?: (env: Env) => RateLimit | undefined;
  /** The secret a site's backend signs custom events with (`SGEN_EVENTS_SECRET`; edge/signed-events.ts). */
  eventsSecret?: (env: Env) => string | undefined;
  /** Names of the custom events that count only when signed (`SGEN_SIGNED_EVENTS`: "purchase,signup" or "*"). */
  signedEvents?: (env: Env) => string | undefined;
  /** How far a signature's timestamp may be from the edge's clock, in seconds. Default 300. */
  signatureToleranceSeconds?: number;
  /**
   * Distinct new visitor ids one client (an IPv4 address or an IPv6 /64) may add to the samples per minute
   * in one isolate; past it, the client's new visitors still get their pages and cookies but are not counted
   * (reason `rate_limited`). A request without a client address is not limited. Default 1,000, generous
   * for a large NAT; false for no limit.
   */
  newVisitorsPerMinute?: number | false;
  /**
   * Cloudflare's bot signals, where the zone has them (`request.cf.botManagement`): a verified bot, or a
   * bot score below this, is treated as a crawler (the control, never counted). Default 30, Cloudflare's
   * line between "likely automated" and "likely human"; false to ignore the score (verified bots still count out).
   */
  botScoreBelow?: number | false;
  /**
   * Whether to read Cloudflare's Bot Management verdict (`request.cf.botManagement`) at all. Default true.
   * A zone without Bot Management (an Enterprise add-on) never gets the verdict and can say false: the
   * first read of `request.cf` builds the whole object, about 7k instructions, a new visitor's largest
   * single cost above the floor (bench/README.md). Known crawlers are still told by their user agent.
   *
   * @example
   * createEdge({ configStore: (env) => env.SGEN_CONFIG, botSignals: false }); // no Bot Management here
   */
  botSignals?: boolean;
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
  /** Assignment cookie lifetime. Default 90 days; keep it at 30 or more (docs/cookies.md). */
  assignmentMaxAgeDays?: number;
  /**
   * Known crawlers and tools: served like visitors (or the control, under an experiment's
   * `bots: "control"`) and never counted. Default DEFAULT_BOT_PATTERN; false for none.
   */
  bots?: RegExp | false;
  /**
   * The name of a consent cookie (a site under GDPR): until its value is 1, true, yes or granted, the
   * visitor gets the control, no cookie is set and nothing is counted. Undefined or "": not required.
   */
  consentCookie?: (env: Env) => string | undefined;
  /**
   * Custom consent logic, beside or instead of `consentCookie`: whether the visitor has consented to cookies and measurement. Until it returns true the visitor
   * gets the control, no cookie is set and nothing is counted. Default: consent is not required.
   */
  consent?: (request: Request, cookies: Record<string, string | undefined>, env: Env) => boolean;
  /** Secret that signs QA links (`?sgen-qa=…`). Without it QA links are ignored. */
  qaSecret?: (env: Env) => string | undefined;
  /** Where problems are reported. Default `console.warn`. Never thrown to the visitor. */
  log?: (message: string, error?: unknown) => void;
}

type OptionalKeys =
  | "events"
  | "tallies"
  | "visitorId"
  | "consent"
  | "consentCookie"
  | "qaSecret"
  | "eventsRateLimit"
  | "eventsSecret"
  | "signedEvents"
  | "storeEvents";
export type ResolvedEdgeOptions<Env> = Required<Omit<EdgeOptions<Env>, OptionalKeys>> & Pick<EdgeOptions<Env>, OptionalKeys>;

export function withDefaults<Env>(o: EdgeOptions<Env>): ResolvedEdgeOptions<Env> {
  return {
    configTtlMs: 30_000,
    configTimeoutMs: 100,
    kvCacheTtlSeconds: 30,
    visitorCookie: "sgen-vid",
    assignmentCookiePrefix: "sgen-ab-",
    visitorMaxAgeDays: 400,
    assignmentMaxAgeDays: 90,
    eventsPath: "/__sgen/events",
    maxEventBodyBytes: 8_192,
    maxEventsPerRequest: 20,
    eventsPerMinute: 600,
    signatureToleranceSeconds: 300,
    newVisitorsPerMinute: 1000,
    botScoreBelow: 30,
    botSignals: true,
    bots: DEFAULT_BOT_PATTERN,
    log: (message, error) => console.warn(message, error ?? ""),
    ...o,
  };
}
