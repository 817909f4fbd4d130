// Audiences: the core against the tests' own evaluation of docs/audiences.md over thousands of
// generated audiences and requests, the lazy reading of the request, and the rules' messages.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import cases from "../../kv-schema/audience-cases.json";
import { queryValues, type RequestFacts } from "../../src/core/targeting/attributes.ts";
import {
  type Audience,
  type AudienceCondition,
  compileAudience,
  conditionProblems,
  inAudience,
} from "../../src/core/targeting/audience.ts";
import { AudienceSchema } from "../../src/core/targeting/schema.ts";
import { factsOf } from "../support/targeting-facts.ts";
import { type PlainCondition, type PlainRequest, referenceInAudience } from "../support/targeting-reference.ts";

const uaLabel = new Map(cases.devices.map((d) => [d.user_agent, d.device]));
const labelOf = (ua: string) => uaLabel.get(ua) as string;

// Values the generated audiences compare with, chosen so that generated requests often match them.
const POOLS: Record<string, string[]> = {
  country: ["US", "us", "DE", "GB", "T1", "FR"],
  region: ["TX", "us-tx", "Texas", "BY", "DE-BY", "bavaria", "CA"],
  city: ["Austin", "austin", "München", "Berlin", "zürich"],
  continent: ["NA", "EU", "as", "OC"],
  device: ["mobile", "tablet", "desktop", "MOBILE"],
  language: ["en", "EN-gb", "de", "de-at", "fr", "zh-hant", "pt-BR"],
  path: ["/", "/blog/*", "/docs/**", "/shop/*.html", "/a/**/b", "/pricing", "/*", "/blog/*/comments"],
  "query.utm_source": ["newsletter", "Newsletter", "ads", "a b"],
  "query.tag": ["a", "b", "c"],
  "cookie.plan": ["pro", "Pro", "free", "team"],
  "header.x-tier": ["gold", "Gold", "silver"],
  "header.X-Tier": ["gold", "silver"],
};
const SUBSTRINGS: Record<string, string[]> = {
  region: ["ex", "TX", "bav", "-"],
  city: ["au", "ünch", "BER", "x"],
  language: ["en", "-", "at", "hant"],
  path: ["blog", "/docs", ".html", "a/"],
  "query.utm_source": ["news", "ad", " "],
  "query.tag": ["a", "b"],
  "cookie.plan": ["pr", "ee", "P"],
  "header.x-tier": ["ol", "G"],
  "header.X-Tier": ["il"],
};
const ALL_OPS = ["in", "not_in", "equals", "contains", "exists", "not_exists"] as const;
const OPS: Record<string, readonly PlainCondition["operator"][]> = {
  country: ["in", "not_in", "equals", "exists", "not_exists"],
  continent: ["in", "not_in", "equals", "exists", "not_exists"],
  device: ["in", "not_in", "equals", "exists", "not_exists"],
  path: ["in", "not_in", "equals", "contains"],
};

const conditionArb: fc.Arbitrary<PlainCondition> = fc.constantFrom(...Object.keys(POOLS)).chain((attribute) =>
  fc.constantFrom(...(OPS[attribute] ?? ALL_OPS)).chain((operator) => {
    const pool = POOLS[attribute] as string[];
    const values =
      operator === "exists" || operator === "not_exists"
        ? fc.constant<string[]>([])
        : operator === "equals"
          ? fc.constantFrom(...pool).map((v) => [v])
          : operator === "contains"
            ? fc.uniqueArray(fc.constantFrom(...(SUBSTRINGS[attribute] as string[])), { minLength: 1, maxLength: 3 })
            : fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 4 });
    return values.map((v) => ({ attribute, operator, values: v }));
  }),
);

const audienceArb = fc.record({
  match: fc.constantFrom("all" as const, "any" as const),
  conditions: fc.array(conditionArb, { minLength: 1, maxLength: 5 }),
});

