// post_test.on_loser "send_to_control": a clear loser (significantly worse than the control, after Holm)
// is stopped while the rest keep running. Audited as `system` with its evidence, published as
// "stopped": true, served the control's page at the edge and counted nowhere; the later looks carry its
// comparison as it stood and check the split on the running arms only.
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_POST_TEST, type ExperimentInput } from "../../src/core/schema.ts";
import { EDGE_CONFIG_KEY } from "../../src/names.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { api, created } from "./admin-helpers.ts";
import { clockAhead, dashboard, entries, record, report, runCatalogAlarm, snapshot } from "./catalog-helpers.ts";

afterEach(() => clockAhead(0));

const threeWay = (n: string): Partial<ExperimentInput> => ({
  variants: [
    { slug: "a", label: "A", traffic_share: 34 },
    // A page the demo site serves: a visitor whose variant page fails gets the control, unassigned (docs/metrics.md).
    { slug: "b", label: "B", page: "/pricing-b", traffic_share: 33 },
    { slug: "c", label: "C", page: `/loser-${n}-c`, traffic_share: 33 },
  ],
  min_sample_threshold: 1000,
});

async function started(onLoser: "keep" | "send_to_control", minRuntime = 0) {
  const n = `${Math.random()}`.slice(2, 10);
  const made = await created({ ...threeWay(n), post_test: { ...DEFAULT_POST_TEST, on_loser: onLoser }, min_runtime_days: minRuntime });
  expect((await api("POST", `/experiments/${made.id}/start`)).status).toBe(200);
  return made;
}

// c converts at 5.8% against the control's 10%; b is as good as the control: c is a clear loser.
const clearLoser = snapshot({ a: 3000, b: 2950, c: 2950 }, { a: 300, b: 300, c: 170 });
const published = async (id: number) =>
  JSON.parse((await env.SGEN_CONFIG.get(EDGE_CONFIG_KEY)) ?? "{}").experiments.find((e: { id: number }) => e.id === id);

describe("the loser action", () => {
  it("stops a clear loser, audited as system with the evidence; the others keep running and counting", async () => {
    const { id, input } = await started("send_to_control");
    await report(id, clearLoser);
    const r = await record(id);
    expect(r.lifecycle_state).toBe("live");
    expect(r.stopped_variants).toEqual([
      { slug: "c", reason: "loser", at: expect.any(String), detail: expect.stringMatching(/significantly worse/) },
    ]);
    const [entry] = await entries(id);
    expect(entry).toMatchObject({ operator: "system", action: "stop_variant" });
    expect(entry.changes.stopped_variants.to.map((s: { slug: string }) => s.slug)).toEqual(["c"]);
    const stoppedEvidence = entry.changes.evidence.comparisons.find((c: { variant: string }) => c.variant === "c");
    expect(stoppedEvidence.always_valid_p_value).toBeLessThan(0.025);
    expect(entry.changes.evidence.outcome.losers).toEqual(["c"]);
    expect((await published(id)).variants.map((v: { slug: string; stopped?: boolean }) => [v.slug, v.stopped ?? false])).toEqual([
      ["a", false],
      ["b", false],
      ["c", true],
    ]);

    const atStop = (await dashboard(id)).analysis;
    // a and b keep counting; a few of c's visitors still arrive from edges that have not seen the stop.
    await report(id, snapshot({ a: 9000, b: 8800, c: 2990 }, { a: 900, b: 905, c: 172 }));
    const d = await dashboard(id);
    expect(d.lifecycle_state).toBe("live");
    const cNow = d.analysis.comparisons.find((c: { variant: string }) => c.variant === "c");
    expect(cNow).toEqual(atStop.comparisons.find((c: { variant: string }) => c.variant === "c"));
    expect(d.analysis.variants.find((v: { slug: string }) => v.slug === "c")).toMatchObject({ sample: 2950, conversions: 170 });
    expect(d.analysis.variants.find((v: { slug: string }) => v.slug === "b")).toMatchObject({ sample: 8800, conversions: 905 });
    expect(d.analysis.outcome.losers).toEqual(["c"]);
    // c fell behind its share, which the check on the running arms does not mistake for a broken split.
    expect(d.analysis.srm.mismatch).toBe(false);
    expect(d.gate.state).toBe("reached");
    expect(d.variants.find((v: { slug: string }) => v.slug === "c").stopped).toMatchObject({ reason: "loser" });
    // Stopped once: a later look that still names c a loser writes nothing more.
    expect((await entries(id)).filter((e: { action: string }) => e.action === "stop_variant")).toHaveLength(1);

    // Through the demo Worker's edge (its copy of the config lives a second): c's bucket is assigned nowhere.
    const visit = async (vid: string) => {
      const res = await exports.default.fetch(
        new Request(`http://localhost:8787${input.target_page}`, { headers: { cookie: `sgen-vid=${vid}` } }),
      );
      await res.arrayBuffer();
      return res.headers.getSetCookie().find((c) => c.startsWith(`sgen-ab-${input.slug}=`));
    };
    const vids = Array.from({ length: 60 }, (_, i) => `loser-edge-${i}`);
    const inC = vids.find((v) => referenceAssignment(input.slug, v, [34, 33, 33]).index === 2) as string;
    for (let tries = 0; tries < 30 && (await visit(inC)) !== undefined; tries++) await new Promise((r) => setTimeout(r, 200));
    let sawStopped = 0;
    for (const vid of vids) {
      const index = referenceAssignment(input.slug, vid, [34, 33, 33]).index;
      const assignment = await visit(vid);
      if (index === 2) {
        sawStopped++;
        expect(assignment, vid).toBeUndefined();
      } else expect(assignment, vid).toMatch(new RegExp(`=${["a", "b"][index]};`));
    }
    expect(sawStopped).toBeGreaterThan(5);
  });

  it("with on_loser keep (the default), a clear loser keeps its traffic", async () => {
    const { id } = await started("keep");
    await report(id, clearLoser);
    expect((await record(id)).stopped_variants).toEqual([]);
    expect((await dashboard(id)).analysis.outcome.losers).toEqual(["c"]);
  });

  it("waits for the minimum runtime like every automated action, then the alarm stops the loser", async () => {
    const { id } = await started("send_to_control", 2);
    await report(id, clearLoser);
    expect((await record(id)).stopped_variants).toEqual([]);
    await clockAhead(2.1);
    await runCatalogAlarm();
    expect((await record(id)).stopped_variants.map((s: { slug: string }) => s.slug)).toEqual(["c"]);
    expect((await published(id)).variants[2].stopped).toBe(true);
  });
});
