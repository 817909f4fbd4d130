// The save path against the corpus of known XSS vectors (test/fixtures/xss-vectors.txt): through the
// admin API, an Editor cannot save any of them, nor can an Administrator without the experiment's
// allow_script_overrides; each refusal is a 422 naming the override and what the sanitiser would take.
import { describe, expect, it } from "vitest";
import { markupProblem } from "../../src/core/markup-policy.ts";
import corpus from "../fixtures/xss-vectors.txt?raw";
import { overrideOf, parseVectors, type XssVector } from "../support/xss-vectors.ts";
import { api, newExperiment } from "./admin-helpers.ts";

const VECTORS = parseVectors(corpus);

function withVector(v: XssVector) {
  const e = newExperiment();
  // The selector names the element the vector aims at (`script.t157`), as an operator would write it.
  return { ...e, variants: [e.variants[0], { slug: "b", label: "B", traffic_share: 50, overrides: [overrideOf(v, true)] }] };
}

describe(`the admin API refuses ${VECTORS.filter((v) => !v.inert).length} known XSS vectors`, () => {
  for (const token of ["demo-editor", "demo-admin"]) {
    it(`for ${token === "demo-editor" ? "an Editor" : "an Administrator without allow_script_overrides"}, each with a 422 that names it`, async () => {
      for (const v of VECTORS.filter((x) => !x.inert)) {
        const r = await api("POST", "/experiments", withVector(v), token);
        const where = `vector ${v.n}: ${v.source}`;
        expect(r.status, where).toBe(422);
        expect(r.json.error.code, where).toBe("validation_failed");
        const issue = r.json.error.issues[0];
        expect(issue.path, where).toMatch(/^variants\.1\.overrides\.0(\.(value|attribute|selector))?$/);
        expect(issue.message, where).toMatch(/allow_script_overrides/);
      }
    });
  }

  it("saves the ones that only look hostile, as the sanitiser writes them", async () => {
    for (const v of VECTORS.filter((x) => x.inert)) {
      const r = await api("POST", "/experiments", withVector(v), "demo-editor");
      expect(r.status, `vector ${v.n}: ${JSON.stringify(r.json)}`).toBe(201);
      expect(markupProblem(r.json.variants[1].overrides[0].value), `vector ${v.n}`).toBeNull(); // plain allowed markup
    }
  });

  it("lets an Administrator allow them explicitly, and stores them as written", async () => {
    const v = VECTORS.find((x) => x.value.startsWith("<img src=x onerror=")) as XssVector;
    const r = await api("POST", "/experiments", { ...withVector(v), allow_script_overrides: true });
    expect(r.status).toBe(201);
    expect(r.json.variants[1].overrides[0].value).toBe(v.value);
  });
});
