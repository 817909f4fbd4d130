// Value goals in run-data (docs/metrics.md, "Value metrics end to end"): each visitor's total, capped,
// and per variant the sum and sum of squares of the counted values, exact as integers of any size;
// every event counted once by its identity, whatever repeats it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventValue, RunEvent } from "../../src/edge/ports.ts";
import { readRunData } from "../../src/run-data/client.ts";
import { edgeWith, experiment, setCookies, uniqueId } from "./helpers.ts";

const fresh = () => {
  const id = uniqueId();
  return { id, stub: env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(`test:${id}`)) };
};
const exposure = (experimentId: number, visitorId: string, variant: string): RunEvent => ({
  kind: "exposure",
  experimentId,
  epoch: 0,
  visitorId,
  variant,
  at: Date.now(),
});
const purchase = (
  experimentId: number,
  visitorId: string,
  cents: number,
  id: string,
  capCents: number | null = null,
  goal = "sum:purchase",
): RunEvent => {
  const value: EventValue = { cents, id, capCents };
  return { kind: "conversion", experimentId, epoch: 0, visitorId, goal, at: Date.now(), value };
};

/** Σ and Σ² of per-visitor totals, capped, computed the long way with big integers. */
function expected(totals: readonly number[], capCents: number | null) {
  let sum = 0n;
  let squares = 0n;
  for (const t of totals) {
    const v = BigInt(capCents === null ? t : Math.min(t, capCents));
    sum += v;
    squares += v * v;
  }
  return { sum: sum.toString(), sum_squares: squares.toString() };
}

describe("value sums in run-data", () => {
  it("sums each visitor's total once per event identity, under the visitor's variant", async () => {
    const { id, stub } = fresh();
    await stub.ingest(0, [exposure(id, "v1", "a"), exposure(id, "v2", "a"), exposure(id, "v3", "b")]);
    const r = await stub.ingest(0, [
      purchase(id, "v1", 4990, "c:order-1"),
      purchase(id, "v1", 4990, "c:order-1"), // the same order reported twice
      purchase(id, "v1", 1000, "e:minted-1"),
      purchase(id, "v2", 10, "e:minted-2"),
      purchase(id, "v3", 250_00, "c:order-9"),
    ]);
    expect(r.values).toBe(4);
    await stub.ingest(0, [purchase(id, "v1", 1000, "e:minted-1")]); // a batch sent again after a lost answer
    const snap = await stub.snapshot(0);
    expect(snap.values["sum:purchase"]).toEqual({ a: expected([5990, 10], null), b: expected([25000], null) });
    // The first event of each visitor is also its conversion: the rate and the value side by side.
    expect(snap.conversions["sum:purchase"]).toEqual({ a: 2, b: 1 });
  });

  it("caps the visitor's running total, not each event: ten $100 orders and one $1,000 order count alike", async () => {
    const { id, stub } = fresh();
    const cap = 500_00;
    await stub.ingest(0, [exposure(id, "many", "a"), exposure(id, "one", "b"), exposure(id, "small", "b")]);
    const tenOrders = Array.from({ length: 10 }, (_, k) => purchase(id, "many", 100_00, `c:m-${k}`, cap));
    // In separate batches, so the running total crosses the cap between them.
    for (const e of tenOrders) await stub.ingest(0, [e]);
    await stub.ingest(0, [purchase(id, "one", 1000_00, "c:big", cap), purchase(id, "small", 12_34, "c:s", cap)]);
    const snap = await stub.snapshot(0);
    expect(snap.values["sum:purchase"]).toEqual({ a: expected([50000], cap), b: expected([50000, 1234], cap) });
  });

  it("a value that arrives before its visitor's exposure waits, and counts once the exposure is in", async () => {
    const { id, stub } = fresh();
    const early = await stub.ingest(0, [purchase(id, "early", 7_00, "c:e1")]);
    expect(early).toMatchObject({ values: 0, pending: 2 }); // the conversion and the value both wait
    expect((await stub.snapshot(0)).values).toEqual({});
    await stub.ingest(0, [purchase(id, "early", 7_00, "c:e1")]); // repeated while waiting
    await stub.ingest(0, [exposure(id, "early", "b")]);
    await stub.ingest(0, [purchase(id, "early", 7_00, "c:e1")]); // and once more after
    const snap = await stub.snapshot(0);
    expect(snap.values["sum:purchase"]).toEqual({ b: expected([700], null) });
    expect(snap.conversions["sum:purchase"]).toEqual({ b: 1 });
  });

  it("stays exact past 2^53 and past SQLite's 64-bit integers, across shards", async () => {
    const id = uniqueId();
    const shards = [0, 1].map((k) => env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(`experiment:${id}:shard:${k}`)));
    const perShard = 600; // 1,200 visitors at $1,000,000 each: Σ² = 1.2e19 cents², above 2^63 ≈ 9.2e18
    const big = 100_000_000; // cents
    for (const [k, stub] of shards.entries()) {
      const visitors = Array.from({ length: perShard }, (_, i) => `big-${k}-${i}`);
      await stub.ingest(
        k,
        visitors.map((v) => exposure(id, v, "a")),
      );
      await stub.ingest(
        k,
        visitors.map((v, i) => purchase(id, v, big, `c:${k}-${i}`)),
      );
    }
    const run = await readRunData(env.SGEN_RUN_DATA, id, 0, 2);
    expect(run.values["sum:purchase"]?.a).toEqual({
      sum: (BigInt(big) * 1200n).toString(),
      sum_squares: (BigInt(big) * BigInt(big) * 1200n).toString(),
    });
    expect(BigInt(run.values["sum:purchase"]?.a?.sum_squares ?? "0") > 2n ** 63n).toBe(true);
  });
});

