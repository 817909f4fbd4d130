// The path rules (core/paths.ts) against the spellings of a parent-directory step that the public
// path-traversal corpora use (test/fixtures/path-traversal.txt), against an independent model of how
// lenient servers read a path (test/support/path-readings.ts), and the canonical form pages are
// compared in.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEdgeConfig } from "../../src/core/edge-config.ts";
import { canonicalPath, samePathProblem } from "../../src/core/paths.ts";
import { SitePath } from "../../src/core/schema.ts";
import corpus from "../fixtures/path-traversal.txt?raw";
import { traversesSomewhere } from "../support/path-readings.ts";
import { configOf, experiment } from "./helpers.ts";

function sections(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header !== null) current = header[1] as string;
    else out[current] = [...(out[current] ?? []), line];
  }
  return out;
}

const { dots = [], slashes = [] } = sections(corpus);

/** Every dot spelling with every slash spelling, in the places a variant page can hold them. */
const ATTACKS = dots.flatMap((dot) => [
  `/a/${dot}`,
  `/${dot}/pricing-b`,
  ...slashes.flatMap((slash) => [`/a/${dot}${slash}pricing-b`, `/${dot}${slash}${dot}${slash}etc/passwd`]),
]);

describe("encoded traversal", () => {
  it("the corpus is what it says: every entry steps out of its directory for some lenient server", () => {
    expect(dots.length).toBeGreaterThan(40);
    expect(slashes.length).toBeGreaterThan(25);
    for (const attack of ATTACKS) expect(traversesSomewhere(attack), attack).toBe(true);
  });

  it("refuses every spelling of the corpus as a variant page, target page or goal, in the admin and at the edge", () => {
    expect(ATTACKS.length).toBeGreaterThan(2000);
    const accepted = ATTACKS.filter((p) => samePathProblem(p) === null || SitePath.safeParse(p).success);
    expect(accepted).toEqual([]);
    // The edge's own parser of the published document refuses them as well (a hand-written KV value).
    for (const page of ["/a/.%2e/pricing-b", "/a/%2E%2E/pricing-b", "/a/..;/pricing-b", "/a/%c0%ae%c0%ae/pricing-b"]) {
      const doc = configOf([
        experiment({
          variants: [
            { slug: "a", page: "/pricing", traffic_share: 50 },
            { slug: "b", page, traffic_share: 50 },
          ],
        }),
      ]);
      expect(parseEdgeConfig(JSON.parse(JSON.stringify(doc))).ok, page).toBe(false);
    }
  });

  it("the path the issue reported, /a/.%2e/pricing-b, is refused with a reason", () => {
    expect(samePathProblem("/a/.%2e/pricing-b")).toMatch(/\.\. segments/);
  });

  it("keeps what real sites use: dots inside names, escapes of UTF-8, reserved characters", () => {
    for (const good of [
      "/",
      "/pricing",
      "/pricing/",
      "/a/b-c_d.e~f",
      "/.well-known/security.txt",
      "/v1.2/..hidden-name",
      "/caf%C3%A9",
      "/caf%c3%a9",
      "/%7Euser",
      "/@user/:id",
      "/a;b=c/d",
      "/search/a+b",
    ]) {
      expect(samePathProblem(good), good).toBeNull();
    }
  });
});

// Paths made of the pieces traversal attacks are built from, so that the property explores them.
const PIECES = ["a", "b", "-", ".", "..", "/", "~", ";", "%2e", "%2E", "%2f", "%25", "%c0%ae", "%c0", "%ae", "%ef%bc%8e", "%3b", "%00"];
const MORE = ["%20", "%5c", "%u002e", "%e2%88%95", "%41", "%7e", "%e2%80%a5", "2e", "c3%a9", "%c3", "%a9", "=", "x"];
const pathLike = fc.array(fc.constantFrom(...PIECES, ...MORE), { maxLength: 12 }).map((parts) => `/${parts.join("")}`);

describe("what an accepted path means", () => {
  it("an accepted path reaches the origin exactly as stored, and no lenient server reads a dot segment in it", () => {
    // What the catalog compares is what the edge fetches: the URL parser changes nothing, and no server
    // that decodes twice, folds Unicode, takes \ for / or drops ;parameters finds a way up.
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          pathLike,
          fc.string({ maxLength: 30 }).map((s) => `/${s}`),
        ),
        (p) => {
          if (samePathProblem(p) !== null) return;
          accepted++;
          expect(new URL(p, "https://site.test").pathname, p).toBe(p);
          expect(traversesSomewhere(p), p).toBe(false);
        },
      ),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(1000); // the property saw accepted paths, not only refusals
  });
});

describe("the canonical form pages are compared in", () => {
  it("equates the spellings of one page: escapes of unreserved characters, escape case, duplicate and trailing slashes", () => {
    for (const same of ["/pricing", "/pricing/", "//pricing", "/pricing//", "/%70ricing", "/%70%72icing", "/pric%69ng/"]) {
      expect(canonicalPath(same), same).toBe("/pricing");
    }
    expect(canonicalPath("/caf%c3%a9")).toBe(canonicalPath("/caf%C3%A9"));
    expect(canonicalPath("/a/%7e/b")).toBe("/a/~/b");
    expect(canonicalPath("/")).toBe("/");
    expect(canonicalPath("//")).toBe("/");
  });

  it("removes dot segments after decoding them, as the URL parser does", () => {
    for (const p of ["/a/.%2e/pricing-b", "/a/%2E%2E/pricing-b", "/a/../pricing-b", "/x/./a/../pricing-b"]) {
      expect(canonicalPath(p), p).toBe(new URL(p, "https://site.test").pathname);
    }
  });

  it("keeps apart what is different: case, reserved escapes, other pages", () => {
    expect(canonicalPath("/Pricing")).not.toBe(canonicalPath("/pricing"));
    expect(canonicalPath("/a%2Fb")).not.toBe(canonicalPath("/a/b"));
    expect(canonicalPath("/pricing-b")).not.toBe(canonicalPath("/pricing"));
  });

  it("is idempotent and agrees with the URL parser on every accepted path", () => {
    fc.assert(
      fc.property(pathLike, (p) => {
        const c = canonicalPath(p);
        expect(canonicalPath(c)).toBe(c);
        if (samePathProblem(p) === null) expect(canonicalPath(new URL(p, "https://site.test").pathname)).toBe(c);
      }),
      { numRuns: 5_000 },
    );
  });
});
