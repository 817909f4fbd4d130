// What the README and the entry points' JSDoc promise a user, checked against the packed tarball: every
// ```ts block of README.md and every @example of an entry point compiles, as written, in a strict
// consumer project; and the bundle a Worker gets from each way in, measured the way the README says.
// A block that is deliberately partial is fenced ```ts-partial and left out.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bin, installPacked, node, ROOT, uploadSize } from "./support/consumer.ts";

/** The ```ts blocks of a Markdown text, in order. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

/** The ```ts blocks inside the JSDoc comments of a source file (their ` * ` margins removed). */
function jsdocExamples(source: string): string[] {
  const out: string[] = [];
  for (const comment of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const text = (comment[1] as string)
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n");
    out.push(...tsBlocks(text));
  }
  return out;
}

const STRICT = {
  target: "ES2022",
  lib: ["ES2023"],
  module: "ESNext",
  moduleResolution: "Bundler",
  types: ["@cloudflare/workers-types"],
  strict: true,
  noUncheckedIndexedAccess: true,
  noPropertyAccessFromIndexSignature: true,
  noImplicitReturns: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: false,
  noEmit: true,
};

const packed = inject("packed");
let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "sgen-ab-snippets-"));
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "snippets",
      private: true,
      type: "module",
      dependencies: { hono: "*", "sgen-ab": "*" },
      devDependencies: { "@cloudflare/workers-types": "*", typescript: "*", wrangler: "*" },
    }),
  );
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: STRICT, include: ["src"] }));
  mkdirSync(join(project, "src"));
  installPacked(project, packed);
});
afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

