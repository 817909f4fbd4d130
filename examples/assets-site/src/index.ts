// sgen-ab in front of a static site: the ready Worker's parts with the assets as the origin. Only the
// paths listed in wrangler.jsonc's `run_worker_first` reach this Worker; the rest are served as files.
import { createWorker, type SgenEnv } from "sgen-ab/worker";

export { CatalogObject, RunDataObject } from "sgen-ab/worker";

export interface Env extends SgenEnv {
  ASSETS: Fetcher;
}

const sgen = createWorker<Env>({ origin: (request, env) => env.ASSETS.fetch(request) });

export default {
  fetch: (request, env, ctx) => sgen.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
