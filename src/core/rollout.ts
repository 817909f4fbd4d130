// Percentage rollouts with the assignment hash (docs/hash.md#rollouts-inrollout), for feature flags as much as for a
// shipped variant: a visitor is in a rollout of p% when its bucket for the key is below 100·p, so
// raising p only ever adds visitors, and the same visitor gets the same answer everywhere the key and
// the id are the same. The edge's gradual rollout of a shipped variant uses these same functions.
import { BUCKETS, bucketOf } from "./hash.ts";

/** A rollout percentage (0–100, two decimals) as the number of buckets it covers, 0 to 10,000. */
export function rolloutBuckets(percent: number): number {
  if (!(percent > 0)) return 0;
  return percent >= 100 ? BUCKETS : Math.round(percent * 100);
}

/** Whether `visitorId` is in a rollout of `buckets` buckets (from `rolloutBuckets`) under `key`. */
export function inRolloutBuckets(key: string, visitorId: string, buckets: number): boolean {
  if (buckets >= BUCKETS) return true;
  return buckets > 0 && bucketOf(key, visitorId) < buckets;
}

export function inRollout(key: string, visitorId: string, percent: number): boolean {
  return inRolloutBuckets(key, visitorId, rolloutBuckets(percent));
}
