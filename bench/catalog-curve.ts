// The catalog curve of npm run bench:curves (CURVES=catalog): how long the admin API's list and
// dashboard take as the catalog grows to 100, 1,000 and 10,000 experiments, the dashboard's experiment
// holding a year of daily rows in each of its shards. Experiments are created through the API itself
// (POST /experiments, as an operator would); the daily rows go straight into the shards' SQLite
// (BenchRunData.benchDays). Each time is the median of 15 requests, measured from outside workerd.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { goalKey } from "../src/core/goals.ts";
import { runDataObjectName } from "../src/names.ts";
import { COMPAT, startWorkerd, waitForPort } from "./harness.ts";

const ROOT = join(import.meta.dirname, "..");
const PORT = 9500;
const SIZES = (process.env.BENCH_CATALOG_SIZES ?? "100,1000,10000").split(",").map(Number);
const TOKEN = "bench-operator-token";
const API = `http://127.0.0.1:${PORT}/sg-admin/api`;
const GOAL = { type: "page_view", path: "/thanks" } as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? {} : JSON.parse(text) };
}

async function timed(path: string, n = 15): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const { status } = await api("GET", path);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
  }
  return median(ms);
}

const input = (i: number) => ({
  slug: `catalog-${i}`,
  name: `Catalog experiment ${i}`,
  target_page: `/c/${i}`,
  variants: [
    { slug: "a", label: "Current", traffic_share: 50 },
    i % 3 === 0
      ? { slug: "b", label: "New headline", traffic_share: 50, overrides: [{ selector: "h1", action: "set_text", value: `Headline ${i}` }] }
      : { slug: "b", label: "New page", traffic_share: 50, page: `/c/${i}-b` },
  ],
  conversion_event: GOAL,
  min_sample_threshold: 1000,
});

export async function catalogCurve(build: string): Promise<unknown> {
  const dir = join(build, "catalog");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "do"), { recursive: true });
  writeFileSync(join(dir, "sgen.js"), readFileSync(join(build, "sgen", "sgen-bench.js")));
  writeFileSync(join(dir, "kv.js"), readFileSync(join(ROOT, "bench/entries/kv.js"), "utf8").replace("globalThis.__SEED__ ?? {}", "{}"));
  writeFileSync(join(dir, "origin.js"), readFileSync(join(ROOT, "bench/entries/origin.js")));
  const tokens = JSON.stringify([{ sha256: createHash("sha256").update(TOKEN).digest("hex"), operator: "bench", role: "administrator" }]);
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "origin", worker = (modules = [(name = "origin.js", esModule = embed "origin.js")], compatibilityDate = "${COMPAT}")),
    (name = "kv", worker = (modules = [(name = "kv.js", esModule = embed "kv.js")], compatibilityDate = "${COMPAT}")),
    (name = "sgen", worker = (
      modules = [(name = "worker.js", esModule = embed "sgen.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [
        (name = "ORIGIN", service = "origin"),
        (name = "SGEN_CONFIG", kvNamespace = "kv"),
        (name = "SGEN_RUN_DATA", durableObjectNamespace = "BenchRunData"),
        (name = "SGEN_CATALOG", durableObjectNamespace = "BenchCatalog"),
        (name = "SGEN_ADMIN_TOKENS", text = ${JSON.stringify(tokens)}),
        (name = "BENCH_ADMIN", text = "1")
      ],
      durableObjectNamespaces = [
        (className = "BenchRunData", uniqueKey = "run-data", enableSql = true),
        (className = "BenchCatalog", uniqueKey = "catalog", enableSql = true)
      ],
      durableObjectStorage = (localDisk = "do-storage")
    )),
    (name = "do-storage", disk = (path = "${join(dir, "do")}", writable = true))
  ],
  sockets = [(name = "sgen", address = "127.0.0.1:${PORT}", http = (), service = "sgen")]
);
`,
  );
  const workerd = startWorkerd(join(dir, "config.capnp"));
  const rows: Array<Record<string, number>> = [];
  try {
    await waitForPort(PORT);
    // The dashboard's experiment: live, with a year of days in each shard.
    const first = await api("POST", "/experiments", input(0));
    if (first.status !== 201) throw new Error(`create answered ${first.status}: ${JSON.stringify(first.json)}`);
    const id = first.json.id as number;
    const started = await api("POST", `/experiments/${id}/start`, {});
    if (started.status !== 200) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.json)}`);
    const shards = (started.json.shards as number | undefined) ?? 4;
    const epoch = (started.json.epoch as number | undefined) ?? 0;
    for (let shard = 0; shard < shards; shard++) {
      const res = await fetch(
        `http://127.0.0.1:${PORT}/__bench/days?object=${encodeURIComponent(runDataObjectName(id, shard))}&epoch=${epoch}&days=365&goal=${encodeURIComponent(goalKey(GOAL))}`,
      );
      if (res.status !== 204) throw new Error(`days answered ${res.status}`);
    }
    let made = 1;
    for (const size of SIZES) {
      const t0 = Date.now();
      while (made < size) {
        const batch = Array.from({ length: Math.min(16, size - made) }, (_, k) => made + k);
        const answers = await Promise.all(batch.map((i) => api("POST", "/experiments", input(i))));
        for (const a of answers) if (a.status !== 201) throw new Error(`create answered ${a.status}: ${JSON.stringify(a.json)}`);
        made += batch.length;
      }
      const createSeconds = (Date.now() - t0) / 1000;
      const dashboard = await api("GET", `/experiments/${id}/dashboard`);
      const days = (dashboard.json.timeseries as unknown[] | undefined)?.length ?? 0;
      const row = {
        experiments: made,
        listMs: await timed("/experiments"),
        listBySampleMs: await timed("/experiments?sort=sample&per_page=100"),
        searchMs: await timed("/experiments?q=catalog-99"),
        dashboardMs: await timed(`/experiments/${id}/dashboard`),
        dashboardDays: days,
        createSeconds,
      };
      rows.push(row);
      console.log(
        `catalog of ${made.toLocaleString("en")}: list ${row.listMs.toFixed(1)} ms, 100 by sample ${row.listBySampleMs.toFixed(1)} ms, search ${row.searchMs.toFixed(1)} ms, dashboard (${days} days) ${row.dashboardMs.toFixed(1)} ms; created in ${createSeconds.toFixed(0)} s`,
      );
    }
  } finally {
    workerd.kill("SIGTERM");
    await new Promise((r) => workerd.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    "\n| experiments in the catalog | list, first page of 20 | 100 sorted by sample | search (`q`) | dashboard of a live experiment with a year of days × 4 shards |\n|---|---|---|---|---|",
  );
  for (const r of rows) {
    console.log(
      `| ${(r.experiments as number).toLocaleString("en")} | ${(r.listMs as number).toFixed(1)} ms | ${(r.listBySampleMs as number).toFixed(1)} ms | ${(r.searchMs as number).toFixed(1)} ms | ${(r.dashboardMs as number).toFixed(1)} ms |`,
    );
  }
  return rows;
}
