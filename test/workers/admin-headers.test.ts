// Every admin API answer carries the headers that keep a browser from sniffing, framing, caching or
// embedding it, successes and errors alike; the custom-event endpoint's answers are never sniffed.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { API, api, created, newExperiment } from "./admin-helpers.ts";
import { edgeWith, experiment } from "./helpers.ts";

const EXPECTED = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

function expectApiHeaders(headers: Headers, what: string): void {
  for (const [k, v] of Object.entries(EXPECTED)) expect(headers.get(k), `${what}: ${k}`).toBe(v);
  expect(headers.get("content-security-policy"), what).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
}

describe("API response headers", () => {
  it("on answers of every kind: 200, 201, 401, 403, 404, 413, 422, 429, and a CSV download", async () => {
    const { id } = await created();
    const answers: Array<[string, Headers, number]> = [];
    const note = async (what: string, status: number, r: Promise<{ status: number; headers: Headers }>) => {
      const res = await r;
      answers.push([what, res.headers, res.status]);
      expect(res.status, what).toBe(status);
    };
    await note("list", 200, api("GET", "/experiments"));
    await note("create", 201, api("POST", "/experiments", newExperiment()));
    await note("no token", 401, api("GET", "/experiments", undefined, ""));
    await note("viewer writes", 403, api("POST", `/experiments/${id}/start`, {}, "demo-viewer"));
    await note("no such route", 404, api("GET", "/nothing-here"));
    await note("too large", 413, api("POST", "/experiments", "x".repeat(70_000)));
    await note("invalid", 422, api("POST", "/experiments", { slug: "Bad Slug" }));
    await note(
      "export",
      200,
      exports.default.fetch(new Request(`${API}/experiments/${id}/results.csv`, { headers: { authorization: "Bearer demo-viewer" } })),
    );
    const guess = (i: number) =>
      exports.default.fetch(
        new Request(`${API}/experiments`, { headers: { authorization: `Bearer nope-${i}`, "cf-connecting-ip": "198.51.100.77" } }),
      );
    for (let i = 0; i < 20; i++) await guess(i);
    await note("rate limited", 429, guess(21));
    for (const [what, headers] of answers) expectApiHeaders(headers, what);
  });
});

describe("custom-event answers", () => {
  it("are JSON a browser never sniffs, accepted or refused", async () => {
    const t = await edgeWith([experiment({ conversion_event: { type: "custom", name: "signup" } })]);
    for (const [body, status] of [
      ['{"events":[{"name":"signup"}]}', 202],
      ["not json", 400],
    ] as const) {
      const res = await t.fetch("/__sgen/events", { method: "POST", body, headers: { "content-type": "application/json" } });
      expect(res.status).toBe(status);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const get = await t.fetch("/__sgen/events");
    expect(get.status).toBe(405);
    expect(get.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
