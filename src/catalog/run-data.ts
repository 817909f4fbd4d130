// How the catalog reaches an experiment's run-data (every shard of its current epoch), tolerant of a
// deployment without the run-data binding: it then reads as empty, and freezing or purging is a no-op.
// A shard that fails or answers something that is not a snapshot makes the experiment's run-data
// unavailable, said in words, rather than an error: the operator still sees the record and may act on it.
import {
  freezeRunData,
  purgeHoldoutData,
  purgeRunData,
  type RunDataNamespace,
  readHoldoutData,
  readShards,
  sumSnapshots,
} from "../run-data/client.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";
import { StoredSnapshot } from "./records.ts";
import type { ExperimentRow } from "./tables.ts";

/** The summed counts of an experiment, or why they cannot be had. */
export type RunRead = { readonly ok: true; readonly run: ShardSnapshot } | { readonly ok: false; readonly error: string };

export class RunDataAccess {
  private readonly namespace: () => RunDataNamespace | undefined;

  /** `namespace` is asked on every call: the binding belongs to the object's env, which may be replaced. */
  constructor(namespace: () => RunDataNamespace | undefined) {
    this.namespace = namespace;
  }

  /**
   * The summed counts of the row's epoch, read fresh from every shard; when one shard fails or answers
   * garbage, the error names it (partial sums would look like real, smaller counts).
   */
  async read(row: Pick<ExperimentRow, "id" | "epoch" | "shards">): Promise<RunRead> {
    const ns = this.namespace();
    if (ns === undefined) return { ok: true, run: sumSnapshots(row.epoch, []) };
    let settled: PromiseSettledResult<unknown>[];
    try {
      settled = await readShards(ns, row.id, row.epoch, row.shards);
    } catch (err) {
      return { ok: false, error: `run-data unavailable: ${(err as Error).message}` };
    }
    const parts: ShardSnapshot[] = [];
    const failed: string[] = [];
    settled.forEach((r, shard) => {
      if (r.status === "rejected")
        failed.push(`shard ${shard + 1} of ${row.shards} failed (${String((r.reason as Error)?.message ?? r.reason)})`);
      else {
        const parsed = StoredSnapshot.safeParse(r.value);
        if (parsed.success && parsed.data.epoch === row.epoch) parts.push(parsed.data);
        else failed.push(`shard ${shard + 1} of ${row.shards} answered an unreadable snapshot`);
      }
    });
    if (failed.length > 0) {
      console.warn(`sgen-ab catalog: run-data of experiment ${row.id} unavailable`, failed);
      return { ok: false, error: `run-data unavailable: ${failed.join("; ")}` };
    }
    return { ok: true, run: sumSnapshots(row.epoch, parts) };
  }

  /** Refuses further writes to every shard; a failure is logged, not thrown. */
  async freeze(row: Pick<ExperimentRow, "id" | "shards">): Promise<void> {
    const ns = this.namespace();
    if (ns === undefined) return;
    try {
      await freezeRunData(ns, row.id, row.shards);
    } catch (err) {
      // The edge stops counting a done experiment as soon as it reads the new config; freezing only
      // guards against batches already in flight.
      console.warn(`sgen-ab catalog: could not freeze run-data of experiment ${row.id}`, err);
    }
  }

  /** Removes every shard's data (the experiment is being deleted); on a failure, says why, and nothing is deleted. */
  async purge(row: Pick<ExperimentRow, "id" | "shards">): Promise<string | null> {
    const ns = this.namespace();
    if (ns === undefined) return null;
    try {
      await purgeRunData(ns, row.id, row.shards);
      return null;
    } catch (err) {
      console.warn(`sgen-ab catalog: could not remove run-data of experiment ${row.id}`, err);
      return `run-data unavailable: its shards could not be removed (${(err as Error).message})`;
    }
  }

  /** A holdout's counts of its current epoch, read fresh from every shard. */
  readHoldout(h: { id: number; epoch: number; shards: number }): Promise<ShardSnapshot> {
    const ns = this.namespace();
    return ns === undefined ? Promise.resolve(sumSnapshots(h.epoch, [])) : readHoldoutData(ns, h.id, h.epoch, h.shards);
  }

  /** Removes a deleted holdout's counts; a failure is logged (its id is never used again). */
  async purgeHoldout(h: { id: number; shards: number }): Promise<void> {
    const ns = this.namespace();
    if (ns === undefined) return;
    try {
      await purgeHoldoutData(ns, h.id, h.shards);
    } catch (err) {
      console.warn(`sgen-ab catalog: could not remove the run-data of deleted holdout ${h.id}`, err);
    }
  }
}
