import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: the Workers runtime (real KV, SQLite Durable Objects, alarms, via Miniflare) for the
// library itself, and plain Node for what drives it from outside (black-box HTTP against `npm start`,
// generated files).
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./examples/demo/wrangler.toml" } })],
        test: { name: "workers", include: ["test/workers/**/*.test.ts"] },
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
    ],
  },
});
