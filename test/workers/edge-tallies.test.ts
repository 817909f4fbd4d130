// What the edge measures besides the events (docs/metrics.md, "Guardrails" and "The ledger"): the
// origin's answer to each target-page request of a visitor in the sample, per variant, and every
// request it leaves out of the counts, with why. Added up in the isolate and sent with the batcher's
// rhythm: counted here in Durable Object calls per 1,000 page views.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import type { EdgeExperiment } from "../../src/core/schema.ts";
import { readRunData } from "../../src/run-data/client.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import type { TallyBatch } from "../../src/run-data/tallies.ts";
import { edgeWith, experiment, setCookies } from "./helpers.ts";

/** The run-data namespace, counting the calls made to it and what they carried. */
function countingNamespace(fail = 0) {
  const calls = { ingest: 0, events: 0, tallies: 0 };
  let failures = fail;
  const ns = {
    idFromName: (name: string) => env.SGEN_RUN_DATA.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.SGEN_RUN_DATA.get(id);
      return {
        ingest: async (shard: number, events: Parameters<typeof stub.ingest>[1], tallies?: TallyBatch) => {
          calls.ingest++;
          calls.events += events.length;
          if (tallies !== undefined) calls.tallies++;
          const result = await stub.ingest(shard, events, tallies);
          if (failures-- > 0) throw new Error("network reset after write"); // the object took it; the answer was lost
          return result;
        },
      };
    },
  } as unknown as typeof env.SGEN_RUN_DATA;
  return { ns, calls };
}

async function measured(exps: EdgeExperiment[], origin?: (r: Request) => Promise<Response>, fail = 0, tallyFlushDelayMs = 0) {
  const { ns, calls } = countingNamespace(fail);
  const sink = runDataSink<Cloudflare.Env>(() => ns, { flushDelayMs: 10, tallyFlushDelayMs });
  const t = await edgeWith(exps, { events: sink.sink, tallies: sink.tallies }, origin);
  return { t, sink, calls };
}

const cookieOf = (vid: string, res: Response) =>
  `sgen-vid=${vid}; sgen-ab-pricing-page-layout=${setCookies(res).get("sgen-ab-pricing-page-layout")?.value}`;

