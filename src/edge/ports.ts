// What the edge needs from the world around it, defined here by the edge (the consumer of these ports):
// a store to read the published config from, and a sink for the events it observes. Run-data implements
// the sink; tests and other sites may bring their own. Imports nothing.

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

/** What the edge sends on: first exposures and conversions, each naming its visitor so that a repeat counts once. */
export type RunEvent = ExposureEvent | ConversionEvent;

/** Receives the edge's events, off the response path (`ctx.waitUntil`). Must not throw. */
export type EventSink<Env> = (event: RunEvent, shards: number, env: Env, ctx: ExecutionContext) => void;
