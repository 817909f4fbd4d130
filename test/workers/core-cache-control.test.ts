// When the origin's Cache-Control already keeps an assigned page private (core/cache-control.ts).
import { describe, expect, it } from "vitest";
import { alreadyPrivate } from "../../src/core/cache-control.ts";

describe("alreadyPrivate", () => {
  it.each([
    ["no-store", true],
    ["NO-STORE", true],
    ["public, max-age=60, no-store", true],
    ["private, no-cache", true],
    [" Private ,No-Cache ", true],
    ["no-cache, private, must-revalidate", true],
  ])("%j keeps the page private and revalidated", (value, expected) => {
    expect(alreadyPrivate(value)).toBe(expected);
  });

  it.each([
    [null],
    [""],
    ["public, max-age=60"],
    ["private"], // a browser may reuse it unasked after a conclusion
    ["private, max-age=600"],
    ["no-cache"], // a shared cache may still keep it
    ['private="Set-Cookie", no-cache'], // qualified: a shared cache keeps the rest
    ['no-cache="Set-Cookie", private'],
    ["x-no-store"],
  ])("%j does not, and the edge marks the page itself", (value) => {
    expect(alreadyPrivate(value)).toBe(false);
  });
});
