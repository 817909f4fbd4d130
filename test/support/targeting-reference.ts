// An independent evaluation of docs/audiences.md, written from the specification for the tests: it
// shares no code with src/core/targeting (other than the MurmurHash3 reference of this folder) and
// reads a request the plain way (URL objects, header and cookie records), so that a disagreement
// between the two is a bug in one of them. Device classes are not recomputed: a UA's class is an
// input here (the tests take it from the labelled table of real user agents).
import { murmur3Reference } from "./murmur3-reference.ts";

export interface PlainRequest {
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  cookies: Record<string, string>;
  cf?: { country?: string; continent?: string; regionCode?: string; region?: string; city?: string };
}

export interface PlainCondition {
  attribute: string;
  operator: "in" | "not_in" | "equals" | "contains" | "exists" | "not_exists";
  values: string[];
}

export interface PlainAudience {
  match: "all" | "any";
  conditions: PlainCondition[];
}

const encoder = new TextEncoder();

/** The bucket of any targeting key: MurmurHash3 x86_32 (seed 0) of its UTF-8 bytes, mod 10,000. */
export const referenceBucket = (key: string): number => murmur3Reference(encoder.encode(key)) % 10000;

export const referenceInCoverage = (slug: string, visitorId: string, percent: number): boolean =>
  referenceBucket(`coverage:${slug}:${visitorId}`) < Math.round(percent * 100);

export function referenceInLayer(layer: string, visitorId: string, from: number, to: number): boolean {
  const b = referenceBucket(`layer:${layer}:${visitorId}`);
  return b >= Math.round(from * 100) && b < Math.round(to * 100);
}

export const referenceInHoldout = (slug: string, visitorId: string, percent: number): boolean =>
  referenceBucket(`holdout:${slug}:${visitorId}`) < Math.round(percent * 100);

// ---- Attributes, read the plain way ------------------------------------------------------------------

/** Path as target pages are matched: the URL's path, a trailing slash dropped (but never the root's). */
function requestPath(url: string): string {
  const p = new URL(url).pathname;
  return p !== "/" && p.endsWith("/") ? p.replace(/\/$/, "") : p;
}

/** The preferred language: highest q > 0, first among equals, `*` ignored; lower case. */
export function referenceLanguage(header: string | undefined): string | undefined {
  if (header === undefined || header === "") return undefined;
  const ranges = header.split(",").map((part, order) => {
    const [tag = "", ...params] = part.split(";").map((s) => s.trim());
    const qParam = params.find((p) => /^q=/i.test(p));
    let q = 1;
    if (qParam !== undefined) {
      const text = qParam.slice(2).trim();
      q = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(text) ? Number.parseFloat(text) : 0;
    }
    return { tag, q, order };
  });
  const usable = ranges.filter((r) => r.q > 0 && r.tag !== "*" && /^[a-z]{1,8}(-[a-z0-9]{1,8})*$/i.test(r.tag));
  usable.sort((a, b) => b.q - a.q || a.order - b.order);
  return usable[0]?.tag.toLowerCase();
}

/** Glob match of one segment: `*` is any run of characters. */
function segmentMatches(pattern: string, segment: string): boolean {
  if (pattern === "") return segment === "";
  if (pattern[0] === "*") {
    for (let i = 0; i <= segment.length; i++) if (segmentMatches(pattern.slice(1), segment.slice(i))) return true;
    return false;
  }
  return segment.length > 0 && segment[0] === pattern[0] && segmentMatches(pattern.slice(1), segment.slice(1));
}

function segmentsMatch(pattern: string[], path: string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern as [string, ...string[]];
  if (head === "**") {
    for (let i = 0; i <= path.length; i++) if (segmentsMatch(rest, path.slice(i))) return true;
    return false;
  }
  return path.length > 0 && segmentMatches(head, path[0] as string) && segmentsMatch(rest, path.slice(1));
}

/** Path patterns by segments: `**` is zero or more whole segments, `*` a run within one. */
export function referencePathMatches(pattern: string, path: string): boolean {
  const norm = (p: string) => (p !== "/" && p.endsWith("/") ? p.slice(0, -1) : p);
  const split = (p: string) => (p === "/" ? [""] : p.split("/").slice(1));
  const pat = norm(pattern);
  if (pat === "/**") return true;
  return segmentsMatch(split(pat), split(norm(path)));
}

const usable = (s: string | undefined) => (s === undefined || s === "" || s === "XX" ? undefined : s);

/** The attribute's values; `deviceOfUa` gives a UA's class (the tests' labelled table). */
function attributeValues(attribute: string, r: PlainRequest, deviceOfUa: (ua: string) => string): string[] {
  const cf = r.cf ?? {};
  if (attribute === "country") return [usable(cf.country)].filter((x) => x !== undefined);
  if (attribute === "continent") return [usable(cf.continent)].filter((x) => x !== undefined);
  if (attribute === "city") return [usable(cf.city)].filter((x) => x !== undefined);
  if (attribute === "region") {
    const code = usable(cf.regionCode);
    const country = usable(cf.country);
    const out: string[] = [];
    if (code !== undefined) {
      out.push(code);
      if (country !== undefined) out.push(`${country}-${code}`);
    }
    const name = usable(cf.region);
    if (name !== undefined) out.push(name);
    return out;
  }
  if (attribute === "device") {
    const ua = r.headers["user-agent"];
    return ua === undefined || ua === "" ? [] : [deviceOfUa(ua)];
  }
  if (attribute === "language") {
    const l = referenceLanguage(r.headers["accept-language"]);
    return l === undefined ? [] : [l];
  }
  if (attribute === "path") return [requestPath(r.url)];
  if (attribute.startsWith("query.")) return new URL(r.url).searchParams.getAll(attribute.slice(6));
  if (attribute.startsWith("cookie.")) {
    const v = r.cookies[attribute.slice(7)];
    return v === undefined ? [] : [v];
  }
  if (attribute.startsWith("header.")) {
    const v = r.headers[attribute.slice(7).toLowerCase()];
    return v === undefined ? [] : [v];
  }
  throw new Error(`reference: unknown attribute ${attribute}`);
}

const FOLDED = new Set(["country", "region", "city", "continent", "device", "language"]);

/** One condition by the specification's table. */
export function referenceCondition(c: PlainCondition, r: PlainRequest, deviceOfUa: (ua: string) => string): boolean {
  const folded = FOLDED.has(c.attribute);
  const norm = (s: string) => (folded ? s.toLowerCase() : s);
  const have = attributeValues(c.attribute, r, deviceOfUa).map(norm);
  const want = c.values.map(norm);
  const member = (v: string, w: string): boolean => {
    if (c.attribute === "language") return v === w || v.startsWith(`${w}-`);
    if (c.attribute === "path") return referencePathMatches(w, v);
    return v === w;
  };
  switch (c.operator) {
    case "exists":
      return have.length > 0;
    case "not_exists":
      return have.length === 0;
    case "in":
    case "equals":
      return have.some((v) => want.some((w) => member(v, w)));
    case "not_in":
      return !have.some((v) => want.some((w) => member(v, w)));
    case "contains":
      return have.some((v) => want.some((w) => v.includes(w)));
  }
}

export function referenceInAudience(a: PlainAudience, r: PlainRequest, deviceOfUa: (ua: string) => string): boolean {
  const results = a.conditions.map((c) => referenceCondition(c, r, deviceOfUa));
  return a.match === "all" ? results.every(Boolean) : results.some(Boolean);
}
