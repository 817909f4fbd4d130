// The catalog's alarm reads the published config back from KV with the edge's own parser and publishes
// it again when KV lost it, holds something the edge refuses, an older revision, or this revision
// altered; a document that is as published is left alone. The alarm recurs, so the check does.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogStub } from "../../src/admin/api.ts";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { parseEdgeConfig } from "../../src/core/edge-config.ts";
import { EDGE_CONFIG_KEY } from "../../src/names.ts";
import { api, created } from "./admin-helpers.ts";

const stub = () => catalogStub(env.SGEN_CATALOG);

async function published(): Promise<{ raw: string | null; revision: number | null; ids: number[] }> {
  const raw = await env.SGEN_CONFIG.get(EDGE_CONFIG_KEY);
  if (raw === null) return { raw, revision: null, ids: [] };
  try {
    const parsed = parseEdgeConfig(JSON.parse(raw));
    return parsed.ok
      ? { raw, revision: parsed.value.revision, ids: parsed.value.experiments.map((e) => e.id) }
      : { raw, revision: null, ids: [] };
  } catch {
    return { raw, revision: null, ids: [] };
  }
}

async function liveExperiment(): Promise<number> {
  const { id } = await created();
  expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
  const now = await published();
  expect(now.ids).toContain(id);
  return id;
}

/** Runs the catalog's alarm (scheduled by the publish) and says what KV holds afterwards. */
async function afterAlarm() {
  expect(await runDurableObjectAlarm(stub())).toBe(true);
  return published();
}

describe("the alarm re-checks the published config", () => {
  it("is scheduled once something is published, and again after it ran", async () => {
    await liveExperiment();
    const alarm = () => runInDurableObject(stub(), (_: CatalogObject, state) => state.storage.getAlarm());
    expect(await alarm()).not.toBeNull();
    await afterAlarm();
    const next = await alarm();
    expect(next).not.toBeNull();
    expect((next as number) - Date.now()).toBeGreaterThan(4 * 60_000); // the default: every 5 minutes
  });

  it.each([
    ["corrupt: not JSON", () => "{not json"],
    ["corrupt: a field the edge does not know", (doc: Record<string, unknown>) => JSON.stringify({ ...doc, extra: 1 })],
    [
      "corrupt: a variant page the edge refuses",
      (doc: { experiments: Array<{ variants: Array<{ page?: string }> }> }) => {
        const e = doc.experiments[0];
        if (e?.variants[1] !== undefined) e.variants[1].page = "/a/.%2e/b";
        return JSON.stringify(doc);
      },
    ],
    ["stale: an older, valid revision", (doc: { revision: number }) => JSON.stringify({ ...doc, revision: doc.revision - 1 })],
    ["altered: this revision, other contents", (doc: { experiments: unknown[] }) => JSON.stringify({ ...doc, experiments: [] })],
  ])("%s is published again with the experiments it lost", async (_what, damage) => {
    const id = await liveExperiment();
    const before = await published();
    await env.SGEN_CONFIG.put(EDGE_CONFIG_KEY, (damage as (d: never) => string)(JSON.parse(before.raw ?? "{}") as never));
    const after = await afterAlarm();
    expect(after.ids).toContain(id);
    expect(after.revision).toBeGreaterThan(before.revision ?? Number.POSITIVE_INFINITY);
  });

  it("missing: a deleted value is published again", async () => {
    const id = await liveExperiment();
    const before = await published();
    await env.SGEN_CONFIG.delete(EDGE_CONFIG_KEY);
    const after = await afterAlarm();
    expect(after.ids).toContain(id);
    expect(after.revision).toBeGreaterThan(before.revision ?? Number.POSITIVE_INFINITY);
  });

  it("current: the document as published is left alone", async () => {
    await liveExperiment();
    const before = await published();
    const after = await afterAlarm();
    expect(after.raw).toBe(before.raw);
  });
});
