/**
 * `sgen-ab`: the pure core (`sgen-ab/core`), the edge (`sgen-ab/edge`) and `createWorker`
 * (`sgen-ab/worker`) from one import. The narrower entry points say what a file needs; this one is for
 * a site that wants the usual three.
 *
 * @example
 * ```ts
 * import { createWorker, inRollout, type SgenEnv } from "sgen-ab";
 * export { CatalogObject, RunDataObject } from "sgen-ab/worker";
 *
 * const sgen = createWorker<SgenEnv>();
 * export default {
 *   fetch(request, env, ctx) {
 *     if (inRollout("maintenance-banner", request.headers.get("x-user-id") ?? "", 5)) console.log("in the 5%");
 *     return sgen.fetch(request, env, ctx);
 *   },
 * } satisfies ExportedHandler<SgenEnv>;
 * ```
 *
 * @module
 */
export * from "./core/index.ts";
export * from "./edge/index.ts";
export { createWorker, defaultOrigin, type SgenEnv, type SgenWorker, type WorkerOptions } from "./worker/index.ts";
