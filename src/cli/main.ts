// The sgen-ab command line, compiled to plain JavaScript (dist/cli/) so that it runs from node_modules
// on Node 20 and 22 alike. bin/sgen-ab.mjs calls `main`.
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { runAnalyze } from "./analyze.ts";
import { type CliIo, runExperiments } from "./experiments.ts";
import { runHoldouts } from "./holdouts.ts";
import { runPlan } from "./plan.ts";

const USAGE = `usage: sgen-ab <command>

  analyze       read one JSON document a line ({"variants":[{"slug","sample","conversions","traffic_share"}],"alpha":0.05},
                the first variant the control) and write one analysis a line (docs/analysis.md); a line with
                "metric":"mean" and variants' "sum","sum_squares" instead of "conversions" is a value metric
                (docs/metrics.md)
  plan          read one JSON document a line ({"baseline_rate","relative_mde","alpha","power","variants"}) and write
                {"fixed_horizon_per_variant","sequential_per_variant"} a line
  experiments   manage experiments through a deployed admin API (config as code); sgen-ab experiments --help
  holdouts      manage holdouts the same way; sgen-ab holdouts --help`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "analyze" || command === "plan") {
    return (command === "plan" ? runPlan : runAnalyze)({
      lines: createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  }
  if (command === "experiments" || command === "holdouts") {
    const io: CliIo = {
      env: process.env,
      fetch: globalThis.fetch,
      readFile: (path) => readFile(path, "utf8"),
      readStdin,
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
    };
    return (command === "holdouts" ? runHoldouts : runExperiments)(rest, io);
  }
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || command === "--help" || command === "-h" ? 0 : 2;
}
