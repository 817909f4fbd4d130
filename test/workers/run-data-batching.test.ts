// The bill: Durable Object requests grow with new visitors and conversions, not with page views.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readRunData } from "../../src/run-data/client.ts";
import { runDataObjectName } from "../../src/run-data/events.ts";
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
