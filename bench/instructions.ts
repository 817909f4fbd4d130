// npm run bench:instructions: CPU instructions per request in workerd, counted by Valgrind's callgrind
// (needs `apt-get install -y valgrind`). Unlike requests a second, an instruction count does not move
// when other programs load the machine, so it can tell small changes apart on a busy machine. The
// benchmark's own workerd config (bench/run.ts's build) runs under callgrind; for each scenario the
// counters are zeroed, N requests are sent one after another, the counts are dumped and divided by N.
// The count covers the whole process: the Worker in front, the origin Worker behind it, and workerd's
// HTTP work, as a passthrough request has it too. BENCH_REQUESTS (default 300) per scenario and round,
// BENCH_ROUNDS (default 3) rounds;
// BENCH_SCENARIOS=passthrough,sgen-returning picks some, by the keys of `scenarios` below. Each scenario's profile is kept in
// bench/.build-instructions/<scenario>.callgrind (read it with callgrind_annotate).
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { dumpShares } from "./dump-shares.ts";
import { hasCommand, waitForPort, writeStepsConfig } from "./harness.ts";
import { JS_PROFILE_FLAG, jsProfile, jsProfileTable } from "./js-profile.ts";
import { build, checkGrowthbook, checkSgen, PORT } from "./run.ts";

