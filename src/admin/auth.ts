// Operators' bearer tokens. The Worker secret `SGEN_ADMIN_TOKENS` holds only SHA-256 digests of the
// tokens; a presented token is hashed and compared with every digest in constant time, so neither the
// secret's contents nor the timing of a comparison tells an attacker anything about a valid token.
import * as z from "zod";
import type { Operator } from "../core/permissions.ts";

export const TokenList = z.array(
  z.strictObject({
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex SHA-256 digest of the token"),
    operator: z.string().min(1).max(100),
    role: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  }),
);
export type TokenList = z.infer<typeof TokenList>;

interface ParsedTokens {
  readonly raw: string;
  readonly entries: ReadonlyArray<{ digest: Uint8Array; operator: Operator }>;
}

let parsed: ParsedTokens | undefined;

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Parses the secret once per isolate (and again only if it changes). Invalid → no operator can sign in. */
function tokensOf(raw: string | undefined): ParsedTokens["entries"] {
  if (raw === undefined || raw === "") return [];
  if (parsed?.raw === raw) return parsed.entries;
  let entries: ParsedTokens["entries"] = [];
  try {
    const list = TokenList.parse(JSON.parse(raw));
    entries = list.map((t) => ({ digest: hexToBytes(t.sha256), operator: { name: t.operator, role: t.role } }));
  } catch (err) {
    console.warn("sgen-ab admin: SGEN_ADMIN_TOKENS is not a valid token list; nobody can sign in", err);
  }
  parsed = { raw, entries };
  return entries;
}

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** The token of an `Authorization: Bearer …` header, or null when there is none or it is malformed. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? "");
  return m === null ? null : (m[1] as string);
}

/** The operator whose token has this SHA-256 digest, or null. Every digest is compared, match or not. */
export function operatorForDigest(digest: Uint8Array, secret: string | undefined): Operator | null {
  const entries = tokensOf(secret);
  let found: Operator | null = null;
  for (const e of entries) {
    if (digest.length === e.digest.length && crypto.subtle.timingSafeEqual(digest, e.digest) && found === null) found = e.operator;
  }
  return found;
}

export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
export const fromHex = (hex: string): Uint8Array => (/^[0-9a-f]{64}$/.test(hex) ? hexToBytes(hex) : new Uint8Array(0));
