// The edge's hand-checked parsers (core/edge-config.ts for the published config, core/custom-events.ts
// for event bodies) against the zod schemas they stand in for: on valid documents, on each field of a
// valid document broken in turn, and on random mutations (wrong types, NaN and infinities, extra and
// missing keys, arrays too long, duplicates, bad timestamps), both must accept or both refuse, and what
// both accept must parse to equal values, defaults included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseCustomEvents } from "../../src/core/custom-events.ts";
import { parseEdgeConfig } from "../../src/core/edge-config.ts";
import { EVENT_ID_PATTERN, MAX_EVENT_VALUE, UTC_TIMESTAMP } from "../../src/core/field-rules.ts";
import { CUSTOM_EVENT_NAME, EdgeConfig } from "../../src/core/schema.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Value = Json | undefined;

/** Both parsers agree on `doc`: the same verdict, and equal values when they accept. */
function agreeOnConfig(doc: unknown): { accepted: boolean } {
  const zod = EdgeConfig.safeParse(doc);
  const hand = parseEdgeConfig(doc);
  if (hand.ok !== zod.success) {
    throw new Error(
      `verdicts differ (zod ${zod.success ? "accepts" : `refuses: ${zod.error.issues.map((i) => i.path.join(".")).join(", ")}`}, ` +
        `hand ${hand.ok ? "accepts" : `refuses: ${hand.problems.map((p) => p.path).join(", ")}`}) on ${JSON.stringify(doc)?.slice(0, 600)}`,
    );
  }
  if (hand.ok && zod.success) expect(hand.value).toEqual(zod.data);
  return { accepted: hand.ok };
}

// ---- valid documents -------------------------------------------------------------------------------

const slug = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const sitePath = fc.oneof(
  fc.constantFrom("/", "/pricing", "/pricing-b", "/a/b-c_d.e~f", "/caf%C3%A9", "/@user/:id", "/thanks/"),
  fc.stringMatching(/^\/(?:[a-z0-9_~-][a-z0-9._~-]{0,15})?$/), // no "." or ".." segment: those are refused
);
const SELECTORS = [
  "h1",
  "#headline",
  ".promo",
  "div > p",
  "[data-x]",
  "a[href^='/x']",
  "li:nth-child(2n+1)",
  "p:not(.x)",
  "main .card, aside",
];
const override = fc.oneof(
  fc.record({
    selector: fc.constantFrom(...SELECTORS),
    action: fc.constantFrom("set_text", "set_html", "append", "prepend"),
    value: fc.string({ maxLength: 20 }),
  }),
  fc.record({ selector: fc.constantFrom(...SELECTORS), action: fc.constant("remove") }),
  fc.record({
    selector: fc.constantFrom(...SELECTORS),
    action: fc.constant("set_attribute"),
    attribute: fc.constantFrom("class", "data-x", "aria-label", "xml:lang"),
    value: fc.string({ maxLength: 20 }),
  }),
);
const customName = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/);
const conversionEvent = fc.oneof(
  fc.record({ type: fc.constantFrom("page_view", "form_submission"), path: sitePath }),
  fc.record({ type: fc.constant("custom"), name: customName }),
  // A value goal, with or without a per-visitor cap (whole cents, above 0).
  fc.record(
    {
      type: fc.constant("custom"),
      name: customName,
      aggregate: fc.constant("sum"),
      cap: fc.record({ value: fc.integer({ min: 1, max: 100_000_000 }).map((cents) => cents / 100) }),
    },
    { requiredKeys: ["type", "name", "aggregate"] },
  ),
);

/** 2 to 5 shares of at most two decimals that cover exactly 100. */
const shares = fc.integer({ min: 2, max: 5 }).chain((n) =>
  fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), 10_000];
    return points.slice(1).map((p, i) => (p - (points[i] as number)) / 100);
  }),
);

