// Operators' sessions for the web pages. Signing in with a token sets an HttpOnly, SameSite=Strict
// cookie holding a random session id (256 bits) and its HMAC-SHA-256 under SGEN_SESSION_SECRET; the
// session itself lives in the catalog (catalog/sessions.ts) under the SHA-256 of that id. So a session
// ends on the server: signing out, "sign out everywhere", removing the token and an idle timeout
// (SGEN_SESSION_IDLE_MINUTES, default 30) delete it, and a copied cookie is then worth nothing. The
// HMAC lets a forged or truncated cookie be refused without asking the catalog. Every form carries a
// CSRF token derived from the session id; the login form carries one derived from a pre-session cookie.
import * as z from "zod";
import { numberSetting, settingsReader } from "../core/settings.ts";

export const SESSION_COOKIE = "sgen-admin-session";
/** The absolute lifetime of a session, whatever its use. */
export const SESSION_HOURS = 8;

export const SessionSettings = z.object({
  /** Minutes a session may go unused before it ends (default 30; at most the 8-hour lifetime). */
  SGEN_SESSION_IDLE_MINUTES: numberSetting(
    30,
    z
      .number()
      .min(1, "at least a minute")
      .max(SESSION_HOURS * 60, "at most 8 hours"),
  ),
});

const settings = settingsReader(SessionSettings);

/** The idle timeout in milliseconds for `env`. */
export function idleTimeoutMs(env: Readonly<Record<string, unknown>>): number {
  return settings(env).SGEN_SESSION_IDLE_MINUTES * 60_000;
}

/** A session as the pages hold it for one request: its id (from the cookie) and the key it is stored under. */
export interface SessionRef {
  readonly id: string;
  readonly key: string;
}

const enc = new TextEncoder();
const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

async function hmac(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(data))));
}

function equal(a: string, b: string): boolean {
  const x = enc.encode(a);
  const y = enc.encode(b);
  return x.length === y.length && crypto.subtle.timingSafeEqual(x, y);
}

/** 256 random bits, URL-safe. */
function randomId(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The key a session id is stored under: the hex SHA-256 of the id. */
export async function sessionKey(id: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(`session:${id}`)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new session: its cookie value and its reference. A fresh id at every sign-in (no fixation). */
export async function newSession(secret: string): Promise<{ cookie: string; ref: SessionRef }> {
  const id = randomId();
  return { cookie: `${id}.${await hmac(secret, `session:${id}`)}`, ref: { id, key: await sessionKey(id) } };
}

/** The session a cookie names, if its signature holds (whether it is still alive is the catalog's to say). */
export async function readSessionCookie(secret: string, value: string | undefined): Promise<SessionRef | null> {
  if (value === undefined || value.length > 200) return null;
  const dot = value.indexOf(".");
  if (dot < 1) return null;
  const id = value.slice(0, dot);
  if (!/^[A-Za-z0-9_-]{43}$/.test(id) || !equal(value.slice(dot + 1), await hmac(secret, `session:${id}`))) return null;
  return { id, key: await sessionKey(id) };
}

/** The form token of a session (its id), or of a Cloudflare Access identity (`access:<subject>`). */
export function csrfToken(secret: string, sessionId: string): Promise<string> {
  return hmac(secret, `csrf:${sessionId}`);
}

export async function csrfValid(secret: string, sessionId: string, token: unknown): Promise<boolean> {
  return typeof token === "string" && equal(token, await csrfToken(secret, sessionId));
}

// ---- The login form's pre-session token (a signed double-submit cookie) ---------------------------
// Signing in has no session to derive a token from, so the login page sets its own short-lived,
// HttpOnly, SameSite=Strict cookie holding a random nonce, and the form carries the nonce's HMAC under
// SGEN_SESSION_SECRET. A cross-site page can neither read the cookie nor compute the HMAC, so it cannot
// sign a victim's browser in to an account of its choosing (login CSRF).

export const LOGIN_COOKIE = "sgen-admin-login";
export const LOGIN_MINUTES = 60;

/** A new nonce for the login cookie, and the token its form carries. */
export async function newLoginToken(secret: string): Promise<{ nonce: string; token: string }> {
  const nonce = randomId();
  return { nonce, token: await hmac(secret, `login:${nonce}`) };
}

/** Whether `token` (from the form) is the one for the login cookie's `nonce`. */
export async function loginTokenValid(secret: string, nonce: string | undefined, token: unknown): Promise<boolean> {
  if (nonce === undefined || !/^[A-Za-z0-9_-]{43}$/.test(nonce) || typeof token !== "string") return false;
  return equal(token, await hmac(secret, `login:${nonce}`));
}
