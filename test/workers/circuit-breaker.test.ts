// The circuit breaker (docs/metrics.md, "The circuit breaker"): a guardrail breached in a run-data report
// stops the variant at once (the config is republished), audited as `system` with the evidence,
// bannered on the dashboard and sent to the hooks; at the edge a stopped variant's visitors get the
// control's page and count nothing more, while the other variants run on.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { catalogStub } from "../../src/catalog/names.ts";
import { verifyWebhook } from "../../src/core/webhooks.ts";
import { readRunData } from "../../src/run-data/client.ts";
import type { ShardSnapshot } from "../../src/run-data/run-data-object.ts";
import { runDataSink } from "../../src/run-data/sink.ts";
import { api, created } from "./admin-helpers.ts";
import { edgeWith, experiment, setCookies, TITLES, titleOf, uniqueId } from "./helpers.ts";

const snapshot = (over: Partial<ShardSnapshot>): ShardSnapshot => ({
  epoch: 0,
  samples: {},
  conversions: {},
  lastConversionAt: {},
  daily: {},
  values: {},
  responses: {},
  notCounted: {},
  ...over,
});

const responses = (n: number, errors: number, latency = 100) => ({
  n,
  status_4xx: 0,
  status_5xx: errors,
  latency_sum: n * latency,
  latency_sum_squares: String(n * latency * latency + n * 400),
});

const report = (id: number, snap: ShardSnapshot) => catalogStub(env.SGEN_CATALOG).runDataChanged(id, 0, snap);
const published = async (id: number) =>
  JSON.parse((await env.SGEN_CONFIG.get("sgen-ab:edge-config:v1")) ?? "{}").experiments.find((e: { id: number }) => e.id === id);

const hooks: number[] = [];
afterEach(async () => {
  for (const id of hooks.splice(0)) await api("DELETE", `/webhooks/${id}`);
});

async function received(prefix: string, count: number): Promise<Array<{ headers: Record<string, string>; body: string }>> {
  for (let i = 0; i < 100; i++) {
    const got = (await (await env.SGEN_WEBHOOK_EGRESS.fetch(`http://recorder/__received?prefix=${prefix}`)).json()) as Array<{
      headers: Record<string, string>;
      body: string;
    }>;
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  return [];
}

describe("the circuit breaker in the catalog", () => {
  it("a variant whose origin answers 5xx is stopped, republished, audited with the evidence, bannered and notified", async () => {
    const path = `/ok/${uniqueId()}`;
    const hook = await api("POST", "/webhooks", { url: `https://hooks.example.test${path}`, events: ["guardrail_breach"] });
    expect(hook.status).toBe(201);
    hooks.push(hook.json.id);
    const { id } = await created({ guardrails: [{ metric: "error_rate", max_degradation: 0.05, include_4xx: false }] });
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);

    // Harmless so far: 1% against 1.5% errors on 400 responses each.
    await report(id, snapshot({ samples: { a: 400, b: 400 }, responses: { a: responses(400, 4), b: responses(400, 6) } }));
    expect((await api("GET", `/experiments/${id}`)).json.stopped_variants).toEqual([]);

    // b's page fails for every visitor.
    await report(id, snapshot({ samples: { a: 400, b: 10 }, responses: { a: responses(400, 4), b: responses(400, 400) } }));
    const record = (await api("GET", `/experiments/${id}`)).json;
    expect(record.lifecycle_state).toBe("live"); // the experiment runs on; only b is stopped
    expect(record.stopped_variants).toHaveLength(1);
    expect(record.stopped_variants[0]).toMatchObject({ slug: "b", reason: "guardrail" });
    expect(record.stopped_variants[0].detail).toContain("error_rate");
    expect((await published(id)).variants.map((v: { stopped?: boolean }) => v.stopped ?? false)).toEqual([false, true]);

    const entry = (await api("GET", `/activity?experiment_id=${id}`)).json.entries[0];
    expect(entry).toMatchObject({ operator: "system", action: "stop_variant" });
    expect(entry.changes).toMatchObject({ stopped_variant: "b", reason: "guardrail" });
    const evidence = entry.changes.evidence.guardrails[0];
    expect(evidence).toMatchObject({ metric: "error_rate", variant: "b", breached: true, max_degradation: 0.05 });
    expect(evidence.cs_low).toBeGreaterThan(0.05);
    expect(evidence.treatment).toEqual({ n: 400, value: 1 });

    const dash = (await api("GET", `/experiments/${id}/dashboard`)).json;
    expect(dash.warnings[0]).toMatchObject({ code: "variant_stopped", variant: "b" });
    expect(dash.guardrails.stopped[0].slug).toBe("b");
    // (The dashboard reads run-data itself, which these injected reports bypass: its figures are tested end to end.)
    expect(dash.origin.map((o: { variant: string }) => o.variant)).toEqual(["a", "b"]);

    const [note] = await received(path, 1);
    expect(note).toBeDefined();
    const body = JSON.parse(note?.body ?? "{}");
    expect(body).toMatchObject({ type: "guardrail_breach", operator: "system", experiment: { id } });
    expect(body.events).toEqual(["automated_action", "guardrail_breach"]);
    expect(
      await verifyWebhook(
        hook.json.secret,
        note?.headers["x-sgen-timestamp"] ?? null,
        note?.body ?? "",
        note?.headers["x-sgen-signature"] ?? null,
      ),
    ).toBe(true);

    // A later report does not stop it again (one entry), and a live edit that starts a new epoch clears the stop.
    await report(id, snapshot({ samples: { a: 500, b: 10 }, responses: { a: responses(500, 5), b: responses(500, 500) } }));
    const entries = (await api("GET", `/activity?experiment_id=${id}`)).json.entries;
    expect(entries.filter((e: { action: string }) => e.action === "stop_variant")).toHaveLength(1);
  });

  it("latency: a variant slower by more than allowed is stopped; one slower by less is not", async () => {
    const { id } = await created({ guardrails: [{ metric: "origin_latency_ms", max_degradation: 50 }] });
    await api("POST", `/experiments/${id}/start`);
    await report(id, snapshot({ samples: { a: 2000, b: 2000 }, responses: { a: responses(2000, 0, 100), b: responses(2000, 0, 120) } }));
    expect((await api("GET", `/experiments/${id}`)).json.stopped_variants).toEqual([]);
    await report(id, snapshot({ samples: { a: 2000, b: 2000 }, responses: { a: responses(2000, 0, 100), b: responses(2000, 0, 400) } }));
    expect((await api("GET", `/experiments/${id}`)).json.stopped_variants.map((s: { slug: string }) => s.slug)).toEqual(["b"]);
  });
});

