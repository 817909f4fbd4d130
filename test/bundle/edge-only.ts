// A Worker that imports only the edge entry point (`sgen-ab/edge`), as the smallest site would: the
// published config from KV, events to nowhere, the origin by the request's own URL. Never shipped; the
// bundle-size test (test/node/edge-bundle.test.ts) builds it with `wrangler deploy --dry-run --minify`.
import { createEdge } from "../../src/edge/index.ts";

interface Env {
  SGEN_CONFIG?: KVNamespace;
}

const edge = createEdge<Env>({ configStore: (env) => env.SGEN_CONFIG });

export default {
  fetch: (request, env, ctx) => edge.handle(request, env, ctx, (r) => fetch(r)),
} satisfies ExportedHandler<Env>;