const variants = shares.chain((s) =>
  fc.uniqueArray(slug, { minLength: s.length, maxLength: s.length }).chain((slugs) =>
    fc.tuple(
      ...s.map((share, i) =>
        fc.record(
          {
            slug: fc.constant(slugs[i] as string),
            page: sitePath,
            overrides: fc.array(override, { maxLength: 3 }),
            traffic_share: fc.constant(share),
            stopped: fc.boolean(),
          },
          { requiredKeys: ["slug", "traffic_share"] },
        ),
      ),
    ),
  ),
);

// The targeting fields (docs/audiences.md), valid ones: the mutations below break them.
const percent = fc.integer({ min: 0, max: 10_000 }).map((b) => b / 100);
const audienceCondition = fc.oneof(
  fc.record({
    attribute: fc.constant("country"),
    operator: fc.constantFrom("in", "not_in"),
    values: fc.subarray(["US", "DE", "gb"], { minLength: 1 }),
  }),
  fc.record({
    attribute: fc.constantFrom("query.utm_source", "cookie.plan", "header.x-a"),
    operator: fc.constant("equals"),
    values: fc.tuple(slug),
  }),
  fc.record({ attribute: fc.constantFrom("language", "device"), operator: fc.constantFrom("exists", "not_exists") }),
  fc.record({ attribute: fc.constant("path"), operator: fc.constant("in"), values: fc.constant(["/blog/*", "/docs/**"]) }),
);
const audience = fc.record(
  { match: fc.constantFrom("all", "any"), conditions: fc.array(audienceCondition, { minLength: 1, maxLength: 3 }) },
  { requiredKeys: ["conditions"] },
);
const layerSlice = fc
  .tuple(slug, fc.integer({ min: 0, max: 9_999 }), fc.integer({ min: 1, max: 10_000 }))
  .map(([s, a, b]) => ({ slug: s, from: Math.min(a, b - 1) / 100, to: Math.max(b, a + 1) / 100 }));
const targetingFields = {
  audience: fc.oneof(fc.constant(null), audience),
  coverage_percent: percent,
  layer: fc.oneof(fc.constant(null), layerSlice),
  scheduled_end_at: fc.oneof(
    fc.constant(null),
    fc
      .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2200-01-01T00:00:00Z"), noInvalidDate: true })
      .map((d) => d.toISOString()),
  ),
  bots: fc.constantFrom("like_visitors", "control"),
};
const goalKey = fc.oneof(
  fc.constantFrom("page_view:/thanks", "form_submission:/signup"),
  fc.stringMatching(/^[a-z]{1,10}$/).map((n) => `custom:${n}`),
);
const holdouts = fc
  .uniqueArray(
    fc.record(
      {
        id: fc.integer({ min: 1, max: 1000 }),
        slug,
        percent,
        layer: fc.oneof(fc.constant(null), slug),
        goals: fc.uniqueArray(goalKey, { maxLength: 3 }),
        epoch: fc.nat({ max: 9 }),
        shards: fc.integer({ min: 1, max: 64 }),
      },
      { requiredKeys: ["id", "slug", "percent"] },
    ),
    { maxLength: 3, selector: (h) => h.id },
  )
  .filter((list) => new Set(list.map((h) => h.slug)).size === list.length);

const edgeExperiment = variants.chain((vs) =>
  fc.record(
    {
      id: fc.integer({ min: 1, max: 2 ** 40 }),
      slug,
      target_page: sitePath,
      state: fc.constantFrom("live", "paused", "done"),
      variants: fc.constant(vs),
      shipped_variant_slug: fc.oneof(fc.constant(null), fc.constantFrom(...vs.map((v) => v.slug))),
      conversion_event: conversionEvent,
      secondary_goals: fc.array(conversionEvent, { maxLength: 3 }),
      epoch: fc.nat({ max: 50 }),
      shards: fc.integer({ min: 1, max: 64 }),
      rollout_percent: fc.integer({ min: 0, max: 10_000 }).map((b) => b / 100),
      allow_script_overrides: fc.boolean(),
      ...targetingFields,
    },
    // shards, rollout_percent, allow_script_overrides and the targeting fields may be absent: the parsers must apply the same defaults.
    {
      requiredKeys: [
        "id",
        "slug",
        "target_page",
        "state",
        "variants",
        "shipped_variant_slug",
        "conversion_event",
        "secondary_goals",
        "epoch",
      ],
    },
  ),
);