describe("the documentation's code", () => {
  it("every ```ts block of README.md and every entry point's @example compiles under strict settings", () => {
    const readme = tsBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect(readme.length).toBeGreaterThanOrEqual(4); // the three ways in, and the lower level
    readme.forEach((code, i) => {
      writeFileSync(join(project, "src", `readme-${i + 1}.ts`), code);
    });
    const entries = [
      "index.ts",
      ...readdirSync(join(ROOT, "src"), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => `${d.name}/index.ts`),
    ];
    let examples = 0;
    for (const entry of entries) {
      let source: string;
      try {
        source = readFileSync(join(ROOT, "src", entry), "utf8");
      } catch {
        continue;
      }
      jsdocExamples(source).forEach((code, i) => {
        examples++;
        writeFileSync(join(project, "src", `example-${entry.replace(/\/?index\.ts$/, "") || "root"}-${i + 1}.ts`), code);
      });
    }
    // One per entry point of the package's exports (".", core, edge, hono, worker, admin).
    expect(examples).toBeGreaterThanOrEqual(6);
    const r = node(bin.tsc(project), ["-p", "."], project, { allowFailure: true });
    // Name the README block by its number and first line, so a failure says which one to fix.
    expect(r.output, r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("compiles the same against the oldest Hono of the peer range (4.5.0), as a site on an older Hono would", () => {
    const range = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { peerDependencies: { hono: string } }).peerDependencies
      .hono;
    expect(range).toBe("^4.5.0"); // move the devDependency hono-oldest with the range
    const hono = join(project, "node_modules", "hono");
    rmSync(hono);
    symlinkSync(join(ROOT, "node_modules", "hono-oldest"), hono, "dir");
    try {
      const r = node(bin.tsc(project), ["-p", "."], project, { allowFailure: true });
      // Hono 4.5's own declarations disagree with today's @cloudflare/workers-types in one place
      // (ClientResponse against Response): that is Hono's, with or without sgen-ab. Everything else,
      // sgen-ab's declarations and the code that uses them, must be clean.
      const ours = r.output.split("\n").filter((line) => /error TS/.test(line) && !/node_modules\/hono(-oldest)?\/dist\//.test(line));
      expect(ours, r.output).toEqual([]);
    } finally {
      rmSync(hono);
      symlinkSync(join(ROOT, "node_modules", "hono"), hono, "dir");
    }
  });
});

describe("bundle sizes (wrangler deploy --dry-run --minify), for the README's table", () => {
  const workers: Record<string, { code: string; durableObjects?: string[] }> = {
    "sgen-ab/edge, createEdge alone": {
      code: `import { createEdge } from "sgen-ab/edge";
const edge = createEdge<{ SGEN_CONFIG: KVNamespace }>({ configStore: (env) => env.SGEN_CONFIG });
export default { fetch: (request, env, ctx) => edge.handle(request, env, ctx, (r) => fetch(r)) } satisfies ExportedHandler<{ SGEN_CONFIG: KVNamespace }>;`,
    },
    "sgen-ab/edge with counting (runDataEvents, RunDataObject from sgen-ab/worker)": {
      code: `import { createEdge } from "sgen-ab/edge";
import { runDataEvents } from "sgen-ab/worker";
export { RunDataObject } from "sgen-ab/worker";
interface Env { SGEN_CONFIG: KVNamespace; SGEN_RUN_DATA: DurableObjectNamespace }
const edge = createEdge<Env>({ configStore: (env) => env.SGEN_CONFIG, events: runDataEvents((env) => env.SGEN_RUN_DATA as never) });
export default { fetch: (request, env, ctx) => edge.handle(request, env, ctx, (r) => fetch(r)) } satisfies ExportedHandler<Env>;`,
      durableObjects: ["RunDataObject"],
    },
    "sgen-ab/hono, the middleware with counting": {
      code: `import { Hono } from "hono";
import { sgenAb } from "sgen-ab/hono";
export { RunDataObject } from "sgen-ab/worker";
const app = new Hono();
app.use(sgenAb(app));
app.get("/", (c) => c.text("home"));
export default app;`,
      durableObjects: ["RunDataObject"],
    },
    "sgen-ab/hono + sgen-ab/admin (createAdmin)": {
      code: `import { Hono } from "hono";
import { createAdmin } from "sgen-ab/admin";
import { sgenAb } from "sgen-ab/hono";
export { CatalogObject, RunDataObject } from "sgen-ab/worker";
const app = new Hono();
app.use(sgenAb(app));
app.route("/", createAdmin());
app.get("/", (c) => c.text("home"));
export default app;`,
      durableObjects: ["RunDataObject", "CatalogObject"],
    },
    "sgen-ab/worker, the ready Worker": {
      code: `export { CatalogObject, default, RunDataObject } from "sgen-ab/worker";`,
      durableObjects: ["RunDataObject", "CatalogObject"],
    },
  };

  it("measures a Worker for each way in", () => {
    const rows: string[] = [];
    for (const [name, w] of Object.entries(workers)) {
      const dir = join(project, "sizes", String(rows.length));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "worker.ts"), w.code);
      const classes = w.durableObjects ?? [];
      writeFileSync(
        join(dir, "wrangler.json"),
        JSON.stringify({
          name: "size",
          main: "worker.ts",
          compatibility_date: "2026-08-01",
          kv_namespaces: [{ binding: "SGEN_CONFIG", id: "00000000000000000000000000000000" }],
          durable_objects: {
            bindings: classes.map((c) => ({ name: c === "RunDataObject" ? "SGEN_RUN_DATA" : "SGEN_CATALOG", class_name: c })),
          },
          migrations: classes.length === 0 ? [] : [{ tag: "v1", new_sqlite_classes: classes }],
        }),
      );
      const r = node(
        bin.wrangler(project),
        ["deploy", "--dry-run", "--minify", "--outdir", join(dir, "out"), "-c", join(dir, "wrangler.json")],
        project,
      );
      const size = uploadSize(r.output);
      // The edge's budget, held on the package as users install it, not only on the sources: a Worker that
      // imports only sgen-ab/edge stays within 64 KiB. Counting adds run-data's Durable Object class (its
      // batcher, ingest and ledger); that Worker is reported as a figure, with a bound that only catches a
      // regression (something heavy pulled in by mistake), not a budget.
      // Built as a user's Worker is: wrangler's defaults, keep_names on (its name wrappers are about 4 KiB).
      if (name.startsWith("sgen-ab/edge, createEdge alone")) expect(size.kib, name).toBeLessThanOrEqual(64);
      if (name.startsWith("sgen-ab/edge with counting")) expect(size.kib, name).toBeLessThanOrEqual(96);
      // The admin's Workers: about 720 KiB since zod is imported as a namespace (its locales left out);
      // \`import { z }\` anywhere brings back ~370 KiB, which this bound catches.
      if (name.includes("admin") || name.includes("ready Worker")) expect(size.kib, name).toBeLessThanOrEqual(800);
      rows.push(`| ${name} | ${size.kib.toFixed(0)} KiB | ${size.gzipKib.toFixed(0)} KiB |`);
      expect(size.kib).toBeGreaterThan(1);
    }
    console.log(["| Worker | minified | gzip |", "|---|---|---|", ...rows].join("\n"));
  });
});
