// The edge may not load zod: everything of src/core/targeting but schema.ts must reach neither zod nor
// a module that imports it, following every runtime import (type-only imports are erased).
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm;

/** Every module reachable from `file` by runtime imports: relative paths, or bare package names. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(IMPORT)) {
    if (m[2] !== undefined) continue; // import type … / export type …
    const spec = m[3] as string;
    if (spec.startsWith(".")) reachable(join(dirname(file), spec), seen);
    else seen.add(spec);
  }
  return seen;
}

describe("the targeting core's import graph", () => {
  it("reaches no zod from the modules the edge loads", () => {
    const entry = join(root, "src/core/targeting/index.ts");
    const graph = [...reachable(entry)].map((f) => (f.startsWith("/") ? relative(root, f) : f));
    expect(graph).toContain("src/core/targeting/parse.ts");
    expect(graph).toContain("is-mobile");
    expect(graph.filter((f) => f === "zod" || f.endsWith("/schema.ts"))).toEqual([]);
  });

  it("the check itself sees zod where it is imported", () => {
    const graph = reachable(join(root, "src/core/targeting/schema.ts"));
    expect(graph.has("zod")).toBe(true);
  });
});
