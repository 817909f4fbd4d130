// The edge's hand-checked parser of the targeting fields (parse.ts) against the admin's zod schemas:
// over generated documents, valid and broken in every field, both accept the same ones and give the
// same values.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAudience, parseEdgeTargeting, parseHoldouts } from "../../src/core/targeting/parse.ts";
import { isUtcInstant } from "../../src/core/targeting/rules.ts";
import { AudienceSchema, EdgeTargetingSchema, HoldoutsSchema, UtcInstant } from "../../src/core/targeting/schema.ts";

const junk = fc.oneof(
  fc.constant(null),
  fc.constant(true),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constant([]),
  fc.constant({}),
  fc.constant(Number.NaN),
);
/** A value that is usually drawn from `valid`, sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: junk });

const percent = mostly(
  fc.oneof(
    fc.integer({ min: 0, max: 100 }),
    fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
    fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000),
    fc.constantFrom(-0.01, 100.01, 1e21, -5, 33.333, 0.1 + 0.2),
  ),
);
const slug = mostly(fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.constantFrom("", "A", "a_b", "x".repeat(64), "x".repeat(65))));
const instant = mostly(
  fc.oneof(
    fc
      .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.constantFrom(
      "2026-02-29T00:00:00Z",
      "2024-02-29T10:00:00Z",
      "2000-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-01-01T00:00Z",
      "2026-01-01T00:00:00+01:00",
      "2026-01-01T00:00:00.123456Z",
      "2026-01-01T00:00:00.Z",
      "2026-01-01T24:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-01-00T00:00:00Z",
      "2026-01-01t00:00:00z",
      "2026-01-01 00:00:00Z",
      "0000-02-29T00:00:00Z",
    ),
  ),
);

const ATTRIBUTES = [
  "country",
  "region",
  "city",
  "continent",
  "device",
  "language",
  "path",
  "query.utm_source",
  "cookie.plan",
  "header.x-a",
  "Country",
  "query.",
  "header.a b",
  "cookie.",
  "x",
];
const VALUES = [
  "US",
  "us",
  "USA",
  "EU",
  "mobile",
  "phone",
  "en",
  "en-GB",
  "en_GB",
  "/blog/*",
  "/docs/**",
  "blog",
  "/a**",
  "",
  "x".repeat(201),
  "Austin",
  "a\u0001b",
];
const OPERATORS = ["in", "not_in", "equals", "contains", "exists", "not_exists", "IN", "is"];

/** Now and then an object gets a field no schema knows. */
const sometimesExtra = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, fc.nat(9)).map(([o, n]) => (n === 0 ? { ...o, extra: 1 } : o));

/** Conditions that are valid more often than not: values fitting the attribute, counts fitting the operator. */
const FITTING: Record<string, string[]> = {
  country: ["US", "de"],
  device: ["mobile", "desktop"],
  language: ["en", "en-GB"],
  path: ["/blog/*", "/docs/**"],
  "query.utm_source": ["newsletter", "x"],
};
const fittingCondition = fc.constantFrom(...Object.keys(FITTING)).chain((attribute) =>
  fc.constantFrom("in", "not_in", "equals", "exists", "contains").chain((operator) =>
    fc.record({
      attribute: fc.constant(attribute),
      operator: fc.constant(operator),
      values: fc.subarray(FITTING[attribute] as string[], {
        minLength: operator === "exists" ? 0 : 1,
        maxLength: operator === "exists" ? 0 : operator === "equals" || operator === "contains" ? 1 : 2,
      }),
    }),
  ),
);

const messyCondition = mostly(
  sometimesExtra(
    fc.record(
      {
        attribute: mostly(fc.constantFrom(...ATTRIBUTES)),
        operator: mostly(fc.constantFrom(...OPERATORS)),
        values: mostly(fc.array(mostly(fc.constantFrom(...VALUES)), { maxLength: 4 })),
      },
      { requiredKeys: ["attribute", "operator"] },
    ),
  ),
);
const condition = fc.oneof({ weight: 3, arbitrary: fittingCondition }, { weight: 1, arbitrary: messyCondition });

const audienceObject = sometimesExtra(
  fc.record(
    { match: mostly(fc.constantFrom("all", "any", "most")), conditions: mostly(fc.array(condition, { maxLength: 4 })) },
    { requiredKeys: ["conditions"] },
  ),
);
const audience = fc.oneof(fc.constant(undefined), fc.constant(null), junk, { weight: 4, arbitrary: audienceObject });
const layer = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  junk,
  sometimesExtra(fc.record({ slug, from: percent, to: percent }, { requiredKeys: [] })),
);
const bots = fc.oneof(fc.constant(undefined), fc.constantFrom("like_visitors", "control", "serve"), junk);

