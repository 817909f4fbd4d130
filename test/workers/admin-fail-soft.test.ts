// Fail soft for operators: one unreadable run-data shard shows "run-data unavailable" for that
// experiment everywhere its figures appear (list, dashboard, archive, exports, the API's dashboard)
// and nothing else breaks; a search of any length up to the limit, made of LIKE's own metacharacters,
// is a plain substring search; and no page route answers 500 to odd ids or bodies.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runDataObjectName } from "../../src/names.ts";
import type { RunDataObject } from "../../src/run-data/run-data-object.ts";
import { api, created } from "./admin-helpers.ts";
import { demoFetch, postForm, sameOrigin, signIn } from "./pages-helpers.ts";

const shard = (id: number, k: number) => env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(runDataObjectName(id, k)));

/** Breaks one shard of `id` so that reading it fails outright. */
const breakShard = (id: number, k = 1) =>
  runInDurableObject(shard(id, k), (_: RunDataObject, state) => {
    state.storage.sql.exec("DROP TABLE counts");
  });

/** Damages one shard of `id` so that it answers a snapshot that is not one (a count that is text). */
const garbleShard = (id: number, k = 2) =>
  runInDurableObject(shard(id, k), (_: RunDataObject, state) => {
    state.storage.sql.exec("INSERT INTO counts (epoch, goal, variant, n, last_at) VALUES (0, '', 'a', 'lots', NULL)");
  });

async function page(path: string, cookie: string): Promise<{ status: number; html: string }> {
  const res = await demoFetch(path, { headers: { cookie } });
  return { status: res.status, html: await res.text() };
}

describe("one unreadable run-data shard", () => {
  it("shows run-data unavailable for that experiment on the list, dashboard, archive, exports and API, and the rest as usual", async () => {
    const healthy = await created();
    const broken = await created();
    const garbled = await created();
    for (const id of [healthy.id, broken.id, garbled.id]) expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    expect((await api("POST", `/experiments/${garbled.id}/override`, { shipped_variant_slug: "b", reason: "archive row" })).status).toBe(
      200,
    );
    await breakShard(broken.id);
    await garbleShard(garbled.id);

    // The API: a clear error (503 run_data_unavailable, naming the shard), never a 500.
    for (const id of [broken.id, garbled.id]) {
      for (const path of [`/experiments/${id}/dashboard`, `/experiments/${id}/results.json`, `/experiments/${id}/results.csv`]) {
        const r = await api("GET", path);
        expect(r.status, path).toBe(503);
        expect(r.json.error.code, path).toBe("run_data_unavailable");
        expect(r.json.error.message, path).toMatch(/^run-data unavailable: shard \d of 4/);
      }
      expect((await api("GET", `/experiments/${id}`)).status).toBe(200); // the record itself is fine
    }
    expect((await api("GET", `/experiments/${healthy.id}/dashboard`)).status).toBe(200);
    // Concluding needs the gate, which needs the run-data: refused in words, nothing changes.
    const conclude = await api("POST", `/experiments/${broken.id}/conclude`, { shipped_variant_slug: "b" });
    expect(conclude.status).toBe(503);
    expect(conclude.json.error.code).toBe("run_data_unavailable");
    expect((await api("GET", `/experiments/${broken.id}`)).json.lifecycle_state).toBe("live");

    // The pages.
    const { cookie } = await signIn("demo-admin");
    const list = await page("/sg-admin/experiments/?per_page=100&sort=id", cookie);
    expect(list.status).toBe(200);
    expect(list.html).toContain(healthy.input.name);
    // The list reads the catalog's last reports, never a shard, so a broken shard cannot fail it: the
    // experiment is listed with its actions like any other.
    const row = list.html.split("<tr>").find((r) => r.includes(broken.input.name)) ?? "";
    expect(row).toContain(`/experiments/${broken.id}/pause`);

    const dashboard = await page(`/sg-admin/experiments/${broken.id}`, cookie);
    expect(dashboard.status).toBe(200);
    expect(dashboard.html).toContain("run-data unavailable: shard 2 of 4");
    expect(dashboard.html).toContain(`/experiments/${broken.id}/pause`); // the operator may still act
    expect(dashboard.html).not.toContain(`/experiments/${broken.id}/conclude"`);

    const archive = await page("/sg-admin/experiments/archive", cookie);
    expect(archive.status).toBe(200);
    const archived = archive.html.split("<article").find((r) => r.includes(garbled.input.name)) ?? "";
    expect(archived).toContain("run-data unavailable: shard 3 of 4 answered an unreadable snapshot");

    for (const format of ["csv", "json"]) {
      const file = await page(`/sg-admin/experiments/${broken.id}/results.${format}`, cookie);
      expect(file.status).toBe(503);
      expect(file.html).toMatch(/run-data unavailable: shard 2 of 4/i);
    }
    // A page action that needs the run-data answers the dashboard with the reason, not a 500.
    const s = await signIn("demo-admin");
    const refused = await postForm(s, `/sg-admin/experiments/${broken.id}/conclude`, { shipped_variant_slug: "b", confirmed: "yes" });
    expect(refused.status).toBe(503);
    expect(await refused.text()).toContain("the gate cannot be checked");
  });
});

