import type { EventsMessage } from "../../src/run-data/transport.ts";
import type { SgenEnv } from "../../src/worker/index.ts";

declare global {
  namespace Cloudflare {
    interface Env extends Required<Pick<SgenEnv, "SGEN_CONFIG" | "SGEN_RUN_DATA" | "SGEN_CATALOG" | "SGEN_ADMIN_TOKENS">> {
      /** The recorder (test/support/recorder.ts): webhook deliveries go out through it; tests read it back. */
      SGEN_WEBHOOK_EGRESS: Fetcher;
      /** A real Miniflare queue whose consumer hands every message to the recorder (vitest.config.ts). */
      SGEN_EVENTS_OUT: Queue;
      /** Test-only Workers Rate Limiting bindings (vitest.config.ts): 5 and 3 a minute. */
      TEST_SIGNIN_RATE_LIMIT: RateLimit;
      TEST_EVENTS_RATE_LIMIT: RateLimit;
      /** Test-only events queue (vitest.config.ts); its consumer is the demo Worker's queue() handler. */
      TEST_EVENTS_QUEUE: Queue<EventsMessage>;
    }
    interface GlobalProps {
      mainModule: typeof import("../../examples/demo/worker.ts");
    }
  }
}
