// Webhooks (docs/metrics.md, "Notifications"): managed by Administrators through the API, told of state
// changes, automated actions and breaches, signed over `<timestamp>.<body>`, retried with backoff by the
// catalog's alarm, every attempt logged. Deliveries leave through the recorder (test/support/recorder.ts).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { catalogStub } from "../../src/catalog/names.ts";
import type { Notifications } from "../../src/catalog/notifications.ts";
import { verifyWebhook } from "../../src/core/webhooks.ts";
import { api, created } from "./admin-helpers.ts";
import { uniqueId } from "./helpers.ts";

interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}

async function received(prefix: string): Promise<Received[]> {
  return (await (
    await env.SGEN_WEBHOOK_EGRESS.fetch(`http://recorder/__received?prefix=${encodeURIComponent(prefix)}`)
  ).json()) as Received[];
}

/** What the recorder got under `prefix`, once there are `count` of it (the catalog's alarm runs at once). */
async function arrived(prefix: string, count: number): Promise<Received[]> {
  for (let i = 0; i < 100; i++) {
    const got = await received(prefix);
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  return received(prefix);
}

/** HMAC-SHA256 of `<timestamp>.<body>`, written out here rather than borrowed from the code under test. */
async function expectedSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${body}`)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const hooks: number[] = [];
afterEach(async () => {
  for (const id of hooks.splice(0)) await api("DELETE", `/webhooks/${id}`);
});

async function hook(body: Record<string, unknown>) {
  const r = await api("POST", "/webhooks", body);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  hooks.push(r.json.id);
  return r.json as { id: number; secret: string; url: string; events: string[] };
}

describe("webhooks", () => {
  it("an Administrator adds one and sees its secret once; an Editor may not; a bad URL is refused by field", async () => {
    const made = await hook({ url: `https://hooks.example.test/ok/${uniqueId()}` });
    expect(made.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(made.events).toEqual(["state_change", "automated_action", "guardrail_breach"]);
    const listed = await api("GET", "/webhooks");
    const shown = listed.json.webhooks.find((w: { id: number }) => w.id === made.id);
    expect(shown).toMatchObject({ id: made.id, format: "json" });
    expect(JSON.stringify(listed.json)).not.toContain(made.secret);
    expect((await api("POST", "/webhooks", { url: "https://x.test/h" }, "demo-editor")).status).toBe(403);
    expect((await api("GET", "/webhooks", undefined, "demo-viewer")).status).toBe(403);
    const bad = await api("POST", "/webhooks", { url: "http://hooks.example.test/h" });
    expect(bad.status).toBe(422);
    expect(bad.json.error.issues.map((i: { path: string }) => i.path)).toEqual(["url"]);
    const log = await api("GET", "/activity?limit=5");
    expect(log.json.entries.map((e: { action: string }) => e.action)).toContain("webhook_create");
  });

  it("a start is delivered as JSON, signed over timestamp.body with the hook's secret", async () => {
    const path = `/ok/${uniqueId()}`;
    const made = await hook({ url: `https://hooks.example.test${path}`, events: ["state_change"] });
    const { id } = await created();
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    const [got] = await arrived(path, 1);
    expect(got).toBeDefined();
    const h = (got as Received).headers;
    const body = JSON.parse((got as Received).body);
    expect(body).toMatchObject({
      type: "state_change",
      action: "start",
      operator: "demo-admin",
      transition: { from: "draft", to: "live" },
    });
    expect(body.experiment.id).toBe(id);
    expect(h["x-sgen-event"]).toBe("state_change");
    expect(h["x-sgen-signature"]).toBe(await expectedSignature(made.secret, h["x-sgen-timestamp"] as string, (got as Received).body));
    expect(await verifyWebhook(made.secret, h["x-sgen-timestamp"] ?? null, (got as Received).body, h["x-sgen-signature"] ?? null)).toBe(
      true,
    );
    // A body altered on the way, or another secret, does not verify.
    expect(
      await verifyWebhook(made.secret, h["x-sgen-timestamp"] ?? null, `${(got as Received).body} `, h["x-sgen-signature"] ?? null),
    ).toBe(false);
    expect(
      await verifyWebhook("whsec_other-secret", h["x-sgen-timestamp"] ?? null, (got as Received).body, h["x-sgen-signature"] ?? null),
    ).toBe(false);
  });

  it("a hook told only of breaches hears nothing of a start; a Slack hook gets a text line", async () => {
    const quiet = `/ok/${uniqueId()}`;
    const slack = `/ok/${uniqueId()}`;
    await hook({ url: `https://hooks.example.test${quiet}`, events: ["guardrail_breach"] });
    await hook({ url: `https://hooks.example.test${slack}`, format: "slack", events: ["state_change"] });
    const { id, input } = await created();
    await api("POST", `/experiments/${id}/start`);
    const [line] = await arrived(slack, 1);
    expect(JSON.parse((line as Received).body)).toEqual({ text: `sgen-ab · ${input.slug}: start (draft → live), by demo-admin` });
    expect(await received(quiet)).toEqual([]);
  });

  it("a failed delivery is retried with backoff by the alarm, and every attempt is logged", async () => {
    const path = `/fail-once/${uniqueId()}`;
    const made = await hook({ url: `https://hooks.example.test${path}`, events: ["state_change"] });
    const { id } = await created();
    await api("POST", `/experiments/${id}/start`);
    await arrived(path, 1);
    let log = (await api("GET", `/webhooks/${made.id}/deliveries`)).json.deliveries;
    for (let i = 0; i < 50 && log[0]?.attempts !== 1; i++) {
      await new Promise((r) => setTimeout(r, 20));
      log = (await api("GET", `/webhooks/${made.id}/deliveries`)).json.deliveries;
    }
    expect(log[0]).toMatchObject({ state: "pending", attempts: 1, last_status: 500, last_error: "answered 500" });
    const wait = Date.parse(log[0].next_at) - Date.parse(log[0].log[0].at);
    expect(wait).toBeGreaterThanOrEqual(9_000); // the first backoff is 10 s
    expect(wait).toBeLessThanOrEqual(11_000);
    // Ten seconds later the alarm tries again, and this time the receiver takes it.
    const attempted = await runInDurableObject(catalogStub(env.SGEN_CATALOG), (instance: CatalogObject) =>
      (instance as unknown as { notifications: Notifications }).notifications.deliverDue(Date.now() + 11_000),
    );
    expect(attempted).toBeGreaterThanOrEqual(1);
    const after = (await api("GET", `/webhooks/${made.id}/deliveries`)).json.deliveries[0];
    expect(after).toMatchObject({ state: "delivered", attempts: 2, last_status: 204 });
    expect(after.log.map((a: { status: number }) => a.status)).toEqual([500, 204]);
    const both = await received(path);
    expect(both).toHaveLength(2);
    expect(both[0]?.body).toBe(both[1]?.body); // the same event, resent as it was
  });

  it("a receiver that never answers 2xx: seven attempts, then the delivery has failed", async () => {
    const path = `/down/${uniqueId()}`;
    const made = await hook({ url: `https://hooks.example.test${path}`, events: ["state_change"] });
    const { id } = await created();
    await api("POST", `/experiments/${id}/start`);
    await arrived(path, 1);
    for (let i = 0; i < 50 && (await api("GET", `/webhooks/${made.id}/deliveries`)).json.deliveries[0]?.attempts !== 1; i++) {
      await new Promise((r) => setTimeout(r, 20)); // the first attempt, by the alarm, is logged
    }
    const stub = catalogStub(env.SGEN_CATALOG);
    let t = Date.now();
    for (let k = 0; k < 8; k++) {
      t += 7 * 3_600_000; // past every backoff
      await runInDurableObject(stub, (instance: CatalogObject) =>
        (instance as unknown as { notifications: Notifications }).notifications.deliverDue(t),
      );
    }
    const d = (await api("GET", `/webhooks/${made.id}/deliveries`)).json.deliveries[0];
    expect(d).toMatchObject({ state: "failed", attempts: 7, next_at: null });
    expect(d.log).toHaveLength(7);
  });

  it("a test notification reaches the hook on demand", async () => {
    const path = `/ok/${uniqueId()}`;
    const made = await hook({ url: `https://hooks.example.test${path}` });
    expect((await api("POST", `/webhooks/${made.id}/test`)).json).toEqual({ queued: true });
    const [got] = await arrived(path, 1);
    expect(JSON.parse((got as Received).body)).toMatchObject({ type: "ping" });
    expect((await api("POST", "/webhooks/999999/test")).status).toBe(404);
  });
});
