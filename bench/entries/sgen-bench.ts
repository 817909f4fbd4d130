// The sgen-ab Worker as deployed, plus what the benchmark needs to count its bill: Durable Object
// requests (every RPC to a run-data or catalog object) and a route that reads the counters. The
// counters live in this module, which the Worker and its Durable Objects share in one workerd isolate.

import { hashString } from "../../src/core/hash.ts";
import type { RunEvent } from "../../src/edge/ports.ts";
import type { TallyBatch } from "../../src/run-data/tallies.ts";
import { CatalogObject, createWorker, RunDataObject, type SgenEnv } from "../../src/worker/index.ts";

const counters = { runDataRequests: 0, catalogRequests: 0, events: 0 };

export class BenchRunData extends RunDataObject {
  override ingest(shard: number, events: readonly RunEvent[], tallies?: TallyBatch) {
    counters.runDataRequests++;
    counters.events += events.length;
    return super.ingest(shard, events, tallies);
  }

  /**
   * Bench only: grows this shard's tables by `rows` exposures (random 16-byte visitor keys, as the edge's
   * UUIDs are stored) and a tenth as many conversions, straight into SQLite in large transactions, so
   * that the ingest rate of a shard holding millions of rows can be measured without sending them all.
   * Returns the rows the sample holds.
   */
  benchFill(rows: number): number {
    const sql = this.ctx.storage.sql;
    const CHUNK = 250_000;
    for (let done = 0; done < rows; done += CHUNK) {
      const n = Math.min(CHUNK, rows - done);
      this.ctx.storage.transactionSync(() => {
        sql.exec(
          `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
           INSERT OR IGNORE INTO sample (epoch, visitor, variant, day) SELECT 0, randomblob(16), CASE i % 2 WHEN 0 THEN 'a' ELSE 'b' END, 20400 + i % 30 FROM c`,
          n,
        );
        sql.exec(
          `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
           INSERT OR IGNORE INTO conversions (epoch, goal, visitor, variant, at) SELECT 0, 'page_view:/thanks', randomblob(16), CASE i % 2 WHEN 0 THEN 'a' ELSE 'b' END, 1762560000000 FROM c`,
          Math.ceil(n / 10),
        );
      });
    }
    return sql.exec("SELECT count(*) AS n FROM sample").one().n as number;
  }

  /**
   * Bench only: `days` days of run-data for `epoch` ending today, as a shard holds them after an
   * experiment ran that long (daily exposures and conversions per variant, and their totals).
   */
  benchDays(epoch: number, days: number, goal: string): void {
    const sql = this.ctx.storage.sql;
    const today = Math.floor(Date.now() / 86_400_000);
    this.ctx.storage.transactionSync(() => {
      for (const variant of ["a", "b"]) {
        for (let d = 0; d < days; d++) {
          const day = new Date((today - days + 1 + d) * 86_400_000).toISOString().slice(0, 10);
          sql.exec("INSERT OR REPLACE INTO daily (epoch, day, goal, variant, n) VALUES (?, ?, '', ?, 250)", epoch, day, variant);
          sql.exec(
            "INSERT OR REPLACE INTO daily (epoch, day, goal, variant, n) VALUES (?, ?, ?, ?, ?)",
            epoch,
            day,
            goal,
            variant,
            variant === "a" ? 25 : 28,
          );
        }
        sql.exec("INSERT OR REPLACE INTO counts (epoch, goal, variant, n, last_at) VALUES (?, '', ?, ?, NULL)", epoch, variant, 250 * days);
        sql.exec(
          "INSERT OR REPLACE INTO counts (epoch, goal, variant, n, last_at) VALUES (?, ?, ?, ?, ?)",
          epoch,
          goal,
          variant,
          (variant === "a" ? 25 : 28) * days,
          Date.now(),
        );
      }
    });
  }
}