const timestamp = fc
  .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2200-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString());

const edgeConfig = fc.record(
  {
    schema_version: fc.constant(1),
    revision: fc.nat(),
    published_at: timestamp,
    experiments: fc.array(edgeExperiment, { maxLength: 4 }),
    holdouts,
  },
  { requiredKeys: ["schema_version", "revision", "published_at", "experiments"] },
);

// ---- mutations -------------------------------------------------------------------------------------

/** Values that break a field of one type or another. */
const BAD_VALUES: Value[] = [
  null,
  undefined,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  -1,
  0,
  0.5,
  1.005,
  101,
  2 ** 53,
  1e21,
  "",
  " ",
  "x",
  "X",
  "a b",
  "x".repeat(65),
  "//evil.example",
  "/a/../b",
  "/pricing?x=1",
  "2026-02-30T00:00:00Z",
  "2026-01-01T00:00:00+01:00",
  "2026-01-01T00:00Z",
  "2024-02-29T12:00:00.5Z",
  "live",
  "custom",
  "set_attribute",
  "sum",
  { value: 0.001 },
  true,
  false,
  [],
  [1],
  {},
  { slug: "a" },
];

/** Every place in `v`: the paths of all its values, the root included. */
function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) out.push(...paths(v[i], [...at, i]));
  } else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

/** A deep copy of a JSON-like value (undefined stays undefined). */
function clone<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

type Mutation =
  | { kind: "set"; value: Value }
  | { kind: "delete" }
  | { kind: "extra"; key: string }
  | { kind: "duplicate" }
  | { kind: "grow"; times: number }
  /** The value found at another place of the same document: a sibling's slug, another experiment's id… */
  | { kind: "copy"; from: number };

/** `doc` with the value at `path` changed by `m` (a fresh copy; the original is untouched). */
function mutate(doc: unknown, path: Array<string | number>, m: Mutation): unknown {
  const root = { doc: clone(doc) } as Record<string, unknown>;
  let parent: Record<string | number, unknown> = root;
  let key: string | number = "doc";
  for (const step of path) {
    parent = parent[key] as Record<string | number, unknown>;
    key = step;
  }
  const target = parent[key];
  switch (m.kind) {
    case "set":
      // Set directly: NaN and the infinities would not survive a JSON round trip.
      if (m.value === undefined) delete parent[key];
      else parent[key] = typeof m.value === "object" && m.value !== null ? clone(m.value) : m.value;
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case "extra":
      if (typeof target === "object" && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = 1;
      else parent[key] = { [m.key]: target ?? null };
      break;
    case "duplicate":
      if (Array.isArray(target) && target.length > 0) target.push(clone(target[0]));
      else parent[key] = [target ?? null, target ?? null];
      break;
    case "copy": {
      const sources = paths(root.doc).filter((p) => p.length > 0);
      const from = sources[m.from % Math.max(sources.length, 1)];
      if (from !== undefined)
        parent[key] = clone(from.reduce<unknown>((v, step) => (v as Record<string | number, unknown>)[step], root.doc));
      break;
    }
    case "grow":
      if (Array.isArray(target)) for (let i = 0; i < m.times; i++) target.push(clone(target[i % Math.max(target.length, 1)] ?? null));
      break;
  }
  return root.doc;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...BAD_VALUES).map((value): Mutation => ({ kind: "set", value })),
  fc.constant<Mutation>({ kind: "delete" }),
  fc.constantFrom("extra", "__proto__", "constructor", "Slug", "slug ").map((key): Mutation => ({ kind: "extra", key })),
  fc.constant<Mutation>({ kind: "duplicate" }),
  fc.constantFrom(19, 50, 1001).map((times): Mutation => ({ kind: "grow", times })),
  fc.nat().map((from): Mutation => ({ kind: "copy", from })),
);

