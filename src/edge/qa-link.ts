// QA links: an operator can see a chosen variant of a running experiment on the real site, without
// being assigned or counted: `?sgen-qa=<experiment id>.<variant>.<expiry>.<signature>`, the signature an
// HMAC-SHA-256 with a secret of the deployment (the pages' session secret by default).
const enc = new TextEncoder();

async function sign(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const bytes = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`sgen-qa:${data}`)));
  return btoa(String.fromCharCode(...bytes.subarray(0, 16)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The query parameter the edge reads a QA link's token from. */
export const QA_PARAM = "sgen-qa";

/**
 * A QA token for `variant` of experiment `experimentId`, valid until `expiresAt` (milliseconds since
 * the epoch, kept to the second), signed with `secret`: the edge's `qaSecret` (in the ready Worker,
 * `SGEN_SESSION_SECRET`). The layout is specified in docs/cookies.md#qa-links.
 *
 * @example
 * ```ts
 * import { QA_PARAM, qaToken } from "sgen-ab/edge";
 * const token = await qaToken(env.SGEN_SESSION_SECRET, 12, "b", Date.now() + 24 * 3_600_000);
 * const url = `https://shop.example/pricing?${QA_PARAM}=${token}`;
 * ```
 */
export async function qaToken(secret: string, experimentId: number, variant: string, expiresAt: number): Promise<string> {
  const data = `${experimentId}.${variant}.${Math.floor(expiresAt / 1000)}`;
  return `${data}.${await sign(secret, data)}`;
}

/**
 * The target page's URL with a QA link's token for `variant`: `pageUrl` keeps its path and drops any
 * query or fragment, then gets `?sgen-qa=<token>`. Opening it shows that variant without assigning or
 * counting the visitor.
 *
 * @example
 * ```ts
 * import { qaLink } from "sgen-ab/edge";
 * const url = await qaLink(env.SGEN_SESSION_SECRET, 12, "b", "https://shop.example/pricing", Date.now() + 3_600_000);
 * // https://shop.example/pricing?sgen-qa=12.b.<expiry>.<signature>
 * ```
 */
export async function qaLink(secret: string, experimentId: number, variant: string, pageUrl: string, expiresAt: number): Promise<string> {
  const page = pageUrl.replace(/[?#].*$/s, "");
  return `${page}?${QA_PARAM}=${encodeURIComponent(await qaToken(secret, experimentId, variant, expiresAt))}`;
}

/** The variant a valid, unexpired QA token names for `experimentId`, or null. */
export async function qaVariant(secret: string, token: string, experimentId: number, now = Date.now()): Promise<string | null> {
  const m = /^(\d{1,15})\.([a-z0-9-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (m === null || Number(m[1]) !== experimentId || Number(m[3]) * 1000 < now) return null;
  const expected = await sign(secret, `${m[1]}.${m[2]}.${m[3]}`);
  const a = enc.encode(expected);
  const b = enc.encode(m[4] as string);
  return a.length === b.length && crypto.subtle.timingSafeEqual(a, b) ? (m[2] as string) : null;
}
