// The package as users get it: `npm pack`, the tarball's lint (publint, arethetypeswrong), and each
// example project under examples/ built from that tarball: strict `tsc`, `wrangler deploy --dry-run`,
// and its own Vitest test in the Workers runtime.
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
    expect(files).toEqual(
      expect.arrayContaining(["bin/sgen-ab.mjs", "kv-schema/assignment-vectors.json", "README.md", "LICENSE", "package.json"]),
    );
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
    // Every declared runtime package is really imported (none is left over from an earlier design).
    const imported = new Set<string>();
    for (const file of readdirSync(join(packed.dir, "unpacked", "dist"), { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".js")) continue;
      const js = readFileSync(join(packed.dir, "unpacked", "dist", file), "utf8");
      for (const m of js.matchAll(/^(?:import|export)\b[^;]*?from\s*["']([^"'./][^"']*)["']/gm)) {
        const spec = m[1] as string;
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string));
      }
    }
    expect([...declared].filter((d) => !imported.has(d))).toEqual([]);
  });

  it("sgen-ab/core's import graph holds no cloudflare:, node: or Hono import (only zod and is-mobile), so browsers and Node load it", () => {
    const dist = join(packed.dir, "unpacked", "dist");
    const seen = new Set<string>();
    const outside: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const js = readFileSync(file, "utf8");
      for (const m of js.matchAll(/^(?:import|export)\b[^;]*?from\s*["']([^"']+)["']/gm)) {
        const spec = m[1] as string;
        if (spec.startsWith(".")) visit(join(dirname(file), spec));
        // Pure JavaScript packages with no platform imports of their own.
        else if (spec !== "zod" && spec !== "is-mobile") outside.push(`${spec} (${file.slice(dist.length + 1)})`);
      }
    };
    visit(join(dist, "core", "index.js"));
    expect(seen.size).toBeGreaterThan(5);
    expect(outside).toEqual([]);
  });

  it("sgen-ab/core and the CLI run from node_modules on the machine's Node (20) and the tools' (22)", () => {
    const project = mkdtempSync(join(tmpdir(), "sgen-ab-node-"));
    cleanups.push(() => rmSync(project, { recursive: true, force: true }));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "node-consumer", private: true, type: "module" }));
    installPacked(project, packed);
    const script = `import { AnalysisInput, analyze, variantFor } from "sgen-ab/core";
const v = variantFor("pricing-page-layout", "3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b", [{ slug: "a", traffic_share: 50 }, { slug: "b", traffic_share: 50 }]);
const a = analyze(AnalysisInput.parse({ variants: [{ slug: "a", sample: 10000, conversions: 1000, traffic_share: 50 }, { slug: "b", sample: 10000, conversions: 1100, traffic_share: 50 }] }));
console.log(JSON.stringify({ variant: v?.slug, p: a.comparisons[0]?.p_value }));`;
    const which = run("bash", ["-c", "type -ap node"], project, { allowFailure: true });
    const nodes = new Set([
      process.execPath,
      ...which.stdout
        .split("\n")
        .filter((p) => p !== "" && !p.includes("node_modules"))
        .map((p) => realpathSync(p)),
    ]);
    const versions: string[] = [];
    for (const n of nodes) {
      versions.push(run(n, ["--version"], project).stdout.trim());
      const out = JSON.parse(run(n, ["--input-type=module", "-e", script], project).stdout);
      expect(out.variant).toBe("a"); // the first vector of kv-schema/assignment-vectors.json
      expect(out.p).toBeCloseTo(0.021058, 6);
      const cli = run(n, [join(project, "node_modules", ".bin", "sgen-ab"), "analyze"], project, {
        input:
          '{"variants":[{"slug":"a","sample":10,"conversions":1,"traffic_share":50},{"slug":"b","sample":10,"conversions":2,"traffic_share":50}]}\n',
      });
      expect(JSON.parse(cli.stdout).variants).toHaveLength(2);
    }
    console.log(`sgen-ab/core and npx sgen-ab analyze ran on Node ${versions.join(" and ")}`);
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
