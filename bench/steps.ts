// npm run bench:steps: what each runtime step of an edge A/B layer costs, as a share of a passthrough
// request. One workerd runs the benchmark's origin and bench/entries/runtime-steps.js; wrk drives every
// step in turn, the order rotating each round, and each step's throughput is divided by the ?direct
// runs of the same round. Pinned like npm run bench (workerd on core 1, wrk on core 0) when it can be.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { needWrk, pinned, waitForPort, writeStepsConfig, wrk } from "./harness.ts";

const ROOT = join(import.meta.dirname, "..");
const BUILD = join(ROOT, "bench", ".build-steps");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PORT = 9111;
const ALL_STEPS = [
  "js-again",
  "rewrap",
  "cache-control",
  "set-cookies",
  "variant-request",
  "random-uuid",
  "rewriter-none",
  "rewriter-one",
  "rewriter-two",
  "rewriter-two-copied",
  "rewriter-two-in-place",
];
// BENCH_STEPS=rewriter-none,rewriter-two measures some steps only.
const STEPS = process.env.BENCH_STEPS?.split(",") ?? ALL_STEPS;

needWrk("npm run bench:steps");
rmSync(BUILD, { recursive: true, force: true });
writeStepsConfig(ROOT, BUILD, PORT);

const rps = (step: string): number => wrk(`http://127.0.0.1:${PORT}/pricing?${step}`).rps;

const workerd = spawn(...pinned(1, join(ROOT, "node_modules/.bin/workerd"), ["serve", join(BUILD, "config.capnp")]), { stdio: "inherit" });
try {
  await waitForPort(PORT);
  for (const s of ["direct", ...STEPS]) rps(s); // warm up
  const ratios: Record<string, number[]> = Object.fromEntries(STEPS.map((s) => [s, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = [...STEPS.slice(r % STEPS.length), ...STEPS.slice(0, r % STEPS.length)];
    const before = rps("direct");
    const got = order.map((s) => [s, rps(s)] as const);
    const base = (before + rps("direct")) / 2;
    for (const [s, x] of got) ratios[s]?.push(x / base);
    console.log(`round ${r + 1}: direct ${base.toFixed(0)} req/s; ${got.map(([s, x]) => `${s} ×${(x / base).toFixed(3)}`).join(", ")}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)) * (xs.length / (xs.length - 1)));
  console.log("\n| step (each alone, on top of forwarding the request) | × direct, mean of rounds (± standard error) |\n|---|---|");
  for (const s of STEPS) {
    const xs = ratios[s] ?? [];
    console.log(`| ${s} | ${mean(xs).toFixed(3)} (± ${(sd(xs) / Math.sqrt(xs.length)).toFixed(3)}) |`);
  }
} finally {
  workerd.kill("SIGTERM");
}