const CFS: Array<PlainRequest["cf"]> = [
  undefined,
  {},
  { country: "US", continent: "NA", regionCode: "TX", region: "Texas", city: "Austin" },
  { country: "DE", continent: "EU", regionCode: "BY", region: "Bavaria", city: "München" },
  { country: "CH", continent: "EU", regionCode: "ZH", region: "Zurich", city: "Zürich" },
  { country: "XX" },
  { country: "T1" },
  { country: "US", regionCode: "CA" },
  { region: "Texas" },
  { country: "FR", continent: "EU", city: "" },
];
const PATHS = [
  "/",
  "/pricing",
  "/pricing/",
  "/blog",
  "/blog/a",
  "/blog/a/comments",
  "/docs",
  "/docs/x/y",
  "/shop/s.html",
  "/a/b",
  "/a/q/b",
  "/Pricing",
];
const QUERIES = [
  "",
  "?utm_source=newsletter",
  "?utm_source=Newsletter&tag=a",
  "?tag=a&tag=b",
  "?utm_source=a+b",
  "?tag=",
  "?utm_source=ads#x",
  "?tag=c&utm_source=newsletter",
];
const LANGS = [undefined, "en-US,en;q=0.9", "de-AT,de;q=0.9,en;q=0.8", "en-GB", "fr;q=0.3, zh-Hant;q=0.9", "*", "pt-BR", "en;q=0, de"];
const UAS = [undefined, ...cases.devices.map((d) => d.user_agent)];

const requestArb: fc.Arbitrary<PlainRequest> = fc
  .record({
    cf: fc.constantFrom(...CFS),
    path: fc.constantFrom(...PATHS),
    query: fc.constantFrom(...QUERIES),
    lang: fc.constantFrom(...LANGS),
    ua: fc.constantFrom(...UAS),
    tier: fc.constantFrom(undefined, "gold", "Gold", "silver", ""),
    plan: fc.constantFrom(undefined, "pro", "Pro", "free", ""),
  })
  .map(({ cf, path, query, lang, ua, tier, plan }) => {
    const headers: Record<string, string> = {};
    if (lang !== undefined) headers["accept-language"] = lang;
    if (ua !== undefined) headers["user-agent"] = ua;
    if (tier !== undefined) headers["x-tier"] = tier;
    const request: PlainRequest = { url: `https://shop.example${path}${query}`, headers, cookies: plan === undefined ? {} : { plan } };
    if (cf !== undefined) request.cf = cf;
    return request;
  });

