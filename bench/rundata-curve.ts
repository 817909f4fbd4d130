// The run-data curve of npm run bench:curves (CURVES=rundata): one shard's ingest rate, in events a
// second (500-event batches of new visitors with random ids, one in ten converting, for 3 s), as its
// tables grow to 1, 10 and 50 million rows. The rows are put straight into SQLite by a bench-only RPC
// (BenchRunData.benchFill in bench/entries/sgen-bench.ts): random 16-byte keys, in transactions of 250,000.
// The object's files are deleted afterwards; watch `df -h` before a run (50 million rows take a few GB).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMPAT, startWorkerd, waitForPort } from "./harness.ts";

const SIZES = (process.env.BENCH_RUNDATA_ROWS ?? "0,1000000,10000000,50000000").split(",").map(Number);
const PORT = 9400;

const getJson = async (url: string) => (await fetch(url)).json() as Promise<Record<string, number>>;

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  }
  return n;
}

export async function runDataCurve(build: string): Promise<unknown> {
  const dir = join(build, "rundata");
  const storage = join(dir, "do");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(storage, { recursive: true });
  writeFileSync(join(dir, "sgen.js"), readFileSync(join(build, "sgen", "sgen-bench.js")));
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "sgen", worker = (
      modules = [(name = "worker.js", esModule = embed "sgen.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [
        (name = "SGEN_RUN_DATA", durableObjectNamespace = "BenchRunData"),
        (name = "SGEN_CATALOG", durableObjectNamespace = "BenchCatalog")
      ],
      durableObjectNamespaces = [
        (className = "BenchRunData", uniqueKey = "run-data", enableSql = true),
        (className = "BenchCatalog", uniqueKey = "catalog", enableSql = true)
      ],
      durableObjectStorage = (localDisk = "do-storage")
    )),
    (name = "do-storage", disk = (path = "${storage}", writable = true))
  ],
  sockets = [(name = "sgen", address = "127.0.0.1:${PORT}", http = (), service = "sgen")]
);
`,
  );
  const workerd = startWorkerd(join(dir, "config.capnp"));
  const rows: Array<Record<string, number>> = [];
  try {
    await waitForPort(PORT);
    const base = `http://127.0.0.1:${PORT}/__bench`;
    const object = "curve-shard";
    let held = 0;
    for (const target of SIZES) {
      const t0 = Date.now();
      // In steps of at most 2 million rows, each one request (a long one would outlast the HTTP client's timeout).
      while (target > held) {
        const step = Math.min(2_000_000, target - held);
        held = (await getJson(`${base}/fill?object=${object}&rows=${step}`)).rows as number;
      }
      const fillSeconds = (Date.now() - t0) / 1000;
      const rates: number[] = [];
      for (let r = 0; r < 3; r++) {
        const got = await getJson(`${base}/ingest-rate?object=${object}&seconds=3`);
        rates.push((got.events as number) / (got.seconds as number));
      }
      rates.sort((a, b) => a - b);
      const row = { sampleRows: held, eventsPerSecond: rates[1] as number, storageBytes: dirBytes(storage), fillSeconds };
      rows.push(row);
      console.log(
        `run-data shard holding ${held.toLocaleString("en")} exposures: ${row.eventsPerSecond.toFixed(0)} events/s (${(row.storageBytes / 2 ** 20).toFixed(0)} MiB on disk; filled in ${fillSeconds.toFixed(0)} s)`,
      );
    }
  } finally {
    workerd.kill("SIGTERM");
    await new Promise((r) => workerd.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("\n| exposures the shard holds | events/s it absorbs (median of 3 × 3 s) | its storage |\n|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${(r.sampleRows as number).toLocaleString("en")} | ${(r.eventsPerSecond as number).toFixed(0)} | ${((r.storageBytes as number) / 2 ** 20).toFixed(0)} MiB |`,
    );
  }
  return rows;
}
