/**
 * `sgen-ab/core`: the pure part, with no IO, no `cloudflare:*` and no Hono. Everything here runs in
 * Node, a browser or a Worker, and nothing here throws on the request path.
 *
 * - the assignment of docs/hash.md (`variantFor`, `bucketOf`, `assignmentHash`), so a backend or
 *   an app computes the same variant as the edge;
 * - `inRollout`, the same hash for feature flags and gradual rollouts;
 * - `analyze`, the statistics of docs/analysis.md (what `npx sgen-ab analyze` prints);
 * - the zod schemas of an experiment and of the published config, to validate files before sending them.
 *
 * @example
 * ```ts
 * import { AnalysisInput, analyze, inRollout, variantFor } from "sgen-ab/core";
 *
 * const variants = [
 *   { slug: "a", traffic_share: 50 },
 *   { slug: "b", traffic_share: 50 },
 * ];
 * const variant = variantFor("pricing-page-layout", "visitor-42", variants)?.slug; // "a" or "b", as at the edge
 * const newCheckout = inRollout("new-checkout", "visitor-42", 10); // in the first 10%
 *
 * const result = analyze(
 *   AnalysisInput.parse({
 *     variants: [
 *       { slug: "a", sample: 10_000, conversions: 1_000, traffic_share: 50 },
 *       { slug: "b", sample: 10_000, conversions: 1_100, traffic_share: 50 },
 *     ],
 *   }),
 * );
 * console.log(variant, newCheckout, result.outcome.state, result.comparisons[0]?.p_value);
 * ```
 *
 * @module
 */
export { EDGE_CONFIG_KEY } from "../names.ts";
export * from "./assignment.ts";
export * from "./cache-control.ts";
export * from "./edge-plan.ts";
export * from "./hash.ts";
export * from "./paths.ts";
// The rollout rule itself; the bucket-level helpers the edge uses stay internal.
export { inRollout } from "./rollout.ts";
export * from "./schema.ts";
export * from "./stats/analysis.ts";
// The analysis of a value metric (revenue per visitor); its helpers stay internal.
export {
  type AnalyzeMeansOptions,
  analyzeMeans,
  analyzeMeansLook,
  type MeanAnalysis,
  MeanAnalysisInput,
  type MeanAnalysisState,
  type MeanComparison,
  type MeanVariantResult,
} from "./stats/means.ts";
export * from "./stats/plan.ts";