const mutated = edgeConfig.chain((doc) => {
  const all = paths(doc);
  return fc.tuple(fc.constant(doc), fc.constantFrom(...all), fc.array(mutation, { minLength: 1, maxLength: 2 }));
});

// ---- the properties --------------------------------------------------------------------------------

describe("the edge's config parser against the zod EdgeConfig", () => {
  it("accepts every valid document, with the same value and defaults", () => {
    fc.assert(
      fc.property(edgeConfig, (doc) => {
        expect(agreeOnConfig(doc).accepted).toBe(true);
        expect(agreeOnConfig(JSON.parse(JSON.stringify(doc))).accepted).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("each field of a valid document broken in turn, by every bad value: the same verdict", () => {
    // Two experiments, one with an audience and a layer, and a holdout: every kind of field is broken.
    const doc = fc.sample(
      edgeConfig.filter(
        (d) => d.experiments.length >= 2 && (d.holdouts?.length ?? 0) >= 1 && d.experiments.some((e) => e.audience && e.layer),
      ),
      { numRuns: 1, seed: 14 },
    )[0] as unknown;
    let refused = 0;
    let checked = 0;
    for (const path of paths(doc)) {
      for (const value of BAD_VALUES) {
        if (!agreeOnConfig(mutate(doc, path, { kind: "set", value })).accepted) refused++;
        checked++;
      }
      for (const m of [{ kind: "delete" }, { kind: "extra", key: "extra" }, { kind: "duplicate" }] as const) {
        if (!agreeOnConfig(mutate(doc, path, m)).accepted) refused++;
        checked++;
      }
      // The same field of a sibling (another variant's slug, another experiment's target page…).
      const all = paths(doc).filter((p) => p.length > 0);
      all.forEach((other, from) => {
        if (other.length === path.length && other.at(-1) === path.at(-1) && other.join(".") !== path.join(".")) {
          if (!agreeOnConfig(mutate(doc, path, { kind: "copy", from })).accepted) refused++;
          checked++;
        }
      });
    }
    // Most breakages are refused; the few accepted (a page changed to another valid path, say) agreed too.
    expect(checked).toBeGreaterThan(1000);
    expect(refused / checked).toBeGreaterThan(0.8);
  }, 60_000); // every path of a whole document (targeting fields and holdouts included) times ~40 breakages, each parsed twice: a budget for a busy machine, not a speed claim

  it("random mutations of valid documents: the same verdict, and equal values when accepted", () => {
    fc.assert(
      fc.property(mutated, ([doc, path, ms]) => {
        let d: unknown = doc;
        for (const m of ms) d = mutate(d, path, m);
        agreeOnConfig(d);
        // What KV actually holds has been through JSON: NaN and the infinities become null there.
        const text = JSON.stringify(d);
        if (text !== undefined) agreeOnConfig(JSON.parse(text));
      }),
      { numRuns: 1500 },
    );
  }, 30_000); // ~3 s alone; documents with targeting fields and holdouts, beside the whole suite, take longer

  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withMap: true, withSet: true, withBigInt: true, withDate: true }), (v) => {
        const hand = parseEdgeConfig(v);
        expect(hand.ok).toBe(EdgeConfig.safeParse(v).success);
      }),
      { numRuns: 500 },
    );
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error("no keys for you");
        },
      },
    );
    expect(parseEdgeConfig(hostile)).toMatchObject({ ok: false });
  });

  it("names the path of what is wrong", () => {
    const doc = fc.sample(
      edgeConfig.filter((d) => d.experiments.length >= 1),
      { numRuns: 1, seed: 7 },
    )[0] as { experiments: unknown[] };
    const bad = mutate(doc, ["experiments", 0, "variants", 1, "slug"], { kind: "set", value: "Not A Slug" });
    const hand = parseEdgeConfig(bad);
    expect(hand.ok).toBe(false);
    expect(!hand.ok && hand.problems.map((p) => p.path)).toContain("experiments.0.variants.1.slug");
  });

  it("the timestamp pattern accepts exactly what zod's iso.datetime() does", () => {
    const iso = z.iso.datetime();
    const nearIso = timestamp.chain((t) =>
      fc.oneof(
        fc.constant(t),
        fc
          .tuple(fc.nat({ max: t.length - 1 }), fc.constantFrom(..."0123456789:-.TZ+ tz".split("")))
          .map(([i, ch]) => t.slice(0, i) + ch + t.slice(i + 1)),
        fc.nat({ max: t.length - 1 }).map((i) => t.slice(0, i) + t.slice(i + 1)),
        fc
          .tuple(fc.nat({ max: 4000 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }))
          .map(([y, m, d]) => `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}T00:00:00Z`),
      ),
    );
    fc.assert(
      fc.property(nearIso, (t) => {
        expect(UTC_TIMESTAMP.test(t), t).toBe(iso.safeParse(t).success);
      }),
      { numRuns: 3000 },
    );
  });
});