describe("value events through the edge", () => {
  const revenue = () =>
    experiment({
      conversion_event: { type: "page_view", path: "/thanks" },
      secondary_goals: [{ type: "custom", name: "purchase", aggregate: "sum", cap: { value: 500 } }],
    });

  it("POST /__sgen/events with values: cents without float drift, a repeated id once, a cap on the total", async () => {
    const exp = revenue();
    const t = await edgeWith([exp]);
    const res = await t.fetch("/pricing", { headers: { cookie: "sgen-vid=buyer-1" } });
    const variant = setCookies(res).get("sgen-ab-pricing-page-layout")?.value as string;
    const cookie = `sgen-vid=buyer-1; sgen-ab-pricing-page-layout=${variant}`;
    const post = (events: unknown[]) =>
      t.fetch("/__sgen/events", {
        method: "POST",
        body: JSON.stringify({ events }),
        headers: { cookie, "content-type": "application/json" },
      });
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; in cents it is 30.
    expect(
      (
        await post([
          { name: "purchase", value: 0.1 },
          { name: "purchase", value: 0.2 },
        ])
      ).status,
    ).toBe(202);
    expect((await post([{ name: "purchase", value: 49.9, id: "order-7" }])).status).toBe(202);
    expect((await post([{ name: "purchase", value: 49.9, id: "order-7" }])).status).toBe(202); // a reload of the thank-you page
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    const key = "sum:purchase@50000";
    expect(run.values[key]?.[variant]).toEqual(expected([30 + 4990], 50000));
    expect(run.conversions[key]?.[variant]).toBe(1);
    // Past the cap, the counted value stops at $500.
    await post([{ name: "purchase", value: 999.99, id: "order-8" }]);
    const capped = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(capped.values[key]?.[variant]).toEqual(expected([50000], 50000));
  });

  it("refuses a value that is negative, not finite or above the bound, naming the field", async () => {
    const exp = revenue();
    const t = await edgeWith([exp]);
    for (const value of [-1, "49.9", 1_000_000.01, null]) {
      const res = await t.fetch("/__sgen/events", {
        method: "POST",
        body: JSON.stringify({ events: [{ name: "purchase", value }] }),
        headers: { cookie: "sgen-vid=x; sgen-ab-pricing-page-layout=a" },
      });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { issues: Array<{ path: string }> } };
      expect(body.error.issues.map((i) => i.path)).toEqual(["events.0.value"]);
    }
  });
});
