// npm run bench:curves: what sgen-ab costs as the work grows, each as a curve (printed as Markdown tables
// and kept in bench/curves.json). CURVES=experiments,coldstart,sizes,rundata,catalog picks some (default
// all but the long ones: rundata and catalog need CURVES to name them, or CURVES=all).
//
// - experiments: requests/s with 1, 10, 100 and 1,000 live experiments in the config, on the target
//   page of one of them (a returning visitor) and on a page none targets, each paired with the
//   passthrough like npm run bench;
// - coldstart: time to the first byte of a fresh workerd process's first request, per Worker, against
//   its bundle's size (many fresh processes, median);
// - sizes: what each dependency adds to the ready Worker's bundle (esbuild's metafile);
// - rundata: one run-data shard's ingest rate as its tables grow (bench/rundata-curve.ts);
// - catalog: the catalog's list and dashboard times with 10,000 experiments and a year of daily rows.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseEdgeConfig } from "../src/core/edge-config.ts";
import { EDGE_CONFIG_KEY } from "../src/names.ts";
import { growthbookVars } from "./growthbook.ts";
import { COMPAT, needWrk, startWorkerd, waitForPort, wrk } from "./harness.ts";
import { benchConfig } from "./scenario.ts";

const ROOT = join(import.meta.dirname, "..");
const BUILD = join(ROOT, "bench", ".build-curves");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 15);
const asked = (process.env.CURVES ?? "experiments,coldstart,sizes").split(",");
const wants = (name: string) => asked.includes(name) || asked.includes("all");
const RETURNING = "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-pricing-page-layout=b";
const EXPERIMENT_COUNTS = [1, 10, 100, 1000];

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } });

