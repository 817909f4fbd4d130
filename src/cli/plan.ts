// `sgen-ab plan`: one JSON document a line in ({"baseline_rate","relative_mde","alpha","power","variants"}),
// one plan a line out ({"fixed_horizon_per_variant","sequential_per_variant"}), docs/analysis.md#planning.
import { PlanInput, plan } from "../core/stats/plan.ts";
import { type Io, runJsonLines } from "./json-lines.ts";

export function runPlan(io: Io): Promise<number> {
  return runJsonLines("plan", PlanInput, (input) => plan(input), io);
}
