// Names that more than one part of sgen-ab must agree on: where the edge's config lives in KV and how the
// Durable Objects are named. A leaf module: it imports nothing, so anything may import it.

/** The KV key under which the catalog publishes the edge's view of every experiment (kv-schema/). */
export const EDGE_CONFIG_KEY = "sgen-ab:edge-config:v1";

/** The catalog is one Durable Object for the whole deployment: every record and audit entry in one place. */
export const CATALOG_OBJECT_NAME = "catalog";

/** The name of the run-data Durable Object that holds one shard of one experiment's visitors. */
export function runDataObjectName(experimentId: number, shard: number): string {
  return `experiment:${experimentId}:shard:${shard}`;
}

/** The name of the run-data Durable Object that holds one shard of one holdout's visitors. */
export function holdoutDataObjectName(holdoutId: number, shard: number): string {
  return `holdout:${holdoutId}:shard:${shard}`;
}
