// npm run bench: the cost of the experiment layer, side by side with a passthrough Worker.
// One workerd process (not wrangler dev, which adds a proxy that sheds load) runs the origin, a
// passthrough Worker and the sgen-ab Worker in front of the same origin; wrk drives them in alternating
// rounds and every figure is the median of the rounds, as a ratio against the passthrough.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseEdgeConfig } from "../src/core/edge-config.ts";
import { hashString } from "../src/core/hash.ts";
import { EDGE_CONFIG_KEY } from "../src/names.ts";
import { growthbookVars } from "./growthbook.ts";
import { COMPAT, CONNECTIONS, needWrk, PIN, SECONDS, startWorkerd, v8FlagsField, type WrkResult, waitForPort, wrk } from "./harness.ts";
import { benchConfig } from "./scenario.ts";

const ROOT = join(import.meta.dirname, "..");
const DEFAULT_BUILD = join(ROOT, "bench", ".build");
const BUILD = DEFAULT_BUILD;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
export const PORT = {
  passthrough: 9101,
  sgen: 9102,
  sgenNoCount: 9103,
  kv: 9104,
  passthroughB: 9105,
  floor: 9106,
  growthbook: 9107,
  sgenRemote: 9108,
  objects: 9109,
  sgenEdge: 9110,
  /** The measured experiment with an audience and a layer (benchConfig(2, true)), its own KV. */
  sgenTargeted: 9112,
  sgenTargetedNoCount: 9113,
  /** The plain config, counting off, with `botSignals: false` (a zone without Bot Management). */
  sgenNoBotSignals: 9114,
};

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } });

