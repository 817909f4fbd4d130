// Which run-data shard holds a visitor. A visitor's exposure and conversions always land on the same
// shard, so "only visitors in the sample convert" is checked inside one Durable Object, atomically.
import { hashString } from "./hash.ts";

/** The most run-data objects one experiment may spread its visitors over (schema, settings and the edge agree). */
export const MAX_SHARDS = 64;

export function shardOf(visitorId: string, shards: number): number {
  return shards <= 1 ? 0 : hashString(`shard:${visitorId}`) % shards;
}
