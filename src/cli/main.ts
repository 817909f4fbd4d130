// The sgen-ab command line. Runs on Node with TypeScript type stripping (Node ≥ 22.18).
import { createInterface } from "node:readline";
import { runAnalyze } from "./analyze.ts";
import { runPlan } from "./plan.ts";

const USAGE = `usage: sgen-ab analyze < runs.jsonl
       sgen-ab plan < plans.jsonl

  analyze   read one JSON document a line ({"variants":[{"slug","sample","conversions","traffic_share"}],"alpha":0.05},
            the first variant the control) and write one analysis a line (contract section 5); a line with
            "metric":"mean" and variants' "sum","sum_squares" instead of "conversions" is a value metric
            (docs/metrics.md)
  plan      read one JSON document a line ({"baseline_rate","relative_mde","alpha","power","variants"}) and write
            {"fixed_horizon_per_variant","sequential_per_variant"} a line`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command === "analyze" || command === "plan") {
    return (command === "plan" ? runPlan : runAnalyze)({
      lines: createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  }
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || command === "--help" || command === "-h" ? 0 : 2;
}
