// npm run bench:profile: where a scenario's JavaScript time goes, from V8's sampling profiler through
// workerd's inspector (CDP). The benchmark's workerd config runs with --inspector-addr; wrk drives one
// scenario for BENCH_SECONDS (default 5) while the profiler of the Worker in front samples every 50 µs;
// the self time is summed per function and printed, largest first. BENCH_SCENARIO picks the scenario:
// returning (default), new, override, other, edge-new, and floor-returning or floor-new for the floor.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { needWrk, pinned, waitForPort, wrk } from "./harness.ts";
import { build, PORT } from "./run.ts";

const ROOT = join(import.meta.dirname, "..");
const BUILD = join(ROOT, "bench", ".build-instructions");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const INSPECTOR = 9229;
const RETURNING = "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-pricing-page-layout=b";
const scenarios: Record<string, { service: string; port: number; path: string; cookie?: string }> = {
  returning: { service: "sgen", port: PORT.sgen, path: "/pricing", cookie: RETURNING },
  new: { service: "sgen-nocount", port: PORT.sgenNoCount, path: "/pricing" },
  override: { service: "sgen", port: PORT.sgen, path: "/", cookie: "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; sgen-ab-home-hero=b" },
  other: { service: "sgen", port: PORT.sgen, path: "/about", cookie: RETURNING },
  // The same pages served by the hand-written floor, to read sgen-ab's profile against.
  "floor-returning": { service: "floor", port: PORT.floor, path: "/pricing", cookie: RETURNING },
  "floor-new": { service: "floor", port: PORT.floor, path: "/pricing" },
  "edge-new": { service: "sgen-edge", port: PORT.sgenEdge, path: "/pricing" },
};
const scenario = scenarios[process.env.BENCH_SCENARIO ?? "returning"];
if (scenario === undefined) throw new Error(`BENCH_SCENARIO is one of ${Object.keys(scenarios).join(", ")}`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount: number;
}

needWrk("npm run bench:profile");
build(BUILD);
const workerd = spawn(
  ...pinned(1, join(ROOT, "node_modules/.bin/workerd"), [
    "serve",
    join(BUILD, "config.capnp"),
    "--experimental",
    `--inspector-addr=127.0.0.1:${INSPECTOR}`,
  ]),
  { stdio: ["ignore", "ignore", "inherit"] },
);
try {
  await waitForPort(scenario.port);
  const url = `http://127.0.0.1:${scenario.port}${scenario.path}`;
  wrk(url, { seconds: 2, ...(scenario.cookie === undefined ? {} : { cookie: scenario.cookie }) }); // warm up
  const ws = new WebSocket(`ws://127.0.0.1:${INSPECTOR}/${scenario.service}`);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  let next = 1;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  ws.addEventListener("message", (m: MessageEvent) => {
    const msg = JSON.parse(String(m.data)) as { id?: number; result?: Record<string, unknown> };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result ?? {});
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 50 });
  await send("Profiler.start");
  const result = wrk(url, { seconds: SECONDS, ...(scenario.cookie === undefined ? {} : { cookie: scenario.cookie }) });
  const { profile } = (await send("Profiler.stop")) as { profile: { nodes: ProfileNode[] } };
  ws.close();
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").at(-1) ?? ""}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n.hitCount);
    total += n.hitCount;
  }
  console.log(`${process.env.BENCH_SCENARIO ?? "returning"}: ${result.rps.toFixed(0)} requests/s under the profiler; ${total} samples`);
  console.log("\n| function (bundle line) | self samples | share |\n|---|---|---|");
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`| ${k} | ${v} | ${((100 * v) / total).toFixed(1)}% |`);
  }
} finally {
  workerd.kill("SIGTERM");
}
