// What the edge needs from the world around it, defined here by the edge (the consumer of these ports):
// a store to read the published config from, a sink for the events it observes, and a sink for what it
// measures besides (the origin's answers, the requests it did not count). Run-data implements the
// sinks; tests and other sites may bring their own. Imports nothing.

/** What the edge needs from a KV namespace: one text read. Tests inject slow or failing ones. */
export interface ConfigStore {
  get(key: string, options: { type: "text"; cacheTtl?: number }): Promise<string | null>;
}

/** A visitor joined an experiment's sample (its first assignment in this epoch). */
export interface ExposureEvent {
  readonly kind: "exposure";
  readonly experimentId: number;
  readonly epoch: number;
  readonly visitorId: string;
  readonly variant: string;
  readonly at: number;
}

/** What a value goal's event adds to the visitor's total (docs/metrics.md, "Value metrics end to end"). */
export interface EventValue {
  /** The event's value in whole cents (0 or more). */
  readonly cents: number;
  /** The event's identity: the site's own `id` (`c:` + it) or one the edge minted (`e:` + a UUID); a repeat counts once. */
  readonly id: string;
  /** The goal's per-visitor cap in cents, or null. */
  readonly capCents: number | null;
}

/** A visitor completed a goal; the variant is the one it was exposed to, which run-data knows. */
export interface ConversionEvent {
  readonly kind: "conversion";
  readonly experimentId: number;
  readonly epoch: number;
  readonly visitorId: string;
  /** The goal's key (src/core/goals.ts). */
  readonly goal: string;
  readonly at: number;
  /** Present for a value goal's event. */
  readonly value?: EventValue;
}

/**
 * A visitor reached a holdout's step on a covered target page: `held` (kept out) or `exposed` (not
 * held; the experiments' other rules decide the rest). Counted once per visitor per holdout epoch.
 */
export interface HoldoutExposureEvent {
  readonly kind: "holdout_exposure";
  readonly holdoutId: number;
  readonly epoch: number;
  readonly visitorId: string;
  readonly arm: "held" | "exposed";
  readonly at: number;
}

/** A visitor completed one of a holdout's goals; counted once per goal, if the visitor is in the holdout's sample. */
export interface HoldoutConversionEvent {
  readonly kind: "holdout_conversion";
  readonly holdoutId: number;
  readonly epoch: number;
  readonly visitorId: string;
  readonly goal: string;
  readonly at: number;
}

/**
 * What the edge sends on: first exposures and conversions of experiments and holdouts, each naming its
 * visitor so that a repeat counts once.
 */
export type RunEvent = ExposureEvent | ConversionEvent | HoldoutExposureEvent | HoldoutConversionEvent;

/** Receives the edge's events, off the response path (`ctx.waitUntil`). Must not throw. */
export type EventSink<Env> = (event: RunEvent, shards: number, env: Env, ctx: ExecutionContext) => void;

/**
 * Why a request on a live experiment was left out of its counts: the ledger of what was not counted
 * (docs/metrics.md, "The ledger"), shown beside the sample-ratio check so that a mismatch comes with its
 * likely cause. Per variant where the variant is known.
 */
export const NOT_COUNTED_REASONS = [
  /** A known crawler or tool (served, never counted). */
  "crawler",
  /** The site asks for consent and the visitor has not given it. */
  "no_consent",
  /** Outside the experiment's audience (docs/audiences.md). */
  "audience_miss",
  /** Held out by a holdout that covers the experiment: served the site as is. */
  "holdout",
  /** Outside the experiment's slice of its exclusive layer, or in another experiment of the layer. */
  "layer",
  /** In the audience but outside its coverage share. */
  "coverage",
  /** The experiment layer could not decide or could not apply the variant; the visitor got the page untouched. */
  "fail_open",
  /** The variant's page answered 4xx or 5xx (or could not be fetched): the visitor got the control's page. */
  "variant_page_4xx",
  "variant_page_5xx",
  /** The variant's page redirected off the site, or more than 3 times: the visitor got the control's page. */
  "variant_page_redirect",
  /** A visitor id longer than the edge accepts was replaced by a fresh one. */
  "id_too_long",
  /** The isolate's event buffer was full (run-data unreachable for long): the event was dropped. */
  "buffer_overflow",
  /** Run-data refused a batch every time it was sent: its events were dropped. */
  "delivery_failed",
  /** A client over its counting limit: a new visitor past its client's limit on new visitors a minute. */
  "rate_limited",
  /** Cloudflare's bot signals (a verified bot, or a bot score under the line): served the control. */
  "bot_signal",
  /** A custom event that must be signed (SGEN_SIGNED_EVENTS), posted without a valid signature. */
  "unsigned",
  /** A visitor of a variant the circuit breaker stopped: served the control, no longer counted. */
  "variant_stopped",
] as const;
export type NotCountedReason = (typeof NOT_COUNTED_REASONS)[number];

/** What a tally needs to know of an experiment (a compiled experiment is one). */
export interface TallyExperiment {
  readonly id: number;
  readonly epoch: number;
  readonly shards: number;
}

/** An event with its experiment's shard count, as a store that writes it needs it. */
export interface ShardedEvent {
  readonly event: RunEvent;
  readonly shards: number;
}

/**
 * Receives what the edge measures of live experiments besides the events: the origin's answer to each
 * target-page request of a visitor in the sample (for the guardrails), and the requests not counted
 * (the ledger). Implementations add them up in the isolate and send the totals with the events'
 * rhythm: never a Durable Object call per page view. Must not throw; off the response path.
 */
export interface TallySink<Env> {
  /** The origin answered `status` after `ms` milliseconds (to its response headers) for a visitor of `variant`. */
  response(experiment: TallyExperiment, variant: string, status: number, ms: number, env: Env, ctx: ExecutionContext): void;
  /** A request of `variant` (null when not known) was left out of the counts, for `reason`. */
  notCounted(experiment: TallyExperiment, variant: string | null, reason: NotCountedReason, env: Env, ctx: ExecutionContext): void;
}

/**
 * Stores events before the request that made them is answered: resolves once they are durable, in
 * run-data (`stored`) or in a queue that will deliver them at least once (`queued`); rejects when they
 * are not. The edge uses it for custom events, so that an acknowledgement means what it says.
 */
export type DurableEventStore = (events: readonly ShardedEvent[]) => Promise<"stored" | "queued">;
