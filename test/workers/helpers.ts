// Shared fixtures for tests in the Workers runtime: real KV and Durable Objects from Miniflare, the
// demo site as the origin, and an edge per test reading its own KV key so tests never see each other.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { z } from "zod";
import { demoSite } from "../../examples/demo/site.ts";
import type { EdgeConfig, EdgeExperiment } from "../../src/core/schema.ts";
import { createEdge, type Edge } from "../../src/edge/handler.ts";
import type { EdgeOptions } from "../../src/edge/options.ts";
import type { ConfigStore } from "../../src/edge/ports.ts";
import { EDGE_CONFIG_KEY } from "../../src/names.ts";
import { readRunData } from "../../src/run-data/client.ts";
import { runDataSink } from "../../src/run-data/sink.ts";

let counter = 0;
/** A fresh experiment id and KV key prefix for each call, so tests and files never share state. */
export function uniqueId(): number {
  counter += 1;
  return 1_000_000 + Math.floor(Math.random() * 1_000_000) * 100 + counter;
}

export function experiment(overrides: Partial<EdgeExperiment> = {}): EdgeExperiment {
  return {
    id: uniqueId(),
    slug: "pricing-page-layout",
    target_page: "/pricing",
    state: "live",
    variants: [
      { slug: "a", page: "/pricing", traffic_share: 50 },
      { slug: "b", page: "/pricing-b", traffic_share: 50 },
    ],
    shipped_variant_slug: null,
    conversion_event: { type: "page_view", path: "/thanks" },
    secondary_goals: [],
    epoch: 0,
    shards: 1,
    rollout_percent: 100,
    allow_script_overrides: false,
    audience: null,
    coverage_percent: 100,
    layer: null,
    scheduled_end_at: null,
    bots: "like_visitors",
    ...overrides,
  };
}

export function configOf(experiments: EdgeExperiment[], revision = 1, holdouts: EdgeConfig["holdouts"] = []): EdgeConfig {
  return { schema_version: 1, revision, published_at: new Date().toISOString(), experiments, holdouts };
}

/** A KV-backed config store whose key lives under its own prefix. */
export function prefixedStore(
  prefix: string,
): ConfigStore & { reads: number; put(config: z.input<typeof EdgeConfig> | string): Promise<void> } {
  const store = {
    reads: 0,
    get(key: string, options: { type: "text"; cacheTtl?: number }) {
      store.reads += 1;
      return env.SGEN_CONFIG.get(`${prefix}/${key}`, options);
    },
    put(config: z.input<typeof EdgeConfig> | string) {
      return env.SGEN_CONFIG.put(`${prefix}/${EDGE_CONFIG_KEY}`, typeof config === "string" ? config : JSON.stringify(config));
    },
  };
  return store;
}

export interface TestEdge {
  edge: Edge<Cloudflare.Env>;
  store: ReturnType<typeof prefixedStore>;
  logs: string[];
  /** Sends a request through the edge (demo site as origin) and waits for its background work. */
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

export async function edgeWith(
  experiments: EdgeExperiment[],
  options: Partial<EdgeOptions<Cloudflare.Env>> = {},
  origin: (request: Request) => Promise<Response> = async (r) => demoSite(r),
): Promise<TestEdge> {
  const store = prefixedStore(`test-${uniqueId()}`);
  if (experiments.length > 0) await store.put(configOf(experiments));
  const logs: string[] = [];
  const edge = createEdge<Cloudflare.Env>({
    configStore: () => store,
    events: runDataSink<Cloudflare.Env>((e) => e.SGEN_RUN_DATA, { flushDelayMs: 0 }).sink,
    log: (m) => logs.push(m),
    ...options,
  });
  return {
    edge,
    store,
    logs,
    async fetch(input, init) {
      const ctx = createExecutionContext();
      const url = input.startsWith("http") ? input : `http://site.test${input}`;
      const res = await edge.handle(new Request(url, init), env, ctx, origin);
      await waitOnExecutionContext(ctx);
      return res;
    },
  };
}

/** Set-Cookie headers of a response as name → { value, attributes }. */
export function setCookies(res: Response): Map<string, { value: string; attrs: string }> {
  const out = new Map<string, { value: string; attrs: string }>();
  for (const line of res.headers.getSetCookie()) {
    const semi = line.indexOf(";");
    const pair = semi === -1 ? line : line.slice(0, semi);
    const eq = pair.indexOf("=");
    out.set(pair.slice(0, eq), { value: decodeURIComponent(pair.slice(eq + 1)), attrs: semi === -1 ? "" : line.slice(semi + 1) });
  }
  return out;
}

export async function titleOf(res: Response): Promise<string> {
  const html = await res.text();
  return /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
}

export const TITLES = { a: "Acme: pricing", b: "Acme: pricing (layout B)", home: "Acme: home" } as const;

export async function sampleOf(experimentId: number, epoch = 0, shards = 1): Promise<Record<string, number>> {
  return (await readRunData(env.SGEN_RUN_DATA, experimentId, epoch, shards)).samples;
}

/**
 * The edge's per-client limits count in wall-clock minutes (a window starts at each whole minute). A
 * test that counts against one waits, when less than `needMs` is left of the current minute, for the
 * next, so that its requests all fall in one window: otherwise a test started at :59 sees the limit
 * reset halfway and counts one visitor too many.
 */
export async function inOneMinuteWindow(needMs = 15_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
