// `npx sgen-ab analyze` as a user runs it: JSON lines in, JSON lines out, errors on stderr.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const fixtures = JSON.parse(readFileSync(join(ROOT, "test/fixtures/analysis-reference.json"), "utf8"));

function analyze(input: string) {
  const r = spawnSync("npx", ["--no-install", "sgen-ab", "analyze"], { cwd: ROOT, input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.split("\n").filter((l) => l.startsWith("sgen-ab")) };
}

describe("npx sgen-ab analyze", () => {
  it("answers each line with an analysis matching the SciPy/mpmath reference", () => {
    const lines = fixtures.cases.map((c: { input: unknown }) => JSON.stringify(c.input)).join("\n");
    const r = analyze(`${lines}\n`);
    expect(r.status).toBe(0);
    const out = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(fixtures.cases.length);
    type Expected = { comparisons: Array<{ p_value: number | null; always_valid_p_value: number | null }>; outcome: unknown };
    fixtures.cases.forEach((c: { expected: Expected }, i: number) => {
      expect(out[i].outcome).toEqual(c.expected.outcome);
      c.expected.comparisons.forEach((e, k) => {
        for (const field of ["p_value", "always_valid_p_value"] as const) {
          const want = e[field];
          const got = out[i].comparisons[k][field];
          if (want === null) expect(got).toBeNull();
          else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-8 * Math.max(1e-7, want));
        }
      });
    });
    expect(out[0].comparisons[0].p_value).toBeCloseTo(0.021058, 6);
  });

  it("reports bad lines on stderr with their number and exits non-zero, answering the good ones", () => {
    const good = JSON.stringify(fixtures.cases[0].input);
    const r = analyze(
      `${good}\nnot json\n{"variants":[{"slug":"a","sample":1,"conversions":2,"traffic_share":50},{"slug":"b","sample":1,"conversions":0,"traffic_share":50}]}\n${good}\n`,
    );
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
    expect(r.stderr[0]).toMatch(/line 2: not JSON/);
    expect(r.stderr[1]).toMatch(/line 3: variants\.0\.conversions: cannot exceed sample/);
  });

  it("prints usage for an unknown command", () => {
    const r = spawnSync("npx", ["--no-install", "sgen-ab", "frobnicate"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: sgen-ab <command>[\s\S]*analyze[\s\S]*experiments/);
  });
});