/** Builds every Worker of the benchmark and writes workerd's configs (config.capnp, objects.capnp) into `BUILD`. */
export function build(
  BUILD = DEFAULT_BUILD,
  /** V8 flags for the pages' workerd (bench/instructions.ts passes one; the throughput runs none). */
  v8Flags: readonly string[] = [],
): { bundle: string; deploySize: number; deployGzip: number } {
  rmSync(BUILD, { recursive: true, force: true });
  mkdirSync(BUILD, { recursive: true });
  run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(BUILD, "sgen"), "-c", "bench/wrangler.bench.toml"]);
  run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(BUILD, "deploy"), "-c", "wrangler.toml"]);
  run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(BUILD, "growthbook"), "-c", "bench/wrangler.growthbook.toml"]);
  run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(BUILD, "edge"), "-c", "bench/wrangler.edge.toml"]);
  const deployed = readFileSync(join(BUILD, "deploy", "index.js")); // main = src/worker/index.ts
  const config = benchConfig();
  const parsed = parseEdgeConfig(config);
  if (!parsed.ok) throw new Error(`the benchmark's config is refused by the edge: ${JSON.stringify(parsed.problems)}`);
  const targeted = benchConfig(2, true);
  const parsedTargeted = parseEdgeConfig(targeted);
  if (!parsedTargeted.ok) throw new Error(`the targeted config is refused by the edge: ${JSON.stringify(parsedTargeted.problems)}`);
  const kvSeeded = (c: unknown) =>
    readFileSync(join(ROOT, "bench/entries/kv.js"), "utf8").replace(
      "globalThis.__SEED__ ?? {}",
      JSON.stringify({ [EDGE_CONFIG_KEY]: JSON.stringify(c) }),
    );
  writeFileSync(join(BUILD, "kv.js"), kvSeeded(config));
  writeFileSync(join(BUILD, "kv-targeted.js"), kvSeeded(targeted));
  for (const f of ["origin.js", "passthrough.js", "floor.js"]) writeFileSync(join(BUILD, f), readFileSync(join(ROOT, "bench/entries", f)));
  mkdirSync(join(BUILD, "do"), { recursive: true });
  // counting: "here" binds the run-data and catalog objects in this process, "remote" reaches them in
  // the objects' process (objects.capnp, the other core) over a socket, "none" counts nothing.
  // botSignals "off": the entry's Worker with `botSignals: false` (BENCH_BOT_SIGNALS).
  const sgenService = (
    name: string,
    counting: "here" | "remote" | "none",
    kv = "kv",
    botSignals: "on" | "off" = "on",
  ) => `(name = "${name}", worker = (
      modules = [(name = "worker.js", esModule = embed "sgen/sgen-bench.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [
        (name = "ORIGIN", service = "origin"),${
          botSignals === "off"
            ? `
        (name = "BENCH_BOT_SIGNALS", text = "off"),`
            : ""
        }
        (name = "SGEN_CONFIG", kvNamespace = "${kv}")${
          counting === "here"
            ? `,
        (name = "SGEN_RUN_DATA", durableObjectNamespace = "BenchRunData"),
        (name = "SGEN_CATALOG", durableObjectNamespace = "BenchCatalog")`
            : counting === "remote"
              ? `,
        (name = "REMOTE_OBJECTS", service = "objects-remote")`
              : ""
        }
      ],
      durableObjectNamespaces = [
        (className = "BenchRunData", uniqueKey = "${name}-run-data", enableSql = true),
        (className = "BenchCatalog", uniqueKey = "${name}-catalog", enableSql = true)
      ],
      durableObjectStorage = (localDisk = "do-storage")
    ))`;
  mkdirSync(join(BUILD, "do-remote"), { recursive: true });
  writeFileSync(
    join(BUILD, "objects.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "objects", worker = (
      modules = [(name = "worker.js", esModule = embed "sgen/sgen-bench.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [
        (name = "SGEN_RUN_DATA", durableObjectNamespace = "BenchRunData"),
        (name = "SGEN_CATALOG", durableObjectNamespace = "BenchCatalog")
      ],
      durableObjectNamespaces = [
        (className = "BenchRunData", uniqueKey = "objects-run-data", enableSql = true),
        (className = "BenchCatalog", uniqueKey = "objects-catalog", enableSql = true)
      ],
      durableObjectStorage = (localDisk = "do-storage")
    )),
    (name = "do-storage", disk = (path = "${join(BUILD, "do-remote")}", writable = true))
  ],
  sockets = [(name = "objects", address = "127.0.0.1:${PORT.objects}", http = (), service = "objects")]
);
`,
  );
  writeFileSync(
    join(BUILD, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "origin", worker = (modules = [(name = "origin.js", esModule = embed "origin.js")], compatibilityDate = "${COMPAT}")),
    (name = "kv", worker = (modules = [(name = "kv.js", esModule = embed "kv.js")], compatibilityDate = "${COMPAT}")),
    (name = "kv-targeted", worker = (modules = [(name = "kv.js", esModule = embed "kv-targeted.js")], compatibilityDate = "${COMPAT}")),
    (name = "passthrough", worker = (
      modules = [(name = "passthrough.js", esModule = embed "passthrough.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [(name = "ORIGIN", service = "origin")]
    )),
    (name = "passthrough-b", worker = (
      modules = [(name = "passthrough.js", esModule = embed "passthrough.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [(name = "ORIGIN", service = "origin")]
    )),
    (name = "floor", worker = (
      modules = [(name = "floor.js", esModule = embed "floor.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [(name = "ORIGIN", service = "origin")]
    )),
    (name = "growthbook", worker = (
      modules = [(name = "growthbook.js", esModule = embed "growthbook/growthbook.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [${Object.entries(growthbookVars(PORT.growthbook))
        .map(([k, v]) => `(name = "${k}", text = ${JSON.stringify(v)})`)
        .join(", ")}],
      # Its fetch of the origin (PROXY_TARGET) goes to the same origin service as everyone's.
      globalOutbound = "origin"
    )),
    (name = "sgen-edge", worker = (
      modules = [(name = "edge-bench.js", esModule = embed "edge/edge-bench.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [(name = "ORIGIN", service = "origin"), (name = "SGEN_CONFIG", kvNamespace = "kv")]
    )),
    ${sgenService("sgen", "here")},
    ${sgenService("sgen-nocount", "none")},
    ${sgenService("sgen-remote", "remote")},
    ${sgenService("sgen-targeted", "here", "kv-targeted")},
    ${sgenService("sgen-targeted-nocount", "none", "kv-targeted")},
    ${sgenService("sgen-nobot-nocount", "none", "kv", "off")},
    (name = "objects-remote", external = (address = "127.0.0.1:${PORT.objects}", http = ())),
    (name = "do-storage", disk = (path = "${join(BUILD, "do")}", writable = true))
  ],
  sockets = [
    (name = "passthrough", address = "127.0.0.1:${PORT.passthrough}", http = (), service = "passthrough"),
    (name = "passthrough-b", address = "127.0.0.1:${PORT.passthroughB}", http = (), service = "passthrough-b"),
    (name = "floor", address = "127.0.0.1:${PORT.floor}", http = (), service = "floor"),
    (name = "sgen", address = "127.0.0.1:${PORT.sgen}", http = (), service = "sgen"),
    (name = "sgen-nocount", address = "127.0.0.1:${PORT.sgenNoCount}", http = (), service = "sgen-nocount"),
    (name = "growthbook", address = "127.0.0.1:${PORT.growthbook}", http = (), service = "growthbook"),
    (name = "sgen-remote", address = "127.0.0.1:${PORT.sgenRemote}", http = (), service = "sgen-remote"),
    (name = "sgen-edge", address = "127.0.0.1:${PORT.sgenEdge}", http = (), service = "sgen-edge"),
    (name = "sgen-targeted", address = "127.0.0.1:${PORT.sgenTargeted}", http = (), service = "sgen-targeted"),
    (name = "sgen-targeted-nocount", address = "127.0.0.1:${PORT.sgenTargetedNoCount}", http = (), service = "sgen-targeted-nocount"),
    (name = "sgen-nobot-nocount", address = "127.0.0.1:${PORT.sgenNoBotSignals}", http = (), service = "sgen-nobot-nocount"),
    (name = "kv", address = "127.0.0.1:${PORT.kv}", http = (), service = "kv")
  ]${v8FlagsField(v8Flags)}
);
`,
  );
  return { bundle: join(BUILD, "sgen", "sgen-bench.js"), deploySize: deployed.length, deployGzip: gzipSync(deployed).length };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * A JSON answer from one of the Workers. Tried up to three times: after wrk's runs, a kept-alive socket of
 * fetch's pool may already be closed by workerd, and the write fails (EPIPE) before anything is asked.
 */