describe("audiences against the independent evaluation", () => {
  it("agree on 5,000 generated audiences and requests, with both answers common", () => {
    let inside = 0;
    let runs = 0;
    fc.assert(
      fc.property(audienceArb, fc.array(requestArb, { minLength: 1, maxLength: 4 }), (audience, requests) => {
        for (const c of audience.conditions) expect(conditionProblems(c as AudienceCondition), JSON.stringify(c)).toEqual([]);
        const compiled = compileAudience(audience as Audience);
        for (const r of requests) {
          const core = inAudience(compiled, factsOf(r));
          expect(core, JSON.stringify({ audience, r })).toBe(referenceInAudience(audience, r, labelOf));
          runs++;
          if (core) inside++;
        }
      }),
      { numRuns: 5000, seed: 1809 },
    );
    // A test whose answer is nearly always the same would prove little.
    expect(inside / runs).toBeGreaterThan(0.2);
    expect(inside / runs).toBeLessThan(0.8);
  });

  it("agree condition by condition, every attribute and operator many times", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(conditionArb, requestArb, (c, r) => {
        const core = inAudience(compileAudience({ match: "all", conditions: [c] }), factsOf(r));
        expect(core, JSON.stringify({ c, r })).toBe(referenceInAudience({ match: "all", conditions: [c] }, r, labelOf));
        const key = `${c.attribute}/${c.operator}/${core}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      { numRuns: 20000, seed: 18 },
    );
    // Every attribute takes both answers under "in" (where it has values that can match).
    for (const attribute of Object.keys(POOLS)) {
      expect(seen.get(`${attribute}/in/true`) ?? 0, attribute).toBeGreaterThan(10);
      expect(seen.get(`${attribute}/in/false`) ?? 0, attribute).toBeGreaterThan(10);
    }
  });
});

/** Facts that count every read, to hold the evaluation to reading only what it needs. */
function countingFacts(r: PlainRequest) {
  const reads: string[] = [];
  const plain = factsOf(r);
  const facts: RequestFacts = {
    get url() {
      reads.push("url");
      return plain.url;
    },
    header: (name) => {
      reads.push(`header:${name}`);
      return plain.header(name);
    },
    cookie: (name) => {
      reads.push(`cookie:${name}`);
      return plain.cookie(name);
    },
    get cf() {
      reads.push("cf");
      return plain.cf;
    },
  };
  return { facts, reads };
}

describe("reading the request", () => {
  it("reads a query parameter exactly as URLSearchParams.getAll does, over awkward query strings", () => {
    const piece = fc.constantFrom(
      "a",
      "b",
      "ab",
      "=",
      "&",
      "+",
      "%20",
      "%2B",
      "%26",
      "%3D",
      "%C3%A9",
      "%C3",
      "%ZZ",
      "%",
      "é",
      "a%62",
      "#",
      "?",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.constantFrom("a", "b", "ab", "a b", "a+b", "é", "ab="), (pieces, name) => {
        // As a Worker sees it: the URL serialized by the platform's parser (non-ASCII percent-encoded).
        const url = new URL(`https://shop.example/p?${pieces.join("")}`);
        expect(queryValues(url.href, name), url.href).toEqual(url.searchParams.getAll(name));
      }),
      { numRuns: 20_000, seed: 5 },
    );
    expect(queryValues("https://shop.example/p#x?a=1", "a")).toEqual([]);
    expect(queryValues("https://shop.example/p?a=1&a=&a&b=2#a=3", "a")).toEqual(["1", "", ""]);
  });

  const iphone = cases.devices.find((d) => d.device === "mobile")?.user_agent as string;
  const request: PlainRequest = {
    url: "https://shop.example/pricing?utm_source=newsletter",
    headers: { "user-agent": iphone, "accept-language": "en-US" },
    cookies: { plan: "pro" },
    cf: { country: "US" },
  };

  it("reads only what the conditions name, and stops at the first deciding condition", () => {
    const all = compileAudience({
      match: "all",
      conditions: [
        { attribute: "country", operator: "in", values: ["DE"] },
        { attribute: "device", operator: "equals", values: ["mobile"] },
      ],
    });
    const a = countingFacts(request);
    expect(inAudience(all, a.facts)).toBe(false);
    expect(a.reads).toEqual(["cf"]); // country failed: the User-Agent was never read

    const any = compileAudience({
      match: "any",
      conditions: [
        { attribute: "cookie.plan", operator: "equals", values: ["pro"] },
        { attribute: "query.utm_source", operator: "exists", values: [] },
      ],
    });
    const b = countingFacts(request);
    expect(inAudience(any, b.facts)).toBe(true);
    expect(b.reads).toEqual(["cookie:plan"]);
  });

  it("parses the language once for several conditions", () => {
    const audience = compileAudience({
      match: "all",
      conditions: [
        { attribute: "query.utm_source", operator: "equals", values: ["newsletter"] },
        { attribute: "query.utm_medium", operator: "not_exists", values: [] },
        { attribute: "language", operator: "in", values: ["en"] },
        { attribute: "language", operator: "not_in", values: ["de"] },
      ],
    });
    const c = countingFacts(request);
    expect(inAudience(audience, c.facts)).toBe(true);
    expect(c.reads).toEqual(["url", "header:accept-language"]); // the query is parsed once for both of its conditions
  });

  it("an audience that cannot be compiled admits nobody", () => {
    const broken = compileAudience({ match: "all", conditions: [{ attribute: "nope", operator: "in", values: ["x"] }] });
    expect(inAudience(broken, factsOf(request))).toBe(false);
    expect(inAudience(compileAudience({ match: "any", conditions: [] }), factsOf(request))).toBe(false);
    expect(inAudience(compileAudience({ match: "all", conditions: [] }), factsOf(request))).toBe(false);
  });
});

