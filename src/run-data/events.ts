// What the edge sends to run-data: first exposures and conversions, each naming its visitor so that a
// repeated delivery counts once.
export interface ExposureEvent {
  readonly kind: "exposure";
  readonly experimentId: number;
  readonly epoch: number;
  readonly visitorId: string;
  readonly variant: string;
  readonly at: number;
}

export interface ConversionEvent {
  readonly kind: "conversion";
  readonly experimentId: number;
  readonly epoch: number;
  readonly visitorId: string;
  /** The goal's key (src/core/goals.ts); the variant is the one the visitor was exposed to. */
  readonly goal: string;
  readonly at: number;
}

export type RunEvent = ExposureEvent | ConversionEvent;

export function runDataObjectName(experimentId: number, shard: number): string {
  return `experiment:${experimentId}:shard:${shard}`;
}
