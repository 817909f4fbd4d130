// `sgen-ab analyze`: one JSON document a line in, one analysis a line out (docs/analysis.md). Each
// line is one look: the always-valid values are those of a run seen once (docs/analysis.md). A line
// with "metric": "mean" is a value metric (docs/metrics.md).
import { analyze } from "../core/stats/analysis.ts";
import { analyzeMeans } from "../core/stats/means.ts";
import { AnalyzeLine } from "./analyze-input.ts";
import { type Io, runJsonLines } from "./json-lines.ts";

export type { Io } from "./json-lines.ts";

export function runAnalyze(io: Io): Promise<number> {
  return runJsonLines("analyze", AnalyzeLine, (line) => (line.metric === "mean" ? analyzeMeans(line.input) : analyze(line.input)), io);
}