describe("the audience schema's messages", () => {
  const issues = (value: unknown) => {
    const r = AudienceSchema.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("names an unknown attribute and lists the known ones", () => {
    expect(issues({ match: "all", conditions: [{ attribute: "Country", operator: "in", values: ["US"] }] })).toEqual([
      'conditions.0.attribute: unknown attribute "Country": use country, region, city, continent, device, language, path, query.<name>, cookie.<name> or header.<name>',
    ]);
    expect(issues({ conditions: [{ attribute: "query.", operator: "exists" }] })).toEqual([
      "conditions.0.attribute: query.<name> needs a name after the dot",
    ]);
    expect(issues({ conditions: [{ attribute: "cookie.a b", operator: "exists" }] })[0]).toMatch(/cookie name may hold only/);
  });

  it("refuses values for exists and not_exists, and a count that does not fit the operator", () => {
    expect(issues({ conditions: [{ attribute: "cookie.beta", operator: "exists", values: ["1"] }] })).toEqual([
      'conditions.0.values: "exists" takes no values: leave values empty',
    ]);
    expect(issues({ conditions: [{ attribute: "country", operator: "equals", values: ["US", "CA"] }] })).toEqual([
      'conditions.0.values: "equals" takes exactly one value (for several, use "in")',
    ]);
    expect(issues({ conditions: [{ attribute: "country", operator: "in", values: [] }] })).toEqual([
      'conditions.0.values: "in" needs at least one value',
    ]);
    expect(issues({ conditions: [{ attribute: "path", operator: "exists" }] })).toEqual([
      'conditions.0.operator: path does not take "exists": use in, not_in, equals, contains',
    ]);
    expect(issues({ conditions: [{ attribute: "country", operator: "contains", values: ["U"] }] })[0]).toMatch(/does not take "contains"/);
  });

  it("checks values against their attribute", () => {
    expect(issues({ conditions: [{ attribute: "country", operator: "in", values: ["USA"] }] })[0]).toMatch(/not an ISO 3166-1 alpha-2/);
    expect(issues({ conditions: [{ attribute: "continent", operator: "in", values: ["EUR"] }] })[0]).toMatch(
      /use AF, AN, AS, EU, NA, OC, SA/,
    );
    expect(issues({ conditions: [{ attribute: "device", operator: "in", values: ["phone"] }] })[0]).toMatch(/use mobile, tablet, desktop/);
    expect(issues({ conditions: [{ attribute: "language", operator: "in", values: ["en_US"] }] })[0]).toMatch(/not a language tag/);
    expect(issues({ conditions: [{ attribute: "path", operator: "in", values: ["blog/*"] }] })[0]).toMatch(/must start with \//);
    expect(issues({ conditions: [{ attribute: "path", operator: "in", values: ["/docs/**x"] }] })[0]).toMatch(
      /\*\* must be a whole segment/,
    );
    expect(issues({ conditions: [{ attribute: "path", operator: "in", values: ["/a?b"] }] })[0]).toMatch(/no query/);
    expect(issues({ conditions: [{ attribute: "query.q", operator: "in", values: [""] }] })[0]).toMatch(/may not be empty/);
    expect(issues({ conditions: [{ attribute: "query.q", operator: "in", values: ["x".repeat(201)] }] })[0]).toMatch(
      /at most 200 characters/,
    );
  });

  it("limits conditions and values", () => {
    const one = { attribute: "cookie.a", operator: "exists", values: [] };
    expect(issues({ conditions: [] })).toEqual([
      "conditions: an audience needs at least one condition (to admit everyone, set no audience)",
    ]);
    expect(issues({ conditions: Array(21).fill(one) })).toEqual(["conditions: an audience may have at most 20 conditions"]);
    const many = Array.from({ length: 251 }, (_, i) => `v${i}`);
    expect(issues({ conditions: [{ attribute: "query.q", operator: "in", values: many }] })).toEqual([
      "conditions.0.values: a condition may have at most 250 values",
    ]);
    const big = { attribute: "query.q", operator: "in", values: many.slice(0, 250) };
    expect(issues({ conditions: [big, big, big, big, big] })).toEqual([
      "conditions: an audience may have at most 1000 values in all (it has 1250)",
    ]);
    expect(issues({ match: "most", conditions: [one] })).toEqual(['match: use "all" or "any"']);
    expect(issues({ conditions: [{ attribute: "country", operator: "is", values: ["US"] }] })).toEqual([
      "conditions.0.operator: use one of in, not_in, equals, contains, exists, not_exists",
    ]);
    expect(issues({ conditions: [{ ...one, extra: 1 }] })[0]).toMatch(/extra/);
  });

  it("fills match and values in", () => {
    expect(AudienceSchema.parse({ conditions: [{ attribute: "cookie.a", operator: "exists" }] })).toEqual({
      match: "all",
      conditions: [{ attribute: "cookie.a", operator: "exists", values: [] }],
    });
  });
});
