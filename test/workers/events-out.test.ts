// Events out (docs/metrics.md, "Events out"): every event run-data counted goes to a Queue (a real
// Miniflare queue, whose consumer hands the messages to the recorder) and to Analytics Engine (a fake
// dataset that records writeDataPoint); nothing it refused does. Counted from the stream, the traffic
// gives run-data's own counts: samples, conversions and the value sums.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/edge/ports.ts";
import { runDataObjectName } from "../../src/names.ts";
import { readRunData } from "../../src/run-data/client.ts";
import type { CountedEvent, dataPoint } from "../../src/run-data/events-out.ts";
import type { RunDataObject } from "../../src/run-data/run-data-object.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import { edgeWith, experiment, setCookies, uniqueId } from "./helpers.ts";

const COOKIE = "sgen-ab-pricing-page-layout";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function queued(experimentId: number, count: number): Promise<CountedEvent[]> {
  let got: CountedEvent[] = [];
  for (let i = 0; i < 200; i++) {
    got = (await (await env.SGEN_WEBHOOK_EGRESS.fetch(`http://recorder/__queue?experiment=${experimentId}`)).json()) as CountedEvent[];
    if (got.length >= count) return got;
    await sleep(50);
  }
  return got;
}

const tally = <T>(rows: T[], key: (r: T) => string, add: (r: T) => number = () => 1) => {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + add(r);
  return out;
};

