// Starts the demo exactly as a newcomer does (`npm start`), on a free port and with its own storage
// folder, and stops it again. Black-box tests talk to it over HTTP only.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

/** A call to the demo's admin API with one of the README's tokens. */
export async function adminApi(base: string, method: string, path: string, body?: unknown, token = "demo-admin") {
  const res = await fetch(`${base}/sg-admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect the answer field by field
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, headers: res.headers };
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