describe("a stopped variant at the edge", () => {
  it("its visitors get the control, keep no new assignment and count nothing; the control counts on", async () => {
    const exp = experiment({
      conversion_event: { type: "page_view", path: "/thanks" },
      variants: [
        { slug: "a", page: "/pricing", traffic_share: 50 },
        { slug: "b", page: "/pricing-b", traffic_share: 50, stopped: true },
      ],
    });
    const sink = runDataSink<Cloudflare.Env>((e) => e.SGEN_RUN_DATA, { flushDelayMs: 0, tallyFlushDelayMs: 0 });
    const t = await edgeWith([exp], { events: sink.sink, tallies: sink.tallies });
    let a = 0;
    let stopped = 0;
    for (let i = 0; i < 40; i++) {
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=stop-${i}` } });
      expect(await titleOf(res)).toBe(TITLES.a);
      const assigned = setCookies(res).get("sgen-ab-pricing-page-layout")?.value;
      if (assigned === "a") a++;
      else {
        expect(assigned).toBeUndefined();
        stopped++;
      }
    }
    expect(a).toBeGreaterThan(0);
    expect(stopped).toBeGreaterThan(0);
    // A visitor assigned to b before the stop: the control's page, and its conversion does not count.
    const returning = await t.fetch("/pricing", { headers: { cookie: "sgen-vid=old-b; sgen-ab-pricing-page-layout=b" } });
    expect(await titleOf(returning)).toBe(TITLES.a);
    await t.fetch("/thanks", { headers: { cookie: "sgen-vid=old-b; sgen-ab-pricing-page-layout=b" } });
    await sink.batcher.flushAll();
    const run = await readRunData(env.SGEN_RUN_DATA, exp.id, 0, 1);
    expect(run.samples).toEqual({ a });
    expect(run.conversions["page_view:/thanks"] ?? {}).toEqual({});
    expect(run.notCounted.b).toEqual({ variant_stopped: stopped + 1 });
    expect(run.responses.b).toBeUndefined(); // no longer measured: the evidence stays as the breaker found it
  });
});
