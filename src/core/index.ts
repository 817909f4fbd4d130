// The pure core: no IO, no `cloudflare:*`, no Hono. Everything here is safe to run in Node, a browser or
// a Worker, and nothing here throws on the request path.
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