describe("guardrail tallies at the edge", () => {
  it("1,000 returning-visitor page views: every answer tallied, at most 2 Durable Object calls", async () => {
    const exp = experiment();
    // A tally window of 2 s (5 s by default): the 1,000 views fall in one or two.
    const { ns, calls } = countingNamespace();
    const sink = runDataSink<Cloudflare.Env>(() => ns, { flushDelayMs: 10, tallyFlushDelayMs: 2_000 });
    const t = await edgeWith([exp], { events: sink.sink, tallies: sink.tallies });
    const firsts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.fetch("/pricing", { headers: { cookie: `sgen-vid=ret-${i}` } })),
    );
    const cookies = firsts.map((res, i) => cookieOf(`ret-${i}`, res));
    await sink.batcher.flushAll();
    const before = calls.ingest;
    // Ten waves of 100 concurrent page views, as an isolate sees traffic: each request answered at
    // once, its background work (the tally window) left running as the Workers runtime leaves it.
    const contexts: ExecutionContext[] = [];
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const ctx = createExecutionContext();
          contexts.push(ctx);
          const req = new Request("http://site.test/pricing", { headers: { cookie: cookies[i] as string } });
          const res = await t.edge.handle(req, env, ctx, async (r) => demoSite(r));
          await res.arrayBuffer();
        }),
      );
    }
    await Promise.all(contexts.map((ctx) => waitOnExecutionContext(ctx)));
    const perThousand = calls.ingest - before;
    expect(perThousand).toBeLessThanOrEqual(2);
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    const answers = Object.values(run.responses).reduce((n, r) => n + r.n, 0);
    expect(answers).toBe(1100);
    expect(Object.values(run.samples).reduce((a, b) => a + b, 0)).toBe(100);
    console.log(`Durable Object calls for 1,000 returning-visitor page views with tallies: ${perThousand}`);
  }, 20_000); // two tally windows are waited out

  it("counts each variant's 4xx and 5xx answers and the time to headers, per variant", async () => {
    const exp = experiment({
      variants: [
        { slug: "a", page: "/pricing", traffic_share: 50 },
        { slug: "b", page: "/slow-b", traffic_share: 50 },
      ],
    });
    const origin = async (r: Request) => {
      if (new URL(r.url).pathname === "/slow-b") {
        await new Promise((ok) => setTimeout(ok, 25));
        return new Response("<title>b</title>", { headers: { "content-type": "text/html" } });
      }
      return demoSite(r);
    };
    const { t, sink } = await measured([exp], origin);
    for (let i = 0; i < 40; i++) await t.fetch("/pricing", { headers: { cookie: `sgen-vid=lat-${i}` } });
    await sink.batcher.flushAll();
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    const a = run.responses.a;
    const b = run.responses.b;
    expect((a?.n ?? 0) + (b?.n ?? 0)).toBe(40);
    expect(b?.latency_sum ?? 0).toBeGreaterThanOrEqual(20 * (b?.n ?? 0));
    expect(BigInt(b?.latency_sum_squares ?? "0")).toBeGreaterThanOrEqual(BigInt(400 * (b?.n ?? 0)));
    expect(a?.latency_sum ?? 0).toBeLessThan(20 * (a?.n ?? 1));
    expect(b?.status_5xx).toBe(0);
  });

  it("a variant page answering 500: the visitor gets the control, is not counted nor assigned, and the ledger says why", async () => {
    const exp = experiment({
      variants: [
        { slug: "a", page: "/pricing", traffic_share: 50 },
        { slug: "b", page: "/flaky", traffic_share: 50 },
      ],
    });
    let broken = true;
    const origin = async (r: Request) =>
      new URL(r.url).pathname === "/flaky"
        ? broken
          ? new Response("down", { status: 500 })
          : new Response("<title>b</title>", { headers: { "content-type": "text/html" } })
        : demoSite(r);
    const { t, sink } = await measured([exp], origin);
    const seen = { a: 0, b: 0 };
    const bVisitors: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=flaky-${i}` } });
      const assigned = setCookies(res).get("sgen-ab-pricing-page-layout")?.value;
      if (assigned === "a") seen.a++;
      else {
        expect(assigned).toBeUndefined(); // a b visitor whose page failed keeps no assignment
        expect(await res.text()).toContain("Acme: pricing"); // and got the control's page
        bVisitors.push(`flaky-${i}`);
      }
    }
    await sink.batcher.flushAll();
    let run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(run.samples).toEqual({ a: seen.a });
    expect(run.notCounted.b).toEqual({ variant_page_5xx: bVisitors.length });
    expect(run.responses.b).toMatchObject({ n: bVisitors.length, status_5xx: bVisitors.length });
    expect(run.responses.a).toMatchObject({ n: seen.a, status_5xx: 0 });
    // Once the page serves again, the same visitors (the same hash) join b and count.
    broken = false;
    for (const v of bVisitors) await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${v}` } });
    await sink.batcher.flushAll();
    run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(run.samples).toEqual({ a: seen.a, b: bVisitors.length });
  });

  it("notes crawlers, visitors without consent and over-long ids", async () => {
    const exp = experiment();
    const { ns } = countingNamespace();
    const sink = runDataSink<Cloudflare.Env>(() => ns, { flushDelayMs: 10, tallyFlushDelayMs: 10 });
    const t = await edgeWith([exp], { events: sink.sink, tallies: sink.tallies, consentCookie: () => "consent" });
    await t.fetch("/pricing", { headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)", cookie: "consent=yes" } });
    await t.fetch("/pricing", { headers: { cookie: "sgen-vid=no-consent" } });
    await t.fetch("/pricing", { headers: { cookie: "sgen-vid=no-consent; consent=no" } });
    await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${"x".repeat(300)}; consent=yes` } });
    await sink.batcher.flushAll();
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(run.notCounted[""]).toEqual({ crawler: 1, no_consent: 2, id_too_long: 1 });
    expect(Object.values(run.samples).reduce((a, b) => a + b, 0)).toBe(1); // the over-long id joined under a fresh one
  });

  it("a tally batch sent again after a lost answer is applied once", async () => {
    const exp = experiment();
    const { t, sink, calls } = await measured([exp], undefined, 1);
    await Promise.all(Array.from({ length: 10 }, () => t.fetch("/pricing", { headers: { "user-agent": "Googlebot/2.1" } })));
    await sink.batcher.flushAll();
    expect(calls.tallies).toBe(2); // the first answer was lost, the batch went again
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(run.notCounted[""]).toEqual({ crawler: 10 });
  });
});
