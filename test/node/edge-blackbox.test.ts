// docs/edge.md and docs/cookies.md, black-box: HTTP against `npm start`, with the variant of every visitor computed
// by an independent MurmurHash3 over the id's UTF-8 bytes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { adminApi, type DemoServer, type Fetched, get, startDemo } from "./support/demo-server.ts";

const SLUG = "pricing-page-layout";
const COOKIE = `sgen-ab-${SLUG}`;
const TITLE = { a: "Acme: pricing", b: "Acme: pricing (layout B)" } as const;
const expectedVariant = (id: string): "a" | "b" => (referenceAssignment(SLUG, id, [50, 50]).index === 0 ? "a" : "b");
const maxAge = (attrs: string | undefined): number => Number(/Max-Age=(\d+)/i.exec(attrs ?? "")?.[1] ?? 0);

let demo: DemoServer;
beforeAll(async () => {
  demo = await startDemo();
});
afterAll(async () => {
  await demo?.stop();
});

const pricing = (cookie?: string, method = "GET"): Promise<Fetched> =>
  get(`${demo.base}/pricing`, { method, headers: cookie === undefined ? {} : { cookie } });

describe("npm start: the edge, from outside", () => {
  it("a new visitor gets sgen-vid and an assignment cookie with the specified attributes", async () => {
    const r = await pricing();
    expect(r.status).toBe(200);
    const vid = r.cookies.get("sgen-vid");
    const assigned = r.cookies.get(COOKIE);
    expect(vid?.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(vid?.attrs).toMatch(/HttpOnly/i);
    expect(vid?.attrs).toMatch(/Path=\//);
    expect(vid?.attrs).toMatch(/SameSite=Lax/i);
    expect(vid?.attrs).not.toMatch(/Secure/i); // plain http here
    expect(maxAge(vid?.attrs)).toBeGreaterThanOrEqual(365 * 86400);
    expect(assigned?.attrs).toMatch(/Path=\//);
    expect(assigned?.attrs).toMatch(/SameSite=Lax/i);
    expect(maxAge(assigned?.attrs)).toBeGreaterThanOrEqual(30 * 86400);
    expect(assigned?.value).toBe(expectedVariant(vid?.value ?? ""));
    expect(r.title).toBe(TITLE[expectedVariant(vid?.value ?? "")]);
    expect(r.headers.get("cache-control")).toMatch(/private/);
  });

  it("serves the variant under the original URL for ASCII and non-ASCII visitor ids", async () => {
    const ids = [
      "visitor-1",
      "visitor-2",
      "alice@example.com",
      "ünïcödé",
      "日本語のユーザー",
      "😀🚀",
      "Zoë",
      "Привет",
      "مرحبا",
      "사용자",
      "straße",
      "e\u0301",
    ];
    for (let i = 0; i < 24; i++) ids.push(`bb-${i}-ü`);
    const seen = new Set<string>();
    for (const id of ids) {
      const r = await pricing(`sgen-vid=${encodeURIComponent(id)}`);
      const want = expectedVariant(id);
      expect(r.status, id).toBe(200);
      expect(r.headers.get("location"), id).toBeNull();
      expect(r.cookies.get(COOKIE)?.value, id).toBe(want);
      expect(r.cookies.has("sgen-vid"), `${id}: a valid id is not replaced`).toBe(false);
      expect(r.title, id).toBe(TITLE[want]);
      seen.add(want);
    }
    expect(seen).toEqual(new Set(["a", "b"]));
  });

  it("a returning visitor keeps its variant and gets no new cookies", async () => {
    const first = await pricing();
    const vid = first.cookies.get("sgen-vid")?.value ?? "";
    const variant = first.cookies.get(COOKIE)?.value as "a" | "b";
    for (let i = 0; i < 3; i++) {
      const again = await pricing(`sgen-vid=${vid}; ${COOKIE}=${variant}`);
      expect(again.cookies.size).toBe(0);
      expect(again.title).toBe(TITLE[variant]);
      expect(again.headers.get("cache-control")).toMatch(/private/);
    }
  });

  it("honours a valid cookie even against the hash, and replaces a tampered one", async () => {
    const id = "sticky-visitor";
    const other = expectedVariant(id) === "a" ? "b" : "a";
    const honoured = await pricing(`sgen-vid=${id}; ${COOKIE}=${other}`);
    expect(honoured.title).toBe(TITLE[other]);
    expect(honoured.cookies.size).toBe(0);
    for (const bad of ["c", "zzz", "A", "%3Cscript%3E", "a%00"]) {
      const r = await pricing(`sgen-vid=${id}; ${COOKIE}=${bad}`);
      expect(r.cookies.get(COOKIE)?.value, bad).toBe(expectedVariant(id));
      expect(r.title, bad).toBe(TITLE[expectedVariant(id)]);
    }
  });

  it("HEAD of the target page is answered like GET", async () => {
    const r = await pricing("sgen-vid=head-visitor", "HEAD");
    expect(r.status).toBe(200);
    expect(r.cookies.get(COOKIE)?.value).toBe(expectedVariant("head-visitor"));
  });

  it("other pages are not touched: no cookies, the origin's cache headers", async () => {
    for (const path of ["/", "/thanks", "/pricing-b"]) {
      const r = await get(`${demo.base}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.cookies.size, path).toBe(0);
      expect(r.headers.get("cache-control"), path).toBe("public, max-age=60");
    }
    expect((await get(`${demo.base}/nope`)).status).toBe(404);
    const post = await get(`${demo.base}/signup`, {
      method: "POST",
      body: "email=a@b.c",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(post.status).toBe(303);
    expect(post.headers.get("location")).toBe("/thanks");
  });

  it("paused, done and archived (through the admin API) behave as docs/edge.md says", async () => {
    const list = await adminApi(demo.base, "GET", `/experiments?q=${SLUG}`);
    const id = list.json.rows[0].id as number;
    const act = async (action: string, body: object = {}) => {
      const r = await adminApi(demo.base, "POST", `/experiments/${id}/${action}`, body);
      expect(r.status, `${action}: ${JSON.stringify(r.json)}`).toBe(200);
    };

    await act("pause");
    const paused = await pricing(`sgen-vid=p; ${COOKIE}=b`);
    expect(paused.title).toBe(TITLE.a);
    expect(paused.cookies.size).toBe(0);
    expect(paused.headers.get("cache-control")).toMatch(/private/);
    expect((await pricing()).cookies.size).toBe(0);

    await act("resume");
    const resumed = await pricing(`sgen-vid=p; ${COOKIE}=b`);
    expect(resumed.title).toBe(TITLE.b); // the cookie is honoured again after a resume

    await act("override", { shipped_variant_slug: "b", reason: "black-box test" });
    const done = await pricing(`sgen-vid=d; ${COOKIE}=a`);
    expect(done.title).toBe(TITLE.b);
    expect(done.cookies.size).toBe(0);
    expect((await pricing()).title).toBe(TITLE.b);

    await act("archive");
    const archived = await pricing(`${COOKIE}=b`);
    expect(archived.title).toBe(TITLE.a);
    expect(archived.cookies.size).toBe(0);
    expect(archived.headers.get("cache-control")).toBe("public, max-age=60");
  });
});

describe("npm start's Worker with its storage unbound", () => {
  let broken: DemoServer;
  beforeAll(async () => {
    broken = await startDemo("test/node/fixtures/no-storage.wrangler.toml");
  });
  afterAll(async () => {
    await broken?.stop();
  });

  it("still serves every page, the target page as the control", async () => {
    const r = await get(`${broken.base}/pricing`);
    expect(r.status).toBe(200);
    expect(r.title).toBe(TITLE.a);
    expect(r.cookies.has(COOKIE)).toBe(false);
    expect((await get(`${broken.base}/`)).status).toBe(200);
  });
});
