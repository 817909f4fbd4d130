// The edge alone (`sgen-ab/edge`, as the edge-only Worker of the bundle-size test), in front of the
// benchmark's origin, counting nothing: the same page work as the ready Worker without the admin, the
// catalog and run-data in its isolate. Beside the ready Worker it shows what the larger isolate costs.
import { createEdge } from "../../src/edge/index.ts";

interface Env {
  SGEN_CONFIG?: KVNamespace;
  ORIGIN: Fetcher;
}

const edge = createEdge<Env>({ configStore: (env) => env.SGEN_CONFIG });

export default {
  fetch: (request, env, ctx) => edge.handle(request, env, ctx, (r) => env.ORIGIN.fetch(r)),
} satisfies ExportedHandler<Env>;
