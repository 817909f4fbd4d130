// Hostile input, property-based: whatever arrives, the visitor gets a page or the caller a clear error,
// no exception escapes, and nothing is written that should not be.
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { samePathProblem } from "../../src/core/paths.ts";
import { ExperimentInput, SitePath, Slug } from "../../src/core/schema.ts";
import { api, newExperiment } from "./admin-helpers.ts";
import { edgeWith, experiment } from "./helpers.ts";

const RUNS = 150;
// Header bytes are ASCII on the wire (non-ASCII arrives percent-encoded); everything else is fair game.
const cookieChar = fc.constantFrom(
  ..."abcz=;,% \t\"'\\<>-_%".split(""),
  "%C3%A9",
  "%E6%97%A5",
  "%F0%9F%98%80",
  "%ZZ",
  "%",
  "sgen-ab-",
  "sgen-vid",
  "pricing-page-layout",
);

describe("hostile input", () => {
  it("any Cookie header: a page, a valid assignment, no exception", async () => {
    const t = await edgeWith([experiment()]);
    await fc.assert(
      fc.asyncProperty(fc.array(cookieChar, { maxLength: 400 }), fc.integer({ min: 0, max: 60 }), async (chars, manyAssignments) => {
        let header = chars.join(""); // no CR, LF or NUL among the characters: the runtime refuses them in any header
        for (let i = 0; i < manyAssignments; i++) header += `; sgen-ab-x${i}=${"v".repeat(i)}`;
        const res = await t.fetch("/pricing", { headers: { cookie: header } });
        expect(res.status).toBe(200);
        for (const line of res.headers.getSetCookie()) {
          expect(line).toMatch(/^(sgen-vid=[0-9a-f-]{36}|sgen-ab-pricing-page-layout=(a|b));/);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("any visitor id (oversized, control characters, any script) is hashed or replaced, never an error", async () => {
    const t = await edgeWith([experiment()]);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 600 }), async (id) => {
        const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${encodeURIComponent(id)}` } });
        expect(res.status).toBe(200);
      }),
      { numRuns: RUNS },
    );
  });

  it("a path the schema accepts never leaves the site: no //host, no scheme, no traversal, no header injection", () => {
    const pathish = fc.stringMatching(/^[/\\a-zA-Z0-9.%:@?#\r\n -]{0,40}$/);
    fc.assert(
      fc.property(
        fc.oneof(
          pathish,
          fc.string(),
          fc.constantFrom(
            "//evil.com",
            "/\\evil.com",
            "https://evil.com",
            "/%2e%2e/x",
            "/a/.%2e/pricing-b",
            "/a/%2E./x",
            "/a/../../b",
            "/x%0d%0aSet-Cookie:a=b",
            "/ok",
          ),
        ),
        (p) => {
          const ok = SitePath.safeParse(p).success;
          expect(ok).toBe(samePathProblem(p) === null);
          if (ok) {
            const u = new URL(p, "https://site.test");
            expect(u.origin).toBe("https://site.test");
            // What the catalog validated and compares is exactly what the edge fetches: the URL parser
            // removes no dot segment (`/a/.%2e/b` would become `/b`) and re-encodes nothing.
            expect(u.pathname).toBe(p);
            expect(["\r", "\n", "\u0000", "\\"].some((c) => p.includes(c))).toBe(false);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a slug the schema accepts is safe in a cookie name", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        if (Slug.safeParse(s).success) expect(s).toMatch(/^[a-z0-9-]{1,64}$/);
      }),
      { numRuns: 2000 },
    );
  });

  it("any admin body: 400, 413 or 422 with the error shape, never a 500, nothing written", async () => {
    const before = (await api("GET", "/activity?limit=1000")).json.entries.length;
    const deep = (n: number): unknown => (n === 0 ? "x" : { a: deep(n - 1) });
    const specials = fc.constantFrom<unknown>(
      deep(500),
      Array.from({ length: 50_000 }, () => 1),
      { __proto__: { admin: true } },
      JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
      { ...newExperiment(), variants: "two" },
      { ...newExperiment(), min_sample_threshold: 1e308 },
      { ...newExperiment(), variants: Array.from({ length: 1000 }, (_, i) => ({ slug: `v${i}`, label: "x", traffic_share: 0.1 })) },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), specials), async (body) => {
        const text = JSON.stringify(body) ?? "null";
        const r = await api("POST", "/experiments", text);
        expect([400, 413, 422]).toContain(r.status);
        expect(typeof r.json.error.code).toBe("string");
        expect(Array.isArray(r.json.error.issues)).toBe(true);
      }),
      { numRuns: 80 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await api("GET", "/activity?limit=1000")).json.entries.length).toBe(before);
    // And a valid body still works afterwards.
    expect(ExperimentInput.safeParse(newExperiment()).success).toBe(true);
  });

  it("any custom-event body: 202, 400, 413 or 422, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.anything(), fc.record({ events: fc.array(fc.record({ name: fc.string() }), { maxLength: 30 }) })),
        async (body) => {
          const res = await exports.default.fetch(
            new Request("http://localhost:8787/__sgen/events", {
              method: "POST",
              headers: { cookie: "sgen-vid=fc; sgen-ab-pricing-page-layout=a" },
              body: JSON.stringify(body) ?? "",
            }),
          );
          expect([202, 400, 413, 422]).toContain(res.status);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