async function getJson(url: string): Promise<Record<string, number>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await (await fetch(url)).json()) as Record<string, number>;
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The hash's cost where the edge runs it: in workerd, timed from outside (see sgen-bench.ts). */
async function workerdHashNanos(url: string): Promise<number> {
  const n = 2_000_000;
  const timed = async (count: number) => {
    const t0 = process.hrtime.bigint();
    await (await fetch(`${url}/__bench/hash?n=${count}`)).text();
    return Number(process.hrtime.bigint() - t0);
  };
  await timed(n); // warm up the JIT
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) samples.push(((await timed(n)) - (await timed(0))) / n);
  return median(samples);
}

function hashNanos(): number {
  // 57 bytes: a 20-character slug, ":" and a 36-character UUID, as the edge hashes them.
  const ids = Array.from({ length: 1024 }, () => crypto.randomUUID());
  const keys = ids.map((id) => `homepage-hero-layout:${id}`);
  if ((keys[0] as string).length !== 57) throw new Error("key is not 57 bytes");
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink ^= hashString(keys[i & 1023] as string); // warm up the JIT
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const n = 2_000_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink ^= hashString(keys[i & 1023] as string);
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  if (sink === 0.5) console.log(sink); // keep the loop's result alive
  return median(samples);
}

/**
 * Checks that GrowthBook's edge app does the same work as sgen-ab's (new visitors get a cookie and either
 * page, about half each), and returns a returning visitor's Cookie header that it assigns to /pricing-b.
 * Also says how often a new visitor shown the variant page is shown it again with the cookie it was given
 * (see bench/README.md: this version hashes another id than the one it puts in the cookie).
 */
