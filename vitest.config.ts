import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Three projects: the Workers runtime (real KV, SQLite Durable Objects, alarms, via Miniflare) for the
// library itself; plain Node for what drives it from outside (black-box HTTP against `npm start`,
// generated files); and the package as users install it (test/package/).
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./examples/demo/wrangler.toml" } })],
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
