// Cloudflare Access as the admin's gate: when the admin sits behind an Access application, every request
// Access lets through carries `Cf-Access-Jwt-Assertion`, a JWT signed by the team's keys
// (`https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`). It is verified here with `jose`, a
// well-kept JOSE library with no dependencies that runs on Workers' WebCrypto (a JWT check written by
// hand is where algorithm confusion and `alg: none` creep in): RS256 only, the team as issuer, the
// application's audience tag, the expiry. The identity's email is mapped to an operator and a role by
// configuration (`SGEN_ACCESS_OPERATORS`). Bearer tokens stay for automation.
//
// Only the admin imports this file: the edge never loads jose (test/node/edge-bundle.test.ts).
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey, jwtVerify } from "jose";
import * as z from "zod";
import type { Operator } from "../core/permissions.ts";

/** The Access configuration of a deployment, as the Worker's vars and secrets give it. */
export interface AccessConfig {
  /** `SGEN_ACCESS_TEAM_DOMAIN`: `https://<team>.cloudflareaccess.com` (or without the scheme). */
  readonly teamDomain?: string | undefined;
  /** `SGEN_ACCESS_AUD`: the Access application's audience tag. */
  readonly audience?: string | undefined;
  /** `SGEN_ACCESS_OPERATORS`: JSON `[{ "email": "alice@example.com", "operator": "alice", "role": "administrator" }]`. */
  readonly operators?: string | undefined;
}

export const AccessOperators = z.array(
  z.strictObject({
    email: z.string().min(3).max(320).includes("@"),
    operator: z.string().min(1).max(100),
    role: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  }),
);

export const ACCESS_HEADER = "cf-access-jwt-assertion";

/** What a request's Access assertion comes to. */
export type AccessIdentity =
  /** Access is not configured, or the request carries no assertion. */
  | { readonly kind: "none" }
  /** A valid assertion of an identity the operator list names. */
  | { readonly kind: "operator"; readonly operator: Operator; readonly email: string; readonly subject: string }
  /** A valid assertion of an identity the list does not name (a person, or a service token). */
  | { readonly kind: "unknown"; readonly email: string | null }
  /** An assertion that does not verify: signature, algorithm, issuer, audience or expiry. */
  | { readonly kind: "invalid"; readonly reason: string };

interface Resolved {
  readonly issuer: string;
  readonly audience: string;
  readonly operators: ReadonlyMap<string, Operator>;
}

let resolved: { key: string; value: Resolved | null } | undefined;

/** The configuration, checked once per distinct value; incomplete or invalid → Access is off (and logged). */
function resolve(config: AccessConfig | undefined): Resolved | null {
  if (config === undefined) return null;
  const key = JSON.stringify([config.teamDomain, config.audience, config.operators]);
  if (resolved?.key === key) return resolved.value;
  let value: Resolved | null = null;
  const team = (config.teamDomain ?? "").trim();
  const audience = (config.audience ?? "").trim();
  if (team !== "" || audience !== "") {
    try {
      const issuer = new URL(team.includes("://") ? team : `https://${team}`);
      if (issuer.protocol !== "https:" || audience === "") throw new Error("an https team domain and an audience tag are needed");
      const list = AccessOperators.parse(JSON.parse(config.operators ?? "[]"));
      value = {
        issuer: issuer.origin,
        audience,
        operators: new Map(list.map((o) => [o.email.toLowerCase(), { name: o.operator, role: o.role }])),
      };
    } catch (err) {
      console.warn("sgen-ab admin: the Cloudflare Access settings are not valid; Access identities are not accepted", err);
    }
  }
  resolved = { key, value };
  return value;
}

/** Whether Access is configured (and valid) for this deployment. */
export function accessConfigured(config: AccessConfig | undefined): boolean {
  return resolve(config) !== null;
}

// The team's key sets, one per issuer per isolate: jose caches the keys and refetches them when a token
// names a key id it has not seen (a rotation), at most every 30 seconds.
const keySets = new Map<string, JWTVerifyGetKey>();

function keysOf(issuer: string, fetcher: typeof fetch | undefined): JWTVerifyGetKey {
  const cacheKey = `${issuer} ${fetcher === undefined ? "" : "custom"}`;
  let keys = keySets.get(cacheKey);
  if (keys === undefined) {
    keys = createRemoteJWKSet(new URL(`${issuer}/cdn-cgi/access/certs`), {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: 5_000,
      ...(fetcher === undefined ? {} : { [customFetch]: fetcher }),
    });
    keySets.set(cacheKey, keys);
  }
  return keys;
}

/** The identity `request`'s Access assertion proves, if Access is configured. `fetcher` fetches the key set (tests). */
export async function accessIdentity(request: Request, config: AccessConfig | undefined, fetcher?: typeof fetch): Promise<AccessIdentity> {
  const settings = resolve(config);
  const token = request.headers.get(ACCESS_HEADER);
  if (settings === null || token === null || token === "") return { kind: "none" };
  if (token.length > 8192) return { kind: "invalid", reason: "the assertion is too long" };
  try {
    const { payload } = await jwtVerify(token, keysOf(settings.issuer, fetcher), {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ["RS256"],
      requiredClaims: ["exp", "iat"],
      clockTolerance: 30,
    });
    const email = typeof payload.email === "string" ? payload.email.toLowerCase() : null;
    const operator = email === null ? undefined : settings.operators.get(email);
    if (email === null || operator === undefined) return { kind: "unknown", email };
    return { kind: "operator", operator, email, subject: typeof payload.sub === "string" ? payload.sub : email };
  } catch (err) {
    return { kind: "invalid", reason: (err as Error).message };
  }
}
