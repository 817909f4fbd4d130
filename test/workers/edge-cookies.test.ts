// The edge reads and writes its cookies by hand (the general library was too heavy for the edge-only
// Worker's budget); the `cookie` package is the oracle it must agree with, on any header and any value.
import { parseCookie, stringifySetCookie } from "cookie";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignmentCookie, cookieValue, parseCookies, visitorCookie } from "../../src/edge/cookies.ts";

const NAMES = ["sgen-vid", "sgen-ab-pricing", "sgen-ab-pricing-page-layout", "a", "consent"];
// Names no cookie can have (the package trims names and splits at "=" and ";"): never found by either.
const IMPOSSIBLE_NAMES = [" a", "a ", "a=b", "sgen-vid;", "x=y"];
// Pieces that exercise every branch: separators, blanks around names and values, parts without "=",
// repeated names, percent-encoding good and bad, quotes.
const piece = fc.constantFrom(
  ...NAMES,
  "=",
  ";",
  "; ",
  " ",
  "\t",
  "%",
  "%C3%A9",
  "%ZZ",
  '"',
  "b",
  "x=y",
  "sgen-vid=",
  "sgen-ab-pricing=b",
  " sgen-ab-pricing = a ;",
);
const header = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(""));

describe("reading one cookie", () => {
  it("agrees with the cookie package's parse on any header", () => {
    fc.assert(
      fc.property(header, fc.constantFrom(...NAMES, ...IMPOSSIBLE_NAMES), (h, name) => {
        expect(cookieValue(h, name)).toBe(parseCookie(h)[name]);
      }),
      { numRuns: 3000 },
    );
  });

  it("finds no cookie without a name", () => {
    expect(cookieValue("=a; b=c", "")).toBeUndefined();
    expect(cookieValue(" =a", "")).toBeUndefined();
  });

  it("finds a cookie among many, first occurrence winning, decoded", () => {
    const h = "_ga=GA1.2.3; theme=dark; sgen-vid=%E6%97%A5%E6%9C%AC; sgen-ab-pricing=b; sgen-ab-pricing=a";
    expect(cookieValue(h, "sgen-vid")).toBe("日本");
    expect(cookieValue(h, "sgen-ab-pricing")).toBe("b");
    expect(cookieValue(h, "sgen-ab")).toBeUndefined(); // a prefix of a name is not the name
    expect(cookieValue(null, "sgen-vid")).toBeUndefined();
  });
});

describe("reading every cookie (for a site's consent callback)", () => {
  it("agrees with the cookie package's parse on any header", () => {
    fc.assert(
      fc.property(header, (h) => {
        const { "": _nameless, ...named } = parseCookie(h); // a part with no name is no cookie (the package keeps some)
        expect(parseCookies(h)).toEqual(named);
      }),
      { numRuns: 3000 },
    );
    expect(parseCookies(null)).toEqual({});
  });
});

describe("writing the two cookies", () => {
  const slugOrUuid = fc.oneof(fc.uuid(), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,30}$/));
  it("writes what the cookie package writes, for the ids and slugs the edge issues", () => {
    fc.assert(
      fc.property(slugOrUuid, fc.integer({ min: 1, max: 400 }), fc.boolean(), (value, days, secure) => {
        const base = { value, path: "/", sameSite: "lax", secure, maxAge: days * 86_400 } as const;
        expect(visitorCookie("sgen-vid", value, days, secure)).toBe(stringifySetCookie({ name: "sgen-vid", httpOnly: true, ...base }));
        expect(assignmentCookie("sgen-ab-pricing", value, days, secure)).toBe(stringifySetCookie({ name: "sgen-ab-pricing", ...base }));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes any site-chosen id so that a browser sends back what reads as the same id", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: "grapheme" }), (value) => {
        const cookie = visitorCookie("sgen-vid", value, 1, true).split(";")[0] as string;
        expect(parseCookie(cookie)["sgen-vid"]).toBe(value);
        expect(cookieValue(cookie, "sgen-vid")).toBe(value);
        expect(cookie).toMatch(/^sgen-vid=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/); // cookie-octets only
      }),
      { numRuns: 2000 },
    );
  });
});
