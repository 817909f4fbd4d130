// Why examples/assets-site sets run_worker_first, shown under `wrangler dev` (the Workers pool's
// test calls the Worker directly, past the asset router, so it cannot show this): with the
// experiment's paths listed, /pricing is split; without them the file is served and the Worker never
// runs: no variant, no cookie, and nothing to say so.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { variantFor } from "../../src/core/assignment.ts";
import { freePort } from "../node/support/demo-server.ts";
import { bin, copyExample, installPacked } from "./support/consumer.ts";

const TOKEN_DIGEST = "93be90c0069c4d320658ab9325a5e8aa69adff773ae67b8f835a376cca914104"; // "example-admin"
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
const variants = [
  { slug: "a", label: "Control", traffic_share: 50 },
  { slug: "b", label: "Simple", page: "/pricing-b", traffic_share: 50 },
];
const visitor = Array.from({ length: 100 }, (_, i) => `rwf-${i}`).find((id) => variantFor("pricing-layout", id, variants)?.slug === "b");

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  const copy = copyExample("assets-site");
  dir = copy.dir;
  cleanup = copy.cleanup;
  installPacked(dir, inject("packed"));
  writeFileSync(
    join(dir, ".dev.vars"),
    `SGEN_ADMIN_TOKENS=[{"sha256":"${TOKEN_DIGEST}","operator":"ci","role":"administrator"}]\nSGEN_SESSION_SECRET=test-only\n`,
  );
});
afterAll(() => cleanup?.());

async function wranglerDev(label: string): Promise<{ base: string; stop(): Promise<void> }> {
  const port = await freePort();
  const inspector = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin.wrangler(dir),
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspector),
      "--persist-to",
      join(dir, `.state-${label}`),
    ],
    { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const deadline = Date.now() + 90_000;
  while (!/Ready on/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`wrangler dev did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-(child.pid as number), "SIGTERM");
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

async function pricingFor(base: string): Promise<{ body: string; assignment: string | undefined }> {
  const admin = { authorization: "Bearer example-admin", "content-type": "application/json" };
  const created = await fetch(`${base}/sg-admin/api/experiments`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({
      slug: "pricing-layout",
      name: "Pricing layout",
      target_page: "/pricing",
      variants,
      conversion_event: { type: "page_view", path: "/thanks" },
      min_sample_threshold: 100,
    }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: number };
  expect((await fetch(`${base}/sg-admin/api/experiments/${id}/start`, { method: "POST", headers: admin })).status).toBe(200);
  const res = await fetch(`${base}/pricing`, { headers: { cookie: `sgen-vid=${visitor}`, "user-agent": BROWSER } });
  const assignment = res.headers
    .getSetCookie()
    .find((c) => c.startsWith("sgen-ab-pricing-layout="))
    ?.split(";")[0];
  return { body: await res.text(), assignment };
}

describe("examples/assets-site under wrangler dev", () => {
  it("splits /pricing with run_worker_first, and serves the plain file without it", async () => {
    const listed = await wranglerDev("listed");
    try {
      const r = await pricingFor(listed.base);
      expect(r.body).toContain("Simple pricing");
      expect(r.assignment).toBe("sgen-ab-pricing-layout=b");
    } finally {
      await listed.stop();
    }

    const config = join(dir, "wrangler.jsonc");
    const original = readFileSync(config, "utf8");
    expect(original).toMatch(/"run_worker_first": \[[^\]]*"\/pricing"/);
    writeFileSync(config, original.replace(/"run_worker_first": \[[^\]]*\]/, '"run_worker_first": false'));
    const unlisted = await wranglerDev("unlisted");
    try {
      const r = await pricingFor(unlisted.base); // the admin still works: its paths are no files
      expect(r.body).toContain("<h1>Pricing</h1>");
      expect(r.assignment).toBeUndefined();
    } finally {
      await unlisted.stop();
    }
  });
});
