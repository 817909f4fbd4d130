// Operators' sessions for the web pages: signing in with a token sets an HttpOnly, SameSite=Strict
// cookie holding the operator, role, expiry and the token's digest, signed with HMAC-SHA-256. The
// digest is checked against the token list on every request, so removing a token ends its sessions.
// Every form carries a CSRF token derived from the session, checked on every POST.
import type { Operator } from "../core/permissions.ts";

export const SESSION_COOKIE = "sgen-admin-session";
export const SESSION_HOURS = 8;

export interface Session extends Operator {
  readonly digest: string;
  readonly expires: number;
  readonly signature: string;
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

export async function createSession(secret: string, op: Operator, digest: string, now = Date.now()): Promise<string> {
  const payload = b64url(enc.encode(JSON.stringify({ n: op.name, r: op.role, d: digest, e: now + SESSION_HOURS * 3_600_000 })));
  return `${payload}.${await hmac(secret, payload)}`;
}

export async function readSession(secret: string, value: string | undefined, now = Date.now()): Promise<Session | null> {
  if (value === undefined || value.length > 2048) return null;
  const dot = value.indexOf(".");
  if (dot < 1) return null;
  const payload = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (!equal(signature, await hmac(secret, payload))) return null;
  try {
    const p = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { n: string; r: string; d: string; e: number };
    if (typeof p.e !== "number" || p.e < now) return null;
    return { name: p.n, role: p.r, digest: p.d, expires: p.e, signature };
  } catch {
    return null;
  }
}

export function csrfToken(secret: string, session: Session): Promise<string> {
  return hmac(secret, `csrf:${session.signature}`);
}

export async function csrfValid(secret: string, session: Session, token: unknown): Promise<boolean> {
  return typeof token === "string" && equal(token, await csrfToken(secret, session));
}
