// The bill: Durable Object requests grow with new visitors and conversions, not with page views.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runDataObjectName } from "../../src/names.ts";
import { readRunData } from "../../src/run-data/client.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import { edgeWith, experiment, setCookies } from "./helpers.ts";

function countingNamespace() {
  const calls = { ingest: 0, events: 0 };
  const ns = {
    idFromName: (name: string) => env.SGEN_RUN_DATA.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.SGEN_RUN_DATA.get(id);
      return {
        ingest: (shard: number, events: Parameters<typeof stub.ingest>[1]) => {
          calls.ingest++;
          calls.events += events.length;
          return stub.ingest(shard, events);
        },
      };
    },
  } as unknown as typeof env.SGEN_RUN_DATA;
  return { ns, calls };
}

describe("batching", () => {
  it("1,000 returning-visitor page views cost no Durable Object request; new visitors are batched", async () => {
    const exp = experiment();
    const { ns, calls } = countingNamespace();
    const sink = runDataSink<Cloudflare.Env>(() => ns, { flushDelayMs: 20 });
    const t = await edgeWith([exp], { events: sink.sink });
    const cookies: string[] = [];
    // 100 new visitors arriving together (one isolate): their exposures travel in a few batches.
    const firsts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.fetch("/pricing", { headers: { cookie: `sgen-vid=batch-${i}` } })),
    );
    for (const [i, res] of firsts.entries()) {
      cookies.push(`sgen-vid=batch-${i}; sgen-ab-pricing-page-layout=${setCookies(res).get("sgen-ab-pricing-page-layout")?.value}`);
    }
    await sink.batcher.flushAll();
    expect(calls.events).toBe(100);
    expect(calls.ingest).toBeLessThanOrEqual(5);
    const before = calls.ingest;
    for (let i = 0; i < 1000; i++) await (await t.fetch("/pricing", { headers: { cookie: cookies[i % 100] as string } })).arrayBuffer();
    await sink.batcher.flushAll();
    expect(calls.ingest - before).toBe(0);
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(Object.values(run.samples).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("spreads one experiment's visitors over its shards and the dashboard read sums them exactly", async () => {
    const exp = experiment({ shards: 4 });
    const t = await edgeWith([exp]);
    for (let i = 0; i < 200; i++) await t.fetch("/pricing", { headers: { cookie: `sgen-vid=shard-${i}` } });
    const shardTotal = async (k: number) => {
      const snap = await env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(runDataObjectName(exp.id, k))).snapshot(0);
      return Object.values(snap.samples).reduce((a, b) => a + b, 0);
    };
    const perShard = await Promise.all([0, 1, 2, 3].map(shardTotal));
    expect(perShard.every((n) => n > 20)).toBe(true);
    const total = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 4);
    expect(Object.values(total.samples).reduce((a, b) => a + b, 0)).toBe(200);
  });
});

describe("faults in run-data", () => {
  it("a send that fails twice is retried; once the fault clears, every count arrives exactly once", async () => {
    const exp = experiment();
    let failures = 2;
    const flaky = {
      idFromName: (name: string) => env.SGEN_RUN_DATA.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = env.SGEN_RUN_DATA.get(id);
        return {
          ingest: async (shard: number, events: Parameters<typeof stub.ingest>[1]) => {
            if (failures-- > 0) {
              // The object took the batch but the answer was lost: the retry must not double it.
              await stub.ingest(shard, events);
              throw new Error("network reset after write");
            }
            return stub.ingest(shard, events);
          },
        };
      },
    } as unknown as typeof env.SGEN_RUN_DATA;
    const sink = runDataSink<Cloudflare.Env>(() => flaky, { flushDelayMs: 0, maxAttempts: 5 });
    const t = await edgeWith([exp], { events: sink.sink });
    await Promise.all(Array.from({ length: 30 }, (_, i) => t.fetch("/pricing", { headers: { cookie: `sgen-vid=flaky-${i}` } })));
    await sink.batcher.flushAll();
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(Object.values(run.samples).reduce((a, b) => a + b, 0)).toBe(30);
    expect(sink.batcher.dropped).toBe(0);
  });

  it("the buffer is bounded: past maxBuffered, events are dropped and counted, never held without limit", async () => {
    const exp = experiment();
    const never = {
      idFromName: (name: string) => env.SGEN_RUN_DATA.idFromName(name),
      get: () => ({ ingest: () => new Promise(() => {}) }), // an object that never answers
    } as unknown as typeof env.SGEN_RUN_DATA;
    const logs: string[] = [];
    const sink = runDataSink<Cloudflare.Env>(() => never, { flushDelayMs: 60_000, maxBuffered: 10, log: (m) => logs.push(m) });
    const t = await edgeWith([exp], { events: sink.sink });
    const started = Date.now();
    for (let i = 0; i < 15; i++) {
      const res = await t.edge.handle(
        new Request("http://site.test/pricing", { headers: { cookie: `sgen-vid=full-${i}` } }),
        env,
        { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext,
        async () => new Response("<title>x</title>"),
      );
      expect(res.status).toBe(200); // the page never waits for run-data
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sink.batcher.dropped).toBe(5);
    expect(logs.some((l) => l.includes("buffer full"))).toBe(true);
  });
});
