// The edge's string-level URL helpers agree with the URL parser on every request URL the runtime gives.
import { describe, expect, it } from "vitest";
import { urlPath, withPath } from "../../src/core/url.ts";

const urls = [
  "http://site.test/pricing",
  "https://site.test/pricing/?utm=1&x=2",
  "http://site.test/",
  "http://site.test",
  "http://site.test:8787/a/b.html?q=/x#frag",
  "https://user:pw@site.test/caf%C3%A9?q",
  "http://site.test/?only=query",
  "http://site.test/path#hash?notquery",
];

describe("url helpers", () => {
  it("urlPath is URL.pathname", () => {
    for (const u of urls) expect(urlPath(u), u).toBe(new URL(u).pathname);
  });
  it("withPath replaces the path, keeps the query, drops the fragment", () => {
    for (const u of urls) {
      const expected = new URL(u);
      expected.pathname = "/pricing-b";
      expected.hash = "";
      expect(withPath(u, "/pricing-b"), u).toBe(expected.toString());
    }
  });
});