// The events body's schema as the edge had it in zod, kept here as the oracle of the hand parser.
const ZodEventsBody = (max: number) =>
  z.strictObject({
    events: z
      .array(
        z.strictObject({
          name: z.string().regex(CUSTOM_EVENT_NAME),
          value: z.number().min(0).max(MAX_EVENT_VALUE).optional(),
          id: z.string().regex(EVENT_ID_PATTERN).optional(),
        }),
      )
      .min(1)
      .max(max),
  });

describe("the events body parser against its zod schema", () => {
  const eventName = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/),
    fc.string({ maxLength: 70 }),
    fc.constantFrom("", "sign up", "x".repeat(65)),
  );
  const body = fc.oneof(
    fc.record({ events: fc.array(fc.record({ name: eventName }), { maxLength: 25 }) }),
    fc.record({ events: fc.array(fc.oneof(fc.record({ name: eventName }), fc.anything()), { maxLength: 25 }) }),
    fc.record({ events: fc.array(fc.record({ name: eventName, value: fc.double() }), { maxLength: 3 }) }),
    fc.record({
      events: fc.array(
        fc.record(
          {
            name: eventName,
            value: fc.oneof(fc.double({ min: -1, max: 2e6 }), fc.constantFrom(0, -0, 49.9, 1e6, 1e6 + 0.01, "49.9", null)),
            id: fc.oneof(fc.stringMatching(/^[!-~]{1,130}$/), fc.constantFrom("", "order 1", "x".repeat(129), "ord-1")),
          },
          { requiredKeys: ["name"] },
        ),
        { maxLength: 4 },
      ),
    }),
    fc.anything(),
  );

  it("the same verdict and the same events, for any body and limit", () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 22 }), (b, max) => {
        const zod = ZodEventsBody(max).safeParse(b);
        const hand = parseCustomEvents(b, max);
        expect(hand.ok).toBe(zod.success);
        if (hand.ok && zod.success) expect(hand.value).toEqual(zod.data);
      }),
      { numRuns: 2000 },
    );
  });

  it("names the event whose name is wrong", () => {
    const hand = parseCustomEvents({ events: [{ name: "ok" }, { name: "not ok" }] }, 20);
    expect(!hand.ok && hand.problems).toEqual([{ path: "events.1.name", message: expect.any(String) }]);
    const root = parseCustomEvents([], 20);
    expect(!root.ok && root.problems[0]?.path).toBe("(body)");
  });
});
