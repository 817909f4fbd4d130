// `npx sgen-ab plan` as a user runs it: JSON lines in, JSON lines out, errors on stderr.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const fixtures = JSON.parse(readFileSync(join(ROOT, "test/fixtures/analysis-reference.json"), "utf8"));

function plan(input: string) {
  const r = spawnSync("npx", ["--no-install", "sgen-ab", "plan"], { cwd: ROOT, input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.split("\n").filter((l) => l.startsWith("sgen-ab")) };
}

describe("npx sgen-ab plan", () => {
  it("answers each line with the fixed-horizon sample SciPy finds and a larger sequential one", () => {
    const lines = fixtures.plans.map((p: { input: unknown }) => JSON.stringify(p.input)).join("\n");
    const r = plan(`${lines}\n`);
    expect(r.status).toBe(0);
    const out = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(fixtures.plans.length);
    fixtures.plans.forEach((p: { fixed_horizon_per_variant: number }, i: number) => {
      expect(Object.keys(out[i]).sort()).toEqual(["fixed_horizon_per_variant", "sequential_per_variant"]);
      expect(out[i].fixed_horizon_per_variant).toBe(p.fixed_horizon_per_variant);
      expect(out[i].sequential_per_variant).toBeGreaterThan(p.fixed_horizon_per_variant);
    });
  });

  it("reports bad lines on stderr with their number and exits 1, answering the good ones", () => {
    const good = JSON.stringify(fixtures.plans[0].input);
    const r = plan(`${good}\n{"baseline_rate":0.9,"relative_mde":0.5}\n[\n${good}\n`);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
    expect(r.stderr[0]).toMatch(/line 2: relative_mde: .*between 0 and 1/);
    expect(r.stderr[1]).toMatch(/line 3: not JSON/);
  });
});
