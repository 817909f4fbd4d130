// CSRF on every state-changing request, sign-in included: Hono's Origin / Sec-Fetch-Site check on the
// pages and on browser requests to the API, the pre-session token of the login form (login CSRF), and
// the session's form token. A cross-site page never signs a victim in, never acts for a signed-in
// operator, and never spends the victim's sign-in attempts.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { API, api, created } from "./admin-helpers.ts";
import { cookiesOf, demoFetch, hiddenField, ORIGIN, sameOrigin, signIn } from "./pages-helpers.ts";

const EVIL = "https://evil.example";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** A login form as this browser got it: its pre-session cookie and the token of that cookie. */
async function loginForm(): Promise<{ cookie: string; token: string }> {
  const res = await demoFetch("/sg-admin/login");
  return { cookie: cookiesOf(res).join("; "), token: hiddenField(await res.text(), "login_csrf") ?? "" };
}

const post = (path: string, headers: Record<string, string>, body: string) =>
  demoFetch(path, { method: "POST", headers, body, redirect: "manual" });

const sessionCookieSet = (res: Response) => res.headers.getSetCookie().some((c) => /^sgen-admin-session=[^;]/.test(c));

describe("login CSRF", () => {
  it("a cross-site post to the login is refused, even with the attacker's valid token, a login cookie and its token", async () => {
    const f = await loginForm();
    const body = `token=demo-viewer&login_csrf=${encodeURIComponent(f.token)}`;
    for (const headers of [
      { ...FORM, cookie: f.cookie, origin: EVIL },
      { ...FORM, cookie: f.cookie, "sec-fetch-site": "cross-site" },
      { ...FORM, cookie: f.cookie, origin: EVIL, "sec-fetch-site": "cross-site" },
      { ...FORM, cookie: f.cookie, origin: "null" },
      { ...FORM, cookie: f.cookie }, // no browser header at all: not shown to come from this site
    ]) {
      const res = await post("/sg-admin/login", headers, body);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(sessionCookieSet(res), JSON.stringify(headers)).toBe(false);
    }
    // The same form from the site itself signs in.
    const ok = await post("/sg-admin/login", sameOrigin(f.cookie), body);
    expect(ok.status).toBe(303);
    expect(sessionCookieSet(ok)).toBe(true);
  });

  it("a same-origin post without this browser's login token is refused: no cookie, another browser's cookie, a forged token", async () => {
    const mine = await loginForm();
    const theirs = await loginForm();
    for (const [cookie, token] of [
      ["", mine.token],
      [mine.cookie, ""],
      [theirs.cookie, mine.token],
      [mine.cookie, "A".repeat(43)],
      ["sgen-admin-login=not-a-nonce", mine.token],
    ] as const) {
      const res = await post("/sg-admin/login", sameOrigin(cookie), `token=demo-viewer&login_csrf=${encodeURIComponent(token)}`);
      expect(res.status, `${cookie} ${token}`).toBe(403);
      expect(sessionCookieSet(res)).toBe(false);
      expect(await res.text()).toContain("did not come from this site");
    }
  });

  it("refused logins are not failed sign-ins: a cross-site page cannot lock out the victim's address", async () => {
    const ip = "192.0.2.150";
    for (let i = 0; i < 25; i++) {
      const res = await post("/sg-admin/login", { ...FORM, origin: EVIL, "cf-connecting-ip": ip }, `token=guess-${i}`);
      expect(res.status).toBe(403);
    }
    expect((await signIn("demo-viewer", { headers: { "cf-connecting-ip": ip } })).login.status).toBe(303);
  });
});

describe("the pages' forms", () => {
  it("every state-changing page refuses a cross-site post, even one carrying the session and its form token", async () => {
    const { id, input } = await created();
    const s = await signIn("demo-admin");
    const cases: Array<[string, Record<string, string>]> = [
      ["/sg-admin/experiments/new", { name: "cross-site" }],
      [`/sg-admin/experiments/${id}/edit`, { name: "cross-site" }],
      [`/sg-admin/experiments/${id}/start`, {}],
      [`/sg-admin/experiments/${id}/delete`, {}],
      [`/sg-admin/experiments/${id}/rollout`, { percent: "10" }],
      ["/sg-admin/logout", {}],
      ["/sg-admin/logout-everywhere", {}],
    ];
    for (const [path, fields] of cases) {
      const browsers: Array<Record<string, string>> = [
        { origin: EVIL },
        { "sec-fetch-site": "cross-site" },
        { origin: EVIL, "sec-fetch-site": "same-site" },
      ];
      for (const browser of browsers) {
        const res = await post(
          path,
          { ...FORM, cookie: s.cookie, ...browser },
          new URLSearchParams({ csrf: s.csrf, ...fields }).toString(),
        );
        expect(res.status, `${path} ${JSON.stringify(browser)}`).toBe(403);
      }
    }
    // Nothing happened: the experiment is a draft with its name, and the session is alive.
    const record = (await api("GET", `/experiments/${id}`)).json;
    expect(record.lifecycle_state).toBe("draft");
    expect(record.name).toBe(input.name);
    expect((await demoFetch("/sg-admin/experiments/", { headers: { cookie: s.cookie }, redirect: "manual" })).status).toBe(200);
  });

  it("a same-origin post without the session's form token is refused", async () => {
    const { id } = await created();
    const s = await signIn("demo-admin");
    for (const csrf of ["", "forged", (await signIn("demo-admin")).csrf]) {
      const res = await post(`/sg-admin/experiments/${id}/start`, sameOrigin(s.cookie), `csrf=${encodeURIComponent(csrf)}`);
      expect(res.status, csrf).toBe(403);
    }
    expect((await api("GET", `/experiments/${id}`)).json.lifecycle_state).toBe("draft");
  });
});

describe("the JSON API", () => {
  it("refuses a browser's cross-site form post before the token is looked at; automation and same-origin calls go through", async () => {
    const { id } = await created();
    const ip = "192.0.2.151";
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", "x=1"],
      ["text/plain", '{"shipped_variant_slug":"b"}'],
      ["multipart/form-data; boundary=z", "--z--"],
    ]) {
      const res = await exports.default.fetch(
        new Request(`${API}/experiments/${id}/start`, {
          method: "POST",
          headers: { "content-type": type as string, origin: EVIL, "cf-connecting-ip": ip },
          body,
        }),
      );
      expect(res.status, type).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("cross_site_request");
    }
    for (let i = 0; i < 25; i++) {
      await exports.default.fetch(
        new Request(`${API}/experiments`, { method: "POST", headers: { ...FORM, origin: EVIL, "cf-connecting-ip": ip }, body: "a=b" }),
      );
    }
    // Not counted as failed sign-ins; the bearer token from a script (no Origin) still works.
    const automation = await exports.default.fetch(
      new Request(`${API}/experiments/${id}/start`, {
        method: "POST",
        headers: { authorization: "Bearer demo-admin", "cf-connecting-ip": ip },
      }),
    );
    expect(automation.status).toBe(200);
    // A same-origin browser call with the bearer token is fine too.
    const sameSite = await exports.default.fetch(
      new Request(`${API}/experiments/${id}/pause`, {
        method: "POST",
        headers: { authorization: "Bearer demo-admin", origin: ORIGIN, "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(sameSite.status).toBe(200);
  });
});
