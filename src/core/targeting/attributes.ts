// What an audience can ask about a request, and how each attribute is read from it.
//
// A request is seen through `RequestFacts`: the URL string, a header getter, a cookie getter and the
// `cf` object as Cloudflare Workers give it. Nothing is read until a condition asks for it; the
// preferred language and the path are worked out at most once per evaluation, the device class once
// per distinct User-Agent in an isolate (device.ts), and a query parameter by one scan of the URL.
// So an experiment without an audience costs nothing and one with a country condition costs a
// property read. Every attribute yields a list of values (usually one; none when
// it is missing): see docs/audiences.md for the operators over such a list.
import { normalizePath } from "../paths.ts";
import { urlPath } from "../url.ts";
import { deviceOf } from "./device.ts";
import { preferredLanguage } from "./language.ts";

/** The geolocation fields of `request.cf` that audiences read (Cloudflare's names and formats). */
export interface CfGeo {
  /** ISO 3166-1 alpha-2, upper case (`"GB"`); `"T1"` for Tor; absent when unknown. */
  readonly country?: string | undefined;
  /** Two letters: AF, AN, AS, EU, NA, OC, SA. */
  readonly continent?: string | undefined;
  /** ISO 3166-2 code of the first-level region, without the country (`"TX"`). */
  readonly regionCode?: string | undefined;
  /** The region's name (`"Texas"`). */
  readonly region?: string | undefined;
  /** The city's name (`"Austin"`). */
  readonly city?: string | undefined;
}

/**
 * A request as audiences read it. The edge builds one from what it has already read (its parsed
 * cookie header, its `Request`), so nothing is read twice.
 *
 * @example
 * const facts: RequestFacts = {
 *   url: request.url,
 *   header: (name) => request.headers.get(name),
 *   cookie: (name) => cookieValue(cookieHeader, name),
 *   cf: request.cf,
 * };
 */
export interface RequestFacts {
  /** The absolute request URL. */
  readonly url: string;
  /** A request header by lower-case name, or null. */
  header(name: string): string | null;
  /** A cookie's value, percent-decoded as the edge reads cookies, or undefined. */
  cookie(name: string): string | undefined;
  /** `request.cf`; undefined where there is none (tests, local runs without Cloudflare's data). */
  readonly cf?: CfGeo | undefined;
}

/**
 * RequestFacts for a Workers `Request`: its headers read when asked (from `headers`, which a caller
 * that has read `request.headers` already hands over), cookies through the caller's getter (the edge's
 * `cookieValue` over the Cookie header it has already read).
 */
export function requestFacts(
  request: Request,
  cookie: (name: string) => string | undefined,
  url: string = request.url,
  headers: Headers = request.headers,
): RequestFacts {
  const cf = (request as { cf?: unknown }).cf;
  return {
    url,
    header: (name) => headers.get(name),
    cookie,
    cf: typeof cf === "object" && cf !== null ? (cf as CfGeo) : undefined,
  };
}

export const FIXED_ATTRIBUTES = ["country", "region", "city", "continent", "device", "language", "path"] as const;
export type FixedAttribute = (typeof FIXED_ATTRIBUTES)[number];
export const NAMED_ATTRIBUTE_PREFIXES = ["query", "cookie", "header"] as const;
export type NamedAttributeKind = (typeof NAMED_ATTRIBUTE_PREFIXES)[number];

export type AttributeRef =
  | { readonly kind: FixedAttribute }
  | {
      readonly kind: NamedAttributeKind /** query: as written (decoded); cookie: as written; header: lower case. */;
      readonly name: string;
    };

export const CONTINENTS = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"] as const;

export const MAX_ATTRIBUTE_NAME = 100;
/** RFC 9110 token characters: what cookie and header names are made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export const ATTRIBUTE_HINT = "use country, region, city, continent, device, language, path, query.<name>, cookie.<name> or header.<name>";

/** The attribute a condition's `attribute` string names, or why it names none. */
export function parseAttribute(attribute: string): AttributeRef | { readonly problem: string } {
  if ((FIXED_ATTRIBUTES as readonly string[]).includes(attribute)) return { kind: attribute as FixedAttribute };
  const dot = attribute.indexOf(".");
  const prefix = dot === -1 ? "" : attribute.slice(0, dot);
  if (!(NAMED_ATTRIBUTE_PREFIXES as readonly string[]).includes(prefix)) {
    return { problem: `unknown attribute "${attribute.slice(0, 120)}": ${ATTRIBUTE_HINT}` };
  }
  const kind = prefix as NamedAttributeKind;
  const name = attribute.slice(dot + 1);
  if (name.length === 0) return { problem: `${kind}.<name> needs a name after the dot` };
  if (name.length > MAX_ATTRIBUTE_NAME) return { problem: `a ${kind} name may have at most ${MAX_ATTRIBUTE_NAME} characters` };
  if (kind === "query") {
    if (CONTROL.test(name)) return { problem: "a query parameter name may not contain control characters" };
    return { kind, name };
  }
  if (!TOKEN.test(name)) return { problem: `a ${kind} name may hold only letters, digits and !#$%&'*+-.^_\`|~` };
  return { kind, name: kind === "header" ? name.toLowerCase() : name };
}

