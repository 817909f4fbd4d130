// The order of the targeting rules and stickiness (entry.ts, docs/audiences.md).
import { describe, expect, it } from "vitest";
import { type RequestFacts, requestFacts } from "../../src/core/targeting/attributes.ts";
import { type Audience, compileAudience, inAudience } from "../../src/core/targeting/audience.ts";
import { crawlerDecision } from "../../src/core/targeting/crawlers.ts";
import { compileTargeting, decideEntry, type EntryContext, type TargetedExperiment } from "../../src/core/targeting/entry.ts";
import { referenceInCoverage, referenceInHoldout, referenceInLayer } from "../support/targeting-reference.ts";

const variants = [{ slug: "a" }, { slug: "b" }];
const germany: Audience = { match: "all", conditions: [{ attribute: "country", operator: "in", values: ["DE"] }] };
const END = Date.parse("2026-03-01T09:00:00Z");

/** A request from the US with the given cookies; counts every read. */
function request(cookies: Record<string, string> = {}) {
  const reads: string[] = [];
  const facts: RequestFacts = {
    url: "https://shop.example/pricing",
    header: (name) => {
      reads.push(`header:${name}`);
      return null;
    },
    cookie: (name) => {
      reads.push(`cookie:${name}`);
      return cookies[name];
    },
    get cf() {
      reads.push("cf");
      return { country: "US" };
    },
  };
  return { facts, reads };
}

function context(over: Partial<EntryContext> = {}, id = "visitor-1") {
  const calls = { visitorId: 0 };
  const ctx: EntryContext = {
    now: END - 1,
    qaVariant: null,
    consented: true,
    crawler: false,
    visitorId: () => {
      calls.visitorId++;
      return id;
    },
    ...over,
  };
  return { ctx, calls };
}

const experiment = (over: Partial<TargetedExperiment> = {}): TargetedExperiment => ({ slug: "pricing", state: "live", variants, ...over });
const compile = (list: TargetedExperiment[], holdouts = [] as Parameters<typeof compileTargeting>[1]) =>
  compileTargeting(list, holdouts, "sgen-ab-");
const targetingOf = (list: TargetedExperiment[], slug = "pricing", holdouts: Parameters<typeof compileTargeting>[1] = []) => {
  const t = compile(list, holdouts).bySlug.get(slug);
  if (t === undefined) throw new Error(slug);
  return t;
};

/** Everything that can keep a visitor out, at once. */
const closed = () =>
  targetingOf(
    [
      experiment({
        audience: germany,
        coverage_percent: 0,
        layer: { slug: "l", from: 0, to: 0.01 },
        scheduled_end_at: new Date(END).toISOString(),
      }),
    ],
    "pricing",
    [{ id: 1, slug: "everyone", percent: 100, layer: null, goals: [] }],
  );

