// Automated post-test actions need the gate AND min_runtime_days AND no sample-ratio mismatch: with the
// gate reached and a conclusive (or, for A/A, an inconclusive-and-complete) outcome, nothing happens
// before the runtime; the catalog's alarm then acts on the kept look. Days pass on the catalog's clock.
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_POST_TEST, type ExperimentInput } from "../../src/core/schema.ts";
import { api, created } from "./admin-helpers.ts";
import { clockAhead, dashboard, entries, record, report, runCatalogAlarm, snapshot } from "./catalog-helpers.ts";

afterEach(() => clockAhead(0));

async function started(overrides: Partial<ExperimentInput>) {
  const { id } = await created({ min_sample_threshold: 100, ...overrides });
  expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
  return id;
}

// An A/A-like sample: nothing to find, and on_inconclusive "complete" would end it as soon as allowed.
const aa = snapshot({ a: 2000, b: 2000 }, { a: 200, b: 204 });

describe("automation waits for min_runtime_days", () => {
  it("an A/A-like run with the gate reached does not conclude before the runtime; the alarm concludes it after", async () => {
    const id = await started({ post_test: { ...DEFAULT_POST_TEST, on_inconclusive: "complete" }, min_runtime_days: 7 });
    await report(id, aa);
    expect((await record(id)).lifecycle_state).toBe("live");
    const waiting = await dashboard(id);
    expect(waiting.gate.state).toBe("reached");
    expect(waiting.analysis.outcome.state).toBe("inconclusive");
    expect(waiting.automation).toMatchObject({ min_runtime_days: 7, runtime_reached: false, waiting_for: ["min_runtime"] });

    // Six days and 23 hours on, more reports: still waiting.
    await clockAhead(7 - 1 / 24);
    await report(id, snapshot({ a: 2100, b: 2100 }, { a: 210, b: 213 }));
    expect((await record(id)).lifecycle_state).toBe("live");
    expect((await entries(id)).map((e: { action: string }) => e.action)).not.toContain("post_test_action");

    // The runtime passes with no report at all: the alarm decides on the kept look.
    await clockAhead(7 + 1 / 24);
    expect(await runCatalogAlarm()).toBe(true);
    expect(await record(id)).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: null });
    const [entry] = await entries(id);
    expect(entry).toMatchObject({ operator: "system", action: "post_test_action", transition: { from: "live", to: "done" } });
    expect(entry.changes.evidence.look).toBe(2);
  });

  it("a clear winner waits too, and ships when the runtime has passed", async () => {
    const id = await started({ min_runtime_days: 3 });
    await report(id, snapshot({ a: 2000, b: 2000 }, { a: 200, b: 320 }));
    const d = await dashboard(id);
    expect(d.analysis.outcome).toMatchObject({ state: "winner", winner: "b" });
    expect(d.lifecycle_state).toBe("live");
    expect(d.automation.from).toBe(new Date(Date.parse((await record(id)).started_at) + 3 * 86_400_000).toISOString());
    await clockAhead(3.01);
    await runCatalogAlarm();
    expect(await record(id)).toMatchObject({ lifecycle_state: "done", shipped_variant_slug: "b" });
  });

  it("min_runtime_days 0 lets the first report that reaches the gate act", async () => {
    const id = await started({ post_test: { ...DEFAULT_POST_TEST, on_inconclusive: "complete" }, min_runtime_days: 0 });
    await report(id, aa);
    expect((await record(id)).lifecycle_state).toBe("done");
  });

  it("the runtime does not replace the gate: past it, a sample below the minimum still waits", async () => {
    const id = await started({
      post_test: { ...DEFAULT_POST_TEST, on_inconclusive: "complete" },
      min_runtime_days: 1,
      min_sample_threshold: 5000,
    });
    await report(id, aa);
    await clockAhead(2);
    await runCatalogAlarm();
    expect((await record(id)).lifecycle_state).toBe("live");
    expect((await dashboard(id)).automation.waiting_for).toEqual(["gate"]);
  });
});
