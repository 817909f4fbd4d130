// `sgen-ab analyze`: one JSON document a line in, one analysis a line out (contract section 5). Each
// line is one look: the always-valid values are those of a run seen once (docs/analysis.md).
import { AnalysisInput, analyze } from "../core/stats/analysis.ts";
import { type Io, runJsonLines } from "./json-lines.ts";

export type { Io } from "./json-lines.ts";

export function runAnalyze(io: Io): Promise<number> {
  return runJsonLines("analyze", AnalysisInput, (input) => analyze(input), io);
}
