// The demo Worker behind `npm start`: the sgen-ab Worker in front of the demo site, with the site
// served in-process as the origin and one live experiment seeded on first use. Demo only: a request
// may set its own country (and region, city, continent) for trying audiences offline (demo-geo.ts).
import { createWorker, type SgenEnv } from "../../src/worker/index.ts";
import { withDemoGeo } from "./demo-geo.ts";
import { seedDemo } from "./seed.ts";
import { demoSite } from "./site.ts";

export { CatalogObject, RunDataObject } from "../../src/worker/index.ts";

const worker = createWorker<SgenEnv>({
  origin: async (request) => demoSite(request),
  // Locally there is one isolate and an operator wants to see a change at once, not after 30 s.
  edge: { configTtlMs: 1_000 },
});

export default {
  async fetch(request: Request, env: SgenEnv, ctx: ExecutionContext): Promise<Response> {
    await seedDemo(env.SGEN_CATALOG);
    return worker.fetch(withDemoGeo(request), env, ctx);
  },
  // The consumer of an events queue, when one is bound (the tests bind one; the demo does not).
  queue: (batch, env, ctx) => worker.queue(batch, env, ctx),
} satisfies ExportedHandler<SgenEnv>;