export class BenchCatalog extends CatalogObject {
  override runDataChanged(...args: Parameters<CatalogObject["runDataChanged"]>) {
    counters.catalogRequests++;
    return super.runDataChanged(...args);
  }
}

const worker = createWorker<SgenEnv>({ admin: false });
// As a zone without Bot Management would run it (BENCH_BOT_SIGNALS=off): request.cf is never read.
const withoutBotSignals = createWorker<SgenEnv>({ admin: false, edge: { botSignals: false } });
// With the admin API and pages, for the catalog's curve (npm run bench:curves, CURVES=catalog).
const withAdmin = createWorker<SgenEnv>();

interface BenchEnv extends SgenEnv {
  /** Serve the admin API and pages too (the catalog's curve). */
  BENCH_ADMIN?: string;
  /** "off": the Worker with `botSignals: false`. */
  BENCH_BOT_SIGNALS?: string;
  /**
   * Counting as in production: the run-data and catalog objects in a second workerd process (on the
   * other core), reached over a socket. This Worker's run-data namespace is then a stand-in that posts
   * each batch there; the second process hands it to its own namespace (`/__bench/objects-ingest` below).
   */
  REMOTE_OBJECTS?: Fetcher;
}

/** A run-data namespace whose objects live in the other process: one HTTP request per batch. */
function remoteRunData(remote: Fetcher): NonNullable<SgenEnv["SGEN_RUN_DATA"]> {
  const stub = (name: string) => ({
    async ingest(shard: number, events: readonly RunEvent[], tallies?: TallyBatch) {
      const res = await remote.fetch("http://objects/__bench/objects-ingest", {
        method: "POST",
        // The tallies too (the guardrails' measurements and the ledger): a batch of them alone is what a
        // returning visitor's page views send, every tally window.
        body: JSON.stringify({ name, shard, events, tallies }),
      });
      if (!res.ok) throw new Error(`the objects' process answered ${res.status}`);
    },
  });
  return { idFromName: (name: string) => name, get: stub } as unknown as NonNullable<SgenEnv["SGEN_RUN_DATA"]>;
}

let remoteEnv: { of: BenchEnv; env: BenchEnv } | undefined;

/** The env the Worker sees: the bindings as they are, or with the stand-in when the objects are remote. */
function workerEnv(env: BenchEnv): BenchEnv {
  if (env.REMOTE_OBJECTS === undefined) return env;
  if (remoteEnv?.of !== env) remoteEnv = { of: env, env: { ...env, SGEN_RUN_DATA: remoteRunData(env.REMOTE_OBJECTS) } };
  return remoteEnv.env;
}

/**
 * Sends `seconds` worth of batches of new visitors (random UUIDs, as the edge issues them; one in ten
 * converts) to one run-data object, one batch after another, and says how many events it absorbed.
 */
async function ingestRate(env: SgenEnv, seconds: number, batchSize: number, object: string | null): Promise<Response> {
  const ns = env.SGEN_RUN_DATA;
  if (ns === undefined) return new Response("no run-data binding", { status: 500 });
  const stub = ns.get(ns.idFromName(object ?? `bench-ingest-${crypto.randomUUID()}`));
  const started = Date.now();
  let events = 0;
  let n = 0;
  while (Date.now() - started < seconds * 1000) {
    const batch: RunEvent[] = [];
    while (batch.length < batchSize) {
      const visitorId = crypto.randomUUID();
      n++;
      batch.push({ kind: "exposure", experimentId: 999, epoch: 0, visitorId, variant: n % 2 ? "a" : "b", at: Date.now() });
      if (n % 10 === 0)
        batch.push({ kind: "conversion", experimentId: 999, epoch: 0, visitorId, goal: "page_view:/thanks", at: Date.now() });
    }
    await stub.ingest(0, batch);
    events += batch.length;
  }
  return Response.json({ events, seconds: (Date.now() - started) / 1000 });
}

// 57-byte keys as the edge hashes them: a 20-character slug, ":" and a 36-character UUID. Made on first
// use: workerd allows no random values at global scope.
let hashKeys: string[] | undefined;

