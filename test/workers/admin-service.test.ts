// The API and the pages share one admin service (src/admin/service.ts): one sign-in limit, counted the
// same whichever door a guess comes through.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const form = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  body,
  redirect: "manual",
});

describe("one admin service behind the API and the pages", () => {
  it("failed sign-ins on the pages count toward the API's limit for that address, and the reverse", async () => {
    const ip = "198.51.100.23";
    for (let i = 0; i < 10; i++) {
      const page = await exports.default.fetch(
        new Request("http://localhost:8787/sg-admin/login", form(`token=guess-${i}`, { "cf-connecting-ip": ip })),
      );
      expect(page.status).toBe(401);
      const api = await exports.default.fetch(
        new Request("http://localhost:8787/sg-admin/api/experiments", {
          headers: { authorization: `Bearer guess-${i}`, "cf-connecting-ip": ip },
        }),
      );
      expect(api.status).toBe(401);
    }
    const api = await exports.default.fetch(
      new Request("http://localhost:8787/sg-admin/api/experiments", {
        headers: { authorization: "Bearer demo-admin", "cf-connecting-ip": ip },
      }),
    );
    expect(api.status).toBe(429);
    const page = await exports.default.fetch(
      new Request("http://localhost:8787/sg-admin/login", form("token=demo-admin", { "cf-connecting-ip": ip })),
    );
    expect(page.status).toBe(429);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
