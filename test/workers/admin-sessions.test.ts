// Sessions end on the server: a copied cookie is dead after sign-out, after the idle timeout and after
// its 8 hours (the clock injected), after its token is removed (and stays dead when the token comes
// back), and after "sign out everywhere", which is audited and also offered by the API.
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { catalogStub } from "../../src/admin/api.ts";
import type { CatalogObject } from "../../src/catalog/catalog-object.ts";
import { createWorker, type SgenEnv } from "../../src/worker/index.ts";
import { api } from "./admin-helpers.ts";
import { demoFetch, ORIGIN, type PagesSession, postForm, signIn } from "./pages-helpers.ts";

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Whether the browser holding `cookie` is still signed in: the list answers 200, not a redirect to the login. */
async function signedIn(cookie: string, fetch: Fetch = demoFetch): Promise<boolean> {
  const res = await fetch("/sg-admin/experiments/", { headers: { cookie }, redirect: "manual" });
  if (res.status === 200) return true;
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toMatch(/\/sg-admin\/login$/);
  return false;
}

/** A Worker on the demo's bindings with its own clock and, optionally, its own token list. */
function workerWith(clock: { now: number }, tokens?: () => string | undefined): Fetch {
  const worker = createWorker<SgenEnv>({
    origin: async (r) => demoSite(r),
    pages: { now: () => clock.now, ...(tokens === undefined ? {} : { tokens }) },
  });
  return async (url, init) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(url.startsWith("http") ? url : `${ORIGIN}${url}`, init), env as SgenEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

const MINUTE = 60_000;

describe("signing out", () => {
  it("ends the session in storage: a copy of the cookie taken before sign-out no longer signs anyone in", async () => {
    const s = await signIn("demo-editor");
    const copy = s.cookie;
    expect(await signedIn(copy)).toBe(true);
    const out = await postForm(s, "/sg-admin/logout");
    expect(out.status).toBe(303);
    expect(await signedIn(copy)).toBe(false);
    // A write with the copy and its old form token is refused too.
    const replay = await postForm({ ...s, cookie: copy }, "/sg-admin/experiments/new", { name: "after sign-out" });
    expect(replay.status).toBe(401);
  });

  it("stores only a digest of the session id: the table holds nothing that works as a cookie", async () => {
    const s = await signIn("demo-viewer");
    const id = s.cookie.split("=")[1]?.split(".")[0] ?? "";
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await runInDurableObject(catalogStub(env.SGEN_CATALOG), (_: CatalogObject, state) =>
      state.storage.sql.exec<{ key: string }>("SELECT key FROM sessions").toArray(),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.key.includes(id))).toBe(false);
  });
});

describe("the idle timeout and the lifetime", () => {
  it("a session unused for 30 minutes is dead; one in use lives until its 8 hours are up", async () => {
    const clock = { now: Date.now() };
    const fetch = workerWith(clock);
    const idle = await signIn("demo-viewer", { fetch });
    clock.now += 29 * MINUTE;
    expect(await signedIn(idle.cookie, fetch)).toBe(true); // used: its idle deadline moves
    clock.now += 29 * MINUTE;
    expect(await signedIn(idle.cookie, fetch)).toBe(true);
    clock.now += 30 * MINUTE;
    expect(await signedIn(idle.cookie, fetch)).toBe(false); // 30 minutes unused
    clock.now += 1 * MINUTE;
    expect(await signedIn(idle.cookie, fetch)).toBe(false); // and it stays dead

    const busy = await signIn("demo-viewer", { fetch });
    const start = clock.now;
    while (clock.now - start < 8 * 60 * MINUTE - 20 * MINUTE) {
      clock.now += 20 * MINUTE;
      expect(await signedIn(busy.cookie, fetch)).toBe(true);
    }
    clock.now = start + 8 * 60 * MINUTE;
    expect(await signedIn(busy.cookie, fetch)).toBe(false); // the absolute lifetime
  });
});

describe("removing a token", () => {
  it("ends its sessions in storage: they stay dead when the token is put back", async () => {
    const clock = { now: Date.now() };
    const all = env.SGEN_ADMIN_TOKENS;
    const withoutEditor = JSON.stringify((JSON.parse(all) as Array<{ operator: string }>).filter((t) => t.operator !== "demo-editor"));
    let tokens = all;
    const fetch = workerWith(clock, () => tokens);
    const s = await signIn("demo-editor", { fetch });
    expect(await signedIn(s.cookie, fetch)).toBe(true);
    tokens = withoutEditor;
    expect(await signedIn(s.cookie, fetch)).toBe(false);
    tokens = all;
    expect(await signedIn(s.cookie, fetch)).toBe(false);
  });
});

describe("sign out everywhere", () => {
  async function sessions(token: string, n: number): Promise<PagesSession[]> {
    const out: PagesSession[] = [];
    for (let i = 0; i < n; i++) out.push(await signIn(token));
    return out;
  }

  it("from the pages: every session of the operator ends, other operators' do not, and the audit log says so", async () => {
    const [laptop, phone] = await sessions("demo-editor", 2);
    const [other] = await sessions("demo-admin", 1);
    if (laptop === undefined || phone === undefined || other === undefined) throw new Error("sign-in failed");
    for (const s of [laptop, phone, other]) expect(await signedIn(s.cookie)).toBe(true);
    expect(await demoFetch("/sg-admin/experiments/", { headers: { cookie: laptop.cookie } }).then((r) => r.text())).toContain(
      "/sg-admin/logout-everywhere",
    );
    const out = await postForm(laptop, "/sg-admin/logout-everywhere");
    expect(out.status).toBe(303);
    expect(await signedIn(laptop.cookie)).toBe(false);
    expect(await signedIn(phone.cookie)).toBe(false);
    expect(await signedIn(other.cookie)).toBe(true);
    const entry = (await api("GET", "/activity?limit=20")).json.entries.find(
      (e: { action: string; operator: string }) => e.action === "sign_out_everywhere" && e.operator === "demo-editor",
    );
    expect(entry.changes.operator).toBe("demo-editor");
    expect(entry.changes.sessions_ended).toBeGreaterThanOrEqual(2);
  });

  it("from the API: yourself by default, another operator only with operators.sign_out; tokens stay valid", async () => {
    const [viewer] = await sessions("demo-viewer", 1);
    if (viewer === undefined) throw new Error("sign-in failed");
    expect((await api("POST", "/sessions/sign-out-everywhere", { operator: "demo-viewer" }, "demo-editor")).status).toBe(403);
    expect(await signedIn(viewer.cookie)).toBe(true);
    const r = await api("POST", "/sessions/sign-out-everywhere", { operator: "demo-viewer" }, "demo-admin");
    expect(r.status).toBe(200);
    expect(r.json.operator).toBe("demo-viewer");
    expect(r.json.sessions_ended).toBeGreaterThanOrEqual(1);
    expect(await signedIn(viewer.cookie)).toBe(false);
    const self = await api("POST", "/sessions/sign-out-everywhere", undefined, "demo-viewer");
    expect(self.status).toBe(200);
    expect(self.json.operator).toBe("demo-viewer");
    expect((await api("GET", "/experiments", undefined, "demo-viewer")).status).toBe(200);
  });
});
