// Overrides through the admin API: validated with field paths; script-running ones need an
// Administrator and the experiment's explicit opt-in.
import { describe, expect, it } from "vitest";
import { api, newExperiment } from "./admin-helpers.ts";

const withOverrides = (overrides: unknown[], extra: object = {}) => {
  const e = newExperiment();
  return { ...e, ...extra, variants: [e.variants[0], { slug: "b", label: "B", traffic_share: 50, overrides }] };
};

describe("overrides in the admin API", () => {
  it("saves valid overrides and names the field of an invalid one", async () => {
    const ok = await api(
      "POST",
      "/experiments",
      withOverrides([
        { selector: "h1#headline", action: "set_text", value: "Hi" },
        { selector: ".promo", action: "remove" },
      ]),
    );
    expect(ok.status).toBe(201);
    expect(ok.json.variants[1].overrides).toHaveLength(2);
    const bad = await api("POST", "/experiments", withOverrides([{ selector: "h1 + p", action: "remove" }]));
    expect(bad.status).toBe(422);
    expect(bad.json.error.issues.map((i: { path: string }) => i.path)).toContain("variants.1.overrides.0.selector");
  });

  it("refuses script-running overrides without the opt-in, and the opt-in to anyone but an Administrator", async () => {
    const scripty = [{ selector: "a", action: "set_attribute", attribute: "onclick", value: "track()" }];
    const noOptIn = await api("POST", "/experiments", withOverrides(scripty));
    expect(noOptIn.status).toBe(422);
    expect(noOptIn.json.error.issues[0].path).toBe("variants.1.overrides.0");
    const editor = await api("POST", "/experiments", withOverrides(scripty, { allow_script_overrides: true }), "demo-editor");
    expect(editor.status).toBe(403);
    const admin = await api("POST", "/experiments", withOverrides(scripty, { allow_script_overrides: true }));
    expect(admin.status).toBe(201);
  });
});
