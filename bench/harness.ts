// What npm run bench and npm run bench:steps share: workerd and wrk each pinned to a core, the wait for
// workerd's sockets, one wrk run read into numbers, and the runtime steps' workerd config.
import { type ChildProcess, execFileSync, type StdioOptions, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus } from "node:os";
import { join } from "node:path";

export const COMPAT = "2026-08-01";
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Stops `program` with a hint when wrk is missing. */
export function needWrk(program: string): void {
  if (hasCommand("wrk")) return;
  console.error(`${program} needs wrk: install it with \`apt-get install -y wrk\` (Debian)`);
  process.exit(2);
}

// On a machine with two or more cores, workerd and wrk get a core each, so that neither takes turns with
// the other on one core and the scheduler's choices do not move the figures.
export const PIN = cpus().length >= 2 && hasCommand("taskset");
export const pinned = (core: number, cmd: string, args: string[]): [string, string[]] =>
  PIN ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];

const WORKERD = join(import.meta.dirname, "..", "node_modules", ".bin", "workerd");

/**
 * `workerd serve` of a config, pinned to `core` (workerd on core 1 and wrk on core 0 where there are two),
 * with experimental features on (Durable Objects on local disk need them). Its stdout is ignored unless
 * `stdio` says otherwise; its errors go to ours.
 */
export function startWorkerd(capnp: string, core = 1, stdio: StdioOptions = ["ignore", "ignore", "inherit"]): ChildProcess {
  return spawn(...pinned(core, WORKERD, ["serve", capnp, "--experimental"]), { stdio });
}

export async function waitForPort(port: number, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open`);
}

export interface WrkResult {
  rps: number;
  requests: number;
  p50ms: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (m === null) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

/** One wrk run (one thread, on core 0 when pinned); says so when wrk saw errors or non-2xx/3xx answers. */
export function wrk(url: string, opts: { connections?: number; seconds?: number; script?: string; cookie?: string } = {}): WrkResult {
  const args = ["-t1", `-c${opts.connections ?? CONNECTIONS}`, `-d${opts.seconds ?? SECONDS}s`, "--latency"];
  if (opts.script !== undefined) args.push("-s", opts.script);
  if (opts.cookie !== undefined) args.push("-H", `Cookie: ${opts.cookie}`);
  args.push(url);
  const out = execFileSync(...pinned(0, "wrk", args), { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const p50ms = toMs(/ 50%\s+(\S+)/.exec(out)?.[1] ?? "");
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out);
  if (errors !== null) console.warn(`  wrk reported: ${errors[0]}`);
  return { rps, requests, p50ms };
}

/** workerd's `v8Flags` field for a config's end (nothing when there are none). */
export function v8FlagsField(flags: readonly string[]): string {
  return flags.length === 0 ? "" : `,\n  v8Flags = [${flags.map((f) => JSON.stringify(f)).join(", ")}]`;
}

/**
 * The workerd config of the runtime's steps alone (bench/entries/runtime-steps.js in front of the
 * origin), with its two modules, written into `dir`: `npm run bench:steps` measures it by requests a
 * second, `BENCH_STEPS=… npm run bench:instructions` by instructions (with `v8Flags`: see v8FlagsField).
 */
export function writeStepsConfig(root: string, dir: string, port: number, v8Flags: readonly string[] = []): void {
  mkdirSync(dir, { recursive: true });
  for (const f of ["origin.js", "runtime-steps.js"]) writeFileSync(join(dir, f), readFileSync(join(root, "bench/entries", f)));
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "origin", worker = (modules = [(name = "origin.js", esModule = embed "origin.js")], compatibilityDate = "${COMPAT}")),
    (name = "steps", worker = (
      modules = [(name = "runtime-steps.js", esModule = embed "runtime-steps.js")],
      compatibilityDate = "${COMPAT}",
      bindings = [(name = "ORIGIN", service = "origin")]
    ))
  ],
  sockets = [(name = "steps", address = "127.0.0.1:${port}", http = (), service = "steps")]${v8FlagsField(v8Flags)}
);
`,
  );
}
