// How the catalog reaches an experiment's run-data (every shard of its current epoch), tolerant of a
// deployment without the run-data binding: it then reads as empty, and freezing or purging is a no-op.
import { freezeRunData, purgeRunData, type RunDataNamespace, readRunData, sumSnapshots } from "../run-data/client.ts";
import type { ShardSnapshot } from "../run-data/run-data-object.ts";
import type { ExperimentRow } from "./tables.ts";

export class RunDataAccess {
  private readonly namespace: () => RunDataNamespace | undefined;

  /** `namespace` is asked on every call: the binding belongs to the object's env, which may be replaced. */
  constructor(namespace: () => RunDataNamespace | undefined) {
    this.namespace = namespace;
  }

  /** The summed counts of the row's epoch, read fresh from every shard. */
  read(row: Pick<ExperimentRow, "id" | "epoch" | "shards">): Promise<ShardSnapshot> {
    const ns = this.namespace();
    return ns === undefined ? Promise.resolve(sumSnapshots(row.epoch, [])) : readRunData(ns, row.id, row.epoch, row.shards);
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

  /** Removes every shard's data (the experiment is being deleted); a failure is thrown, so nothing is deleted. */
  async purge(row: Pick<ExperimentRow, "id" | "shards">): Promise<void> {
    const ns = this.namespace();
    if (ns !== undefined) await purgeRunData(ns, row.id, row.shards);
  }
}
