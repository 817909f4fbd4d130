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
    expect(noOptIn.json.error.issues[0]).toEqual({
      path: "variants.1.overrides.0.attribute",
      message:
        "onclick is an event handler; overrides beyond the allow-list need allow_script_overrides, which only an Administrator may set",
    });
    const editor = await api("POST", "/experiments", withOverrides(scripty, { allow_script_overrides: true }), "demo-editor");
    expect(editor.status).toBe(403);
    const admin = await api("POST", "/experiments", withOverrides(scripty, { allow_script_overrides: true }));
    expect(admin.status).toBe(201);
  });

  it("refuses HTML the sanitiser would change, naming what it would remove", async () => {
    const r = await api(
      "POST",
      "/experiments",
      withOverrides([
        { selector: "div.hero", action: "set_html", value: '<p>Hi</p><img src=x onerror="track()"><a href="jav&#x09;ascript:go()">go</a>' },
      ]),
      "demo-editor",
    );
    expect(r.status).toBe(422);
    expect(r.json.error.issues).toEqual([
      {
        path: "variants.1.overrides.0.value",
        message:
          "the sanitiser would not keep: the onerror attribute of <img>; the href attribute of <a> (a URL must be relative or http, https, mailto, in lower case); overrides beyond the allow-list need allow_script_overrides, which only an Administrator may set",
      },
    ]);
  });

  it("stores allowed HTML as the sanitiser writes it: same content, tags closed, attributes quoted", async () => {
    const r = await api(
      "POST",
      "/experiments",
      withOverrides([{ selector: ".hero", action: "set_html", value: "<P class=big>Save <b>20%</b><p>today <a href=/signup>now</a>" }]),
      "demo-editor",
    );
    expect(r.status).toBe(201);
    expect(r.json.variants[1].overrides[0].value).toBe('<p class="big">Save <b>20%</b></p><p>today <a href="/signup">now</a></p>');
  });

  it("refuses text or HTML aimed at an element whose content is code, and attributes the element may not carry", async () => {
    const paths = async (o: object) => (await api("POST", "/experiments", withOverrides([o]), "demo-editor")).json.error.issues[0].path;
    expect(await paths({ selector: "head script", action: "set_text", value: "go()" })).toBe("variants.1.overrides.0.selector");
    expect(await paths({ selector: "script.analytics", action: "set_attribute", attribute: "src", value: "/x.js" })).toBe(
      "variants.1.overrides.0.attribute",
    );
    expect(await paths({ selector: "a.cta", action: "set_attribute", attribute: "style", value: "color:red" })).toBe(
      "variants.1.overrides.0.attribute",
    );
    expect(await paths({ selector: "a.cta", action: "set_attribute", attribute: "href", value: "&#106;avascript:go()" })).toBe(
      "variants.1.overrides.0.value",
    );
  });
});
