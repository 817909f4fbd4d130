// Percentage rollouts with the assignment hash (contract section 1), for feature flags as much as for a
// shipped variant: a visitor is in a rollout of p% when its bucket for the key is below 100·p, so
// raising p only ever adds visitors, and the same visitor gets the same answer everywhere the key and
// the id are the same.
import { bucketOf } from "./hash.ts";

export function inRollout(key: string, visitorId: string, percent: number): boolean {
  if (!(percent > 0)) return false;
  if (percent >= 100) return true;
  return bucketOf(key, visitorId) < Math.round(percent * 100);
}
