// Cloudflare Access as the admin's gate, against a local key set: an RSA key made here, its JWKS served
// by a fetch stub standing in for https://<team>.cloudflareaccess.com/cdn-cgi/access/certs, and tokens
// signed as Access signs them. Valid assertions of listed identities are operators on the API and the
// pages; expired ones, another audience, another issuer, another key, alg none and HS256 made with the
// public key are refused; bearer tokens stay for automation.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { createWorker, type SgenEnv } from "../../src/worker/index.ts";
import { newExperiment } from "./admin-helpers.ts";
import { hiddenField, ORIGIN, sameOrigin } from "./pages-helpers.ts";

const TEAM = "https://sgen-test.cloudflareaccess.com";
const AUD = "7f3c5e1d2b9a4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6";
const OPERATORS = JSON.stringify([
  { email: "alice@example.com", operator: "alice", role: "administrator" },
  { email: "victor@example.com", operator: "victor", role: "viewer" },
]);

const signing = await generateKeyPair("RS256", { extractable: true });
const other = await generateKeyPair("RS256", { extractable: true });
const jwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: "team-key-1", alg: "RS256", use: "sig" };

let certsFetched = 0;
const accessFetch = (async (input: RequestInfo | URL) => {
  const url = String(input instanceof Request ? input.url : input);
  if (url !== `${TEAM}/cdn-cgi/access/certs`) return new Response("not found", { status: 404 });
  certsFetched++;
  return Response.json({ keys: [jwk], public_cert: { kid: "team-key-1", cert: "" } });
}) as typeof fetch;

const now = () => Math.floor(Date.now() / 1000);

async function assertion(
  claims: Record<string, unknown> = {},
  o: { key?: CryptoKey; kid?: string; iss?: string; aud?: string; exp?: number } = {},
): Promise<string> {
  return new SignJWT({ email: "alice@example.com", type: "app", identity_nonce: "n", country: "DE", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: o.kid ?? "team-key-1" })
    .setIssuer(o.iss ?? TEAM)
    .setAudience([o.aud ?? AUD])
    .setSubject("3f1b0c2e-aaaa-bbbb-cccc-1234567890ab")
    .setIssuedAt(now() - 60)
    .setExpirationTime(o.exp ?? now() + 3600)
    .sign(o.key ?? signing.privateKey);
}

const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** An unsecured JWT (`alg: none`) with the same claims. */
function unsecured(): string {
  const header = b64url(JSON.stringify({ alg: "none", kid: "team-key-1" }));
  const payload = b64url(
    JSON.stringify({ email: "alice@example.com", iss: TEAM, aud: [AUD], sub: "x", iat: now() - 60, exp: now() + 3600 }),
  );
  return `${header}.${payload}.`;
}

/** HS256 with the team's public key as the HMAC secret: the classic algorithm-confusion forgery. */
async function confused(): Promise<string> {
  const secret = new TextEncoder().encode(JSON.stringify(jwk));
  return new SignJWT({ email: "alice@example.com" })
    .setProtectedHeader({ alg: "HS256", kid: "team-key-1" })
    .setIssuer(TEAM)
    .setAudience([AUD])
    .setSubject("x")
    .setIssuedAt(now() - 60)
    .setExpirationTime(now() + 3600)
    .sign(secret);
}

const worker = createWorker<SgenEnv>({ origin: async (r) => demoSite(r), admin: { accessFetch }, pages: { accessFetch } });
const accessEnv = { ...env, SGEN_ACCESS_TEAM_DOMAIN: TEAM, SGEN_ACCESS_AUD: AUD, SGEN_ACCESS_OPERATORS: OPERATORS } as SgenEnv;

async function call(path: string, init: RequestInit = {}, e: SgenEnv = accessEnv): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const withAssertion = (token: string, headers: Record<string, string> = {}) => ({
  headers: { "cf-access-jwt-assertion": token, ...headers },
});