const ROOT = join(import.meta.dirname, "..");
const BUILD = join(ROOT, "bench", ".build-instructions");
const N = Number(process.env.BENCH_REQUESTS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The median; of an even number of rounds, the mean of the middle two (as bench/run.ts has it). */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const RETURNING = "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-pricing-page-layout=b";

if (!hasCommand("valgrind")) {
  console.error("npm run bench:instructions needs valgrind: `apt-get install -y valgrind` (Debian)");
  process.exit(2);
}

// BENCH_STEPS=rewrap,rewriter-two counts bench:steps' runtime steps instead (bench/entries/runtime-steps.js
// in front of the origin, each step against ?direct).
const STEPS = process.env.BENCH_STEPS?.split(",");
const STEPS_PORT = 9111;
// V8 compiles hot functions with its optimising compiler on a background thread, and under callgrind
// (which runs one thread at a time) that compile does not finish: every Worker's JavaScript then stays
// in the interpreter and the baseline compiler, as it never does outside callgrind. Measured with the
// runtime's steps: a thousand calls of a one-line function cost 504k instructions without this flag and
// 8k with it (bench/README.md). Compiling on the Worker's own thread lets the code tier up as it does in
// production; the compiles themselves fall in the first warm-up (below), and what is left is printed.
//
// V8 optimises a function with Turbofan only after it has run often enough: outside callgrind, a new
// visitor's functions in the ready Worker reached Turbofan after 14,000–18,000 requests (V8's
// --trace-opt), so the rounds of a launch counted them in V8's middle tier and, in whichever round the
// threshold fell, their compiles (30k instructions per request over a round of 3,000). An isolate on a
// busy site runs optimised code; the wall-clock benchmark's pairs, at thousands of requests a second,
// do too. A lower threshold puts the compiles in the warm-up, so that the rounds count the code a busy
// isolate runs: with it, V8 had compiled all of them within 750 requests and none after.

// BENCH_JS_PROFILE=1 also names the JavaScript functions the instructions ran in (bench/js-profile.ts).
const JS_PROFILE = process.env.BENCH_JS_PROFILE === "1";
const V8_FLAGS = ["--no-concurrent-recompilation", "--invocation-count-for-turbofan=100", ...(JS_PROFILE ? [JS_PROFILE_FLAG] : [])];
/** Requests before each scenario's first round (the compiles), and before each later one. */
const FIRST_WARMUP = 1000;
const WARMUP = 30;
if (STEPS === undefined) build(BUILD, V8_FLAGS);
else writeStepsConfig(ROOT, BUILD, STEPS_PORT, V8_FLAGS);
const binary = join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const out = join(BUILD, "callgrind");
const vg = spawn(
  "valgrind",
  [
    "--tool=callgrind",
    "--smc-check=all-non-file",
    `--callgrind-out-file=${out}.%p`,
    binary,
    "serve",
    join(BUILD, "config.capnp"),
    "--experimental",
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
// The objects' process (run-data and catalog objects, as they run elsewhere on Cloudflare) runs beside
// it, not under callgrind: the `remote-*` scenarios count the page's side of counting (its batches and
// tallies sent over a socket), not the objects' SQLite writes. The other counting scenarios keep their
// objects in the same process, so their writes are in the count.
const objects =
  STEPS === undefined
    ? spawn(binary, ["serve", join(BUILD, "objects.capnp"), "--experimental"], { stdio: ["ignore", "ignore", "inherit"] })
    : undefined;
const base = (port: number) => `http://127.0.0.1:${port}`;

/** Where a scenario's last dump is kept. */
const dumpOf = (name: string): string => join(BUILD, `${name.replace(/[^a-z0-9]+/gi, "-")}.callgrind`);

/** The last dump's instruction total; the dump is kept as <name>.callgrind for callgrind_annotate. */
function totals(name: string): number {
  const dumps = readdirSync(BUILD).filter((f) => f.startsWith(`callgrind.${vg.pid}.`));
  const last = dumps.sort((a, b) => Number(a.split(".").at(-1)) - Number(b.split(".").at(-1))).at(-1);
  if (last === undefined) throw new Error("callgrind wrote no dump");
  const text = readFileSync(join(BUILD, last), "utf8");
  const m = /^summary: (\d+)/m.exec(text) ?? /^totals: (\d+)/m.exec(text);
  if (m === null) throw new Error(`no totals in ${last}`);
  renameSync(join(BUILD, last), dumpOf(name));
  return Number(m[1]);
}

type Send = () => Promise<unknown>;
const get =
  (url: string, cookie?: string): Send =>
  async () => {
    const res = await fetch(url, cookie === undefined ? {} : { headers: { cookie } });
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`${url} answered ${res.status}`);
  };

async function count(name: string, request: Send, warmup = WARMUP): Promise<number> {
  for (let i = 0; i < warmup; i++) await request(); // warm up (the JIT)
  execFileSync("callgrind_control", ["-z", String(vg.pid)], { stdio: "ignore" });
  for (let i = 0; i < N; i++) await request();
  execFileSync("callgrind_control", ["-d", String(vg.pid)], { stdio: "ignore" });
  return totals(name) / N;
}

async function countSteps(steps: string[]): Promise<void> {
  await waitForPort(STEPS_PORT, 3000);
  const rows: Array<[string, number]> = [];
  const counts = new Map<string, number[]>(["direct", ...steps].map((step) => [step, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const step of ["direct", ...steps])
      counts.get(step)?.push(await count(step, get(`http://127.0.0.1:${STEPS_PORT}/pricing?${step}`)));
  }
  for (const step of ["direct", ...steps]) rows.push([step, median(counts.get(step) ?? [])]);
  const direct = rows[0]?.[1] as number;
  console.log("\n| step, alone on top of forwarding the request | instructions per request | above ?direct |\n|---|---|---|");
  for (const [step, ir] of rows) console.log(`| ${step} | ${(ir / 1000).toFixed(0)}k | ${((ir - direct) / 1000).toFixed(0)}k |`);
}

try {
  if (STEPS !== undefined) await countSteps(STEPS);
  else await countScenarios();
} finally {
  vg.kill("SIGTERM");
  objects?.kill("SIGTERM");
}

async function countScenarios(): Promise<void> {
  await Promise.all(
    [
      PORT.passthrough,
      PORT.sgen,
      PORT.sgenNoCount,
      PORT.floor,
      PORT.growthbook,
      PORT.sgenEdge,
      PORT.sgenTargeted,
      PORT.sgenRemote,
      PORT.objects,
      PORT.sgenNoBotSignals,
    ].map((p) => waitForPort(p, 3000)),
  );
  const gbReturning = await checkGrowthbook(base(PORT.growthbook));
  // Both sgen-ab Workers serve what is measured: the variant page to the returning visitor, both
  // cookies to a new one (with the targeted config, so the audience and the layer let it in).
  await checkSgen(base(PORT.sgen), base(PORT.sgenNoCount), RETURNING);
  await checkSgen(base(PORT.sgenTargeted), base(PORT.sgenTargetedNoCount), RETURNING);
  await checkSgen(base(PORT.sgen), base(PORT.sgenNoBotSignals), RETURNING);
  // A new visitor converting: its page, then /thanks with the cookies it was given (counting on).
  const converting: Send = async () => {
    const res = await fetch(`${base(PORT.sgen)}/pricing`);
    await res.arrayBuffer();
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    await (await fetch(`${base(PORT.sgen)}/thanks`, { headers: { cookie } })).arrayBuffer();
  };
  // Each scenario by a short key (BENCH_SCENARIOS=sgen-returning,floor-returning) and the name its row shows.
  const scenarios: Record<string, [string, Send]> = {
    passthrough: ["passthrough", get(`${base(PORT.passthrough)}/pricing`)],
    "floor-returning": ["floor, returning", get(`${base(PORT.floor)}/pricing`, RETURNING)],
    "sgen-returning": ["sgen-ab, returning", get(`${base(PORT.sgen)}/pricing`, RETURNING)],
    "remote-returning": ["sgen-ab, returning, its objects in another process", get(`${base(PORT.sgenRemote)}/pricing`, RETURNING)],
    "sgen-nocount-returning": ["sgen-ab without counting, returning", get(`${base(PORT.sgenNoCount)}/pricing`, RETURNING)],
    "gb-returning": ["GrowthBook, returning", get(`${base(PORT.growthbook)}/pricing`, gbReturning)],
    "edge-returning": ["the edge alone (sgen-ab/edge), returning", get(`${base(PORT.sgenEdge)}/pricing`, RETURNING)],
    "floor-new": ["floor, new visitor", get(`${base(PORT.floor)}/pricing`)],
    "sgen-new": ["sgen-ab, new visitor", get(`${base(PORT.sgenNoCount)}/pricing`)],
    "gb-new": ["GrowthBook, new visitor", get(`${base(PORT.growthbook)}/pricing`)],
    "edge-new": ["the edge alone (sgen-ab/edge), new visitor", get(`${base(PORT.sgenEdge)}/pricing`)],
    "nobot-new": ["sgen-ab with botSignals: false, new visitor", get(`${base(PORT.sgenNoBotSignals)}/pricing`)],
    "sgen-other": ["sgen-ab, a page no experiment targets", get(`${base(PORT.sgen)}/about`, RETURNING)],
    "sgen-nocount-other": ["sgen-ab without counting, a page no experiment targets", get(`${base(PORT.sgenNoCount)}/about`, RETURNING)],
    "floor-other": ["floor, a page it does not target", get(`${base(PORT.floor)}/about`, RETURNING)],
    "home-plain": [
      "sgen-ab, home page plain (a)",
      get(`${base(PORT.sgen)}/`, "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-home-hero=a"),
    ],
    "home-override": [
      "sgen-ab, home page with 2 overrides (b)",
      get(`${base(PORT.sgen)}/`, "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-home-hero=b"),
    ],
    // The measured experiment with an audience the requests match and a layer (its own Worker and KV).
    "targeted-returning": ["sgen-ab, targeted (audience, layer), returning", get(`${base(PORT.sgenTargeted)}/pricing`, RETURNING)],
    "targeted-new": ["sgen-ab, targeted (audience, layer), new visitor", get(`${base(PORT.sgenTargetedNoCount)}/pricing`)],
    converting: ["sgen-ab, new visitor + conversion, counting on (2 requests)", converting],
  };
  const only = process.env.BENCH_SCENARIOS?.split(",");
  // Rounds, the scenarios in turn in each: what one scenario leaves behind (garbage to collect, code to
  // optimise) falls on the next, so each figure is the median of its rounds.
  const picked = Object.entries(scenarios)
    .filter(([key]) => only === undefined || only.includes(key))
    .map(([, scenario]) => scenario);
  const counts = new Map<string, number[]>(picked.map(([name]) => [name, []]));
  // The same rounds without the garbage collector's share, and what the optimising compiler took of
  // them (bench/dump-shares.ts).
  const outside = new Map<string, number[]>(picked.map(([name]) => [name, []]));
  const k = (n: number | undefined) => `${((n ?? 0) / 1000).toFixed(0)}k`;
  for (let r = 0; r < ROUNDS; r++) {
    const line: string[] = [];
    for (const [name, request] of picked) {
      const total = await count(name, request, r === 0 ? FIRST_WARMUP : WARMUP);
      const shares = dumpShares(dumpOf(name), N);
      counts.get(name)?.push(total);
      outside.get(name)?.push(total - shares.collector);
      line.push(`${name} ${k(total)} (${k(total - shares.collector)} outside the collector, ${k(shares.compiler)} compiling)`);
    }
    console.log(`round ${r + 1}: ${line.join(", ")}`);
  }
  const rows: Array<[string, number, number]> = picked.map(([name]) => [
    name,
    median(counts.get(name) ?? []),
    median(outside.get(name) ?? []),
  ]);
  const pass = rows.find(([n]) => n === "passthrough")?.[1];
  console.log(
    "\n| scenario | instructions per request | outside the collector | × passthrough's | above the passthrough |\n|---|---|---|---|---|",
  );
  for (const [name, ir, out] of rows) {
    const x = pass === undefined ? "" : (ir / pass).toFixed(2);
    const above = pass === undefined ? "" : `${((ir - pass) / 1000).toFixed(0)}k`;
    console.log(`| ${name} | ${k(ir)} | ${k(out)} | ${x} | ${above} |`);
  }
  if (JS_PROFILE) {
    const map = `/tmp/perf-${vg.pid}.map`;
    for (const [name] of picked) console.log(jsProfileTable(name, jsProfile(dumpOf(name), map, N)));
  }
}