/** Builds a Worker with wrangler's dry run (minified, as deployed) into BUILD/<name>; returns the .js path. */
function bundle(name: string, config: string, file: string, minify = true): string {
  const out = join(BUILD, name);
  run("npx", [
    "wrangler",
    "deploy",
    "--dry-run",
    ...(minify ? ["--minify"] : []),
    "--outdir",
    out,
    "--metafile",
    join(out, "meta.json"),
    "-c",
    config,
  ]);
  return join(out, file);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const kvModule = (config: unknown) =>
  readFileSync(join(ROOT, "bench/entries/kv.js"), "utf8").replace(
    "globalThis.__SEED__ ?? {}",
    JSON.stringify({ [EDGE_CONFIG_KEY]: JSON.stringify(config) }),
  );

function checkedConfig(live: number) {
  const config = benchConfig(live);
  const parsed = parseEdgeConfig(config);
  if (!parsed.ok) throw new Error(`the config of ${live} experiments is refused by the edge: ${JSON.stringify(parsed.problems)}`);
  return config;
}

const results: Record<string, unknown> = {};

// ---- experiments: requests/s as the config grows ----
async function experimentsCurve(sgenBundle: string): Promise<void> {
  const dir = join(BUILD, "experiments");
  mkdirSync(dir, { recursive: true });
  for (const f of ["origin.js", "passthrough.js"]) writeFileSync(join(dir, f), readFileSync(join(ROOT, "bench/entries", f)));
  writeFileSync(join(dir, "sgen.js"), readFileSync(sgenBundle));
  const services: string[] = [];
  const sockets: string[] = [];
  EXPERIMENT_COUNTS.forEach((n, i) => {
    writeFileSync(join(dir, `kv-${n}.js`), kvModule(checkedConfig(n)));
    services.push(
      `(name = "kv-${n}", worker = (modules = [(name = "kv.js", esModule = embed "kv-${n}.js")], compatibilityDate = "${COMPAT}"))`,
      `(name = "sgen-${n}", worker = (
        modules = [(name = "worker.js", esModule = embed "sgen.js")],
        compatibilityDate = "${COMPAT}",
        bindings = [(name = "ORIGIN", service = "origin"), (name = "SGEN_CONFIG", kvNamespace = "kv-${n}")]
      ))`,
    );
    sockets.push(`(name = "sgen-${n}", address = "127.0.0.1:${9201 + i}", http = (), service = "sgen-${n}")`);
  });
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "origin", worker = (modules = [(name = "origin.js", esModule = embed "origin.js")], compatibilityDate = "${COMPAT}")),
    (name = "passthrough", worker = (
      modules = [(name = "passthrough.js", esModule = embed "passthrough.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [(name = "ORIGIN", service = "origin")]
    )),
    ${services.join(",\n    ")}
  ],
  sockets = [
    (name = "passthrough", address = "127.0.0.1:9200", http = (), service = "passthrough"),
    ${sockets.join(",\n    ")}
  ]
);
`,
  );
  const workerd = startWorkerd(join(dir, "config.capnp"), 1, ["ignore", "inherit", "inherit"]);
  try {
    await Promise.all([9200, ...EXPERIMENT_COUNTS.map((_, i) => 9201 + i)].map((p) => waitForPort(p, 600)));
    const passthrough = (path: string) => wrk(`http://127.0.0.1:9200${path}`).rps;
    const sgen = (i: number, path: string, cookie?: string) =>
      wrk(`http://127.0.0.1:${9201 + i}${path}`, cookie === undefined ? {} : { cookie }).rps;
    // Warm up: the first request of each reads KV and compiles its config.
    EXPERIMENT_COUNTS.forEach((_, i) => {
      sgen(i, "/pricing", RETURNING);
      sgen(i, "/about");
    });
    passthrough("/pricing");
    const table: Array<{ experiments: number; target: number[]; other: number[]; rps: number[] }> = EXPERIMENT_COUNTS.map((n) => ({
      experiments: n,
      target: [],
      other: [],
      rps: [],
    }));
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < EXPERIMENT_COUNTS.length; i++) {
        const row = table[i] as (typeof table)[number];
        for (const [kind, path, cookie] of [
          ["target", "/pricing", RETURNING],
          ["other", "/about", undefined],
        ] as const) {
          const first = r % 2 === 0;
          const a = first ? passthrough(path) : Number.NaN;
          const x = sgen(i, path, cookie);
          const base = first ? a : passthrough(path);
          row[kind].push(x / base);
          if (kind === "target") row.rps.push(x);
        }
      }
      console.log(
        `round ${r + 1}: ${table.map((t) => `${t.experiments}: ×${(t.target.at(-1) as number).toFixed(3)} / ×${(t.other.at(-1) as number).toFixed(3)}`).join(", ")}`,
      );
    }
    console.log(
      "\n| live experiments in the config | target page, returning visitor, × passthrough | a page no experiment targets, × passthrough | target page, requests/s |",
    );
    console.log("|---|---|---|---|");
    for (const t of table) {
      console.log(
        `| ${t.experiments.toLocaleString("en")} | ${median(t.target).toFixed(3)} | ${median(t.other).toFixed(3)} | ${median(t.rps).toFixed(0)} |`,
      );
    }
    results.experiments = table.map((t) => ({
      experiments: t.experiments,
      targetVsPassthrough: median(t.target),
      otherVsPassthrough: median(t.other),
      targetRps: median(t.rps),
      ranges: { target: [Math.min(...t.target), Math.max(...t.target)], other: [Math.min(...t.other), Math.max(...t.other)] },
    }));
  } finally {
    workerd.kill("SIGTERM");
  }
}

// ---- coldstart: time to the first byte of a fresh process, per Worker ----
interface ColdWorker {
  name: string;
  file: string;
  /** Bindings beyond ORIGIN (capnp), and whether its global fetch must reach the origin. */
  bindings: string;
  extra?: string;
  globalOutbound?: boolean;
  path: string;
  cookie?: string;
}

function firstByte(port: number, path: string, cookie: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: cookie === undefined ? {} : { cookie } }, (res) => {
      res.once("data", () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
      res.resume();
    });
    req.on("error", reject);
    req.end();
  });
}

