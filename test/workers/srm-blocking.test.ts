// A sample-ratio mismatch, once seen in an epoch, blocks automated post-test actions for the rest of it:
// after the counts recover, and even if the kept running state were lost (the mismatch is stored
// apart). It is audited once, as `system`, with its evidence, and the dashboard explains it.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { DEFAULT_POST_TEST } from "../../src/core/schema.ts";
import { api, created } from "./admin-helpers.ts";
import { catalog, dashboard, entries, record, report, snapshot } from "./catalog-helpers.ts";

async function started() {
  // Automation that would act on anything: complete on an inconclusive outcome, no runtime to wait for.
  const { id } = await created({
    post_test: { ...DEFAULT_POST_TEST, on_inconclusive: "complete" },
    min_sample_threshold: 100,
    min_runtime_days: 0,
  });
  expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
  return id;
}

// 2,000 against 2,600 at 50/50: far from the split. Then balanced growth: the counts look fine again.
const broken = snapshot({ a: 2000, b: 2600 }, { a: 200, b: 262 });
const recovered = snapshot({ a: 40_000, b: 40_400 }, { a: 4000, b: 4030 });
// biome-ignore lint/suspicious/noExplicitAny: audit entries are inspected field by field
const blocks = (list: any[]) => list.filter((e) => e.action === "post_test_blocked");

describe("a sample-ratio mismatch", () => {
  it("stays blocking after the counts recover, audited once as system", async () => {
    const id = await started();
    await report(id, broken);
    expect((await record(id)).lifecycle_state).toBe("live");
    const [entry] = blocks(await entries(id));
    expect(entry).toMatchObject({ operator: "system", action: "post_test_blocked", changes: { why: "sample_ratio_mismatch" } });
    expect(entry.changes.evidence.srm.sequential_p_value).toBeLessThan(0.001);

    await report(id, recovered);
    const d = await dashboard(id);
    // The one-look chi-square no longer sees anything; the sequential test's running minimum does.
    expect(d.analysis.srm.p_value).toBeGreaterThan(0.05);
    expect(d.analysis.srm.mismatch).toBe(true);
    expect((await record(id)).lifecycle_state).toBe("live");
    expect(blocks(await entries(id))).toHaveLength(1);
  });

  it("stays blocking even when the kept running state is lost: the mismatch is stored for the epoch", async () => {
    const id = await started();
    await report(id, broken);
    await runInDurableObject(catalog(), (_: CatalogObject, state) => {
      state.storage.sql.exec("UPDATE experiments SET run_look = NULL WHERE id = ?", id);
    });
    await report(id, recovered);
    expect((await record(id)).lifecycle_state).toBe("live");
    const d = await dashboard(id);
    expect(d.analysis.srm.mismatch, "a fresh state sees no mismatch in the recovered counts").toBe(false);
    expect(d.srm.mismatch).toBe(true);
    expect(d.srm.blocked_at).not.toBeNull();
    expect(d.automation.waiting_for).toEqual(["sample_ratio_mismatch"]);
  });

  it("is explained on the dashboard: what it means, likely causes, what to do", async () => {
    const id = await started();
    await report(id, broken);
    const d = await dashboard(id);
    expect(d.warnings.map((w: { code: string }) => w.code)).toContain("sample_ratio_mismatch");
    expect(d.srm.explanation.meaning).toMatch(/do not follow the traffic split/);
    expect(d.srm.explanation.causes.length).toBeGreaterThanOrEqual(3);
    expect(d.srm.explanation.actions.join(" ")).toMatch(/reset the sample/);
  });

  it("a correct split shows no explanation and blocks nothing", async () => {
    const id = await started();
    await report(id, recovered);
    expect((await record(id)).lifecycle_state).toBe("done");
    expect(blocks(await entries(id))).toHaveLength(0);
  });
});
