// `sgen-ab analyze`: one JSON document a line in, one analysis a line out (contract section 5).
// A line that is not valid input is reported on standard error with its line number, and the command
// ends with exit code 1 after reading everything; every good line still gets its answer.
import { issuesOf } from "../core/errors.ts";
import { AnalysisInput, analyze } from "../core/stats/analysis.ts";

export interface Io {
  lines: AsyncIterable<string>;
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runAnalyze(io: Io): Promise<number> {
  let lineNo = 0;
  let failed = 0;
  for await (const raw of io.lines) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      io.err(`sgen-ab analyze: line ${lineNo}: not JSON (${(err as Error).message})`);
      failed++;
      continue;
    }
    const parsed = AnalysisInput.safeParse(json);
    if (!parsed.success) {
      const detail = issuesOf(parsed.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join("; ");
      io.err(`sgen-ab analyze: line ${lineNo}: ${detail}`);
      failed++;
      continue;
    }
    io.out(JSON.stringify(analyze(parsed.data)));
  }
  return failed > 0 ? 1 : 0;
}
