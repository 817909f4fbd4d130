// Two shares of a callgrind dump that move between rounds of the same code, read out of its inclusive
// costs (callgrind_annotate), so that a round's count can be read with them and without them.
//
// The garbage collector: V8 collects the young generation every so many bytes allocated, and workerd
// frees the runtime objects that collection released (requests, responses, headers) in its callbacks
// after it: together 60k–80k instructions per request here, about a tenth of the count. How many
// collections fall into a round, and what each finds alive, moves that share by 15k or more between
// rounds. It is a real cost, paid in proportion to what a request allocates, so the total stays the
// figure compared; the count outside it is printed beside it.
//
// The optimising compiler: V8 compiles a function with Turbofan once it has run often enough, on the
// Worker's own thread under callgrind (`--no-concurrent-recompilation`). A compile is millions of
// instructions, paid once per isolate; a round it falls into counts it per request. It should be
// near zero after the warm-up (bench/instructions.ts sets the threshold so); it is printed to show it.
import { annotate, lineCost } from "./callgrind-annotate.ts";

export interface DumpShares {
  /** Instructions per request inside `Heap::CollectGarbage` (the collection and its epilogue callbacks). */
  readonly collector: number;
  /** Instructions per request inside `Compiler::CompileOptimized` (Turbofan). */
  readonly compiler: number;
}

export function dumpShares(callgrindFile: string, requests: number): DumpShares {
  const lines = annotate(callgrindFile, true);
  // A function can run inside itself (a collection starts another), so it is listed more than once,
  // each line inclusive of what it ran: the largest line is the whole.
  const most = (name: string): number => {
    let n = 0;
    for (const line of lines) {
      const cost = line.includes(name) ? lineCost(line) : null;
      if (cost !== null) n = Math.max(n, cost);
    }
    return n / requests;
  };
  const collector = most("v8::internal::Heap::CollectGarbage(");
  // Thousands of requests always collect: none found means the names are not in this workerd's symbols.
  if (collector === 0) console.warn(`${callgrindFile}: no garbage collection found; "outside the collector" is the total`);
  return { collector, compiler: most("v8::internal::Compiler::CompileOptimized(") };
}
