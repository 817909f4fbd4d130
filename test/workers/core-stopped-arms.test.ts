// A variant stopped mid-epoch (its traffic sent to the control's page, uncounted): the analysis carries
// its comparison as it stood, keeps it in Holm's family, and the sample-ratio check continues on the
// arms still running. The seeded batch below is what shows the check stays valid across a stop (and
// that a check which ignored the stop would raise a mismatch in nearly every run).
import { describe, expect, it } from "vitest";
import { binomial, reseed } from "../../bench/stats/random.ts";
import { analyzeLook, type ParsedAnalysisInput } from "../../src/core/stats/analysis.ts";
import { SRM_THRESHOLD, type SrmState, srmLook } from "../../src/core/stats/srm.ts";

const input = (counts: Array<[string, number, number]>, shares: number[]): ParsedAnalysisInput => ({
  variants: counts.map(([slug, sample, conversions], i) => ({ slug, sample, conversions, traffic_share: shares[i] as number })),
  alpha: 0.05,
});

describe("a stopped variant in the analysis", () => {
  it("keeps the comparison it had when it stopped while the control keeps counting, and stays a loser", () => {
    const shares = [34, 33, 33];
    const first = analyzeLook(
      input(
        [
          ["a", 6000, 600],
          ["b", 6000, 420],
          ["c", 6000, 610],
        ],
        shares,
      ),
    );
    expect(first.analysis.outcome.losers).toEqual(["b"]);
    const frozen = first.analysis.comparisons.find((c) => c.variant === "b");
    if (frozen === undefined) throw new Error("no comparison for b");
    // b stops; a and c keep counting, b's counts stay as they were.
    const later = analyzeLook(
      input(
        [
          ["a", 9000, 900],
          ["b", 6000, 420],
          ["c", 9000, 905],
        ],
        shares,
      ),
      { previous: first.state, stopped: { b: frozen } },
    );
    expect(later.analysis.comparisons.find((c) => c.variant === "b")).toEqual(frozen);
    expect(later.state.comparisons.b).toEqual(first.state.comparisons.b);
    expect(later.analysis.outcome.losers).toEqual(["b"]);
    expect(later.analysis.variants.find((v) => v.slug === "b")).toMatchObject({ sample: 6000, conversions: 420 });
    // c is compared afresh, with its own running state.
    expect(later.state.comparisons.c).not.toEqual(first.state.comparisons.c);
    // Recomputing b against the grown control instead would compare different periods.
    const naive = analyzeLook(
      input(
        [
          ["a", 9000, 900],
          ["b", 6000, 420],
          ["c", 9000, 905],
        ],
        shares,
      ),
      { previous: first.state },
    );
    expect(naive.analysis.comparisons.find((c) => c.variant === "b")).not.toEqual(frozen);
  });

  it("a stopped arm with nothing to carry yet is compared from the counts given, once", () => {
    const { analysis } = analyzeLook(
      input(
        [
          ["a", 1000, 100],
          ["b", 1000, 90],
        ],
        [50, 50],
      ),
      { stopped: { b: null } },
    );
    expect(analysis.comparisons[0]?.always_valid_p_value).not.toBeNull();
  });

  it("the sample-ratio check continues on the running arms instead of seeing the stopped arm fall behind", () => {
    const shares = [34, 33, 33];
    const before = srmLook([3400, 3300, 3300], shares);
    expect(before.srm.mismatch).toBe(false);
    const after = srmLook([34_000, 3300, 33_000], shares, before.state, [true, false, true]);
    expect(after.srm.mismatch).toBe(false);
    expect(after.state.stretch?.running).toEqual([true, false, true]);
    // The same counts judged as if every arm still ran: a mismatch.
    expect(srmLook([34_000, 3300, 33_000], shares, before.state).srm.mismatch).toBe(true);
    // An imbalance among the running arms is still seen.
    const broken = srmLook([40_000, 3300, 30_000], shares, after.state, [true, false, true]);
    expect(broken.srm.mismatch).toBe(true);
  });

  it("keeps the evidence gathered before the stop", () => {
    const shares = [50, 50];
    const bad = srmLook([6000, 5000], shares);
    expect(bad.srm.mismatch).toBe(true);
    // Three arms, the third stopped: a mismatch seen earlier is never forgotten (the running minimum),
    // and the martingale continues from its value then.
    const three = srmLook([6000, 5000, 5500], [34, 33, 33]);
    const next = srmLook([6100, 5000, 5600], [34, 33, 33], three.state, [true, false, true]);
    expect(next.state.stretch?.log_e).toBe(three.state.log_e);
    expect(next.srm.sequential_p_value).toBeLessThanOrEqual(three.srm.sequential_p_value);
  });

  it("stays valid over a seeded batch of A/A runs with a stop part-way, and catches a broken split after it", () => {
    reseed(16_016);
    const shares = [34, 33, 33];
    const runs = 1000;
    let falseAlarms = 0;
    let naiveAlarms = 0;
    let caught = 0;
    for (let r = 0; r < runs; r++) {
      const broken = r % 4 === 0; // every fourth run: after the stop, c gets 3% fewer visitors than its share of the running arms
      const stopAt = 20_000 + Math.floor((r * 7919) % 80_000);
      let counts = [0, 0, 0];
      let state: SrmState | undefined;
      let naive: SrmState | undefined;
      let alarmed = false;
      let naiveAlarmed = false;
      for (let total = 1000; total <= 400_000; total = Math.ceil(total * 1.05)) {
        const stopped = total > stopAt;
        const grow = total - counts.reduce((s, n) => s + n, 0);
        const next = [...counts];
        if (!stopped) {
          const a = binomial(grow, 0.34);
          const b = binomial(grow - a, 33 / 66);
          next[0] = (next[0] as number) + a;
          next[1] = (next[1] as number) + b;
          next[2] = (next[2] as number) + grow - a - b;
        } else {
          const pa = broken ? 34 / (34 + 33 * 0.97) : 34 / 67;
          const a = binomial(grow, pa);
          next[0] = (next[0] as number) + a;
          next[2] = (next[2] as number) + grow - a;
        }
        counts = next;
        const look = srmLook(counts, shares, state, [true, !stopped, true]);
        state = look.state;
        if (look.srm.mismatch && !broken) alarmed = true;
        if (look.srm.mismatch && broken && stopped) alarmed = true;
        const n = srmLook(counts, shares, naive);
        naive = n.state;
        if (n.srm.mismatch) naiveAlarmed = true;
      }
      if (broken) caught += +alarmed;
      else {
        falseAlarms += +alarmed;
        naiveAlarms += +naiveAlarmed;
      }
    }
    const correct = runs - runs / 4;
    // Nominal: 0.1% at most under continuous monitoring.
    expect(falseAlarms / correct).toBeLessThanOrEqual(SRM_THRESHOLD * 4);
    expect(naiveAlarms / correct).toBeGreaterThan(0.9);
    expect(caught / (runs / 4)).toBeGreaterThan(0.9);
  });
});
