// kv-schema/audience-cases.json: hand-written cases of docs/audiences.md, run against the core and
// against the tests' own evaluation of the specification.
import { describe, expect, it } from "vitest";
import cases from "../../kv-schema/audience-cases.json";
import { type Audience, compileAudience, inAudience } from "../../src/core/targeting/audience.ts";
import { classifyUserAgent, deviceOf } from "../../src/core/targeting/device.ts";
import { preferredLanguage } from "../../src/core/targeting/language.ts";
import { matchesPathPattern } from "../../src/core/targeting/path-pattern.ts";
import { AudienceSchema } from "../../src/core/targeting/schema.ts";
import { factsOf } from "../support/targeting-facts.ts";
import {
  type PlainAudience,
  type PlainRequest,
  referenceInAudience,
  referenceLanguage,
  referencePathMatches,
} from "../support/targeting-reference.ts";

const labelled = new Map(cases.devices.map((d) => [d.user_agent, d.device]));
const labelOf = (ua: string): string => {
  const d = labelled.get(ua);
  if (d === undefined) throw new Error(`no label for ${ua}`);
  return d;
};

describe("audience-cases.json", () => {
  it("holds cases for every attribute and operator, both ways", () => {
    const attributes = new Set(cases.audiences.flatMap((c) => c.audience.conditions.map((x) => x.attribute.split(".")[0])));
    const operators = new Set(cases.audiences.flatMap((c) => c.audience.conditions.map((x) => x.operator)));
    expect([...attributes].sort()).toEqual([
      "city",
      "continent",
      "cookie",
      "country",
      "device",
      "header",
      "language",
      "path",
      "query",
      "region",
    ]);
    expect([...operators].sort()).toEqual(["contains", "equals", "exists", "in", "not_exists", "not_in"]);
    expect(cases.audiences.filter((c) => c.in).length).toBeGreaterThan(20);
    expect(cases.audiences.filter((c) => !c.in).length).toBeGreaterThan(20);
  });

  for (const c of cases.audiences) {
    it(c.name, () => {
      const audience = AudienceSchema.parse(c.audience) as Audience;
      const request = c.request as PlainRequest;
      expect(inAudience(compileAudience(audience), factsOf(request)), "core").toBe(c.in);
      expect(referenceInAudience(c.audience as PlainAudience, request, labelOf), "reference").toBe(c.in);
    });
  }

  it("classifies every listed user agent as labelled", () => {
    expect(cases.devices.length).toBeGreaterThanOrEqual(45);
    for (const d of ["mobile", "tablet", "desktop"]) expect(cases.devices.filter((x) => x.device === d).length).toBeGreaterThanOrEqual(9);
    for (const d of cases.devices) {
      expect(classifyUserAgent(d.user_agent), d.name).toBe(d.device);
      expect(deviceOf(d.user_agent), d.name).toBe(d.device); // through the memo, twice
      expect(deviceOf(d.user_agent), d.name).toBe(d.device);
    }
  });

  it("picks the preferred language of every listed header", () => {
    for (const l of cases.languages) {
      expect(preferredLanguage(l.accept_language), l.accept_language).toBe(l.language ?? undefined);
      expect(referenceLanguage(l.accept_language), l.accept_language).toBe(l.language ?? undefined);
    }
  });

  it("matches every listed path pattern as listed", () => {
    for (const p of cases.path_patterns) {
      expect(matchesPathPattern(p.pattern, p.path), `${p.pattern} ${p.path}`).toBe(p.matches);
      expect(referencePathMatches(p.pattern, p.path), `reference ${p.pattern} ${p.path}`).toBe(p.matches);
    }
  });
});