export async function checkGrowthbook(url: string): Promise<string> {
  const servesB = async (cookie?: string) => {
    const res = await fetch(`${url}/pricing`, cookie === undefined ? {} : { headers: { cookie } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GrowthBook's edge app answered ${res.status}`);
    return { b: body.includes("<title>Pricing B</title>"), id: /gbuuid=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1] };
  };
  let variant = 0;
  let kept = 0;
  let returning: string | undefined;
  const n = 200;
  for (let i = 0; i < n; i++) {
    const first = await servesB();
    if (first.id === undefined) throw new Error("GrowthBook's edge app set no visitor cookie");
    if (!first.b) continue;
    variant++;
    const cookie = `gbuuid=${first.id}`;
    if ((await servesB(cookie)).b && (await servesB(cookie)).b) {
      kept++;
      returning ??= cookie;
    }
  }
  if (returning === undefined || variant < n * 0.35 || variant > n * 0.65) {
    throw new Error(`GrowthBook's edge app served the variant page to ${variant} of ${n} new visitors`);
  }
  console.log(`GrowthBook's edge app: ${variant} of ${n} new visitors shown /pricing-b; ${kept} of them shown it again with their cookie`);
  growthbookStickiness = kept / variant;
  return returning;
}

let growthbookStickiness = Number.NaN;

/** Checks that the measured paths do what they are measured for: the variant page, the two cookies. */
export async function checkSgen(sgen: string, sgenNoCount: string, returningCookie: string): Promise<void> {
  const returning = await (await fetch(`${sgen}/pricing`, { headers: { cookie: returningCookie } })).text();
  if (!returning.includes("<title>Pricing B</title>")) throw new Error("sgen-ab did not serve the returning visitor its variant page");
  const fresh = await fetch(`${sgenNoCount}/pricing`);
  await fresh.arrayBuffer();
  const names = fresh.headers.getSetCookie().map((c) => c.slice(0, c.indexOf("=")));
  if (!names.includes("sgen-vid") || !names.includes("sgen-ab-pricing-page-layout")) {
    throw new Error(`sgen-ab gave a new visitor the cookies ${JSON.stringify(names)}`);
  }
}

async function main(): Promise<void> {
  needWrk("npm run bench");
  console.log(
    `sgen-ab benchmark: ${ROUNDS} rounds of ${SECONDS} s, wrk -t1 -c${CONNECTIONS}, on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}${
      PIN ? " (workerd on core 1, wrk on core 0)" : ""
    }`,
  );
  const built = build();
  const workerd = startWorkerd(join(BUILD, "config.capnp"), 1, ["ignore", "inherit", "inherit"]);
  // The objects' process: run-data and catalog objects on the other core, as they run elsewhere on Cloudflare.
  const objects = startWorkerd(join(BUILD, "objects.capnp"), 0, ["ignore", "inherit", "inherit"]);
  try {
    await Promise.all(Object.values(PORT).map((p) => waitForPort(p, 600))); // up to a minute on a loaded machine
    const base = (port: number) => `http://127.0.0.1:${port}`;
    const returningCookie = "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-pricing-page-layout=b";
    const visitScript = join(ROOT, "bench", "new-visitor-converts.lua");

    await checkSgen(base(PORT.sgen), base(PORT.sgenNoCount), returningCookie);
    // GrowthBook's returning visitor is one whose gbuuid it assigns to the variant page, like sgen-ab's.
    const gbReturningCookie = await checkGrowthbook(base(PORT.growthbook));

    // Warm up every path once, so no round pays for JIT or the first KV read: 5 s each, because
    // sgen-ab's functions reach V8's optimising tier only after about 15,000 requests (V8's
    // --trace-opt; bench/instructions.ts), more than 2 s of wrk gave some of them here.
    for (const [url, cookie] of [
      [`${base(PORT.passthrough)}/pricing`, undefined],
      [`${base(PORT.passthroughB)}/pricing`, undefined],
      [`${base(PORT.sgen)}/pricing`, returningCookie],
      [`${base(PORT.sgenNoCount)}/pricing`, undefined],
      [`${base(PORT.sgenRemote)}/pricing`, undefined],
      [`${base(PORT.sgenEdge)}/pricing`, returningCookie],
      [`${base(PORT.sgenEdge)}/pricing`, undefined],
      [`${base(PORT.floor)}/pricing`, undefined],
      [`${base(PORT.growthbook)}/pricing`, undefined],
      [`${base(PORT.growthbook)}/pricing`, gbReturningCookie],
    ] as const) {
      wrk(url, { seconds: 5, ...(cookie === undefined ? {} : { cookie }) });
    }

    const scenarios = {
      passthrough: () => wrk(`${base(PORT.passthrough)}/pricing`),
      passthroughB: () => wrk(`${base(PORT.passthroughB)}/pricing`),
      passthroughScripted: () => wrk(`${base(PORT.passthrough)}/pricing`, { script: visitScript }),
      returning: () => wrk(`${base(PORT.sgen)}/pricing`, { cookie: returningCookie }),
      newVisitor: () => wrk(`${base(PORT.sgenNoCount)}/pricing`),
      counting: () => wrk(`${base(PORT.sgen)}/pricing`, { script: visitScript }),
      countingRemote: () => wrk(`${base(PORT.sgenRemote)}/pricing`, { script: visitScript }),
      homePlain: () => wrk(`${base(PORT.sgen)}/`, { cookie: "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-home-hero=a" }),
      floorReturning: () => wrk(`${base(PORT.floor)}/pricing`, { cookie: returningCookie }),
      floorNew: () => wrk(`${base(PORT.floor)}/pricing`),
      growthbookReturning: () => wrk(`${base(PORT.growthbook)}/pricing`, { cookie: gbReturningCookie }),
      growthbookNew: () => wrk(`${base(PORT.growthbook)}/pricing`),
      edgeReturning: () => wrk(`${base(PORT.sgenEdge)}/pricing`, { cookie: returningCookie }),
      edgeNew: () => wrk(`${base(PORT.sgenEdge)}/pricing`),
      homeOverride: () => wrk(`${base(PORT.sgen)}/`, { cookie: "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-home-hero=b" }),
    };
    // Paired, alternating runs: each scenario is measured right beside its baseline (ABBA order), many
    // times, and the ratio of each pair is kept. On a shared machine the throughput of both drifts
    // together within seconds, so a ratio of neighbours is far steadier than a ratio of averages.
    type Name = keyof typeof scenarios;
    const only = process.env.BENCH_ONLY?.split(",");
    type Key =
      | "aa"
      | "returning"
      | "newVisitor"
      | "counting"
      | "countingRemote"
      | "override"
      | "floorReturning"
      | "floorNew"
      | "returningVsFloor"
      | "newVsFloor"
      | "growthbookReturning"
      | "growthbookNew"
      | "returningVsGrowthbook"
      | "newVsGrowthbook"
      | "edgeReturningVsFloor"
      | "edgeNewVsFloor";
    const pairs: Array<[Key, Name, Name]> = [
      // A/A: an identical passthrough against the first: how far a ratio moves when nothing differs.
      ["aa", "passthroughB", "passthrough"],
      ["returning", "returning", "passthrough"],
      ["newVisitor", "newVisitor", "passthrough"],
      ["counting", "counting", "passthroughScripted"],
      // The same with the objects in the other process: the page's cost of counting, not the SQLite writes'.
      ["countingRemote", "countingRemote", "passthroughScripted"],
      ["override", "homeOverride", "homePlain"],
      // The floor (bench/entries/floor.js): the runtime's share of the cost, and sgen-ab's own above it.
      ["floorReturning", "floorReturning", "passthrough"],
      ["floorNew", "floorNew", "passthrough"],
      ["returningVsFloor", "returning", "floorReturning"],
      ["newVsFloor", "newVisitor", "floorNew"],
      // GrowthBook's edge app, the same experiment: against the passthrough, and sgen-ab back to back with it.
      ["growthbookReturning", "growthbookReturning", "passthrough"],
      ["growthbookNew", "growthbookNew", "passthrough"],
      ["returningVsGrowthbook", "returning", "growthbookReturning"],
      ["newVsGrowthbook", "newVisitor", "growthbookNew"],
      // The edge alone (sgen-ab/edge, no admin, catalog or run-data in the isolate) beside the floor.
      ["edgeReturningVsFloor", "edgeReturning", "floorReturning"],
      ["edgeNewVsFloor", "edgeNew", "floorNew"],
    ];
    const ratios: Record<Key, number[]> = {
      aa: [],
      returning: [],
      newVisitor: [],
      counting: [],
      countingRemote: [],
      override: [],
      floorReturning: [],
      floorNew: [],
      returningVsFloor: [],
      newVsFloor: [],
      growthbookReturning: [],
      growthbookNew: [],
      returningVsGrowthbook: [],
      newVsGrowthbook: [],
      edgeReturningVsFloor: [],
      edgeNewVsFloor: [],
    };
    const rps: Record<Name, number[]> = {
      passthrough: [],
      passthroughB: [],
      passthroughScripted: [],
      returning: [],
      newVisitor: [],
      counting: [],
      countingRemote: [],
      homePlain: [],
      homeOverride: [],
      floorReturning: [],
      floorNew: [],
      growthbookReturning: [],
      growthbookNew: [],
      edgeReturning: [],
      edgeNew: [],
    };
    for (let r = 0; r < ROUNDS; r++) {
      const line: string[] = [];
      for (const [key, subject, baseline] of pairs) {
        if (only !== undefined && !only.includes(key)) continue;
        const first = r % 2 === 0;
        const a = first ? scenarios[baseline]().rps : Number.NaN;
        const x = scenarios[subject]().rps;
        const b = first ? Number.NaN : scenarios[baseline]().rps;
        const base = first ? a : b;
        rps[baseline].push(base);
        rps[subject].push(x);
        ratios[key].push(x / base);
        line.push(`${key} ×${(x / base).toFixed(3)} (${x.toFixed(0)}/${base.toFixed(0)})`);
      }
      console.log(`pair ${r + 1}: ${line.join(", ")}`);
    }

    const latency = { passthrough: [] as number[], returning: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      latency.passthrough.push(wrk(`${base(PORT.passthrough)}/pricing`, { connections: 1, seconds: 3 }).p50ms);
      latency.returning.push(wrk(`${base(PORT.sgen)}/pricing`, { connections: 1, seconds: 3, cookie: returningCookie }).p50ms);
    }

    // The bill, counted: Durable Object requests and KV reads per 1,000 page views.
    const bill = async (run: () => WrkResult) => {
      const before = { sgen: await getJson(`${base(PORT.sgen)}/__bench/flush`), kv: await getJson(`${base(PORT.kv)}/__kv/stats`) };
      const result = run();
      await new Promise((r) => setTimeout(r, 500));
      const after = { sgen: await getJson(`${base(PORT.sgen)}/__bench/flush`), kv: await getJson(`${base(PORT.kv)}/__kv/stats`) };
      const per1000 = (d: number) => (1000 * d) / result.requests;
      return {
        pageViews: result.requests,
        doRequests: per1000(
          (after.sgen.runDataRequests ?? 0) -
            (before.sgen.runDataRequests ?? 0) +
            (after.sgen.catalogRequests ?? 0) -
            (before.sgen.catalogRequests ?? 0),
        ),
        kvReads: per1000((after.kv.reads ?? 0) - (before.kv.reads ?? 0)),
        events: per1000((after.sgen.events ?? 0) - (before.sgen.events ?? 0)),
      };
    };
    const billReturning = await bill(scenarios.returning);
    const billCounting = await bill(scenarios.counting);
    // Counting with the objects in the other process: the events must arrive there, all of them.
    const remoteBefore = await getJson(`${base(PORT.objects)}/__bench/stats`);
    const remoteRun = scenarios.countingRemote();
    await getJson(`${base(PORT.sgenRemote)}/__bench/flush`);
    await new Promise((r) => setTimeout(r, 500));
    const remoteAfter = await getJson(`${base(PORT.objects)}/__bench/stats`);
    const billRemote = {
      durableObjectRequests: (1000 * ((remoteAfter.runDataRequests ?? 0) - (remoteBefore.runDataRequests ?? 0))) / remoteRun.requests,
      events: (1000 * ((remoteAfter.events ?? 0) - (remoteBefore.events ?? 0))) / remoteRun.requests,
    };

    const ingest = (await getJson(`${base(PORT.sgen)}/__bench/ingest-rate?seconds=3`)) as { events: number; seconds: number };
    const hashNs = hashNanos();
    const hashNsWorkerd = await workerdHashNanos(base(PORT.sgen));

    const results = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
      rounds: ROUNDS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      passthroughRps: median(rps.passthrough),
      pinned: PIN,
      ratio: {
        aa: median(ratios.aa),
        returning: median(ratios.returning),
        newVisitor: median(ratios.newVisitor),
        counting: median(ratios.counting),
        countingRemote: median(ratios.countingRemote),
        overrideVsPlain: median(ratios.override),
        floorReturning: median(ratios.floorReturning),
        floorNewVisitor: median(ratios.floorNew),
        returningVsFloor: median(ratios.returningVsFloor),
        newVisitorVsFloor: median(ratios.newVsFloor),
        growthbookReturning: median(ratios.growthbookReturning),
        growthbookNewVisitor: median(ratios.growthbookNew),
        returningVsGrowthbook: median(ratios.returningVsGrowthbook),
        newVisitorVsGrowthbook: median(ratios.newVsGrowthbook),
        edgeOnlyReturningVsFloor: median(ratios.edgeReturningVsFloor),
        edgeOnlyNewVisitorVsFloor: median(ratios.edgeNewVsFloor),
      },
      ratioRange: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, [Math.min(...v), Math.max(...v)]])),
      addedMedianLatencyMs: median(latency.returning) - median(latency.passthrough),
      latencyMs: { passthrough: median(latency.passthrough), returning: median(latency.returning) },
      per1000ReturningPageViews: { durableObjectRequests: billReturning.doRequests, kvReads: billReturning.kvReads },
      per1000CountingRequests: {
        durableObjectRequests: billCounting.doRequests,
        kvReads: billCounting.kvReads,
        events: billCounting.events,
      },
      per1000CountingRequestsObjectsElsewhere: billRemote,
      growthbookNewVisitorsKeptVariant: growthbookStickiness,
      runDataEventsPerSecond: ingest.events / ingest.seconds,
      hashNsPerCall57Bytes: hashNsWorkerd,
      hashNsPerCall57BytesNode: hashNs,
      deployBundleBytes: built.deploySize,
      deployBundleGzipBytes: built.deployGzip,
    };
    writeFileSync(join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    const f = (x: number, d = 3) => x.toFixed(d);
    const range = (k: keyof typeof ratios) => `${f(Math.min(...ratios[k]), 2)}–${f(Math.max(...ratios[k]), 2)}`;
    console.log(`
| figure | result | target |
|---|---|---|
| passthrough (baseline), requests/s | ${f(results.passthroughRps, 0)} | |
| A/A: a second, identical passthrough × the first (the measurement's own spread) | ${f(results.ratio.aa)} (${range("aa")}) | 1 |
| returning visitor, × passthrough (median of pairs; range) | ${f(results.ratio.returning)} (${range("returning")}) | ≥ 0.95 |
| new visitor (new id and cookies, counting off), × passthrough | ${f(results.ratio.newVisitor)} (${range("newVisitor")}) | ≥ 0.92 |
| new visitors converting, counting on, objects in the same process, × passthrough | ${f(results.ratio.counting)} (${range("counting")}) | |
| the same, objects in a second workerd process on the other core (as in production), × passthrough | ${f(results.ratio.countingRemote)} (${range("countingRemote")}) | |
| override variant (2 overrides on the home page), × the same page served plain through sgen-ab | ${f(results.ratio.overrideVsPlain)} (${range("override")}) | |
| the floor (bench/entries/floor.js, the least any edge Worker does), returning visitor, × passthrough | ${f(results.ratio.floorReturning)} (${range("floorReturning")}) | |
| the floor, new visitor, × passthrough | ${f(results.ratio.floorNewVisitor)} (${range("floorNew")}) | |
| sgen-ab returning visitor × the floor (sgen-ab's own cost) | ${f(results.ratio.returningVsFloor)} (${range("returningVsFloor")}) | ≥ 0.97 |
| sgen-ab new visitor × the floor | ${f(results.ratio.newVisitorVsFloor)} (${range("newVsFloor")}) | ≥ 0.97 |
| GrowthBook's edge app, returning visitor, × passthrough | ${f(results.ratio.growthbookReturning)} (${range("growthbookReturning")}) | |
| GrowthBook's edge app, new visitor, × passthrough | ${f(results.ratio.growthbookNewVisitor)} (${range("growthbookNew")}) | |
| sgen-ab × GrowthBook, returning visitor, back to back | ${f(results.ratio.returningVsGrowthbook)} (${range("returningVsGrowthbook")}) | ≥ 1.6 |
| sgen-ab × GrowthBook, new visitor, back to back | ${f(results.ratio.newVisitorVsGrowthbook)} (${range("newVsGrowthbook")}) | ≥ 1.6 |
| the edge alone (sgen-ab/edge, a small isolate), returning visitor × the floor | ${f(results.ratio.edgeOnlyReturningVsFloor)} (${range("edgeReturningVsFloor")}) | |
| the edge alone, new visitor × the floor | ${f(results.ratio.edgeOnlyNewVisitorVsFloor)} (${range("edgeNewVsFloor")}) | |
| added median latency at one connection | ${f(results.addedMedianLatencyMs * 1000, 0)} µs (${f(results.latencyMs.passthrough)} → ${f(results.latencyMs.returning)} ms) | |
| Durable Object requests per 1,000 returning-visitor page views | ${f(results.per1000ReturningPageViews.durableObjectRequests, 2)} | ≤ 2 |
| KV reads per 1,000 returning-visitor page views | ${f(results.per1000ReturningPageViews.kvReads, 2)} | ≤ 1 |
| Durable Object requests per 1,000 requests, counting on (half new visitors, half conversions) | ${f(results.per1000CountingRequests.durableObjectRequests, 2)} (${f(results.per1000CountingRequests.events, 0)} events) | |
| the same, objects in the other process: requests reaching them per 1,000 requests | ${f(results.per1000CountingRequestsObjectsElsewhere.durableObjectRequests, 2)} (${f(results.per1000CountingRequestsObjectsElsewhere.events, 0)} events) | |
| events per second one run-data object absorbs, 500-event batches of new visitors (random UUIDs) | ${f(results.runDataEventsPerSecond, 0)} | |
| hash, ns per call, 57-byte key, in workerd (Node 22: ${f(results.hashNsPerCall57BytesNode, 1)}) | ${f(results.hashNsPerCall57Bytes, 1)} | ≤ 150 |
| deployable Worker bundle (wrangler deploy --dry-run) | ${(results.deployBundleBytes / 1024).toFixed(1)} KiB (${(results.deployBundleGzipBytes / 1024).toFixed(1)} KiB gzip) | |
`);
  } finally {
    workerd.kill("SIGTERM");
    objects.kill("SIGTERM");
  }
}

// Run as a program (npm run bench); bench/instructions.ts imports build() and PORT only.
if (import.meta.main) await main();
