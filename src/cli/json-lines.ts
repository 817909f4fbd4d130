// The shape every `sgen-ab` filter command shares: one JSON document a line in, one answer a line out.
// A line that is not valid input is reported on standard error with its line number; the command reads
// everything, answers every good line, and ends with exit code 1 if any line was bad.
import type { z } from "zod";
import { issuesOf } from "../core/errors.ts";

export interface Io {
  lines: AsyncIterable<string>;
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runJsonLines<S extends z.ZodType>(
  command: string,
  schema: S,
  answer: (input: z.output<S>) => unknown,
  io: Io,
): Promise<number> {
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
      io.err(`sgen-ab ${command}: line ${lineNo}: not JSON (${(err as Error).message})`);
      failed++;
      continue;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const detail = issuesOf(parsed.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join("; ");
      io.err(`sgen-ab ${command}: line ${lineNo}: ${detail}`);
      failed++;
      continue;
    }
    io.out(JSON.stringify(answer(parsed.data)));
  }
  return failed > 0 ? 1 : 0;
}
