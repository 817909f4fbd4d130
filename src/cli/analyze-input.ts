// What `sgen-ab analyze` reads on a line: a line with "metric": "mean" is a value metric's sums
// (docs/metrics.md); a line without `metric`, or with "metric": "proportion", is the conversions' input
// of docs/analysis.md and is read as before (minus that key). One schema, so that the command's
// line runner reports either kind's issues by field and line alike.
import * as z from "zod";
import { AnalysisInput } from "../core/stats/analysis.ts";
import { MeanAnalysisInput } from "../core/stats/means.ts";

export type AnalyzeLine =
  | { metric: "proportion"; input: z.output<typeof AnalysisInput> }
  | { metric: "mean"; input: z.output<typeof MeanAnalysisInput> };

export const AnalyzeLine = z.unknown().transform((json, ctx): AnalyzeLine => {
  let metric: unknown = "proportion";
  let rest: unknown = json;
  if (json !== null && typeof json === "object" && !Array.isArray(json) && "metric" in json) {
    ({ metric, ...rest } = json as { metric: unknown });
  }
  if (metric !== "proportion" && metric !== "mean") {
    ctx.issues.push({ code: "custom", path: ["metric"], message: 'must be "proportion" or "mean"', input: json });
    return z.NEVER;
  }
  const parsed = metric === "mean" ? MeanAnalysisInput.safeParse(json) : AnalysisInput.safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.issues.push({ code: "custom", path: issue.path, message: issue.message, input: json });
    return z.NEVER;
  }
  return metric === "mean"
    ? { metric, input: parsed.data as z.output<typeof MeanAnalysisInput> }
    : { metric, input: parsed.data as z.output<typeof AnalysisInput> };
});