/**
 * Hashes `n` keys and answers when done: the harness times the request from outside, because inside
 * workerd the clocks stand still while code runs (they move only on I/O).
 */
function hashLoop(n: number): Response {
  hashKeys ??= Array.from({ length: 1024 }, () => `homepage-hero-layout:${crypto.randomUUID()}`);
  const keys = hashKeys;
  let sink = 0;
  for (let i = 0; i < n; i++) sink ^= hashString(keys[i & 1023] as string);
  return new Response(String(sink));
}

/** In the objects' process: one batch from the pages' process, handed to the run-data object it names. */
async function ingestRemote(request: Request, env: SgenEnv): Promise<Response> {
  const ns = env.SGEN_RUN_DATA;
  if (ns === undefined) return new Response("no run-data binding", { status: 500 });
  const { name, shard, events, tallies } = (await request.json()) as {
    name: string;
    shard: number;
    events: RunEvent[];
    tallies?: TallyBatch;
  };
  await ns.get(ns.idFromName(name)).ingest(shard, events, tallies);
  return new Response(null, { status: 204 });
}

export default {
  // Not async: the Worker's own promise goes back to the runtime as it is, as the deployed Worker's does,
  // so the harness adds no step of its own. The benchmark's routes are matched without parsing the URL,
  // and the one read of request.url is handed on: each read copies it (0.7k instructions in a new visitor's request by callgrind, bench/README.md),
  // which would otherwise be charged to sgen-ab on every measured request.
  fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = request.url;
    if (!url.includes("/__bench/")) return workerFor(env).fetch(request, workerEnv(env), ctx, url);
    return benchRoute(request, env, url);
  },
} satisfies ExportedHandler<BenchEnv>;

/** Which of the entry's Workers serves a service: the deployed one unless its bindings say otherwise. */
const workerFor = (env: BenchEnv) =>
  env.BENCH_ADMIN !== undefined ? withAdmin : env.BENCH_BOT_SIGNALS === "off" ? withoutBotSignals : worker;

/** The benchmark's own routes (counters, flushes, the hash loop, ingest rates, filling a shard). */
async function benchRoute(request: Request, env: BenchEnv, url: string): Promise<Response> {
  if (url.endsWith("/__bench/objects-ingest")) return ingestRemote(request, env);
  const path = new URL(url).pathname;
  if (path === "/__bench/stats") return Response.json(counters);
  if (path === "/__bench/flush") {
    await worker.runData.batcher.flushAll();
    return Response.json(counters);
  }
  if (path === "/__bench/hash") return hashLoop(Number(new URL(url).searchParams.get("n") ?? 0));
  if (path === "/__bench/ingest-rate") {
    const q = new URL(url).searchParams;
    return ingestRate(env, Number(q.get("seconds") ?? 3), Number(q.get("batch") ?? 500), q.get("object"));
  }
  if (path === "/__bench/days") {
    const q = new URL(url).searchParams;
    const ns = env.SGEN_RUN_DATA as unknown as DurableObjectNamespace<BenchRunData> | undefined;
    if (ns === undefined) return new Response("no run-data binding", { status: 500 });
    await ns
      .get(ns.idFromName(q.get("object") ?? ""))
      .benchDays(Number(q.get("epoch") ?? 0), Number(q.get("days") ?? 365), q.get("goal") ?? "");
    return new Response(null, { status: 204 });
  }
  if (path === "/__bench/fill") {
    const q = new URL(url).searchParams;
    const ns = env.SGEN_RUN_DATA as unknown as DurableObjectNamespace<BenchRunData> | undefined;
    if (ns === undefined) return new Response("no run-data binding", { status: 500 });
    const rows = await ns.get(ns.idFromName(q.get("object") ?? "bench-fill")).benchFill(Number(q.get("rows") ?? 0));
    return Response.json({ rows });
  }
  return new Response("no such bench route", { status: 404 });
}
