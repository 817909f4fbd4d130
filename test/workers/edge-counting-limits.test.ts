// Counting that an outsider cannot steer cheaply: a per-client limit on new visitors counted (pages
// still served), Cloudflare's bot signals, and signed custom events for sites that post conversions
// from their backend. Each case that is left uncounted is noted in the ledger of what was not counted.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { variantIndexForBucket } from "../../src/core/assignment.ts";
import { bucketOf } from "../../src/core/hash.ts";
import type { NotCountedReason, TallySink } from "../../src/edge/ports.ts";
import { signEvents } from "../../src/edge/signed-events.ts";
import { readHoldoutData, readRunData } from "../../src/run-data/client.ts";
import { configOf, edgeWith, experiment, inOneMinuteWindow, sampleOf, setCookies, TITLES, titleOf, uniqueId } from "./helpers.ts";

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** A tally sink that keeps the ledger's notes (the edge's half of the ledger of what was not counted). */
function ledger() {
  const seen: Array<{ reason: NotCountedReason; experimentId: number }> = [];
  const tallies: TallySink<Cloudflare.Env> = {
    response: () => {},
    notCounted: (experiment, _variant, reason) => {
      seen.push({ reason, experimentId: experiment.id });
    },
  };
  return { seen, tallies };
}

describe("new visitors counted per client", () => {
  it("past the limit a client's new visitors get their page and cookies but are not counted; other clients are", async () => {
    await inOneMinuteWindow();
    const e = experiment();
    const l = ledger();
    const t = await edgeWith([e], { newVisitorsPerMinute: 10, tallies: l.tallies });
    for (let i = 0; i < 15; i++) {
      const res = await t.fetch("/pricing", { headers: { "cf-connecting-ip": "203.0.113.50" } });
      expect(res.status).toBe(200);
      expect([TITLES.a, TITLES.b]).toContain(await titleOf(res));
      expect(setCookies(res).has(`sgen-ab-${e.slug}`)).toBe(true);
    }
    expect(total(await sampleOf(e.id))).toBe(10);
    expect(l.seen.filter((x) => x.reason === "rate_limited" && x.experimentId === e.id)).toHaveLength(5);
    // Rotating inside one IPv6 /64 is one client; the next /64 and the next address are others.
    for (let i = 0; i < 12; i++) await t.fetch("/pricing", { headers: { "cf-connecting-ip": `2001:db8:5:6::${i + 1}` } });
    await t.fetch("/pricing", { headers: { "cf-connecting-ip": "2001:db8:5:7::1" } });
    await t.fetch("/pricing", { headers: { "cf-connecting-ip": "203.0.113.51" } });
    expect(total(await sampleOf(e.id))).toBe(22);
    // A request without a client address is not limited (there is nothing to tell clients apart by).
    for (let i = 0; i < 12; i++) await t.fetch("/pricing");
    expect(total(await sampleOf(e.id))).toBe(34);
  });

  it("counts distinct ids: a visitor back without its assignment cookie costs its client nothing more", async () => {
    await inOneMinuteWindow();
    const e = experiment();
    const t = await edgeWith([e], { newVisitorsPerMinute: 10 });
    const from = (id: string) => t.fetch("/pricing", { headers: { cookie: `sgen-vid=${id}`, "cf-connecting-ip": "198.51.100.70" } });
    for (let i = 0; i < 25; i++) await from("the-same-visitor"); // 25 visits, cookies lost each time
    for (let i = 0; i < 12; i++) await from(`another-${i}`);
    expect(total(await sampleOf(e.id))).toBe(10); // the one visitor and the first nine others
  });

  it("holds a holdout's arms to the same limit: past it a client's new visitors are recorded in neither arm", async () => {
    await inOneMinuteWindow();
    const e = experiment();
    const holdoutId = uniqueId();
    const holdout = { id: holdoutId, slug: `hl-${holdoutId}`, percent: 50, layer: null, goals: [], epoch: 0, shards: 1 };
    const t = await edgeWith([], { newVisitorsPerMinute: 10 });
    await t.store.put(configOf([e], 1, [holdout]));
    const marked: boolean[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=h-${holdoutId}-${i}`, "cf-connecting-ip": "198.51.100.80" } });
      expect(res.status).toBe(200);
      marked.push(setCookies(res).has(`sgen-vid-h${holdoutId}`));
    }
    // The first ten were recorded (and told so by the holdout's cookie); the others keep no mark, so a
    // later visit under the limit records them.
    expect(marked.filter(Boolean)).toHaveLength(10);
    await t.fetch("/pricing", { headers: { cookie: `sgen-vid=h-${holdoutId}-other`, "cf-connecting-ip": "198.51.100.81" } });
    const data = await readHoldoutData(env.SGEN_RUN_DATA, holdoutId, 0, 1);
    expect((data.samples.held ?? 0) + (data.samples.exposed ?? 0)).toBe(11);
  });

  it("stops the attack of the issue: visitor ids chosen by the public hash to land in b, then converted", async () => {
    await inOneMinuteWindow();
    const e = experiment({ conversion_event: { type: "custom", name: "signup" } });
    const t = await edgeWith([e], { newVisitorsPerMinute: 20 });
    const chosen: string[] = [];
    for (let n = 0; chosen.length < 60; n++) {
      const id = `chosen-${n}`;
      if (variantIndexForBucket(new Int32Array([5000, 10000]), bucketOf(e.slug, id)) === 1) chosen.push(id);
    }
    for (const id of chosen) {
      await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${id}`, "cf-connecting-ip": "198.51.100.66" } });
      await t.fetch("/__sgen/events", {
        method: "POST",
        body: '{"events":[{"name":"signup"}]}',
        headers: { cookie: `sgen-vid=${id}; sgen-ab-${e.slug}=b`, "cf-connecting-ip": "198.51.100.66" },
      });
    }
    const run = await readRunData(env.SGEN_RUN_DATA, e.id, 0, 1);
    expect(run.samples.b).toBe(20);
    expect(total(run.conversions["custom:signup"] ?? {})).toBeLessThanOrEqual(20);
  });
});

