// The package as users get it: `npm pack`, the tarball's lint (publint, arethetypeswrong), and each
// example project under examples/ built from that tarball: strict `tsc`, `wrangler deploy --dry-run`,
// and its own Vitest test in the Workers runtime.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bin, copyExample, installPacked, node, ROOT, run, uploadSize } from "./support/consumer.ts";

const packed = inject("packed");
const cleanups: Array<() => void> = [];

afterAll(() => {
  for (const c of cleanups) c();
});

describe("the tarball", () => {
  it("ships the build, the schemas and the docs, and no tests, bench, screenshots or examples", () => {
    const files = run("tar", ["-tzf", packed.tarball], ROOT)
      .output.split("\n")
      .filter((f) => f !== "")
      .map((f) => f.replace(/^package\//, ""));
    for (const entry of ["index", "core/index", "edge/index", "hono/index", "worker/index", "admin/index", "cli/main"]) {
      expect(files).toContain(`dist/${entry}.js`);
      expect(files).toContain(`dist/${entry}.d.ts`);
    }
    expect(files).toEqual(expect.arrayContaining(["bin/sgen-ab.mjs", "kv-schema/assignment-vectors.json", "README.md", "package.json"]));
    expect(files.filter((f) => /^(test|bench|examples|scripts)\/|screenshots|\.test\.|\.wrangler|\.tgz$/.test(f))).toEqual([]);
  });

  it("imports at run time only what its package.json declares", () => {
    const declared = new Set([...Object.keys(packed.manifest.dependencies ?? {}), ...Object.keys(packed.manifest.peerDependencies ?? {})]);
    const undeclared = new Set<string>();
    for (const file of readdirSync(join(packed.dir, "unpacked", "dist"), { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".js")) continue;
      const js = readFileSync(join(packed.dir, "unpacked", "dist", file), "utf8");
      // Statements at the start of a line: tsc writes them so, and the JSDoc examples (` * import …`) are not code.
      for (const m of js.matchAll(
        /^(?:import|export)\b[^;]*?from\s*["']([^"']+)["']|^import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm,
      )) {
        const spec = (m[1] ?? m[2] ?? m[3]) as string;
        if (spec.startsWith(".") || spec.startsWith("node:") || spec.startsWith("cloudflare:")) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);
        if (!declared.has(name)) undeclared.add(`${name} (${file})`);
      }
    }
    expect([...undeclared]).toEqual([]);
    expect(declared).toEqual(new Set(["cookie", "zod", "hono"]));
  });

  it("is clean for publint (strict) and arethetypeswrong (ESM-only profile)", () => {
    const publint = node(join(ROOT, "node_modules", "publint", "src", "cli.js"), ["--strict", packed.tarball], ROOT);
    console.log(publint.output.trim());
    expect(publint.output).toMatch(/All good!/);
    // An ESM-only package for Workers: `require()` from CommonJS and node10 resolution (no `exports`
    // support) are not ways anyone loads it, so the profile leaves those two resolutions out.
    // attw exits non-zero on any problem it does not ignore (run() throws then, with its report).
    const attw = node(
      join(ROOT, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js"),
      [packed.tarball, "--profile", "esm-only", "--format", "table-flipped", "--no-color"],
      ROOT,
    );
    console.log(attw.output.trim());
    for (const entry of ["sgen-ab", "sgen-ab/core", "sgen-ab/edge", "sgen-ab/hono", "sgen-ab/worker", "sgen-ab/admin"]) {
      expect(attw.output).toMatch(new RegExp(`"${entry}"\\s*│\\s*🟢 \\(ESM\\)\\s*│\\s*🟢`));
    }
  });
});

for (const example of ["hono-site", "assets-site"]) {
  describe(`examples/${example}, installed from the tarball`, () => {
    let dir: string;
    beforeAll(() => {
      const copy = copyExample(example);
      cleanups.push(copy.cleanup);
      dir = copy.dir;
      installPacked(dir, packed);
    });

    it("type-checks under strict settings, the .d.ts files of sgen-ab included (skipLibCheck: false)", () => {
      node(bin.tsc(dir), ["-p", "."], dir);
      node(bin.tsc(dir), ["-p", "test"], dir);
    });

    it("bundles with wrangler deploy --dry-run", () => {
      const r = node(bin.wrangler(dir), ["deploy", "--dry-run", "--minify", "--outdir", "dist"], dir);
      const size = uploadSize(r.output);
      console.log(`examples/${example}: ${size.kib} KiB minified, ${size.gzipKib} KiB gzip (wrangler deploy --dry-run --minify)`);
      expect(size.kib).toBeGreaterThan(0);
    });

    it("passes its own test in the Workers runtime", () => {
      const r = node(bin.vitest(dir), ["run"], dir);
      expect(r.output).toMatch(/Tests\s+\d+ passed/);
    });
  });
}
