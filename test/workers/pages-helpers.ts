// Signing in to the operators' pages from inside the runtime, as a browser does: fetch the login form
// (its pre-session cookie and token), post it from the same origin, then read a form token off a page.
import { exports } from "cloudflare:workers";

export const ORIGIN = "http://localhost:8787";

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** The demo Worker, as a browser on its own origin reaches it. */
export const demoFetch: Fetch = (url, init) => exports.default.fetch(new Request(url.startsWith("http") ? url : `${ORIGIN}${url}`, init));

/** The `name=value` pairs of a response's Set-Cookie headers, for a Cookie header. */
export function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(";")[0] ?? "");
}

/** The value of the hidden input `name` in a page. */
export function hiddenField(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

export interface PagesSession {
  /** The Cookie header of the signed-in browser. */
  readonly cookie: string;
  /** A form token of the session, as its pages carry it. */
  readonly csrf: string;
  /** The login's answer. */
  readonly login: Response;
}

/** The headers a browser sends with a form it posts to its own origin. */
export function sameOrigin(cookie: string): Record<string, string> {
  return { cookie, origin: ORIGIN, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" };
}

/** Signs in with `token` through the login form; `headers` go on every request (a client address, say). */
export async function signIn(
  token: string,
  options: { base?: string; fetch?: Fetch; headers?: Record<string, string> } = {},
): Promise<PagesSession> {
  const base = options.base ?? "/sg-admin";
  const fetch = options.fetch ?? demoFetch;
  const extra = options.headers ?? {};
  const form = await fetch(`${base}/login`, { headers: extra });
  const preCookies = cookiesOf(form);
  const loginToken = hiddenField(await form.text(), "login_csrf");
  const body = new URLSearchParams({ token, ...(loginToken === undefined ? {} : { login_csrf: loginToken }) });
  const login = await fetch(`${base}/login`, {
    method: "POST",
    headers: { ...sameOrigin(preCookies.join("; ")), ...extra },
    body: body.toString(),
    redirect: "manual",
  });
  const session = cookiesOf(login).find((c) => c.startsWith("sgen-admin-session=")) ?? "";
  if (session === "" || session === "sgen-admin-session=") return { cookie: "", csrf: "", login };
  const page = await fetch(`${base}/experiments/`, { headers: { cookie: session, ...extra } });
  return { cookie: session, csrf: hiddenField(await page.text(), "csrf") ?? "", login };
}

/** Posts a form of the signed-in session, with its token, from the same origin. */
export function postForm(s: PagesSession, path: string, fields: Record<string, string> = {}, fetch: Fetch = demoFetch): Promise<Response> {
  return fetch(path, {
    method: "POST",
    headers: sameOrigin(s.cookie),
    body: new URLSearchParams({ csrf: s.csrf, ...fields }).toString(),
    redirect: "manual",
  });
}