describe("the order of the rules", () => {
  it("a QA link's variant comes first, even after the end and outside everything", () => {
    const { ctx } = context({ qaVariant: "b", consented: false, now: END + 1 });
    expect(decideEntry(closed(), request().facts, ctx)).toEqual({ kind: "qa", variant: "b" });
    // A QA link naming no variant of this experiment is ignored.
    const other = context({ qaVariant: "z" });
    expect(decideEntry(targetingOf([experiment()]), request().facts, other.ctx)).toEqual({ kind: "assign", count: true });
  });

  it("then consent: without it, the control and nothing else, a valid cookie or not", () => {
    const { ctx, calls } = context({ consented: false, crawler: true });
    expect(decideEntry(targetingOf([experiment()]), request({ "sgen-ab-pricing": "b" }).facts, ctx)).toEqual({
      kind: "control",
      reason: "consent",
    });
    expect(calls.visitorId).toBe(0);
  });

  it("then crawlers: like visitors but never counted, or the control under bots: control", () => {
    const crawler = context({ crawler: true });
    expect(decideEntry(targetingOf([experiment()]), request().facts, crawler.ctx)).toEqual({ kind: "assign", count: false });
    expect(decideEntry(targetingOf([experiment({ bots: "control" })]), request().facts, crawler.ctx)).toEqual({
      kind: "control",
      reason: "crawler",
    });
    expect(decideEntry(targetingOf([experiment()]), request({ "sgen-ab-pricing": "a" }).facts, crawler.ctx)).toEqual({
      kind: "sticky",
      variant: "a",
    });
    expect(crawlerDecision(true)).toEqual({ control: false, count: false });
    expect(crawlerDecision(true, "control")).toEqual({ control: true, count: false });
    expect(crawlerDecision(false, "control")).toEqual({ control: false, count: true });
  });

  it("then the schedule: at and after the end, as paused, cookie or not", () => {
    const t = targetingOf([experiment({ scheduled_end_at: new Date(END).toISOString() })]);
    expect(decideEntry(t, request({ "sgen-ab-pricing": "b" }).facts, context({ now: END }).ctx)).toEqual({ kind: "ended" });
    expect(decideEntry(t, request().facts, context({ now: END - 1 }).ctx)).toEqual({ kind: "assign", count: true });
  });

  it("then a valid assignment cookie keeps the visitor in, whatever would now leave them out", () => {
    const { ctx, calls } = context();
    const r = request({ "sgen-ab-pricing": "b" });
    expect(decideEntry(closed(), r.facts, ctx)).toEqual({ kind: "sticky", variant: "b" });
    expect(calls.visitorId).toBe(0);
    expect(r.reads).toEqual(["cookie:sgen-ab-pricing"]); // the audience was not even read
  });

  it("a cookie naming no current variant is no assignment: the rules apply", () => {
    const { ctx } = context();
    expect(decideEntry(closed(), request({ "sgen-ab-pricing": "old" }).facts, ctx)).toEqual({ kind: "outside", reason: "audience" });
  });

  it("then the audience, before any step that needs the visitor id", () => {
    const { ctx, calls } = context();
    const t = targetingOf([experiment({ audience: germany, coverage_percent: 50 })], "pricing", [
      { id: 1, slug: "h", percent: 50, layer: null, goals: [] },
    ]);
    expect(decideEntry(t, request().facts, ctx)).toEqual({ kind: "outside", reason: "audience" });
    expect(calls.visitorId).toBe(0); // no id asked for, so the edge writes no cookie at all
  });

  it("then holdout, layer, coverage, each by its own hash of the visitor id", () => {
    const holdouts = [{ id: 1, slug: "h", percent: 20, layer: null, goals: [] }];
    const t = targetingOf([experiment({ coverage_percent: 50, layer: { slug: "l", from: 10, to: 60 } })], "pricing", holdouts);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = `v-${i}`;
      const expected = referenceInHoldout("h", id, 20)
        ? { kind: "outside", reason: "holdout", holdout: "h" }
        : !referenceInLayer("l", id, 10, 60)
          ? { kind: "outside", reason: "layer" }
          : !referenceInCoverage("pricing", id, 50)
            ? { kind: "outside", reason: "coverage" }
            : { kind: "assign", count: true };
      const entry = decideEntry(t, request().facts, context({}, id).ctx);
      expect(entry, id).toEqual(expected);
      seen.add(entry.kind === "outside" ? entry.reason : entry.kind);
    }
    expect([...seen].sort()).toEqual(["assign", "coverage", "holdout", "layer"]);
  });

  it("an experiment with nothing to check reads only its own cookie and never the visitor id", () => {
    const t = targetingOf([experiment()]);
    expect(t.open).toBe(true);
    const r = request();
    const { ctx, calls } = context();
    expect(decideEntry(t, r.facts, ctx)).toEqual({ kind: "assign", count: true });
    expect(r.reads).toEqual(["cookie:sgen-ab-pricing"]);
    expect(calls.visitorId).toBe(0);
  });
});

