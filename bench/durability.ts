// npm run bench:durability: what an acknowledgement is worth when the process dies. Runs the demo
// (`wrangler dev`, its own storage folder) and measures, on this machine:
//
// 1. the latency of POST /__sgen/events answered `stored` (the default: once run-data has the
//    conversion) and `buffered` (SGEN_EVENTS_ACK=buffered), 300 posts each, one at a time;
// 2. the loss window: new visitors load a target page as fast as 8 connections go, the process is
//    killed (SIGKILL of the whole group) at a random moment, restarted on the same storage, and the
//    sample is compared with the page views that had been answered; the same for custom events
//    answered `buffered` and `stored`.
//
// It prints one JSON line per figure. Only processes it started are stopped, by their process group.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const RUNS = Number(process.argv[2] ?? 5);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

interface Server {
  base: string;
  kill(): Promise<void>;
}

async function start(persistDir: string, port: number, vars: Record<string, string>): Promise<Server> {
  const inspector = await freePort();
  const args = ["wrangler", "dev", "-c", "examples/demo/wrangler.toml", "--port", String(port), "--ip", "127.0.0.1"];
  args.push("--inspector-port", String(inspector), "--persist-to", persistDir);
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn("npx", args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
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
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${out}`);
    if (/Ready on/.test(out)) {
      try {
        await (await fetch(`${base}/`)).arrayBuffer();
        break;
      } catch {}
    }
    if (Date.now() > deadline) throw new Error(`not ready in 90 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    async kill() {
      if (child.pid === undefined || child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGKILL"); // the group this script started: wrangler and its workerd
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

async function admin(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/sg-admin/api${path}`, {
    method,
    headers: { authorization: "Bearer demo-admin", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A live experiment with a custom goal on its own page: its id, slug and target page. */
async function liveExperiment(base: string): Promise<{ id: number; slug: string; page: string }> {
  const n = Math.floor(Math.random() * 1e9);
  const slug = `durability-${n}`;
  const page = `/durability-${n}`;
  const made = await admin(base, "POST", "/experiments", {
    slug,
    name: slug,
    target_page: page,
    variants: [
      { slug: "a", label: "A", traffic_share: 50 },
      { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
    ],
    conversion_event: { type: "custom", name: "signup" },
    min_sample_threshold: 1_000_000,
  });
  if (made.status !== 201) throw new Error(`create: ${JSON.stringify(made.json)}`);
  const id = made.json.id as number;
  await admin(base, "POST", `/experiments/${id}/start`);
  await new Promise((r) => setTimeout(r, 1500)); // the demo's edge re-reads the config every second
  return { id, slug, page };
}

async function newVisitor(base: string, e: { slug: string; page: string }): Promise<string | null> {
  const res = await fetch(`${base}${e.page}`);
  await res.arrayBuffer();
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0] ?? "");
  return cookies.some((c) => c.startsWith(`sgen-ab-${e.slug}=`)) ? cookies.join("; ") : null;
}

const postEvent = (base: string, cookie: string) =>
  fetch(`${base}/__sgen/events`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: '{"events":[{"name":"signup"}]}',
  });

async function counts(base: string, id: number): Promise<{ sample: number; conversions: number }> {
  for (let attempt = 0; ; attempt++) {
    const d = await admin(base, "GET", `/experiments/${id}/dashboard`);
    if (d.status === 200) {
      const variants = d.json.variants as Array<{ sample: number; conversions: number }>;
      return { sample: variants.reduce((a, v) => a + v.sample, 0), conversions: variants.reduce((a, v) => a + v.conversions, 0) };
    }
    if (attempt > 20) throw new Error(`dashboard: ${JSON.stringify(d.json)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

async function latency(ack: "buffered" | "stored"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sgen-ab-durability-"));
  const server = await start(dir, await freePort(), { SGEN_EVENTS_ACK: ack });
  try {
    const e = await liveExperiment(server.base);
    const ms: number[] = [];
    for (let i = 0; i < 330; i++) {
      const cookie = await newVisitor(server.base, e);
      if (cookie === null) continue;
      const t0 = performance.now();
      const res = await postEvent(server.base, cookie);
      const body = (await res.json()) as { ack?: string };
      if (i >= 30) ms.push(performance.now() - t0); // the first 30 warm the isolate and the objects
      if (body.ack !== ack) throw new Error(`expected ack ${ack}, got ${JSON.stringify(body)}`);
    }
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    console.log(
      JSON.stringify({ figure: "event_post_latency_ms", ack, posts: ms.length, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), mean }),
    );
  } finally {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drives `work` on 8 connections until the process is killed at a random moment; counts what was answered. */
async function untilKilled(server: Server, work: () => Promise<boolean>): Promise<number> {
  let acked = 0;
  let stop = false;
  const killAt = 1500 + Math.random() * 2000;
  const loops = Array.from({ length: 8 }, async () => {
    while (!stop) {
      try {
        if (await work()) acked++;
      } catch {
        return; // the process is gone
      }
    }
  });
  await new Promise((r) => setTimeout(r, killAt));
  await server.kill();
  stop = true;
  await Promise.all(loops);
  return acked;
}

async function lossWindow(what: "exposures" | "events", ack: "buffered" | "stored"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sgen-ab-durability-"));
  const port = await freePort();
  const vars: Record<string, string> = { SGEN_EVENTS_ACK: ack };
  try {
    const losses: Array<{ acked: number; counted: number; lost: number }> = [];
    for (let run = 0; run < RUNS; run++) {
      let server = await start(dir, port, vars);
      const e = await liveExperiment(server.base);
      const visitors: string[] = [];
      if (what === "events") for (let i = 0; i < 1500; i++) visitors.push((await newVisitor(server.base, e)) ?? "");
      await new Promise((r) => setTimeout(r, 1000)); // their exposures are stored before the run starts
      let next = 0;
      const acked = await untilKilled(server, async () => {
        if (what === "exposures") return (await newVisitor(server.base, e)) !== null;
        if (next >= visitors.length) {
          await new Promise((r) => setTimeout(r, 20)); // each visitor converts once: no repeats to count
          return false;
        }
        const cookie = visitors[next++] ?? "";
        const res = await postEvent(server.base, cookie);
        return res.status === 202 && ((await res.json()) as { ack: string }).ack === ack;
      });
      server = await start(dir, port, vars);
      const after = await counts(server.base, e.id);
      const counted = what === "exposures" ? after.sample : after.conversions;
      losses.push({ acked, counted, lost: acked - counted });
      await server.kill();
    }
    const lost = losses.map((l) => l.lost);
    console.log(JSON.stringify({ figure: "lost_on_kill", what, ack, runs: losses, max_lost: Math.max(...lost) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await latency("buffered");
await latency("stored");
await lossWindow("exposures", "buffered");
await lossWindow("events", "buffered");
await lossWindow("events", "stored");
