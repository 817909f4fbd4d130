// sgen-ab: A/B tests at the edge. The core is pure; the edge, run-data and Worker are adapters.
export * from "./core/index.ts";
export * from "./edge/index.ts";
export { createWorker, defaultOrigin, type SgenEnv, type SgenWorker, type WorkerOptions } from "./worker/index.ts";
