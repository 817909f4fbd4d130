// BENCH_JS_PROFILE=1 npm run bench:instructions: which JavaScript functions the counted instructions ran
// in. callgrind names workerd's own C++ functions, but a Worker's JavaScript is code V8 compiled at run
// time, which callgrind knows only by address. With V8's `--perf-basic-prof` the pages' workerd writes
// /tmp/perf-<pid>.map (start, size and name of each piece of code it compiles), and this reads each
// scenario's callgrind dump through callgrind_annotate and names those addresses with it. Unlike the
// inspector's sampling profiler (npm run bench:profile), nothing is slowed to watch it: the figures are
// instructions per request, as the totals are.
import { readFileSync } from "node:fs";
import { annotate, lineCost } from "./callgrind-annotate.ts";

/** V8's flag for the map; passed to the pages' workerd with the others. */
export const JS_PROFILE_FLAG = "--perf-basic-prof";

interface CodeRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** The code ranges of a perf map, later entries first: V8 can reuse an address once its code is freed. */
function readPerfMap(file: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [start, size, ...name] = line.split(" ");
    if (start === undefined || size === undefined || name.length === 0) continue;
    const at = Number.parseInt(start, 16);
    ranges.push({ start: at, end: at + Number.parseInt(size, 16), name: name.join(" ") });
  }
  return ranges.reverse();
}

/**
 * V8's name of a piece of code, shortened: `JS:+decide worker.js:30427:18` is `decide` (its tier mark and
 * its place in the bundle dropped), a regular expression keeps its source.
 */
function shortName(name: string): string {
  const js = /^JS:[~^+*']*(\S*)/.exec(name);
  if (js !== null) return js[1] === "" ? "(anonymous)" : (js[1] as string);
  const re = /^RegExp\.<\s*src: '(.*)' flags: '(.*)'>?$/.exec(name);
  if (re !== null) return `/${(re[1] as string).slice(0, 60)}${(re[1] as string).length > 60 ? "…" : ""}/${re[2]}`;
  return name;
}

export interface JsProfile {
  /** Instructions per request in compiled JavaScript (and regular expressions), by function. */
  readonly functions: Array<[string, number]>;
  /** All of them together, named or not. */
  readonly total: number;
  /** Instructions per request in V8's builtins (string searches, Map lookups, promise jobs, …). */
  readonly builtins: number;
}

/** The self instructions per request of each JavaScript function in one scenario's dump. */
export function jsProfile(callgrindFile: string, perfMapFile: string, requests: number): JsProfile {
  const ranges = readPerfMap(perfMapFile);
  const byName = new Map<string, number>();
  let total = 0;
  let builtins = 0;
  for (const line of annotate(callgrindFile, false)) {
    const cost = lineCost(line);
    if (cost === null) continue;
    const n = cost / requests;
    if (line.includes("Builtins_")) {
      builtins += n;
      continue;
    }
    // Code callgrind has no symbol for: `???:0x0000000064552600 [???]`.
    const jit = /\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/.exec(line);
    if (jit === null) continue;
    const address = Number.parseInt(jit[1] as string, 16);
    const range = ranges.find((r) => r.start <= address && address < r.end);
    const name = range === undefined ? "(code not in the map)" : shortName(range.name);
    byName.set(name, (byName.get(name) ?? 0) + n);
    total += n;
  }
  return { functions: [...byName].sort((a, b) => b[1] - a[1]), total, builtins };
}

/** A scenario's profile as a table: the `top` costliest functions, then the totals. */
export function jsProfileTable(scenario: string, p: JsProfile, top = 25): string {
  const rows = p.functions.slice(0, top).map(([name, n]) => `| ${name.replaceAll("|", "\\|")} | ${n.toFixed(0)} |`);
  return [
    `\n${scenario}: instructions per request in JavaScript, by function (self, the last round)`,
    "| function | instructions |",
    "|---|---|",
    ...rows,
    `| all compiled JavaScript | ${p.total.toFixed(0)} |`,
    `| V8's builtins | ${p.builtins.toFixed(0)} |`,
  ].join("\n");
}