describe("events out", () => {
  it("the queue carries exactly the counted events: its counts are run-data's", async () => {
    const exp = experiment({
      conversion_event: { type: "page_view", path: "/thanks" },
      secondary_goals: [{ type: "custom", name: "purchase", aggregate: "sum", cap: { value: 100 } }],
    });
    const sink = runDataSink<Cloudflare.Env>((e) => e.SGEN_RUN_DATA, { flushDelayMs: 0, tallyFlushDelayMs: 0 });
    const t = await edgeWith([exp], { events: sink.sink, tallies: sink.tallies });
    for (let i = 0; i < 30; i++) {
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=out-${i}` } });
      const cookie = `sgen-vid=out-${i}; ${COOKIE}=${setCookies(res).get(COOKIE)?.value}`;
      await t.fetch("/pricing", { headers: { cookie } }); // a returning visitor: nothing more
      if (i % 3 === 0) {
        await t.fetch("/thanks", { headers: { cookie } });
        await t.fetch("/thanks", { headers: { cookie } }); // a repeat
      }
      if (i % 4 === 0) {
        const body = (value: number, id: string) => JSON.stringify({ events: [{ name: "purchase", value, id }] });
        await t.fetch("/__sgen/events", { method: "POST", headers: { cookie }, body: body(60, `o-${i}`) });
        await t.fetch("/__sgen/events", { method: "POST", headers: { cookie }, body: body(60, `o-${i}`) }); // the same order
        await t.fetch("/__sgen/events", { method: "POST", headers: { cookie }, body: body(60.25, `o-${i}-2`) }); // over the cap
      }
    }
    await t.fetch("/thanks", { headers: { cookie: `sgen-vid=outsider; ${COOKIE}=b` } }); // never in the sample
    await sink.batcher.flushAll();
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    const sample = Object.values(run.samples).reduce((a, b) => a + b, 0);
    const conversions = Object.values(run.conversions["page_view:/thanks"] ?? {}).reduce((a, b) => a + b, 0);
    const buyers = Object.values(run.conversions["sum:purchase@10000"] ?? {}).reduce((a, b) => a + b, 0);
    const valueEvents = 2 * buyers; // each buyer's two distinct orders
    const stream = await queued(exp.id, sample + conversions + buyers + valueEvents);
    expect(sample).toBe(30);
    expect(conversions).toBe(10);
    expect(buyers).toBe(8);
    expect(stream).toHaveLength(sample + conversions + buyers + valueEvents);
    const exposures = stream.filter((e) => e.kind === "exposure");
    expect(tally(exposures, (e) => e.variant)).toEqual(run.samples);
    expect(new Set(exposures.map((e) => e.visitor_id)).size).toBe(30);
    for (const goal of ["page_view:/thanks", "sum:purchase@10000"]) {
      expect(
        tally(
          stream.filter((e) => e.kind === "conversion" && e.goal === goal),
          (e) => e.variant,
        ),
      ).toEqual(run.conversions[goal]);
    }
    // Value: what each counted event added (after the cap) sums to run-data's exact sum, per variant, in cents.
    const added = tally(
      stream.filter((e) => e.kind === "value"),
      (e) => e.variant,
      (e) => Math.round((e.value ?? 0) * 100),
    );
    const sums = run.values["sum:purchase@10000"] ?? {};
    expect(added).toEqual(Object.fromEntries(Object.entries(sums).map(([v, s]) => [v, Number(s.sum)])));
    for (const s of Object.values(sums)) expect(Number(s.sum) % 10_000).toBe(0); // each buyer capped at 100.00
    expect(stream.every((e) => e.experiment_id === exp.id && e.epoch === 0 && e.at > 0)).toBe(true);
  });

  it("Analytics Engine gets one data point per counted event, in the documented layout", async () => {
    const experimentId = uniqueId();
    const stub = env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(runDataObjectName(experimentId, 0)));
    const points: Array<ReturnType<typeof dataPoint>> = [];
    const at = Date.now();
    const uuid = crypto.randomUUID();
    const events: RunEvent[] = [
      { kind: "exposure", experimentId, epoch: 0, visitorId: uuid, variant: "a", at },
      { kind: "exposure", experimentId, epoch: 0, visitorId: uuid, variant: "a", at }, // a repeat
      { kind: "exposure", experimentId, epoch: 0, visitorId: "site-id-7", variant: "b", at },
      { kind: "conversion", experimentId, epoch: 0, visitorId: "site-id-7", goal: "custom:signup", at },
      { kind: "conversion", experimentId, epoch: 0, visitorId: "nobody", goal: "custom:signup", at }, // not in the sample
      {
        kind: "conversion",
        experimentId,
        epoch: 0,
        visitorId: uuid,
        goal: "sum:purchase",
        at,
        value: { cents: 4990, id: "c:order-1", capCents: null },
      },
    ];
    await runInDurableObject(stub, async (instance: RunDataObject) => {
      const real = (instance as unknown as { env: Cloudflare.Env }).env;
      Object.defineProperty(instance, "env", {
        value: { ...real, SGEN_EVENTS_OUT: undefined, SGEN_ANALYTICS: { writeDataPoint: (p: (typeof points)[number]) => points.push(p) } },
      });
      await instance.ingest(0, events);
    });
    const run = await readRunData(env.SGEN_RUN_DATA, experimentId, 0, 1);
    expect(run.samples).toEqual({ a: 1, b: 1 });
    // The dashboard's counts rebuilt as docs/metrics.md's SQL does, over the recorded points.
    const where = (kind: string) => points.filter((p) => p.indexes[0] === String(experimentId) && p.blobs[0] === kind);
    expect(tally(where("exposure"), (p) => p.blobs[1] as string)).toEqual(run.samples);
    expect(tally(where("conversion"), (p) => `${p.blobs[2]}|${p.blobs[1]}`)).toEqual({ "custom:signup|b": 1, "sum:purchase|a": 1 });
    expect(where("value")).toEqual([
      { indexes: [String(experimentId)], blobs: ["value", "a", "sum:purchase", uuid], doubles: [0, 49.9, at] },
    ]);
    expect(
      where("exposure")
        .map((p) => p.blobs[3])
        .sort(),
    ).toEqual([uuid, "site-id-7"].sort());
  });

  it("without a binding nothing is sent and nothing changes in the counting", async () => {
    const experimentId = uniqueId();
    const stub = env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(runDataObjectName(experimentId, 0)));
    await runInDurableObject(stub, async (instance: RunDataObject) => {
      const real = (instance as unknown as { env: Cloudflare.Env }).env;
      Object.defineProperty(instance, "env", { value: { ...real, SGEN_EVENTS_OUT: undefined } });
      const r = await instance.ingest(0, [{ kind: "exposure", experimentId, epoch: 0, visitorId: "v", variant: "a", at: Date.now() }]);
      expect(r.exposures).toBe(1);
    });
    await sleep(200);
    expect(await queued(experimentId, 0)).toEqual([]);
  });
});
