// `npx sgen-ab analyze` with value-metric lines ("metric": "mean"), as a user runs it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const means = JSON.parse(readFileSync(join(ROOT, "test/fixtures/means-scipy.json"), "utf8"));
const proportions = JSON.parse(readFileSync(join(ROOT, "test/fixtures/analysis-reference.json"), "utf8"));

function analyze(input: string) {
  const r = spawnSync("npx", ["--no-install", "sgen-ab", "analyze"], { cwd: ROOT, input, encoding: "utf8" });
  return {
    status: r.status,
    out: r.stdout
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l)),
    err: r.stderr.split("\n").filter((l) => l.startsWith("sgen-ab")),
  };
}

interface Expected {
  variants: Array<{ mean: number | null }>;
  comparisons: Array<{ p_value: number | null; always_valid_p_value: number | null; absolute_cs_low: number | null }>;
  outcome: unknown;
}

describe("npx sgen-ab analyze, value metrics", () => {
  it("answers each mean line in section 5's shape, matching the SciPy reference", () => {
    const r = analyze(`${means.cases.map((c: { input: unknown }) => JSON.stringify(c.input)).join("\n")}\n`);
    expect(r.status).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toHaveLength(means.cases.length);
    means.cases.forEach((c: { expected: Expected }, i: number) => {
      const a = r.out[i];
      expect(a.metric).toBe("mean");
      expect(Object.keys(a.variants[0]).sort()).toEqual(["ci_high", "ci_low", "mean", "sample", "slug", "sum"]);
      expect(a.outcome).toEqual(c.expected.outcome);
      c.expected.variants.forEach((e, k) => {
        if (e.mean === null) expect(a.variants[k].mean).toBeNull();
        else expect(Math.abs(a.variants[k].mean - e.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(e.mean));
      });
      c.expected.comparisons.forEach((e, k) => {
        for (const key of ["p_value", "always_valid_p_value", "absolute_cs_low"] as const) {
          const want = e[key];
          if (want === null) expect(a.comparisons[k][key]).toBeNull();
          else expect(Math.abs(a.comparisons[k][key] - want)).toBeLessThanOrEqual(1e-9 * Math.abs(want));
        }
      });
    });
  });

  it("keeps today's answer for a line without metric or with metric proportion", () => {
    const line = proportions.cases[0].input;
    const r = analyze(`${JSON.stringify(line)}\n${JSON.stringify({ metric: "proportion", ...line })}\n`);
    expect(r.status).toBe(0);
    expect(r.out).toHaveLength(2);
    expect(r.out[0].variants[0].conversion_rate).toBe(0.1);
    expect(r.out[1]).toEqual(r.out[0]);
  });

  it("reports a bad mean line with its number and the field, answers the rest, exits 1", () => {
    const good = JSON.stringify(means.cases[0].input);
    const negative = JSON.stringify({
      metric: "mean",
      variants: [
        { slug: "a", sample: 10, sum: 50, sum_squares: 100, traffic_share: 50 },
        { slug: "b", sample: 10, sum: 50, sum_squares: 400, traffic_share: 50 },
      ],
    });
    const r = analyze(`${good}\n{"metric":"median","variants":[]}\n${negative}\n${good}\n`);
    expect(r.status).toBe(1);
    expect(r.out).toHaveLength(2);
    expect(r.err).toEqual([
      'sgen-ab analyze: line 2: metric: must be "proportion" or "mean"',
      "sgen-ab analyze: line 3: variants.0.sum_squares: must be at least sum² / sample (a variance cannot be negative)",
    ]);
  });
});
