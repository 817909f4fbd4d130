// The two cookies of docs/cookies.md, read and written by hand: the edge needs one scan of the Cookie
// header and two fixed Set-Cookie shapes, and the general cookie library cost 2.6 KiB of the edge-only
// Worker's 64 KiB budget. The output is held to that library's (`parseCookie`, `stringifySetCookie`) by
// test/node/edge-cookies.test.ts: values are percent-decoded when they can be (a non-ASCII visitor id
// arrives as its characters and hashes as UTF-8), and written percent-encoded.

const DAY_SECONDS = 86_400;
/** A visitor id longer than this is not one we issued or a site would use: it is replaced. */
export const MAX_VISITOR_ID_LENGTH = 256;

export type CookieJar = Record<string, string | undefined>;

/** Every cookie of a Cookie header, for a site's own consent callback. */
export function parseCookies(header: string | null): CookieJar {
  const jar: CookieJar = {};
  if (header === null) return jar;
  const len = header.length;
  let from = 0;
  while (from < len) {
    let end = header.indexOf(";", from);
    if (end === -1) end = len;
    const eq = header.indexOf("=", from);
    if (eq === -1) break; // no more pairs
    if (eq < end) {
      const name = trimmed(header, from, eq);
      if (name.length > 0 && jar[name] === undefined) jar[name] = decode(trimmed(header, eq + 1, end)); // the first one wins; a nameless part is no cookie
    }
    from = end + 1;
  }
  return jar;
}

/**
 * One cookie's value from a Cookie header, exactly as `parseCookie(header)[name]` would give it (the
 * first occurrence, trimmed, percent-decoded when it can be), without building an object of every
 * cookie the site sets: the edge needs two of them, and a site's header often carries twenty.
 *
 * It searches for the name itself and then checks that the match is a part's whole name (only blanks
 * between it and the part's start, and between it and the part's first "="), rather than walking the
 * header part by part: in workerd each string search is a call into the runtime that costs far more
 * than the characters it compares (bench/README.md), and a walk makes two of them per part. A name no
 * cookie can have (empty, blank at an end, holding "=" or ";") is never found.
 */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (header === null || !findable(name)) return undefined;
  const len = header.length;
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    let start = at;
    while (start > 0 && isBlank(header.charCodeAt(start - 1))) start--;
    if (start > 0 && header.charCodeAt(start - 1) !== SEMICOLON) continue; // inside another part
    let eq = at + name.length;
    while (eq < len && isBlank(header.charCodeAt(eq))) eq++;
    if (eq === len || header.charCodeAt(eq) !== EQUALS) continue; // a longer name, or no value
    let end = header.indexOf(";", eq + 1);
    if (end === -1) end = len;
    return decode(trimmed(header, eq + 1, end));
  }
  return undefined;
}

const SEMICOLON = 59;
const EQUALS = 61;

/** Whether a part's trimmed name can be `name`: not empty, no blank at either end, no "=" or ";" in it. */
function findable(name: string): boolean {
  const n = name.length;
  if (n === 0 || isBlank(name.charCodeAt(0)) || isBlank(name.charCodeAt(n - 1))) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === EQUALS || c === SEMICOLON) return false;
  }
  return true;
}

const isBlank = (code: number) => code === 32 || code === 9;

function trimStart(s: string, start: number, end: number): number {
  while (start < end && isBlank(s.charCodeAt(start))) start++;
  return start;
}

function trimEnd(s: string, start: number, end: number): number {
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
  return end;
}

function trimmed(s: string, start: number, end: number): string {
  const from = trimStart(s, start, end);
  return s.slice(from, trimEnd(s, from, end));
}

function decode(value: string): string {
  if (value.indexOf("%") === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function usableVisitorId(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 0 && value.length <= MAX_VISITOR_ID_LENGTH ? value : undefined;
}

export function visitorCookie(name: string, id: string, maxAgeDays: number, secure: boolean): string {
  return setCookie(name, id, maxAgeDays, true, secure);
}

// Not HttpOnly: a site's own analytics may read which variant the visitor sees.
export function assignmentCookie(name: string, variant: string, maxAgeDays: number, secure: boolean): string {
  return setCookie(name, variant, maxAgeDays, false, secure);
}

/** Names come from validated slugs (a cookie token); the value is percent-encoded as the reader decodes it. */
function setCookie(name: string, value: string, maxAgeDays: number, httpOnly: boolean, secure: boolean): string {
  return `${name}=${encodeURIComponent(value)}; Max-Age=${Math.floor(maxAgeDays * DAY_SECONDS)}; Path=/${httpOnly ? "; HttpOnly" : ""}${secure ? "; Secure" : ""}; SameSite=Lax`;
}
