// After the result: the decision record, the result archive and export, a gradual rollout of the winner
// (only ever adding visitors), rollback, and the reminder to move a long-shipped variant into the site.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { catalogStub } from "../../src/catalog/names.ts";
import { inRollout } from "../../src/core/rollout.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { api, created } from "./admin-helpers.ts";

const decision = { key_learning: "The table layout reads faster.", decision: "Ship B.", follow_up: "Port B into the site's templates." };

async function concludedB(rollout?: number) {
  const made = await created({
    variants: [
      { slug: "a", label: "A", traffic_share: 50 },
      { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
    ],
  });
  await api("POST", `/experiments/${made.id}/start`);
  const r = await api("POST", `/experiments/${made.id}/override`, {
    shipped_variant_slug: "b",
    reason: "enough evidence elsewhere",
    decision_record: decision,
    ...(rollout === undefined ? {} : { rollout_percent: rollout }),
  });
  expect(r.status).toBe(200);
  return made;
}

describe("after the result", () => {
  it("keeps the decision record on the record, the audit entry and the export", async () => {
    const { id } = await concludedB();
    expect((await api("GET", `/experiments/${id}`)).json.decision_record).toEqual(decision);
    const entry = (await api("GET", `/activity?experiment_id=${id}`)).json.entries[0];
    expect(entry.changes.decision_record).toEqual(decision);
    const json = await api("GET", `/experiments/${id}/results.json`, undefined, "demo-viewer");
    expect(json.status).toBe(200);
    expect(json.json.experiment.decision_record).toEqual(decision);
    expect(json.json.analysis_at_conclusion).not.toBeNull();
    expect(json.json.variants.map((v: { slug: string }) => v.slug)).toEqual(["a", "b"]);
    const csv = await exports.default.fetch(
      new Request(`http://localhost:8787/sg-admin/api/experiments/${id}/results.csv`, { headers: { authorization: "Bearer demo-viewer" } }),
    );
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "scope,day,variant,sample,conversions,conversion_rate,relative_lift,p_value,always_valid_p_value,chance_to_beat_control,outcome,look",
    );
    expect(lines.filter((l) => l.startsWith("total,"))).toHaveLength(2);
    expect((await api("GET", "/experiments?state=done&per_page=100")).json.rows.some((r: { id: number }) => r.id === id)).toBe(true);
  });

  it("rolls the winner out to 10%, 50%, 100%: the visitors who see it only ever grow; rollback returns everyone to the control", async () => {
    const { id, input } = await concludedB(10);
    const ids = Array.from({ length: 300 }, (_, i) => `rollout-${i}`);
    const seeing = async () => {
      const set = new Set<string>();
      for (const vid of ids) {
        const res = await exports.default.fetch(
          new Request(`http://localhost:8787${input.target_page}`, { headers: { cookie: `sgen-vid=${vid}` } }),
        );
        if ((await res.text()).includes("layout B")) set.add(vid);
        expect(res.headers.getSetCookie().some((c) => c.startsWith(`sgen-ab-${input.slug}=`))).toBe(false);
      }
      return set;
    };
    const expected = (p: number) => new Set(ids.filter((v) => referenceAssignment(input.slug, v, [50, 50]).bucket < p * 100));
    const at10 = await seeing();
    expect(at10).toEqual(expected(10));
    expect((await api("POST", `/experiments/${id}/rollout`, { percent: 50 })).json.rollout_percent).toBe(50);
    const at50 = await seeing();
    expect(at50).toEqual(expected(50));
    for (const v of at10) expect(at50.has(v)).toBe(true);
    await api("POST", `/experiments/${id}/rollout`, { percent: 100 });
    expect((await seeing()).size).toBe(300);
    expect((await api("POST", `/experiments/${id}/rollback`)).json.rollout_percent).toBe(0);
    expect((await seeing()).size).toBe(0);
    const actions = (await api("GET", `/activity?experiment_id=${id}`)).json.entries.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 3)).toEqual(["rollback", "rollout", "rollout"]);
  });

  it("refuses a rollout before conclusion or by an Editor", async () => {
    const { id } = await created();
    await api("POST", `/experiments/${id}/start`);
    expect((await api("POST", `/experiments/${id}/rollout`, { percent: 10 })).json.error.code).toBe("cannot_rollout_live");
    const done = await concludedB();
    expect((await api("POST", `/experiments/${done.id}/rollout`, { percent: 10 }, "demo-editor")).status).toBe(403);
    expect((await api("POST", `/experiments/${done.id}/rollout`, { percent: 120 })).status).toBe(422);
  });

  it("reminds, on the list and the dashboard, to move a variant shipped long ago into the site", async () => {
    const { id } = await concludedB();
    expect((await api("GET", `/experiments/${id}/dashboard`)).json.reminder).toBeNull();
    await runInDurableObject(catalogStub(env.SGEN_CATALOG), (_: CatalogObject, state) => {
      const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM experiments WHERE id = ?", id).one();
      const record = JSON.parse(row.record);
      record.concluded_at = new Date(Date.now() - 30 * 86_400_000).toISOString();
      state.storage.sql.exec("UPDATE experiments SET record = ? WHERE id = ?", JSON.stringify(record), id);
    });
    expect((await api("GET", `/experiments/${id}/dashboard`)).json.reminder).toMatch(/move it into the site and archive/);
    const row = (await api("GET", "/experiments?state=done&per_page=100")).json.rows.find((r: { id: number }) => r.id === id);
    expect(row.reminder).toMatch(/30 days/);
  });

  it("inRollout is the same hash as assignment, for feature flags: monotone in the percentage", () => {
    let previous = new Set<string>();
    for (const p of [0, 1, 10, 25.5, 50, 99.99, 100]) {
      const now = new Set(Array.from({ length: 500 }, (_, i) => `flag-${i}`).filter((v) => inRollout("new-checkout", v, p)));
      for (const v of previous) expect(now.has(v)).toBe(true);
      for (const v of now) expect(referenceAssignment("new-checkout", v, [50, 50]).bucket < p * 100).toBe(true);
      previous = now;
    }
    expect(previous.size).toBe(500);
  });
});
