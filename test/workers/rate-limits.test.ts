// Limits that hold: a client is one IPv4 address or one IPv6 /64 (parsed properly, IPv4-mapped
// addresses included), a request without an address never joins one bucket shared by everyone, the
// Workers Rate Limiting binding bounds attempts where it is configured (tested on Miniflare's own
// implementation), and custom-event posts are limited per client the same way.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { clientBucket } from "../../src/core/client-address.ts";
import { createWorker, type SgenEnv } from "../../src/worker/index.ts";
import { API } from "./admin-helpers.ts";
import { edgeWith, experiment, inOneMinuteWindow } from "./helpers.ts";

describe("client addresses", () => {
  it("an IPv4 address is its own bucket, in canonical form", () => {
    expect(clientBucket("203.0.113.7")).toBe("ip4:203.0.113.7");
    expect(clientBucket(" 203.0.113.7 ")).toBe("ip4:203.0.113.7");
    expect(clientBucket("0.0.0.0")).toBe("ip4:0.0.0.0");
    expect(clientBucket("255.255.255.255")).toBe("ip4:255.255.255.255");
  });

  it("an IPv6 address is its /64, whatever its spelling: compression, leading zeros, case", () => {
    const one = "ip6:2001:db8:1:2::/64";
    for (const a of [
      "2001:db8:1:2::1",
      "2001:0db8:0001:0002:0000:0000:0000:0001",
      "2001:DB8:1:2:FFFF:FFFF:FFFF:FFFF",
      "2001:db8:1:2:aaaa::",
      "2001:db8:1:2:0:0:192.0.2.1",
      "2001:db8:1:2::c000:201",
    ]) {
      expect(clientBucket(a), a).toBe(one);
    }
    expect(clientBucket("2001:db8:1:3::1")).toBe("ip6:2001:db8:1:3::/64");
    expect(clientBucket("::2")).toBe("ip6:0:0:0:0::/64");
    expect(clientBucket("::")).toBe("ip6:0:0:0:0::/64");
    expect(clientBucket("fe80::")).toBe("ip6:fe80:0:0:0::/64");
  });

  it("an IPv4-mapped IPv6 address is the IPv4 client, in either spelling", () => {
    expect(clientBucket("::ffff:192.0.2.1")).toBe("ip4:192.0.2.1");
    expect(clientBucket("::FFFF:c000:0201")).toBe("ip4:192.0.2.1");
    expect(clientBucket("0:0:0:0:0:ffff:192.0.2.1")).toBe("ip4:192.0.2.1");
  });

  it("a loopback address names no client: it is what wrangler dev sends for every local request", () => {
    for (const loopback of ["127.0.0.1", "127.255.0.9", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::ffff:7f00:1"]) {
      expect(clientBucket(loopback), loopback).toBeNull();
    }
    expect(clientBucket("128.0.0.1")).toBe("ip4:128.0.0.1");
    expect(clientBucket("::ffff:126.0.0.1")).toBe("ip4:126.0.0.1");
  });

  it("anything that is not an address names no client", () => {
    for (const bad of [
      "",
      "unknown",
      "1.2.3",
      "1.2.3.4.5",
      "1.2.3.256",
      "01.2.3.4",
      "1.2.3.4:80",
      ":::",
      "1::2::3",
      "2001:db8::g",
      "2001:db8:0:0:0:0:0:0:1",
      "2001:db8:0:0:0:0:1",
      "12345::1",
      "[2001:db8::1]",
      "fe80::1%eth0",
      "::ffff:1.2.3",
      "1.2.3.4::",
    ]) {
      expect(clientBucket(bad), bad).toBeNull();
    }
    expect(clientBucket(null)).toBeNull();
  });
});

const apiFrom = (token: string, ip?: string) =>
  exports.default.fetch(
    new Request(`${API}/experiments`, {
      headers: { authorization: `Bearer ${token}`, ...(ip === undefined ? {} : { "cf-connecting-ip": ip }) },
    }),
  );

describe("the sign-in limit", () => {
  it("counts every address of one IPv6 /64 as one client: rotating inside it does not reset the count", async () => {
    for (let i = 0; i < 20; i++) expect((await apiFrom(`guess-${i}`, `2001:db8:77:1:${i.toString(16)}::${i + 1}`)).status).toBe(401);
    const blocked = await apiFrom("demo-admin", "2001:db8:77:1:ffff:ffff:ffff:fffe");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await apiFrom("demo-admin", "2001:db8:77:2::1")).status).toBe(200); // the next /64 is someone else
  });

  it("counts an IPv4-mapped address against its IPv4 client", async () => {
    for (let i = 0; i < 20; i++) expect((await apiFrom(`guess-${i}`, "::ffff:198.51.100.41")).status).toBe(401);
    expect((await apiFrom("demo-admin", "198.51.100.41")).status).toBe(429);
  });

  it("from loopback (all of npm start's traffic), twenty wrong tokens do not lock out a right one", async () => {
    for (let i = 0; i < 25; i++) expect((await apiFrom(`loopback-guess-${i}-${Math.random()}`, "127.0.0.1")).status).toBe(401);
    expect((await apiFrom("demo-viewer", "127.0.0.1")).status).toBe(200);
  });

  it("without a client address, twenty wrong tokens do not lock out a right one; a token guessed again is limited", async () => {
    for (let i = 0; i < 25; i++) expect((await apiFrom(`no-address-guess-${i}-${Math.random()}`)).status).toBe(401);
    expect((await apiFrom("demo-viewer")).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await apiFrom("the-same-wrong-token")).status).toBe(401);
    expect((await apiFrom("the-same-wrong-token")).status).toBe(429);
    expect((await apiFrom("demo-viewer")).status).toBe(200);
    // And with no token at all, the token-less bucket is limited on its own.
    for (let i = 0; i < 20; i++) await exports.default.fetch(new Request(`${API}/experiments`));
    expect((await exports.default.fetch(new Request(`${API}/experiments`))).status).toBe(429);
    expect((await apiFrom("demo-viewer")).status).toBe(200);
  });

  it("with the Rate Limiting binding, every attempt from a client counts, before the catalog is asked", async () => {
    const worker = createWorker<SgenEnv & { TEST_SIGNIN_RATE_LIMIT: RateLimit }>({
      origin: async (r) => demoSite(r),
      admin: { rateLimit: (e) => e.TEST_SIGNIN_RATE_LIMIT },
    });
    const call = async (ip: string) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`${API}/experiments`, { headers: { authorization: "Bearer demo-viewer", "cf-connecting-ip": ip } }),
        env as never,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call("192.0.2.200")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]); // the test binding allows 5 a minute
    expect((await call("192.0.2.201")).status).toBe(200);
  });
});

