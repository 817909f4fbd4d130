// Starts the demo exactly as a newcomer does (`npm start`), on a free port and with its own storage
// folder, and stops it again. Black-box tests talk to it over HTTP only.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const ROOT = join(import.meta.dirname, "..", "..", "..");

export interface DemoServer {
  base: string;
  persistDir: string;
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * `npm start` (the README's command), or with `config`, `wrangler dev -c <config>` (a fault run with
 * different bindings).
 */
export async function startDemo(config?: string): Promise<DemoServer> {
  const port = await freePort();
  const inspector = await freePort();
  const persistDir = mkdtempSync(join(tmpdir(), "sgen-ab-demo-"));
  const args = ["--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspector), "--persist-to", persistDir];
  const child: ChildProcess = spawn(
    config === undefined ? "npm" : "npx",
    config === undefined ? ["start", "--", ...args] : ["wrangler", "dev", "-c", config, ...args],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
    if (/Ready on/.test(out)) {
      try {
        await fetch(`${base}/`);
        break;
      } catch {}
    }
    if (Date.now() > deadline) throw new Error(`npm start did not get ready in 90 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    persistDir,
    output: () => out,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {}
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

const run = promisify(execFile);

/** Publishes a document to the demo's local KV, as an operator with wrangler would. */
export async function putDemoKv(persistDir: string, key: string, value: string): Promise<void> {
  await run(
    "npx",
    [
      "wrangler",
      "kv",
      "key",
      "put",
      "--local",
      "--persist-to",
      persistDir,
      "-c",
      "examples/demo/wrangler.toml",
      "--binding",
      "SGEN_CONFIG",
      key,
      value,
    ],
    { cwd: ROOT, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
}

export interface Fetched {
  status: number;
  headers: Headers;
  body: string;
  cookies: Map<string, { value: string; attrs: string }>;
  title: string;
}

export async function get(url: string, init: RequestInit = {}): Promise<Fetched> {
  const res = await fetch(url, { redirect: "manual", ...init });
  const body = await res.text();
  const cookies = new Map<string, { value: string; attrs: string }>();
  for (const line of res.headers.getSetCookie()) {
    const semi = line.indexOf(";");
    const pair = semi === -1 ? line : line.slice(0, semi);
    const eq = pair.indexOf("=");
    cookies.set(pair.slice(0, eq), { value: decodeURIComponent(pair.slice(eq + 1)), attrs: semi === -1 ? "" : line.slice(semi + 1) });
  }
  return { status: res.status, headers: res.headers, body, cookies, title: /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? "" };
}
