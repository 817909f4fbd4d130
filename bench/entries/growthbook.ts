// GrowthBook's edge app (@growthbook/edge-cloudflare, a devDependency used by the benchmark alone), set up
// the way its README and source describe, for the same experiment as sgen-ab's: a 50/50 URL-redirect
// experiment run at the edge that serves /pricing-b under /pricing. Choices, each in its favour or neutral:
// - its payload (features and experiments JSON) is parsed once per isolate and handed to it in memory,
//   so neither KV nor a JSON.parse per request is charged to it;
// - script injection is off (it would add its browser SDK to every page; sgen-ab adds nothing), visual
//   experiments are skipped (none is configured), there is no tracking callback;
// - PERSIST_UUID sets its visitor cookie (gbuuid) at the edge, as sgen-ab sets sgen-vid, so a new visitor
//   keeps its assignment without the browser SDK;
// - the origin is the same service: the Worker's global fetch goes to it (workerd's globalOutbound).
import { type Env, handleRequest } from "@growthbook/edge-cloudflare";

interface BenchEnv extends Env {
  /** The payload as GrowthBook's API would serve it, with the redirect URL of the benchmark's host. */
  BENCH_PAYLOAD: string;
}

let payload: unknown;

export default {
  fetch(request: Request, env: BenchEnv): Promise<Response> {
    payload ??= JSON.parse(env.BENCH_PAYLOAD);
    // biome-ignore lint/suspicious/noExplicitAny: GrowthBook's payload type is not exported from this package
    return handleRequest(request, env, { payload: payload as any });
  },
};
