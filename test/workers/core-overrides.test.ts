// Override validation: selectors HTMLRewriter supports and complete actions. What a value may write is
// core-markup-policy.test.ts's.
import { describe, expect, it } from "vitest";
import { selectorProblem } from "../../src/core/overrides.ts";
import { Override } from "../../src/core/schema.ts";

describe("override validation", () => {
  it("accepts the selector forms HTMLRewriter supports, and they really work there", () => {
    const good = [
      "h1",
      "*",
      "#headline",
      ".promo",
      "h1#headline.big",
      "a[href]",
      'a[href="/x"]',
      "a[href^='/sign' i]",
      "ul > li:first-child",
      "li:nth-child(2n+1)",
      "p:not(.promo)",
      "main section p",
      "h1, h2",
      "div:nth-of-type(odd)",
    ];
    for (const s of good) {
      expect(selectorProblem(s), s).toBeNull();
      expect(() => new HTMLRewriter().on(s, {}), s).not.toThrow();
    }
  });

  it("refuses what it does not support", () => {
    for (const s of ["", "h1 + p", "h1 ~ p", "li:last-child", "a:hover", "p::before", "<h1>", "h1 {color:red}", "[", "a[href=x y]"]) {
      expect(selectorProblem(s), s).not.toBeNull();
    }
  });

  it("names the missing field of an incomplete action", () => {
    const paths = (o: unknown) => (Override.safeParse(o).error?.issues ?? []).map((i) => i.path.join("."));
    expect(paths({ selector: "h1", action: "set_text" })).toEqual(["value"]);
    expect(paths({ selector: "a", action: "set_attribute", value: "/x" })).toEqual(["attribute"]);
    expect(paths({ selector: "a", action: "remove", value: "x" })).toEqual(["value"]);
    expect(paths({ selector: "a:hover", action: "remove" })).toEqual(["selector"]);
    expect(paths({ selector: "h1", action: "explode" })).toEqual(["action"]);
    expect(paths({ selector: "h1", action: "set_text", value: "x".repeat(70_000) })).toEqual(["value"]);
  });
});
