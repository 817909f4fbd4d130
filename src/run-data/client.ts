// How the catalog and the admin read an experiment's run-data: every shard's snapshot, summed.
import { entry } from "../core/util.ts";
import { holdoutDataObjectName, runDataObjectName } from "../names.ts";
import type { ShardSnapshot } from "./run-data-object.ts";
import type { RunDataNamespace } from "./sink.ts";

export type { RunDataNamespace } from "./sink.ts";

function stubsOf(ns: RunDataNamespace, experimentId: number, shards: number, name = runDataObjectName) {
  return Array.from({ length: shards }, (_, k) => ns.get(ns.idFromName(name(experimentId, k))));
}

/** Adds shard snapshots of one epoch together. */
export function sumSnapshots(epoch: number, parts: readonly ShardSnapshot[]): ShardSnapshot {
  const total: ShardSnapshot = {
    epoch,
    samples: {},
    conversions: {},
    lastConversionAt: {},
    daily: {},
    values: {},
    responses: {},
    notCounted: {},
  };
  for (const p of parts) {
    for (const [v, n] of Object.entries(p.samples)) total.samples[v] = (total.samples[v] ?? 0) + n;
    for (const [g, byVariant] of Object.entries(p.conversions)) {
      const into = entry(total.conversions, g, () => ({}));
      for (const [v, n] of Object.entries(byVariant)) into[v] = (into[v] ?? 0) + n;
    }
    for (const [v, at] of Object.entries(p.lastConversionAt)) total.lastConversionAt[v] = Math.max(total.lastConversionAt[v] ?? 0, at);
    for (const [g, byVariant] of Object.entries(p.values ?? {})) {
      const into = entry(total.values, g, () => ({}));
      for (const [v, sums] of Object.entries(byVariant)) {
        const held = into[v];
        into[v] =
          held === undefined
            ? { ...sums }
            : {
                sum: (BigInt(held.sum) + BigInt(sums.sum)).toString(),
                sum_squares: (BigInt(held.sum_squares) + BigInt(sums.sum_squares)).toString(),
              };
      }
    }
    for (const [v, r] of Object.entries(p.responses ?? {})) {
      const held = total.responses[v];
      total.responses[v] =
        held === undefined
          ? { ...r }
          : {
              n: held.n + r.n,
              status_4xx: held.status_4xx + r.status_4xx,
              status_5xx: held.status_5xx + r.status_5xx,
              latency_sum: held.latency_sum + r.latency_sum,
              latency_sum_squares: (BigInt(held.latency_sum_squares) + BigInt(r.latency_sum_squares)).toString(),
            };
    }
    for (const [v, reasons] of Object.entries(p.notCounted ?? {})) {
      const into = entry(total.notCounted, v, () => ({}));
      for (const [reason, n] of Object.entries(reasons)) into[reason] = (into[reason] ?? 0) + n;
    }
    for (const [day, goals] of Object.entries(p.daily)) {
      for (const [g, byVariant] of Object.entries(goals)) {
        const into = entry(
          entry(total.daily, day, () => ({})),
          g,
          () => ({}),
        );
        for (const [v, n] of Object.entries(byVariant)) into[v] = (into[v] ?? 0) + n;
      }
    }
  }
  return total;
}

export async function readRunData(ns: RunDataNamespace, experimentId: number, epoch: number, shards: number): Promise<ShardSnapshot> {
  const parts = await Promise.all(stubsOf(ns, experimentId, shards).map((s) => s.snapshot(epoch)));
  return sumSnapshots(epoch, parts);
}

/** Every shard's snapshot of one epoch, each as it settled: one that fails does not hide the others. */
export function readShards(
  ns: RunDataNamespace,
  experimentId: number,
  epoch: number,
  shards: number,
): Promise<PromiseSettledResult<unknown>[]> {
  return Promise.allSettled(stubsOf(ns, experimentId, shards).map((s) => s.snapshot(epoch)));
}

export async function freezeRunData(ns: RunDataNamespace, experimentId: number, shards: number): Promise<void> {
  await Promise.all(stubsOf(ns, experimentId, shards).map((s) => s.freeze()));
}

export async function purgeRunData(ns: RunDataNamespace, experimentId: number, shards: number): Promise<void> {
  await Promise.all(stubsOf(ns, experimentId, shards).map((s) => s.purge()));
}

/** A holdout's counts of one epoch, every shard summed: its two arms (`held`, `exposed`) as variants. */
export async function readHoldoutData(ns: RunDataNamespace, holdoutId: number, epoch: number, shards: number): Promise<ShardSnapshot> {
  const parts = await Promise.all(stubsOf(ns, holdoutId, shards, holdoutDataObjectName).map((s) => s.snapshot(epoch)));
  return sumSnapshots(epoch, parts);
}

/** Removes a deleted holdout's counts from every shard. */
export async function purgeHoldoutData(ns: RunDataNamespace, holdoutId: number, shards: number): Promise<void> {
  await Promise.all(stubsOf(ns, holdoutId, shards, holdoutDataObjectName).map((s) => s.purge()));
}