describe("search", () => {
  it("takes 200 characters of % _ \\ as text: no 500, and matches only names that hold them", async () => {
    const metas = "%_\\".repeat(67).slice(0, 200);
    const plain = await created();
    const literal = await created({ name: `x${metas}`.slice(0, 200) });
    for (const q of [metas, "%", "_", "\\", "%_", "_\\%", metas.slice(0, 49), metas.slice(0, 50), metas.slice(1, 120)]) {
      const r = await api("GET", `/experiments?per_page=100&q=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(200);
      const ids = r.json.rows.map((row: { id: number }) => row.id);
      expect(ids, q).not.toContain(plain.id);
      if (q.length <= 199) expect(ids, q).toContain(literal.id);
    }
    const { cookie } = await signIn("demo-viewer");
    const listed = await page(`/sg-admin/experiments/?q=${encodeURIComponent(metas)}`, cookie);
    expect(listed.status).toBe(200);
    // Case is folded, as it was with LIKE.
    const folded = await api("GET", `/experiments?per_page=100&q=${encodeURIComponent(plain.input.name.toUpperCase())}`);
    expect(folded.json.rows.map((row: { id: number }) => row.id)).toContain(plain.id);
  });
});

describe("odd ids and bodies", () => {
  it("no page route answers 500, signed in or not, whatever the id or the body", async () => {
    const { id } = await created();
    const s = await signIn("demo-admin");
    const ids = ["0", "-1", "01", "1.5", "1e3", "9".repeat(30), "%00", "%ff", "abc", "%F0%9F%99%82", "1;2", "", String(id), "..%2f1"];
    const subpaths = [
      "",
      "/edit",
      "/preview/a",
      "/preview/%00",
      "/results.csv",
      "/results.json",
      "/start",
      "/conclude",
      "/rollout",
      "/nope",
    ];
    const bodies: Array<[string | undefined, Record<string, string>]> = [
      [undefined, {}],
      ["", {}],
      ["csrf=x&name=a&name=b", {}],
      [`csrf=${s.csrf}&percent=1e999&shipped_variant_slug=%00&reason=${"r".repeat(3000)}`, {}],
      [`csrf=${s.csrf}&slug=%ZZ&variant_0_share=NaN`, {}],
      ['--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nnot-closed', { "content-type": "multipart/form-data; boundary=x" }],
      ["anything", { "content-type": "multipart/form-data" }],
      ['{"csrf":"x"}', { "content-type": "application/json" }],
      ["\u0000\uffff\ud800", { "content-type": "application/x-www-form-urlencoded" }],
    ];
    const seen: string[] = [];
    for (const raw of ids) {
      for (const sub of subpaths) {
        const path = `/sg-admin/experiments/${raw}${sub}`;
        for (const cookie of [s.cookie, ""]) {
          const get = await demoFetch(path, { headers: { cookie }, redirect: "manual" });
          if (get.status >= 500) seen.push(`GET ${path} → ${get.status}`);
          // Every body against the real id; the valid-token form and a broken multipart body against the odd ones.
          for (const [body, headers] of raw === String(id) ? bodies : [bodies[3], bodies[5]].flatMap((b) => (b === undefined ? [] : [b]))) {
            const post = await demoFetch(path, {
              method: "POST",
              headers: { ...sameOrigin(cookie), ...headers },
              body,
              redirect: "manual",
            });
            if (post.status >= 500 && post.status !== 503) seen.push(`POST ${path} ${JSON.stringify(body)} → ${post.status}`);
          }
        }
      }
    }
    for (const path of ["/sg-admin/login", "/sg-admin/logout", "/sg-admin/experiments/new", "/sg-admin/experiments/archive"]) {
      for (const [body, headers] of bodies) {
        const post = await demoFetch(path, { method: "POST", headers: { ...sameOrigin(s.cookie), ...headers }, body, redirect: "manual" });
        if (post.status >= 500) seen.push(`POST ${path} ${JSON.stringify(body)} → ${post.status}`);
      }
    }
    expect(seen).toEqual([]);
  }, 180_000);
});
