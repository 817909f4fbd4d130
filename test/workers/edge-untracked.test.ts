// Requests that are never counted: crawlers (served like visitors by default, or the control with
// `bots: "control"`), visitors without consent, and an operator's signed QA link.
import { describe, expect, it } from "vitest";
import { qaToken } from "../../src/edge/qa-link.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { edgeWith, experiment, sampleOf, setCookies, TITLES, titleOf } from "./helpers.ts";

const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";

describe("untracked requests", () => {
  it("crawlers and tools are served like visitors, cookies included, and never counted", async () => {
    const exp = experiment();
    const t = await edgeWith([exp]);
    for (const ua of [GOOGLEBOT, "facebookexternalhit/1.1", "Slackbot-LinkExpanding 1.0", "WhatsApp/2.23", "curl/8.0"]) {
      const fresh = await t.fetch("/pricing", { headers: { "user-agent": ua } });
      const c = setCookies(fresh);
      const vid = c.get("sgen-vid")?.value ?? "";
      const expected = referenceAssignment("pricing-page-layout", vid, [50, 50]).index === 0 ? "a" : "b";
      expect(c.get("sgen-ab-pricing-page-layout")?.value, ua).toBe(expected);
      expect(await titleOf(fresh)).toBe(TITLES[expected]);
      expect(fresh.headers.get("cache-control")).toMatch(/private/);
      // A crawler that keeps cookies keeps its variant, as a visitor does.
      const again = await t.fetch("/pricing", {
        headers: { "user-agent": ua, cookie: "sgen-vid=crawler-1; sgen-ab-pricing-page-layout=b" },
      });
      expect(again.headers.getSetCookie()).toEqual([]);
      expect(await titleOf(again)).toBe(TITLES.b);
    }
    await t.fetch("/thanks", { headers: { "user-agent": GOOGLEBOT, cookie: "sgen-vid=crawler-1; sgen-ab-pricing-page-layout=b" } });
    expect(await sampleOf(exp.id), "no crawler joins the sample or converts").toEqual({});
    const human = await t.fetch("/pricing", { headers: { "user-agent": CHROME } });
    expect(setCookies(human).has("sgen-ab-pricing-page-layout")).toBe(true);
    expect(Object.values(await sampleOf(exp.id)).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('bots: "control" keeps the earlier rule: crawlers get the control, no cookie, no count', async () => {
    const exp = experiment({ bots: "control" });
    const t = await edgeWith([exp]);
    for (const ua of [GOOGLEBOT, "facebookexternalhit/1.1", "curl/8.0"]) {
      const res = await t.fetch("/pricing", { headers: { "user-agent": ua, cookie: "sgen-ab-pricing-page-layout=b" } });
      expect(res.headers.getSetCookie(), ua).toEqual([]);
      expect(await titleOf(res)).toBe(TITLES.a);
      expect(res.headers.get("cache-control")).toMatch(/private/);
    }
    await t.fetch("/thanks", { headers: { "user-agent": GOOGLEBOT, cookie: "sgen-vid=x; sgen-ab-pricing-page-layout=a" } });
    expect(await sampleOf(exp.id)).toEqual({});
  });

  it("a site's own bot pattern replaces the default, and false turns bot handling off", async () => {
    const exp = experiment({ bots: "control" });
    const own = await edgeWith([exp], { bots: /my-monitor/ });
    expect((await own.fetch("/pricing", { headers: { "user-agent": "my-monitor/1" } })).headers.getSetCookie()).toEqual([]);
    expect(setCookies(await own.fetch("/pricing", { headers: { "user-agent": GOOGLEBOT } })).size).toBe(2);
    const counted = experiment();
    const off = await edgeWith([counted], { bots: false });
    expect(setCookies(await off.fetch("/pricing", { headers: { "user-agent": GOOGLEBOT } })).size).toBe(2);
    expect(
      Object.values(await sampleOf(counted.id)).reduce((a, b) => a + b, 0),
      "with bots off, Googlebot is a visitor",
    ).toBe(1);
  });

  it("with consent required: nothing is set or counted until the site signals consent", async () => {
    const exp = experiment();
    const t = await edgeWith([exp], { consent: (_r, cookies) => cookies["site-consent"] === "yes" });
    const before = await t.fetch("/pricing");
    expect(before.headers.getSetCookie()).toEqual([]);
    expect(await titleOf(before)).toBe(TITLES.a);
    expect(await sampleOf(exp.id)).toEqual({});
    const after = await t.fetch("/pricing", { headers: { cookie: "site-consent=yes" } });
    expect(setCookies(after).has("sgen-vid")).toBe(true);
    expect(Object.values(await sampleOf(exp.id)).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("with a consent cookie named (SGEN_CONSENT_COOKIE): only a yes lets the visitor be assigned and counted", async () => {
    const exp = experiment();
    const t = await edgeWith([exp], { consentCookie: () => "cc" });
    for (const cookie of ["", "cc=no", "cc=", "other=yes", "cc=yesplease"]) {
      const res = await t.fetch("/pricing", { headers: { cookie } });
      expect(res.headers.getSetCookie(), cookie).toEqual([]);
      expect(await titleOf(res)).toBe(TITLES.a);
    }
    // A conversion without consent is not counted either, even from an assigned visitor.
    await t.fetch("/thanks", { headers: { cookie: "sgen-vid=v-1; sgen-ab-pricing-page-layout=a" } });
    expect(await sampleOf(exp.id)).toEqual({});
    for (const yes of ["1", "true", "YES", "granted"]) {
      const res = await t.fetch("/pricing", { headers: { cookie: `theme=dark; cc=${yes}` } });
      expect(setCookies(res).has("sgen-vid"), yes).toBe(true);
    }
    expect(Object.values(await sampleOf(exp.id)).reduce((a, b) => a + b, 0)).toBe(4);
    const off = await edgeWith([experiment()], { consentCookie: () => "" });
    expect(setCookies(await off.fetch("/pricing")).size).toBe(2); // "" means consent is not required
  });

  it("a signed QA link shows the chosen variant, sets nothing and counts nothing; a forged or expired one is ignored", async () => {
    const exp = experiment();
    const t = await edgeWith([exp], { qaSecret: () => "qa-secret" });
    const token = await qaToken("qa-secret", exp.id, "b", Date.now() + 3_600_000);
    const qa = await t.fetch(`/pricing?sgen-qa=${token}`, { headers: { cookie: "sgen-vid=qa-op; sgen-ab-pricing-page-layout=a" } });
    expect(await titleOf(qa)).toBe(TITLES.b);
    expect(qa.headers.getSetCookie()).toEqual([]);
    expect(await sampleOf(exp.id)).toEqual({});
    const forged = `${token.slice(0, -2)}xx`;
    const expired = await qaToken("qa-secret", exp.id, "b", Date.now() - 1000);
    const other = await qaToken("another-secret", exp.id, "b", Date.now() + 3_600_000);
    for (const bad of [forged, expired, other, `${exp.id + 1}.b.9999999999.AAAAAAAAAAAAAAAAAAAAAA`, "garbage"]) {
      const res = await t.fetch(`/pricing?sgen-qa=${encodeURIComponent(bad)}`, {
        headers: { cookie: "sgen-vid=qa-x; sgen-ab-pricing-page-layout=a" },
      });
      expect(await titleOf(res), bad).toBe(TITLES.a);
    }
  });
});
