import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { recorder } from "./test/support/recorder.ts";

// Three projects: the Workers runtime (real KV, SQLite Durable Objects, alarms, queues, via Miniflare)
// for the library itself; plain Node for what drives it from outside (black-box HTTP against
// `npm start`, generated files); and the package as users install it (test/package/).
//
// Beside the demo's own bindings, the Workers tests get a recorder (test/support/recorder.ts, run in
// Node): webhook deliveries leave through it (SGEN_WEBHOOK_EGRESS), and a queue, SGEN_EVENTS_OUT, whose
// consumer (a small Worker below) hands every message of the event stream to it, so that tests can read
// back what was delivered.
const QUEUE_CONSUMER = `
export default {
  async queue(batch, env) {
    await env.RECORDER.fetch("http://recorder/__queue", { method: "POST", body: JSON.stringify(batch.messages.map((m) => m.body)) });
    batch.ackAll();
  },
};`;

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./examples/demo/wrangler.toml" },
            // Bindings only the tests use, beside the demo's own, passed to the code under test by name:
            // Workers Rate Limiting bindings with small limits (rate-limits.test.ts), and an events queue
            // whose producer the tests bind and whose consumer is the main Worker, the demo's, whose
            // queue() handler ingests into run-data (events-durability.test.ts).
            miniflare: {
              ratelimits: {
                TEST_SIGNIN_RATE_LIMIT: { namespace_id: "9001", simple: { limit: 5, period: 60 } },
                TEST_EVENTS_RATE_LIMIT: { namespace_id: "9002", simple: { limit: 3, period: 60 } },
              },
              serviceBindings: { SGEN_WEBHOOK_EGRESS: recorder },
              queueProducers: {
                SGEN_EVENTS_OUT: { queueName: "sgen-ab-test-events" },
                TEST_EVENTS_QUEUE: { queueName: "sgen-events-test" },
              },
              workers: [
                {
                  name: "events-out-consumer",
                  modules: true,
                  script: QUEUE_CONSUMER,
                  compatibilityDate: "2026-08-01",
                  serviceBindings: { RECORDER: recorder },
                  queueConsumers: { "sgen-ab-test-events": { maxBatchTimeout: 0.05, maxBatchSize: 100 } },
                },
              ],
              queueConsumers: { "sgen-events-test": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 5, retryDelay: 0 } },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          // The property tests (fast-check, thousands of cases) take about 4 s alone at a load of 10 here, and
          // past Vitest's default 5 s beside the other files: a timeout there says nothing
          // about the code. Still far below what a hang would take.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          // Each file starts its own `npm start` (and one a browser): on a 2-core machine, running them
          // one at a time keeps the timing-sensitive black-box checks far from their deadlines.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The packed tarball in consumer projects (each runs tsc, wrangler and its own Vitest), in a
        // group of its own: after the workers project, and before the node project's files, which
        // Vitest runs one at a time after every group. So it never shares the CPU with either.
        test: {
          name: "package",
          include: ["test/package/**/*.test.ts"],
          globalSetup: ["test/package/support/global-setup.ts"],
          environment: "node",
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
