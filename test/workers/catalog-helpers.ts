// Driving the real catalog as run-data does: shard reports, the catalog's clock, its alarm.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { catalogStub } from "../../src/catalog/names.ts";
import { shardOf } from "../../src/core/shards.ts";
import type { RunEvent } from "../../src/edge/ports.ts";
import { runDataObjectName } from "../../src/names.ts";
import type { ShardSnapshot } from "../../src/run-data/run-data-object.ts";
import { api } from "./admin-helpers.ts";

export const DAY_MS = 86_400_000;
export const GOAL = "page_view:/thanks";

export const catalog = () => catalogStub(env.SGEN_CATALOG);

/** A shard report of these totals (conversions of the primary goal, `/thanks`, unless `goals` says more). */
export function snapshot(
  samples: Record<string, number>,
  conversions: Record<string, number>,
  epoch = 0,
  goals: Record<string, Record<string, number>> = {},
): ShardSnapshot {
  return {
    epoch,
    samples,
    conversions: { [GOAL]: conversions, ...goals },
    lastConversionAt: {},
    daily: {},
    values: {},
    responses: {},
    notCounted: {},
  };
}

/** Shard 0's report to the catalog, as run-data's alarm sends it: a look, then the automated decision. */
export const report = (id: number, snap: ShardSnapshot) => catalog().runDataChanged(id, 0, snap);

/** Moves the catalog's clock `days` ahead of real time (0: back to real time). */
export function clockAhead(days: number): Promise<void> {
  return runInDurableObject(catalog(), (instance: CatalogObject) => {
    instance.clock = days === 0 ? () => Date.now() : () => Date.now() + days * DAY_MS;
  });
}

/** Runs the catalog's alarm now, if one is set; true when it ran. */
export const runCatalogAlarm = () => runDurableObjectAlarm(catalog());

export const record = async (id: number) => (await api("GET", `/experiments/${id}`)).json;
export const dashboard = async (id: number) => (await api("GET", `/experiments/${id}/dashboard`)).json;
export const entries = async (id: number) => (await api("GET", `/activity?experiment_id=${id}`)).json.entries;

/**
 * Real run-data: `visitors` of each variant exposed (their ids from `prefix`), the first `converting` of
 * them converting on /thanks, written to the shards the edge would write them to.
 */
export async function ingest(
  id: number,
  counts: Record<string, { visitors: number; converting: number }>,
  prefix: string,
  shards = 4,
): Promise<void> {
  const byShard = new Map<number, RunEvent[]>();
  const at = Date.now();
  for (const [variant, { visitors, converting }] of Object.entries(counts)) {
    for (let i = 0; i < visitors; i++) {
      const visitorId = `${prefix}-${variant}-${i}`;
      const events = byShard.get(shardOf(visitorId, shards)) ?? [];
      events.push({ kind: "exposure", experimentId: id, epoch: 0, visitorId, variant, at });
      if (i < converting) events.push({ kind: "conversion", experimentId: id, epoch: 0, visitorId, goal: GOAL, at });
      byShard.set(shardOf(visitorId, shards), events);
    }
  }
  for (const [shard, events] of byShard) {
    await env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(runDataObjectName(id, shard))).ingest(shard, events);
  }
}
