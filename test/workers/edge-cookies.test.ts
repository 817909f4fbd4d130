// The edge reads the two cookies it needs with its own scan of the Cookie header; the `cookie` package's
// full parse is the oracle it must agree with, on any header at all.
import { parseCookie } from "cookie";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cookieValue } from "../../src/edge/cookies.ts";

const NAMES = ["sgen-vid", "sgen-ab-pricing", "sgen-ab-pricing-page-layout", "a", "consent"];
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
      fc.property(header, fc.constantFrom(...NAMES), (h, name) => {
        expect(cookieValue(h, name)).toBe(parseCookie(h)[name]);
      }),
      { numRuns: 3000 },
    );
  });

  it("finds a cookie among many, first occurrence winning, decoded", () => {
    const h = "_ga=GA1.2.3; theme=dark; sgen-vid=%E6%97%A5%E6%9C%AC; sgen-ab-pricing=b; sgen-ab-pricing=a";
    expect(cookieValue(h, "sgen-vid")).toBe("日本");
    expect(cookieValue(h, "sgen-ab-pricing")).toBe("b");
    expect(cookieValue(h, "sgen-ab")).toBeUndefined(); // a prefix of a name is not the name
    expect(cookieValue(null, "sgen-vid")).toBeUndefined();
  });
});
