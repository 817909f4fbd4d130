// What a visitor's request loads: a Worker that imports only the edge entry point (test/bundle/), built
// as a deployment builds it (`wrangler deploy --dry-run --minify`), must stay within 64 KiB and must not
// pull in zod, the admin, the catalog or run-data. Reads the build's metafile for what went in.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const LIMIT_BYTES = 64 * 1024;

const out = mkdtempSync(join(tmpdir(), "sgen-ab-edge-bundle-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function build(): { bytes: number; inputs: string[] } {
  const r = spawnSync(
    "npx",
    [
      "wrangler",
      "deploy",
      "--dry-run",
      "--minify",
      "--outdir",
      out,
      "--metafile",
      join(out, "meta.json"),
      "-c",
      "test/bundle/wrangler.toml",
    ],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
  );
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8")) as { inputs: Record<string, unknown> };
  return { bytes: statSync(join(out, "edge-only.js")).size, inputs: Object.keys(meta.inputs) };
}

describe("the edge-only bundle", () => {
  const { bytes, inputs } = build();

  it(`is at most ${LIMIT_BYTES / 1024} KiB minified`, () => {
    expect(bytes, `${(bytes / 1024).toFixed(1)} KiB`).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it("holds no zod, no Hono, no jose and nothing of the admin, the catalog or run-data", () => {
    expect(inputs.length).toBeGreaterThan(10); // the metafile lists what went in
    expect(inputs.some((p) => p.includes("src/edge/handler.ts"))).toBe(true);
    // jose (Cloudflare Access, src/admin/access.ts) is the admin's: a visitor's request never loads it.
    const forbidden = inputs.filter((p) => /node_modules\/(zod|hono|jose)\/|src\/(admin|catalog|run-data|worker|hono)\//.test(p));
    expect(forbidden).toEqual([]);
  });
});
