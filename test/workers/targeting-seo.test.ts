// Variant pages asked for by their own path: not indexed, the target page named as canonical.
import { describe, expect, it } from "vitest";
import { variantPageHeaders, variantPagesOf } from "../../src/core/targeting/seo.ts";

const pages = variantPagesOf([
  { target_page: "/pricing", variants: [{ page: "/pricing" }, { page: "/pricing-b/" }] },
  { target_page: "/", variants: [{}, { page: "/home-b" }] },
  // A variant page that is another experiment's target page keeps its own indexing.
  { target_page: "/plans", variants: [{ page: "/plans" }, { page: "/pricing" }] },
]);

describe("variant pages", () => {
  it("answer with noindex and the target page as canonical, absolute on the request's origin", () => {
    expect(variantPageHeaders(pages, "/pricing-b", "https://shop.example/pricing-b?utm_source=x")).toEqual({
      "x-robots-tag": "noindex",
      link: '<https://shop.example/pricing>; rel="canonical"',
    });
    expect(variantPageHeaders(pages, "/home-b", "http://localhost:8787/home-b")?.link).toBe('<http://localhost:8787/>; rel="canonical"');
  });

  it("leave target pages and every other path alone", () => {
    for (const path of ["/pricing", "/", "/plans", "/thanks"])
      expect(variantPageHeaders(pages, path, `https://shop.example${path}`)).toBeNull();
  });
});