async function coldStart(w: ColdWorker): Promise<{ spawnToFirstByteMs: number; firstRequestMs: number }> {
  const dir = join(BUILD, "cold", w.name);
  mkdirSync(join(dir, "do"), { recursive: true });
  for (const f of ["origin.js", "kv.js"])
    writeFileSync(join(dir, f), f === "kv.js" ? kvModule(checkedConfig(2)) : readFileSync(join(ROOT, "bench/entries", f)));
  writeFileSync(join(dir, "worker.js"), readFileSync(w.file));
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "origin", worker = (modules = [(name = "origin.js", esModule = embed "origin.js")], compatibilityDate = "${COMPAT}")),
    (name = "kv", worker = (modules = [(name = "kv.js", esModule = embed "kv.js")], compatibilityDate = "${COMPAT}")),
    (name = "subject", worker = (
      modules = [(name = "worker.js", esModule = embed "worker.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [(name = "ORIGIN", service = "origin")${w.bindings}]${w.extra ?? ""}${w.globalOutbound ? `,\n      globalOutbound = "origin"` : ""}
    )),
    (name = "do-storage", disk = (path = "${join(dir, "do")}", writable = true))
  ],
  sockets = [(name = "subject", address = "127.0.0.1:9300", http = (), service = "subject")]
);
`,
  );
  const spawnToFirst: number[] = [];
  const firstRequest: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const t0 = process.hrtime.bigint();
    const workerd = startWorkerd(join(dir, "config.capnp"), 1, ["ignore", "inherit", "inherit"]);
    try {
      for (let tries = 0; ; tries++) {
        try {
          const ms = await firstByte(9300, w.path, w.cookie);
          firstRequest.push(ms);
          spawnToFirst.push(Number(process.hrtime.bigint() - t0) / 1e6);
          break;
        } catch {
          if (tries > 2000) throw new Error(`${w.name} never answered`);
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    } finally {
      workerd.kill("SIGKILL");
      await new Promise((r) => workerd.once("exit", r));
    }
  }
  return { spawnToFirstByteMs: median(spawnToFirst), firstRequestMs: median(firstRequest) };
}

async function coldStartCurve(bundles: Record<string, string>): Promise<void> {
  const DO = `,
        (name = "SGEN_CONFIG", kvNamespace = "kv"),
        (name = "SGEN_RUN_DATA", durableObjectNamespace = "RunDataObject"),
        (name = "SGEN_CATALOG", durableObjectNamespace = "CatalogObject")`;
  const DO_NAMESPACES = `,
      durableObjectNamespaces = [
        (className = "RunDataObject", uniqueKey = "run-data", enableSql = true),
        (className = "CatalogObject", uniqueKey = "catalog", enableSql = true)
      ],
      durableObjectStorage = (localDisk = "do-storage")`;
  const gbVars = Object.entries(growthbookVars(9300))
    .map(([k, v]) => `,\n        (name = "${k}", text = ${JSON.stringify(v)})`)
    .join("");
  const workers: ColdWorker[] = [
    { name: "passthrough", file: join(ROOT, "bench/entries/passthrough.js"), bindings: "", path: "/pricing" },
    { name: "floor", file: join(ROOT, "bench/entries/floor.js"), bindings: "", path: "/pricing", cookie: RETURNING },
    {
      name: "edge-only Worker (sgen-ab/edge)",
      file: bundles.edgeOnly as string,
      bindings: `, (name = "SGEN_CONFIG", kvNamespace = "kv")`,
      globalOutbound: true,
      path: "/pricing",
      cookie: RETURNING,
    },
    {
      name: "ready Worker (sgen-ab/worker)",
      file: bundles.ready as string,
      bindings: DO,
      extra: DO_NAMESPACES,
      path: "/pricing",
      cookie: RETURNING,
    },
    { name: "GrowthBook's edge app", file: bundles.growthbook as string, bindings: gbVars, globalOutbound: true, path: "/pricing" },
  ];
  const rows: Array<Record<string, unknown>> = [];
  for (const w of workers) {
    const bytes = statSync(w.file).size;
    const gzip = gzipSync(readFileSync(w.file)).length;
    const r = await coldStart(w);
    rows.push({ worker: w.name, bytes, gzipBytes: gzip, ...r });
    console.log(
      `${w.name}: ${(bytes / 1024).toFixed(1)} KiB, ${r.spawnToFirstByteMs.toFixed(1)} ms spawn → first byte, ${r.firstRequestMs.toFixed(1)} ms first request`,
    );
  }
  const base = rows[0] as { spawnToFirstByteMs: number };
  console.log(
    "\n| Worker | bundle, minified (gzip) | fresh process → first byte, median | the same, less the passthrough's | first request alone (socket open → first byte) |",
  );
  console.log("|---|---|---|---|---|");
  for (const r of rows as Array<{ worker: string; bytes: number; gzipBytes: number; spawnToFirstByteMs: number; firstRequestMs: number }>) {
    console.log(
      `| ${r.worker} | ${(r.bytes / 1024).toFixed(1)} KiB (${(r.gzipBytes / 1024).toFixed(1)}) | ${r.spawnToFirstByteMs.toFixed(1)} ms | ${(r.spawnToFirstByteMs - base.spawnToFirstByteMs).toFixed(1)} ms | ${r.firstRequestMs.toFixed(1)} ms |`,
    );
  }
  results.coldStart = rows;
}

// ---- sizes: what each dependency adds to the ready Worker ----
function sizesTable(metafile: string, output: string): void {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const out = Object.entries(meta.outputs).find(([k]) => k.endsWith(output))?.[1];
  if (out === undefined) throw new Error(`no ${output} in the metafile`);
  const groups = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    const key = pkg ?? (/src\/([^/]+)/.exec(input)?.[1] ? `src/${/src\/([^/]+)/.exec(input)?.[1]}` : input);
    groups.set(key, (groups.get(key) ?? 0) + bytesInOutput);
  }
  const total = [...groups.values()].reduce((a, b) => a + b, 0);
  const sorted = [...groups.entries()].sort((a, b) => b[1] - a[1]);
  console.log("\n| part of the ready Worker (minified) | KiB | share |\n|---|---|---|");
  for (const [k, v] of sorted.filter(([, v]) => v >= 512)) {
    console.log(`| ${k} | ${(v / 1024).toFixed(1)} | ${((100 * v) / total).toFixed(1)}% |`);
  }
  console.log(`| total | ${(total / 1024).toFixed(1)} | |`);
  results.readyWorkerParts = Object.fromEntries(sorted);
}

async function main(): Promise<void> {
  needWrk("npm run bench:curves");
  rmSync(BUILD, { recursive: true, force: true });
  mkdirSync(BUILD, { recursive: true });
  console.log(`sgen-ab curves: ${asked.join(", ")}; ${ROUNDS} paired rounds, ${COLD_STARTS} cold starts each`);
  const sgenBundle =
    wants("experiments") || wants("rundata") || wants("catalog") ? bundle("sgen", "bench/wrangler.bench.toml", "sgen-bench.js", false) : "";
  if (wants("experiments")) await experimentsCurve(sgenBundle);
  if (wants("coldstart") || wants("sizes")) {
    const bundles = {
      edgeOnly: bundle("edge-only", "test/bundle/wrangler.toml", "edge-only.js"),
      ready: bundle("ready", "wrangler.toml", "index.js"),
      growthbook: bundle("growthbook", "bench/wrangler.growthbook.toml", "growthbook.js"),
    };
    if (wants("sizes")) sizesTable(join(BUILD, "ready", "meta.json"), "index.js");
    if (wants("coldstart")) await coldStartCurve(bundles);
  }
  if (wants("rundata")) {
    const { runDataCurve } = await import("./rundata-curve.ts");
    results.runData = await runDataCurve(BUILD);
  }
  if (wants("catalog")) {
    const { catalogCurve } = await import("./catalog-curve.ts");
    results.catalog = await catalogCurve(BUILD);
  }
  const file = join(ROOT, "bench", "curves.json");
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(file, "utf8"));
  } catch {}
  writeFileSync(file, `${JSON.stringify({ ...previous, ...results, at: new Date().toISOString() }, null, 2)}\n`);
}

await main();
