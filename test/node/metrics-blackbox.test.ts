// docs/metrics.md, black-box against `npm start`: the seeded checkout experiment sums purchase values
// exactly (repeats of an order once), its variant page /flaky answers 500 so the circuit breaker stops
// the variant (the audit says why, the dashboard banners it), and a local receiver gets the breach as a
// webhook whose signature verifies.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, type DemoServer, get, startDemo } from "./support/demo-server.ts";

let demo: DemoServer;
let receiver: Server;
const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
let secret = "";

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  demo = await startDemo();
  const port = (receiver.address() as AddressInfo).port;
  const hook = await call("POST", "/webhooks", { url: `http://127.0.0.1:${port}/hooks/sgen`, events: ["guardrail_breach"] });
  expect(hook.status, JSON.stringify(hook.json)).toBe(201);
  secret = hook.json.secret;
});
afterAll(async () => {
  await demo?.stop();
  await new Promise((r) => receiver?.close(r));
});

const call = (method: string, path: string, body?: unknown) => adminApi(demo.base, method, path, body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(300);
  }
}

const COOKIE = "sgen-ab-checkout-redesign";
const buy = (cookie: string, events: Array<{ name: string; value: number; id: string }>) =>
  fetch(`${demo.base}/__sgen/events`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });

describe("npm start: revenue, guardrails and the breaker, from outside", () => {
  let id = 0;
  let buyers = 0;

  it("purchase values are summed exactly in the control, each order once; the variant's 500s are served as the control", async () => {
    id = (await call("GET", "/experiments?q=checkout-redesign")).json.rows[0].id;
    let failedOver = 0;
    for (let i = 0; i < 60; i++) {
      const vid = `bb-buy-${i}`;
      const r = await get(`${demo.base}/checkout`, { headers: { cookie: `sgen-vid=${vid}` } });
      expect(r.status).toBe(200);
      expect(r.title).toBe("Acme: checkout"); // b's page answers 500: every visitor gets the control's page
      const assigned = r.cookies.get(COOKIE)?.value;
      if (assigned !== "a") {
        expect(assigned).toBeUndefined(); // not assigned, not counted
        failedOver++;
        continue;
      }
      const cookie = `sgen-vid=${vid}; ${COOKIE}=a`;
      expect((await buy(cookie, [{ name: "purchase", value: 49.9, id: `order-${i}` }])).status).toBe(202);
      expect((await buy(cookie, [{ name: "purchase", value: 49.9, id: `order-${i}` }])).status).toBe(202); // the same order again
      expect((await buy(cookie, [{ name: "purchase", value: 0.1, id: `order-${i}-extra` }])).status).toBe(202);
      buyers++;
    }
    expect(buyers).toBeGreaterThan(10);
    expect(failedOver).toBeGreaterThan(10);
    const dash = await until(
      async () => (await call("GET", `/experiments/${id}/dashboard`)).json,
      (d) => d.value_goals?.[0]?.analysis.variants[0].sum === buyers * 50 && d.variants[0].sample === buyers,
    );
    const control = dash.value_goals[0].analysis.variants[0];
    expect(control).toMatchObject({ slug: "a", sample: buyers, sum: buyers * 50, mean: 50 });
    expect(dash.variants[0].conversions).toBe(buyers);
    expect(dash.variants[1].sample).toBe(0);
    expect(dash.not_counted.by_variant.b.variant_page_5xx).toBeGreaterThan(0);
  });

  it("the breaker stops the variant whose page answers 500, and the audit says why", async () => {
    const record = await until(
      async () => (await call("GET", `/experiments/${id}`)).json,
      (r) => r.stopped_variants?.length === 1,
    );
    expect(record.lifecycle_state).toBe("live");
    expect(record.stopped_variants[0].slug).toBe("b");
    const entry = (await call("GET", `/activity?experiment_id=${id}`)).json.entries.find(
      (e: { action: string }) => e.action === "stop_variant",
    );
    expect(entry).toMatchObject({ operator: "system", role: "system" });
    expect(entry.changes).toMatchObject({ stopped_variant: "b", reason: "guardrail" });
    expect(entry.changes.detail).toMatch(/^b stopped \(guardrail\): error_rate: b is worse than the control/);
    expect(entry.changes.evidence.guardrails[0]).toMatchObject({ metric: "error_rate", variant: "b", breached: true });
    const dash = (await call("GET", `/experiments/${id}/dashboard`)).json;
    expect(dash.warnings.map((w: { code: string }) => w.code)).toContain("variant_stopped");
    // Once the edge has the new config, b's visitors are noted as stopped, not as failed pages.
    const after = await until(
      async () => {
        for (let i = 0; i < 10; i++) await get(`${demo.base}/checkout`, { headers: { cookie: `sgen-vid=bb-after-${Date.now()}-${i}` } });
        return (await call("GET", `/experiments/${id}/dashboard`)).json;
      },
      (d) => (d.not_counted.by_variant.b?.variant_stopped ?? 0) > 0,
    );
    expect(after.not_counted.by_variant.b.variant_stopped).toBeGreaterThan(0);
  });

  it("the breach reached the local receiver, signed with the hook's secret", async () => {
    expect(
      await until(
        async () => received.length,
        (n) => n > 0,
      ),
    ).toBeGreaterThan(0);
    const got = received[0];
    expect(got).toBeDefined();
    const body = JSON.parse(got?.body ?? "{}");
    expect(body).toMatchObject({ type: "guardrail_breach", operator: "system", experiment: { id, slug: "checkout-redesign" } });
    const timestamp = String(got?.headers["x-sgen-timestamp"]);
    expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(300);
    const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${got?.body}`).digest("hex")}`;
    const signature = String(got?.headers["x-sgen-signature"]);
    expect(signature.length).toBe(expected.length);
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
  });
});
