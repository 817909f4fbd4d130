// The Origin / Sec-Fetch-Site check on state-changing requests, with Hono's CSRF middleware (hono/csrf):
// a well-kept implementation of the check browsers make possible (every browser sends Origin or
// Sec-Fetch-Site with a cross-site POST, and a page cannot forge either), used here instead of rules of
// our own. It looks at the requests a cross-site page can send without a CORS preflight (form and
// text/plain bodies); anything else needs a preflight, which sgen-ab never grants.
//
// The pages apply it to every POST, sign-in included, on top of the form tokens. The JSON API applies
// it only to requests that carry Origin or Sec-Fetch-Site, i.e. that come from a browser: automation
// (curl, scripts, CI) sends neither and authenticates with a bearer token that no browser attaches on
// its own, so it needs no CSRF token; a browser's cross-site form post is refused before any token is
// looked at, and so never counts as a failed sign-in against the victim's address.
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";

export interface SameOriginOptions {
  /** Origins trusted besides the request's own (`https://admin.example.com`), e.g. behind a proxy that rewrites the host. */
  readonly trustedOrigins?: readonly string[];
}

/** Whether `c` passes Hono's CSRF check (same origin by Origin or by Sec-Fetch-Site; safe methods always pass). */
export async function sameOriginRequest(c: Context, options: SameOriginOptions = {}): Promise<boolean> {
  const trusted = options.trustedOrigins ?? [];
  const check: MiddlewareHandler = csrf({
    origin: (origin, ctx) => origin === new URL(ctx.req.url).origin || trusted.includes(origin),
    secFetchSite: "same-origin",
  });
  let passed = false;
  try {
    await check(c, async () => {
      passed = true;
    });
  } catch {
    return false; // hono/csrf throws its 403
  }
  return passed;
}

/** Whether the request says it comes from a browser (which is what the API's check applies to). */
export function fromBrowser(c: Context): boolean {
  return c.req.header("origin") !== undefined || c.req.header("sec-fetch-site") !== undefined;
}