describe("Cloudflare Access on the API", () => {
  it("a valid assertion of a listed identity is that operator, with that role", async () => {
    const list = await call("/sg-admin/api/experiments", withAssertion(await assertion()));
    expect(list.status).toBe(200);
    const created = await call("/sg-admin/api/experiments", {
      method: "POST",
      body: JSON.stringify(newExperiment()),
      headers: { "cf-access-jwt-assertion": await assertion(), "content-type": "application/json" },
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: number }).id;
    const log = (await (await call(`/sg-admin/api/activity?experiment_id=${id}`, withAssertion(await assertion()))).json()) as {
      entries: Array<{ operator: string }>;
    };
    expect(log.entries[0]?.operator).toBe("alice"); // the audit names the Access identity's operator
    const viewer = await call(`/sg-admin/api/experiments/${id}/start`, {
      method: "POST",
      headers: { "cf-access-jwt-assertion": await assertion({ email: "Victor@Example.com" }) },
    });
    expect(viewer.status).toBe(403); // a viewer, and email case does not matter
    expect(certsFetched).toBeGreaterThan(0);
  });

  it("refuses what Access did not sign for this application: expired, another audience, another issuer, another key, alg none, HS256", async () => {
    const cases: Array<[string, string]> = [
      ["expired", await assertion({}, { exp: now() - 120 })],
      ["another audience", await assertion({}, { aud: "another-application" })],
      ["another issuer", await assertion({}, { iss: "https://evil.cloudflareaccess.com" })],
      ["another key, same kid", await assertion({}, { key: other.privateKey })],
      ["another key, unknown kid", await assertion({}, { key: other.privateKey, kid: "evil-key" })],
      ["alg none", unsecured()],
      ["HS256 with the public key", await confused()],
      ["not a JWT", "not.a.jwt"],
    ];
    for (const [what, token] of cases) {
      const res = await call("/sg-admin/api/experiments", withAssertion(token));
      expect(res.status, what).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message, what).toMatch(/Access assertion is not valid/);
    }
  });

  it("an identity not in SGEN_ACCESS_OPERATORS, or a service token, needs a bearer token; bearer tokens still work", async () => {
    expect((await call("/sg-admin/api/experiments", withAssertion(await assertion({ email: "mallory@example.com" })))).status).toBe(401);
    expect(
      (await call("/sg-admin/api/experiments", withAssertion(await assertion({ email: undefined, common_name: "ci.access" })))).status,
    ).toBe(401);
    const ci = await call(
      "/sg-admin/api/experiments",
      withAssertion(await assertion({ email: undefined, common_name: "ci" }), { authorization: "Bearer demo-viewer" }),
    );
    expect(ci.status).toBe(200);
    expect((await call("/sg-admin/api/experiments", { headers: { authorization: "Bearer demo-viewer" } })).status).toBe(200);
  });

  it("without the Access settings, an assertion means nothing", async () => {
    expect((await call("/sg-admin/api/experiments", withAssertion(await assertion()), env as SgenEnv)).status).toBe(401);
  });
});

describe("Cloudflare Access on the pages", () => {
  it("signs the listed identity in on every request; forms carry a token of that identity; no token login", async () => {
    const token = await assertion();
    const list = await call("/sg-admin/experiments/", withAssertion(token));
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain("alice · administrator");
    const csrf = hiddenField(html, "csrf") ?? "";
    expect(csrf).not.toBe("");
    const create = await call("/sg-admin/experiments/new", {
      method: "POST",
      headers: { ...sameOrigin(""), "cf-access-jwt-assertion": token },
      body: new URLSearchParams({ csrf, name: "" }).toString(),
    });
    expect(create.status).toBe(422); // past the gate and the form token: the editor names the missing fields
    const forged = await call("/sg-admin/experiments/new", {
      method: "POST",
      headers: { ...sameOrigin(""), "cf-access-jwt-assertion": await assertion({ email: "victor@example.com" }) },
      body: new URLSearchParams({ csrf, name: "" }).toString(),
    });
    expect(forged.status).toBe(403); // alice's form token is not victor's
    expect((await call("/sg-admin/experiments/", withAssertion(await assertion({}, { key: other.privateKey })))).status).toBe(401);
    expect((await call("/sg-admin/experiments/", withAssertion(await assertion({ email: "mallory@example.com" })))).status).toBe(403);
    expect((await call("/sg-admin/experiments/")).status).toBe(401);
    // Operator tokens do not sign in to the pages behind Access.
    const login = await call("/sg-admin/login", { method: "POST", headers: sameOrigin(""), body: "token=demo-admin" });
    expect(login.status).toBe(403);
    expect(login.headers.getSetCookie().some((c) => c.startsWith("sgen-admin-session="))).toBe(false);
  });
});
