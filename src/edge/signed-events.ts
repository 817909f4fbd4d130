// Signed custom events, for sites that post conversions from their own backend. The backend holds the
// secret `SGEN_EVENTS_SECRET` and sends
//
//   X-Sgen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<visitor id>.<raw body>")>
//
// with the visitor's cookies (the same id the edge reads: the `sgen-vid` cookie or the site's own).
// The visitor id is signed with the body, so a captured request replayed with other cookies counts for
// nobody; the timestamp must be within the tolerance (default 5 minutes) of the edge's clock; and a
// replay with the same cookies only repeats conversions that count once anyway.
//
// Which events must be signed is a list of event names where the secret lives (`SGEN_SIGNED_EVENTS`,
// "purchase,signup" or "*"): whether an event can be signed depends on where the site emits it, which
// the site's engineers know, and one event name means the same thing in every experiment that uses it.
// An unsigned post of such an event is answered as usual but not counted (reason `unsigned`).
export const SIGNATURE_HEADER = "x-sgen-signature";

const enc = new TextEncoder();
let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;

function keyOf(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) };
  }
  return cachedKey.key;
}

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The signature header's value for `body` posted for `visitorId` at `unixSeconds` (what the site's backend computes). */
export async function signEvents(secret: string, visitorId: string, body: string, unixSeconds: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await keyOf(secret), enc.encode(`${unixSeconds}.${visitorId}.${body}`));
  return `t=${unixSeconds},v1=${toHex(new Uint8Array(mac))}`;
}

export type SignatureCheck = "unsigned" | "valid" | "invalid";

const HEADER = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/;

/** Whether a post carries a valid signature for `visitorId` and `body`, none, or a bad one. */
export async function checkSignature(
  header: string | null,
  secret: string | undefined,
  visitorId: string | undefined,
  body: string,
  nowMs: number,
  toleranceSeconds: number,
): Promise<SignatureCheck> {
  if (header === null) return "unsigned";
  const m = HEADER.exec(header.trim());
  if (m === null || secret === undefined || secret === "" || visitorId === undefined) return "invalid";
  const t = Number(m[1]);
  if (Math.abs(nowMs / 1000 - t) > toleranceSeconds) return "invalid";
  const expected = enc.encode(await signEvents(secret, visitorId, body, t));
  const given = enc.encode(header.trim());
  return expected.length === given.length && crypto.subtle.timingSafeEqual(expected, given) ? "valid" : "invalid";
}

/** The event names that count only when signed, from `SGEN_SIGNED_EVENTS` ("a,b" or "*"), parsed once per value. */
let parsedList: { raw: string; names: ReadonlySet<string> | "all" } | undefined;
export function signedEventNames(raw: string | undefined): ReadonlySet<string> | "all" {
  if (raw === undefined || raw.trim() === "") return EMPTY;
  if (parsedList?.raw !== raw) {
    const names = raw
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "");
    parsedList = { raw, names: names.includes("*") ? "all" : new Set(names) };
  }
  return parsedList.names;
}
const EMPTY: ReadonlySet<string> = new Set();
