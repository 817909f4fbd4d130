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

/** A visitor completed a goal; the variant is the one it was exposed to, which run-data knows. */
export interface ConversionEvent {
  readonly kind: "conversion";
  readonly experimentId: number;
  readonly epoch: number;
  readonly visitorId: string;
  /** The goal's key (src/core/goals.ts). */
  readonly goal: string;
  readonly at: number;
}

/** What the edge sends on: first exposures and conversions, each naming its visitor so that a repeat counts once. */
export type RunEvent = ExposureEvent | ConversionEvent;

/** Receives the edge's events, off the response path (`ctx.waitUntil`). Must not throw. */
export type EventSink<Env> = (event: RunEvent, shards: number, env: Env, ctx: ExecutionContext) => void;
