// callgrind_annotate's function listing, as the bench's readers of a callgrind dump take it
// (dump-shares.ts, js-profile.ts): one line a function, its cost first.
import { execFileSync } from "node:child_process";

/** The lines of callgrind_annotate over a dump: each function's own cost, or with `inclusive` its callees' too. */
export function annotate(callgrindFile: string, inclusive: boolean): string[] {
  const text = execFileSync("callgrind_annotate", [`--inclusive=${inclusive ? "yes" : "no"}`, "--threshold=100", callgrindFile], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return text.split("\n");
}

/** A listing line's cost (its leading count, thousands separated by commas), or null for any other line. */
export function lineCost(line: string): number | null {
  const cost = /^\s*([\d,]+)\s/.exec(line);
  return cost === null ? null : Number((cost[1] as string).replaceAll(",", ""));
}
