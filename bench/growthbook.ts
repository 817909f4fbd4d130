// GrowthBook's edge app as the benchmark runs it: its environment (the variables its README documents)
// and its payload, the same 50/50 experiment as sgen-ab's on /pricing, as a URL-redirect experiment run
// at the edge (GrowthBook fetches /pricing-b from the origin and serves it under /pricing).

/** The payload GrowthBook's API would serve for that one experiment. */
export function growthbookPayload(host: string): unknown {
  return {
    features: {},
    experiments: [
      {
        key: "pricing-page-layout",
        changeId: "pricing-page-layout-redirect",
        hashAttribute: "id",
        hashVersion: 2,
        urlPatterns: [{ include: true, type: "simple", pattern: "/pricing" }],
        weights: [0.5, 0.5],
        coverage: 1,
        // The control keeps the URL (no redirect); the variant is served from /pricing-b.
        variations: [{ urlRedirect: "" }, { urlRedirect: `http://${host}/pricing-b` }],
        meta: [{ key: "a" }, { key: "b" }],
        phase: "0",
      },
    ],
    dateUpdated: "2026-12-01T00:00:00.000Z",
  };
}

/** Text bindings of the `growthbook` service (see bench/entries/growthbook.ts for why each). */
export function growthbookVars(port: number): Record<string, string> {
  return {
    NODE_ENV: "production",
    PROXY_TARGET: "http://origin",
    RUN_URL_REDIRECT_EXPERIMENTS: "edge",
    RUN_CROSS_ORIGIN_URL_REDIRECT_EXPERIMENTS: "skip",
    RUN_VISUAL_EDITOR_EXPERIMENTS: "skip",
    DISABLE_INJECTIONS: "true",
    PERSIST_UUID: "true",
    BENCH_PAYLOAD: JSON.stringify(growthbookPayload(`127.0.0.1:${port}`)),
  };
}