describe("Cloudflare's bot signals", () => {
  const withCf = (cf: object, headers: Record<string, string> = {}) => ({ cf, headers }) as RequestInit;

  const bots = [{ botManagement: { verifiedBot: true, score: 99 } }, { botManagement: { verifiedBot: false, score: 2 } }];

  it("a verified bot or a low bot score is a crawler: served as visitors are, never counted; a human score is counted", async () => {
    const e = experiment();
    const l = ledger();
    const t = await edgeWith([e], { tallies: l.tallies });
    for (const cf of bots) {
      const res = await t.fetch("/pricing", withCf(cf));
      expect([TITLES.a, TITLES.b]).toContain(await titleOf(res));
      expect(setCookies(res).has(`sgen-ab-${e.slug}`)).toBe(true); // assigned like a visitor (no cloaking)
    }
    expect(total(await sampleOf(e.id))).toBe(0);
    expect(l.seen.map((x) => x.reason)).toEqual(["bot_signal", "bot_signal"]);
    const human = await t.fetch("/pricing", withCf({ botManagement: { verifiedBot: false, score: 85 } }));
    expect(setCookies(human).has(`sgen-ab-${e.slug}`)).toBe(true);
    // No score computed (0) and no bot management at all count as people.
    await t.fetch("/pricing", withCf({ botManagement: { score: 0 } }));
    await t.fetch("/pricing", withCf({ country: "DE" }));
    expect(total(await sampleOf(e.id))).toBe(3);
  });

  it("with bots: control, a bot-signalled request gets the control, no cookie, no count", async () => {
    const e = experiment({ bots: "control" });
    const l = ledger();
    const t = await edgeWith([e], { tallies: l.tallies });
    for (const cf of bots) {
      const res = await t.fetch("/pricing", withCf(cf));
      expect(await titleOf(res)).toBe(TITLES.a);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(total(await sampleOf(e.id))).toBe(0);
    expect(l.seen.map((x) => x.reason)).toEqual(["bot_signal", "bot_signal"]);
  });

  it("with botSignals: false the verdict is not read: bot-signalled requests count as people, a known user agent still does not", async () => {
    const e = experiment();
    const l = ledger();
    const t = await edgeWith([e], { tallies: l.tallies, botSignals: false });
    for (const cf of bots) expect(setCookies(await t.fetch("/pricing", withCf(cf))).has(`sgen-ab-${e.slug}`)).toBe(true);
    expect(total(await sampleOf(e.id))).toBe(2);
    await t.fetch("/pricing", { headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" } });
    expect(total(await sampleOf(e.id))).toBe(2);
    expect(l.seen.map((x) => x.reason)).toEqual(["crawler"]);
  });

  it("botSignals left undefined (a site passing its own setting through) keeps the verdict on", async () => {
    const e = experiment();
    const t = await edgeWith([e], { botSignals: undefined });
    for (const cf of bots) await t.fetch("/pricing", withCf(cf));
    expect(total(await sampleOf(e.id))).toBe(0);
  });

  it("a bot-scored conversion is not counted either", async () => {
    const e = experiment();
    const l = ledger();
    const t = await edgeWith([e], { tallies: l.tallies });
    const first = setCookies(await t.fetch("/pricing"));
    const cookie = `sgen-vid=${first.get("sgen-vid")?.value}; sgen-ab-${e.slug}=${first.get(`sgen-ab-${e.slug}`)?.value}`;
    await t.fetch("/thanks", withCf({ botManagement: { score: 1 } }, { cookie }));
    expect(total((await readRunData(env.SGEN_RUN_DATA, e.id, 0, 1)).conversions["page_view:/thanks"] ?? {})).toBe(0);
    expect(l.seen).toEqual([{ reason: "bot_signal", experimentId: e.id }]);
  });
});

describe("signed custom events", () => {
  const SECRET = "the-site-backend-secret";
  const body = '{"events":[{"name":"purchase"},{"name":"signup"}]}';

  async function setup(options: { signed?: string; secret?: string; eventsPerMinute?: number } = {}) {
    const e = experiment({ conversion_event: { type: "custom", name: "purchase" }, secondary_goals: [{ type: "custom", name: "signup" }] });
    const l = ledger();
    const t = await edgeWith([e], {
      eventsSecret: () => options.secret ?? SECRET,
      signedEvents: () => options.signed ?? "purchase",
      tallies: l.tallies,
      ...(options.eventsPerMinute === undefined ? {} : { eventsPerMinute: options.eventsPerMinute }),
    });
    const visit = setCookies(await t.fetch("/pricing"));
    const vid = visit.get("sgen-vid")?.value ?? "";
    const cookie = `sgen-vid=${vid}; sgen-ab-${e.slug}=${visit.get(`sgen-ab-${e.slug}`)?.value}`;
    const postEvents = (headers: Record<string, string>, text = body) =>
      t.fetch("/__sgen/events", { method: "POST", body: text, headers: { "content-type": "application/json", cookie, ...headers } });
    const conversions = async () => {
      const run = await readRunData(env.SGEN_RUN_DATA, e.id, 0, 1);
      return { purchase: total(run.conversions["custom:purchase"] ?? {}), signup: total(run.conversions["custom:signup"] ?? {}) };
    };
    return { e, l, t, vid, cookie, postEvents, conversions };
  }

  const now = () => Math.floor(Date.now() / 1000);

  it("an unsigned post of an event that must be signed is answered but not counted; other events count", async () => {
    const s = await setup();
    const res = await s.postEvents({});
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, counted: 1, ack: "buffered" });
    expect(await s.conversions()).toEqual({ purchase: 0, signup: 1 });
    expect(s.l.seen).toEqual([{ reason: "unsigned", experimentId: s.e.id }]);
  });

  it("a valid signature counts it, and skips the per-client events limit (one backend posts for everyone)", async () => {
    const s = await setup({ eventsPerMinute: 2 });
    for (let i = 0; i < 5; i++) {
      const res = await s.postEvents({ "x-sgen-signature": await signEvents(SECRET, s.vid, body, now()), "cf-connecting-ip": "192.0.2.9" });
      expect(res.status).toBe(202);
    }
    expect(await s.conversions()).toEqual({ purchase: 1, signup: 1 });
  });

  it("refuses a bad signature with 401 and counts nothing: wrong secret, stale, another visitor, altered body, malformed", async () => {
    const s = await setup();
    const cases: Array<[string, string, string?]> = [
      ["wrong secret", await signEvents("another-secret", s.vid, body, now())],
      ["ten minutes old", await signEvents(SECRET, s.vid, body, now() - 600)],
      ["from the future", await signEvents(SECRET, s.vid, body, now() + 600)],
      ["signed for another visitor (a replay with this visitor's cookies)", await signEvents(SECRET, "someone-else", body, now())],
      ["body altered after signing", await signEvents(SECRET, s.vid, body, now()), '{"events":[{"name":"purchase"}]} '],
      ["malformed", "v1=00,t=1"],
      ["empty", ""],
    ];
    for (const [what, header, text] of cases) {
      const res = await s.postEvents({ "x-sgen-signature": header }, text);
      expect(res.status, what).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe("invalid_signature");
    }
    expect(await s.conversions()).toEqual({ purchase: 0, signup: 0 });
  });

  it("* makes every event signed-only; without the secret nothing that must be signed can count", async () => {
    const all = await setup({ signed: "*" });
    expect(await (await all.postEvents({})).json()).toEqual({ accepted: 2, counted: 0, ack: "buffered" });
    const noSecret = await setup({ secret: "" });
    expect((await noSecret.postEvents({ "x-sgen-signature": await signEvents(SECRET, noSecret.vid, body, now()) })).status).toBe(401);
    expect(await (await noSecret.postEvents({})).json()).toEqual({ accepted: 2, counted: 1, ack: "buffered" });
    expect(await noSecret.conversions()).toEqual({ purchase: 0, signup: 1 });
  });
});
