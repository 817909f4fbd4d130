// How the catalog and the admin reach an experiment's run-data: per-variant samples of an epoch, and
// removal of everything when the experiment is deleted.
import type { RunDataObject } from "./run-data-object.ts";
import { runDataObjectName } from "./sink.ts";

export type RunDataNamespace = DurableObjectNamespace<RunDataObject>;

function stubOf(ns: RunDataNamespace, experimentId: number) {
  return ns.get(ns.idFromName(runDataObjectName(experimentId)));
}

/** Variant slug → sample (unique visitors) in `epoch`. */
export async function readSamples(ns: RunDataNamespace, experimentId: number, epoch: number): Promise<Record<string, number>> {
  const rows = await stubOf(ns, experimentId).counts(epoch);
  return Object.fromEntries(rows.map((r) => [r.variant, r.sample]));
}

export async function purgeRunData(ns: RunDataNamespace, experimentId: number): Promise<void> {
  await stubOf(ns, experimentId).purge();
}
