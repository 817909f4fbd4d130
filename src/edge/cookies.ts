// The two cookies of docs/cookies.md, parsed and written with the `cookie` package (which
// percent-decodes values, so a non-ASCII visitor id arrives as its characters and hashes as UTF-8).
import { parseCookie, stringifySetCookie } from "cookie";

const DAY_SECONDS = 86_400;
/** A visitor id longer than this is not one we issued or a site would use: it is replaced. */
export const MAX_VISITOR_ID_LENGTH = 256;

export type CookieJar = Record<string, string | undefined>;

/** Every cookie of a Cookie header, for a site's own consent callback. */
export function parseCookies(header: string | null): CookieJar {
  if (header === null || header.length === 0) return {};
  try {
    return parseCookie(header);
  } catch {
    return {}; // a header the parser rejects is treated as no cookies, never as an error page
  }
}

/**
 * One cookie's value from a Cookie header, exactly as `parseCookie(header)[name]` would give it (the
 * first occurrence, trimmed, percent-decoded when it can be), without building an object of every
 * cookie the site sets: the edge needs two of them, and a site's header often carries twenty.
 */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  const len = header.length;
  let from = 0;
  while (from < len) {
    let end = header.indexOf(";", from);
    if (end === -1) end = len;
    const eq = header.indexOf("=", from);
    if (eq === -1) return undefined; // no more pairs
    if (eq > end) {
      from = end + 1; // a part without "=" is skipped
      continue;
    }
    if (eq - from >= name.length && trimmedEquals(header, from, eq, name)) {
      return decode(trimmed(header, eq + 1, end));
    }
    from = end + 1;
  }
  return undefined;
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

/** Whether `s[start..end)`, blanks trimmed, is `name`; compared in place, nothing sliced. */
function trimmedEquals(s: string, start: number, end: number, name: string): boolean {
  const from = trimStart(s, start, end);
  return trimEnd(s, from, end) - from === name.length && s.startsWith(name, from);
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
  return stringifySetCookie({
    name,
    value: id,
    path: "/",
    sameSite: "lax",
    httpOnly: true,
    secure,
    maxAge: maxAgeDays * DAY_SECONDS,
  });
}

// Not HttpOnly: a site's own analytics may read which variant the visitor sees.
export function assignmentCookie(name: string, variant: string, maxAgeDays: number, secure: boolean): string {
  return stringifySetCookie({
    name,
    value: variant,
    path: "/",
    sameSite: "lax",
    secure,
    maxAge: maxAgeDays * DAY_SECONDS,
  });
}
