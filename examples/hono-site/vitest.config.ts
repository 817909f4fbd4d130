import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      // Test-only secrets: the digest of the token "example-admin", and a session key.
      miniflare: {
        bindings: {
          SGEN_ADMIN_TOKENS: JSON.stringify([
            { sha256: "93be90c0069c4d320658ab9325a5e8aa69adff773ae67b8f835a376cca914104", operator: "ci", role: "administrator" },
          ]),
          SGEN_SESSION_SECRET: "test-only-session-secret",
        },
      },
    }),
  ],
  // Creating, starting and visiting, then waiting for the batched counts: seconds on a busy machine.
  test: { testTimeout: 30_000 },
});
