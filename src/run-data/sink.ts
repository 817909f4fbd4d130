// Sends exposures to the run-data Durable Object of their experiment.
import type { ExposureSink } from "../edge/options.ts";
import type { RunDataObject } from "./run-data-object.ts";

export function runDataObjectName(experimentId: number): string {
  return `experiment:${experimentId}`;
}

export function runDataSink<Env>(namespace: (env: Env) => DurableObjectNamespace<RunDataObject> | undefined): ExposureSink<Env> {
  return async (exposure, env) => {
    const ns = namespace(env);
    if (ns === undefined) return;
    const stub = ns.get(ns.idFromName(runDataObjectName(exposure.experimentId)));
    await stub.recordExposures([exposure]);
  };
}