describe("layers and sticky cookies", () => {
  const layered = (slug: string, from: number, to: number, state: TargetedExperiment["state"] = "live") =>
    experiment({ slug, state, layer: { slug: "homepage", from, to } });
  const list = [
    layered("hero-copy", 0, 50),
    layered("hero-image", 50, 100),
    layered("hero-old", 0, 100, "done"),
    layered("hero-paused", 0, 0.01, "paused"),
  ];

  it("a visitor holding another live or paused experiment's cookie of the layer does not enter", () => {
    const t = targetingOf(list, "hero-copy");
    expect(t.layerSiblings.map((s) => s.cookieName).sort()).toEqual(["sgen-ab-hero-image", "sgen-ab-hero-paused"]);
    // An id inside hero-copy's slice.
    let id = "";
    for (let i = 0; !id; i++) if (referenceInLayer("homepage", `v-${i}`, 0, 50)) id = `v-${i}`;
    expect(decideEntry(t, request().facts, context({}, id).ctx)).toEqual({ kind: "assign", count: true });
    expect(decideEntry(t, request({ "sgen-ab-hero-image": "b" }).facts, context({}, id).ctx)).toEqual({ kind: "outside", reason: "layer" });
    expect(decideEntry(t, request({ "sgen-ab-hero-paused": "a" }).facts, context({}, id).ctx)).toEqual({
      kind: "outside",
      reason: "layer",
    });
    // A done experiment's cookie, or one naming no variant, holds nothing.
    expect(decideEntry(t, request({ "sgen-ab-hero-old": "a" }).facts, context({}, id).ctx).kind).toBe("assign");
    expect(decideEntry(t, request({ "sgen-ab-hero-image": "zzz" }).facts, context({}, id).ctx).kind).toBe("assign");
  });

  it("after the slices move, sticky visitors stay where they were and never join a second experiment", () => {
    const before = compile([layered("hero-copy", 0, 50), layered("hero-image", 50, 100)]);
    const after = compile([layered("hero-copy", 50, 100), layered("hero-image", 0, 50)]);
    for (let i = 0; i < 1000; i++) {
      const id = `v-${i}`;
      const cookies: Record<string, string> = {};
      for (const slug of ["hero-copy", "hero-image"]) {
        const e = decideEntry(before.bySlug.get(slug) as never, request(cookies).facts, context({}, id).ctx);
        if (e.kind === "assign") cookies[`sgen-ab-${slug}`] = "a";
      }
      expect(Object.keys(cookies)).toHaveLength(1);
      const inAfter = ["hero-copy", "hero-image"].filter((slug) => {
        const e = decideEntry(after.bySlug.get(slug) as never, request(cookies).facts, context({}, id).ctx);
        return e.kind === "assign" || e.kind === "sticky";
      });
      expect(inAfter, id).toEqual(Object.keys(cookies).map((c) => c.slice("sgen-ab-".length)));
    }
  });
});

describe("a Workers request as facts", () => {
  it("reads headers, the cf object and the caller's cookies", () => {
    const iphone =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1";
    const request = new Request("https://shop.example/pricing?utm_source=newsletter", {
      headers: { "User-Agent": iphone, "Accept-Language": "de-DE,de;q=0.9" },
      cf: { country: "DE", city: "Berlin" },
    } as RequestInit);
    const facts = requestFacts(request, (name) => (name === "plan" ? "pro" : undefined));
    const audience = compileAudience({
      match: "all",
      conditions: [
        { attribute: "country", operator: "equals", values: ["de"] },
        { attribute: "device", operator: "equals", values: ["mobile"] },
        { attribute: "language", operator: "equals", values: ["de"] },
        { attribute: "query.utm_source", operator: "equals", values: ["newsletter"] },
        { attribute: "cookie.plan", operator: "equals", values: ["pro"] },
        { attribute: "header.accept-language", operator: "contains", values: ["de-DE"] },
      ],
    });
    expect(inAudience(audience, facts)).toBe(true);
    expect(requestFacts(new Request("https://shop.example/"), () => undefined).cf).toBeUndefined();
  });
});
