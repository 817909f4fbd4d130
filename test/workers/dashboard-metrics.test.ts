// The dashboard's metrics (docs/metrics.md): a value goal's revenue per visitor from run-data's exact
// sums (each event once, each visitor's total up to the cap), and the ledger of requests not counted,
// beside the sample-ratio check. Events go to the real run-data objects; the dashboard reads them back.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/edge/ports.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import { api, created } from "./admin-helpers.ts";

const purchase = { type: "custom", name: "purchase", aggregate: "sum", cap: { value: 500 } } as const;

async function send(events: RunEvent[], shards: number, tallies?: (s: ReturnType<typeof runDataSink<Cloudflare.Env>>) => void) {
  const s = runDataSink<Cloudflare.Env>((e) => e.SGEN_RUN_DATA, { flushDelayMs: 0, tallyFlushDelayMs: 0 });
  const ctx = createExecutionContext();
  for (const e of events) s.sink(e, shards, env, ctx);
  tallies?.(s);
  await s.batcher.flushAll();
  await waitOnExecutionContext(ctx);
}

describe("the dashboard's value goal and ledger", () => {
  it("revenue per visitor: exact sums in currency units, a repeated event once, the cap per visitor", async () => {
    const { id } = await created({ conversion_event: purchase });
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    const exp = JSON.parse((await env.SGEN_CONFIG.get("sgen-ab:edge-config:v1")) ?? "{}").experiments.find(
      (e: { id: number }) => e.id === id,
    );
    const shards: number = exp.shards;
    const at = Date.now();
    const exposure = (visitorId: string, variant: string): RunEvent => ({
      kind: "exposure",
      experimentId: id,
      epoch: 0,
      visitorId,
      variant,
      at,
    });
    const buy = (visitorId: string, cents: number, eventId: string): RunEvent => ({
      kind: "conversion",
      experimentId: id,
      epoch: 0,
      visitorId,
      goal: "sum:purchase@50000",
      at,
      value: { cents, id: eventId, capCents: 50_000 },
    });
    await send(
      [
        exposure("a1", "a"),
        exposure("a2", "a"),
        exposure("a3", "a"),
        exposure("b1", "b"),
        exposure("b2", "b"),
        exposure("b3", "b"),
        buy("a1", 4990, "c:order-1"),
        buy("a1", 4990, "c:order-1"), // the same order delivered twice
        buy("a2", 1000, "c:order-2"),
        buy("b1", 40_000, "c:order-3"),
        buy("b1", 20_000, "c:order-4"), // b1's total 600.00, counted up to the cap of 500.00
        buy("b2", 1, "c:order-5"),
      ],
      shards,
      (s) => {
        const ctx = createExecutionContext();
        const t = { id, epoch: 0, shards };
        s.tallies.notCounted(t, null, "crawler", env, ctx);
        s.tallies.notCounted(t, null, "crawler", env, ctx);
        s.tallies.notCounted(t, "b", "variant_page_5xx", env, ctx);
      },
    );
    await send([buy("a1", 4990, "c:order-1")], shards); // and once more, in another batch
    const dash = (await api("GET", `/experiments/${id}/dashboard`)).json;
    expect(dash.value_goals).toHaveLength(1);
    const g = dash.value_goals[0];
    expect(g).toMatchObject({ key: "sum:purchase@50000", primary: true });
    expect(g.analysis.cap).toBe(500);
    const [a, b] = g.analysis.variants;
    expect(a).toMatchObject({ slug: "a", sample: 3, sum: 59.9 });
    expect(a.mean).toBeCloseTo(59.9 / 3, 12);
    expect(b).toMatchObject({ slug: "b", sample: 3, sum: 500.01 });
    expect(b.mean).toBeCloseTo(500.01 / 3, 12);
    // The mean's t interval over a's visitors' values [49.90, 10.00, 0], from SciPy 1.10:
    // stats.t.interval(0.95, 2, loc=v.mean(), scale=stats.sem(v)) = (-45.61660764123798, 85.54994097457131).
    expect(a.ci_low).toBeCloseTo(-45.61660764123798, 9);
    expect(a.ci_high).toBeCloseTo(85.54994097457131, 9);
    expect(g.analysis.comparisons[0]).toMatchObject({ variant: "b" });
    expect(g.analysis.comparisons[0].absolute_diff).toBeCloseTo((500.01 - 59.9) / 3, 12);
    // The conversion rate of the same goal stays beside it: converting visitors, each once.
    expect(dash.variants.map((v: { conversions: number }) => v.conversions)).toEqual([2, 2]);
    // The ledger, beside the sample-ratio check.
    expect(dash.not_counted).toEqual({
      by_variant: { "": { crawler: 2 }, b: { variant_page_5xx: 1 } },
      totals: { crawler: 2, variant_page_5xx: 1 },
      total: 3,
    });
  });

  it("the dashboard view renders the value goal and the ledger", async () => {
    const { id } = await created({ conversion_event: purchase });
    await api("POST", `/experiments/${id}/start`);
    const dash = (await api("GET", `/experiments/${id}/dashboard`)).json;
    const { metricsSection } = await import("../../src/admin/pages/metrics-section.ts");
    const html = metricsSection(dash);
    expect(html).toContain("Value per visitor: purchase (primary goal)");
    expect(html).toContain("each visitor counted up to 500.00");
    expect(html).toContain("Not counted: nothing.");
  });
});