const experiment = fc.record(
  {
    slug: fc.constant("pricing"), // an experiment's other fields: neither parser minds them
    audience,
    coverage_percent: fc.oneof(fc.constant(undefined), percent),
    layer,
    scheduled_end_at: fc.oneof(fc.constant(undefined), fc.constant(null), instant),
    bots,
  },
  { requiredKeys: ["slug"] },
);

const goal = mostly(
  fc.constantFrom(
    "page_view:/thanks",
    "form_submission:/signup",
    "custom:signup",
    "custom:",
    "page_view:thanks",
    "click:/x",
    "page_view://evil",
  ),
);
const holdout = mostly(
  sometimesExtra(
    fc.record(
      {
        id: mostly(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom(2 ** 53, 1.5))),
        slug,
        percent,
        layer: fc.oneof(fc.constant(null), slug),
        goals: mostly(fc.array(goal, { maxLength: 3 })),
        epoch: mostly(fc.oneof(fc.nat({ max: 9 }), fc.constantFrom(-1, 1.5, 2 ** 53))),
        shards: mostly(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(0, 65, 2.5))),
      },
      { requiredKeys: ["id", "slug", "percent"] },
    ),
  ),
);

function agree<T>(zodResult: { success: boolean; data?: T }, hand: { ok: boolean; value?: T }, input: unknown) {
  expect(hand.ok, JSON.stringify(input)).toBe(zodResult.success);
  if (zodResult.success) expect(hand.value).toEqual(zodResult.data);
}

describe("parse.ts accepts exactly what the zod schemas accept", () => {
  it("an experiment's targeting fields, over 10,000 generated experiments", () => {
    let accepted = 0;
    fc.assert(
      fc.property(experiment, (e) => {
        const z = EdgeTargetingSchema.safeParse(e);
        agree(z, parseEdgeTargeting(e), e);
        if (z.success) accepted++;
      }),
      { numRuns: 10_000, seed: 42 },
    );
    expect(accepted).toBeGreaterThan(1_000); // the generator reaches the valid side often
    expect(accepted).toBeLessThan(9_000); // and the broken side
  });

  it("an audience on its own", () => {
    let accepted = 0;
    fc.assert(
      fc.property(audience, (a) => {
        const z = AudienceSchema.nullable().default(null).safeParse(a);
        agree(z, parseAudience(a), a);
        if (z.success && z.data !== null) accepted++;
      }),
      { numRuns: 5_000, seed: 7 },
    );
    expect(accepted).toBeGreaterThan(250);
  });

  it("the holdouts list, over 10,000 generated lists", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.constant(undefined), junk, fc.array(holdout, { maxLength: 4 })), (list) => {
        const z = HoldoutsSchema.default([]).safeParse(list);
        agree(z, parseHoldouts(list), list);
        if (z.success) accepted++;
      }),
      { numRuns: 10_000, seed: 3 },
    );
    expect(accepted).toBeGreaterThan(1_000);
  });

  it("UTC instants: the same set as z.iso.datetime()", () => {
    fc.assert(
      fc.property(instant, (s) => {
        if (typeof s === "string") expect(isUtcInstant(s), s).toBe(UtcInstant.safeParse(s).success);
      }),
      { numRuns: 5_000, seed: 11 },
    );
  });

  it("never throws, and names the field at fault", () => {
    const r = parseEdgeTargeting({ audience: { match: "all", conditions: [{ attribute: "country", operator: "in", values: ["USA"] }] } });
    expect(r).toEqual({ ok: false, path: "audience.conditions.0.values.0", message: expect.stringMatching(/ISO 3166-1/) });
    expect(parseEdgeTargeting({ layer: { slug: "l", from: 50, to: 20 } })).toEqual({
      ok: false,
      path: "layer.to",
      message: "a layer slice needs from < to",
    });
    expect(parseEdgeTargeting({ coverage_percent: 12.345 })).toEqual({
      ok: false,
      path: "coverage_percent",
      message: "may have at most two decimals",
    });
    expect(parseEdgeTargeting(null)).toEqual({ ok: false, path: "(value)", message: "expected an object" });
    expect(
      parseHoldouts([
        { id: 1, slug: "h", percent: 5 },
        { id: 1, slug: "g", percent: 5 },
      ]),
    ).toEqual({
      ok: false,
      path: "1.id",
      message: "holdout id 1 is used twice",
    });
  });

  it("fills the defaults in: everyone, 100 %, no layer, no end, crawlers like visitors", () => {
    expect(parseEdgeTargeting({ slug: "x" })).toEqual({
      ok: true,
      value: { audience: null, coverage_percent: 100, layer: null, scheduled_end_at: null, bots: "like_visitors" },
    });
    expect(EdgeTargetingSchema.parse({ slug: "x" })).toEqual({
      audience: null,
      coverage_percent: 100,
      layer: null,
      scheduled_end_at: null,
      bots: "like_visitors",
    });
    expect(parseHoldouts(undefined)).toEqual({ ok: true, value: [] });
  });
});
