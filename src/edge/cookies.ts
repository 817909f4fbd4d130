// The two cookies of contract section 2, parsed and written with the `cookie` package (which
// percent-decodes values, so a non-ASCII visitor id arrives as its characters and hashes as UTF-8).
import { parseCookie, stringifySetCookie } from "cookie";

const DAY_SECONDS = 86_400;
/** A visitor id longer than this is not one we issued or a site would use: it is replaced. */
export const MAX_VISITOR_ID_LENGTH = 256;

export type CookieJar = Record<string, string | undefined>;

export function readCookies(request: Request): CookieJar {
  const header = request.headers.get("cookie");
  if (header === null || header.length === 0) return {};
  try {
    return parseCookie(header);
  } catch {
    return {}; // a header the parser rejects is treated as no cookies, never as an error page
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