describe("custom-event posts", () => {
  const post = (t: Awaited<ReturnType<typeof edgeWith>>, headers: Record<string, string>) =>
    t.fetch("/__sgen/events", {
      method: "POST",
      body: '{"events":[{"name":"signup"}]}',
      headers: { "content-type": "application/json", ...headers },
    });

  it("are limited per client in the isolate: 429 with Retry-After past the limit, per IPv6 /64, per visitor without an address", async () => {
    await inOneMinuteWindow();
    const t = await edgeWith([experiment({ conversion_event: { type: "custom", name: "signup" } })], { eventsPerMinute: 5 });
    const from = (ip: string) => post(t, { "cf-connecting-ip": ip });
    for (let i = 0; i < 5; i++) expect((await from(`2001:db8:99:1::${i + 1}`)).status).toBe(202);
    const refused = await from("2001:db8:99:1::ffff");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("too_many_requests");
    expect((await from("2001:db8:99:2::1")).status).toBe(202);
    // Without an address: each visitor is its own client.
    for (let i = 0; i < 5; i++) expect((await post(t, { cookie: "sgen-vid=visitor-one" })).status).toBe(202);
    expect((await post(t, { cookie: "sgen-vid=visitor-one" })).status).toBe(429);
    expect((await post(t, { cookie: "sgen-vid=visitor-two" })).status).toBe(202);
  });

  it("are limited by the Rate Limiting binding across isolates where it is configured", async () => {
    const t = await edgeWith([experiment({ conversion_event: { type: "custom", name: "signup" } })], {
      eventsPerMinute: false,
      eventsRateLimit: (e) => e.TEST_EVENTS_RATE_LIMIT,
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(t, { "cf-connecting-ip": "198.51.100.90" })).status);
    expect(statuses).toEqual([202, 202, 202, 429]); // the test binding allows 3 a minute
    expect((await post(t, { "cf-connecting-ip": "198.51.100.91" })).status).toBe(202);
  });
});
