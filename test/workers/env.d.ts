import type { SgenEnv } from "../../src/worker/index.ts";

declare global {
  namespace Cloudflare {
    interface Env extends Required<Pick<SgenEnv, "SGEN_CONFIG" | "SGEN_RUN_DATA" | "SGEN_CATALOG" | "SGEN_ADMIN_TOKENS">> {}
    interface GlobalProps {
      mainModule: typeof import("../../examples/demo/worker.ts");
    }
  }
}
