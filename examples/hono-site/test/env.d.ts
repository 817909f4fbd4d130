// What `cloudflare:workers` holds in the tests: this Worker's bindings and its main module's exports.
import type { Env as WorkerEnv } from "../src/index.ts";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("../src/index.ts");
    }
  }
}
