// Calls to the demo Worker's admin API from inside the runtime, with unique slugs and target pages per
// test so that tests sharing the one catalog never collide.
import { exports } from "cloudflare:workers";
import type { ExperimentInput } from "../../src/core/schema.ts";
import { uniqueId } from "./helpers.ts";

export const API = "http://localhost:8787/sg-admin/api";

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  json: any;
  headers: Headers;
}

export async function api(method: string, path: string, body?: unknown, token = "demo-admin"): Promise<ApiResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== "") headers.authorization = `Bearer ${token}`;
  const res = await exports.default.fetch(
    new Request(`${API}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, headers: res.headers };
}

/** A valid experiment input on its own target page; the demo site answers 404 there, which is fine for the API. */
export function newExperiment(overrides: Partial<ExperimentInput> = {}): ExperimentInput {
  const n = uniqueId();
  return {
    slug: `exp-${n}`,
    name: `Experiment ${n}`,
    target_page: `/t-${n}`,
    variants: [
      { slug: "a", label: "Control", traffic_share: 50 },
      { slug: "b", label: "Variant", page: `/t-${n}-b`, traffic_share: 50 },
    ],
    conversion_event: { type: "page_view", path: "/thanks" },
    min_sample_threshold: 100,
    max_runtime_days: null,
    notes: "",
    post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running", on_loser: "keep" },
    secondary_goals: [],
    allow_script_overrides: false,
    min_runtime_days: 7,
    planned_sample_per_variant: null,
    guardrails: [],
    audience: null,
    coverage_percent: 100,
    layer: null,
    scheduled_start_at: null,
    scheduled_end_at: null,
    bots: "like_visitors",
    ...overrides,
  };
}

export async function created(overrides: Partial<ExperimentInput> = {}): Promise<{ id: number; input: ExperimentInput }> {
  const input = newExperiment(overrides);
  const r = await api("POST", "/experiments", input);
  if (r.status !== 201) throw new Error(`create answered ${r.status}: ${JSON.stringify(r.json)}`);
  return { id: r.json.id, input };
}
