/**
 * `sgen-ab/edge`: the middleware itself, for your own Worker. `createEdge(options).handle(request, env,
 * ctx, origin)` serves the variant page of a target page under the original URL, counts conversions,
 * and passes every other request to `origin` untouched; any failure of the experiment layer ends in the
 * site's own page. Nothing of the admin side, of run-data (and no zod) is on this entry's import
 * graph. Counting is a sink the edge is given: `runDataEvents` and the `RunDataObject` class come from
 * `sgen-ab/worker`, and a bundler keeps only those two of it.
 *
 * @example
 * ```ts
 * import { createEdge } from "sgen-ab/edge";
 * import { type RunDataObject, runDataEvents } from "sgen-ab/worker";
 * export { RunDataObject } from "sgen-ab/worker";
 *
 * interface Env {
 *   SGEN_CONFIG: KVNamespace;
 *   SGEN_RUN_DATA: DurableObjectNamespace<RunDataObject>;
 *   ASSETS: Fetcher;
 * }
 *
 * const edge = createEdge<Env>({
 *   configStore: (env) => env.SGEN_CONFIG,
 *   events: runDataEvents((env) => env.SGEN_RUN_DATA), // counting; leave it out to count nothing
 *   visitorId: (request) => request.headers.get("x-user-id") ?? undefined, // a signed-in user's id
 * });
 *
 * export default {
 *   fetch: (request, env, ctx) => edge.handle(request, env, ctx, (r) => env.ASSETS.fetch(r)),
 * } satisfies ExportedHandler<Env>;
 * ```
 *
 * @module
 */
export { EDGE_CONFIG_KEY } from "../names.ts";
export { createEdge, type Edge, type Origin } from "./handler.ts";
export { type EdgeOptions, type ResolvedEdgeOptions, withDefaults } from "./options.ts";
export type { ConfigStore, EventSink, NotCountedReason, RunEvent } from "./ports.ts";
export { QA_PARAM, qaLink, qaToken, qaVariant } from "./qa-link.ts";
export { signEvents } from "./signed-events.ts";
