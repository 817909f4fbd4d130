// The HTML sanitiser (parse5 and the hast utilities, src/core/sanitize.ts) is for the admin side: a
// visitor's request must not load it. Walks the runtime imports of the edge's entry point (type-only
// imports are erased and not followed) and of the full Worker's (whose catalog checks overrides on
// save), to show the one never reaches it and the other does (so the walk itself can fail).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "..", "src");
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm;

/** Every source file and package reached from `entry` by runtime imports. */
function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(IMPORT)) {
      if (spec === undefined) continue;
      if (spec.startsWith(".")) walk(resolve(dirname(file), spec));
      else packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string));
    }
  };
  walk(entry);
  return { files, packages };
}

const SANITISER_PACKAGES = ["parse5", "hast-util-from-parse5", "hast-util-sanitize", "hast-util-to-html", "property-information"];

describe("what a visitor's request loads", () => {
  it("the edge's entry point never imports the sanitiser or its parser", () => {
    const edge = graph(join(SRC, "edge", "index.ts"));
    expect(edge.files.size).toBeGreaterThan(5);
    expect([...edge.files].filter((f) => f.endsWith("sanitize.ts"))).toEqual([]);
    expect([...edge.packages].filter((p) => SANITISER_PACKAGES.includes(p))).toEqual([]);
    expect(edge.files).toContain(join(SRC, "core", "markup-policy.ts")); // the edge's own small check
  });

  it("the full Worker's does, through the catalog that checks overrides on save (the walk finds it)", () => {
    const worker = graph(join(SRC, "worker", "index.ts"));
    expect(worker.files).toContain(join(SRC, "core", "sanitize.ts"));
    expect([...worker.packages]).toEqual(expect.arrayContaining(SANITISER_PACKAGES));
  });

  it("the JOSE library of Cloudflare Access (src/admin/access.ts) is the admin's alone", () => {
    expect([...graph(join(SRC, "edge", "index.ts")).packages]).not.toContain("jose");
    expect([...graph(join(SRC, "worker", "index.ts")).packages]).toContain("jose"); // the walk finds it where it is
  });
});