/** Whether the attribute's values are compared without regard to case (see docs/audiences.md). */
export function caseInsensitive(ref: AttributeRef): boolean {
  switch (ref.kind) {
    case "country":
    case "region":
    case "city":
    case "continent":
    case "device":
    case "language":
      return true;
    default:
      return false; // path, query, cookie and header values are compared exactly
  }
}

const NONE: readonly string[] = [];

/**
 * Per-evaluation memory: the request's facts, and what was derived from them so far. One is made per
 * `inAudience` call, and only for an experiment that has an audience.
 */
export class RequestMemo {
  readonly facts: RequestFacts;
  private languageValue: string | undefined | null = null;
  private pathValue: string | undefined;
  private params: URLSearchParams | null | undefined;

  constructor(facts: RequestFacts) {
    this.facts = facts;
  }

  path(): string {
    this.pathValue ??= normalizePath(urlPath(this.facts.url));
    return this.pathValue;
  }

  /** Every value of query parameter `name`, decoded as forms are (`+` is a space), in order. */
  query(name: string): readonly string[] {
    if (this.params === undefined) {
      const url = this.facts.url;
      this.params = url.indexOf("?") === -1 ? null : (searchParams(url) ?? null); // parsed once per request
    }
    return this.params?.getAll(name) ?? NONE;
  }

  language(): string | undefined {
    if (this.languageValue === null) this.languageValue = preferredLanguage(this.facts.header("accept-language"));
    return this.languageValue;
  }
}

/**
 * The values of one query parameter of an absolute URL, exactly as `URLSearchParams.getAll(name)`
 * gives them (none for a URL that does not parse). The platform's own parser: a hand-written scan was
 * faster, but the edge's size budget matters more, and only an audience that reads the query pays.
 */
export function queryValues(url: string, name: string): readonly string[] {
  return url.indexOf("?") === -1 ? NONE : (searchParams(url)?.getAll(name) ?? NONE);
}

function searchParams(url: string): URLSearchParams | undefined {
  try {
    return new URL(url).searchParams;
  } catch {
    return undefined;
  }
}

/** Drops Cloudflare's "unknown" markers and empty strings: the attribute is then missing. */
const known = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 && v !== "XX" ? v : undefined);

/**
 * The values of `ref` for the request, as compared: folded to lower case when the attribute is
 * case-insensitive (the condition's values are folded the same way when compiled).
 */
export function readAttribute(ref: AttributeRef, memo: RequestMemo): string | readonly string[] | undefined {
  const facts = memo.facts;
  switch (ref.kind) {
    case "country":
      return known(facts.cf?.country)?.toLowerCase();
    case "continent":
      return known(facts.cf?.continent)?.toLowerCase();
    case "city":
      return known(facts.cf?.city)?.toLowerCase();
    case "region":
      return regionValues(facts.cf);
    case "device":
      return deviceOf(facts.header("user-agent"));
    case "language":
      return memo.language();
    case "path":
      return memo.path();
    case "query":
      return memo.query(ref.name);
    case "cookie":
      return facts.cookie(ref.name);
    case "header":
      return facts.header(ref.name) ?? undefined;
  }
}

/**
 * A region is named three ways, and a condition may use any: the ISO 3166-2 code without the country
 * (`tx`), with it (`us-tx`), and the region's name (`texas`).
 */
function regionValues(cf: CfGeo | undefined): readonly string[] | undefined {
  if (cf === undefined) return undefined;
  const code = known(cf.regionCode)?.toLowerCase();
  const name = known(cf.region)?.toLowerCase();
  const country = known(cf.country)?.toLowerCase();
  if (code === undefined) return name === undefined ? undefined : [name];
  const out = country === undefined ? [code] : [code, `${country}-${code}`];
  if (name !== undefined) out.push(name);
  return out;
}
