// The list (rows and total; filter, sort, page) and the audit log.
import { describe, expect, it } from "vitest";
import { api, created } from "./admin-helpers.ts";
import { uniqueId } from "./helpers.ts";

describe("the experiment list", () => {
  it("filters on name and target page, sorts, pages, and hides archived rows unless asked", async () => {
    const tag = `zeta${uniqueId()}`;
    const ids: number[] = [];
    for (const name of ["Charlie", "alpha", "Bravo"]) ids.push((await created({ name: `${tag} ${name}` })).id);
    const byPage = await created({ target_page: `/${tag}-page` });
    const all = await api("GET", `/experiments?q=${tag}`);
    expect(all.json.total).toBe(4);
    const named = await api("GET", `/experiments?q=${tag}&sort=name&order=asc&per_page=2&page=1`);
    expect(named.json.total).toBe(4);
    // byPage matches on its target page only; its name ("Experiment …") sorts first, case-insensitively.
    expect(named.json.rows.map((r: { id: number }) => r.id)).toEqual([byPage.id, ids[1]]);
    const page2 = await api("GET", `/experiments?q=${tag}&sort=name&order=asc&per_page=2&page=2`);
    expect(page2.json.rows.map((r: { name: string }) => r.name)).toEqual([`${tag} Bravo`, `${tag} Charlie`]);

    await api("POST", `/experiments/${ids[0]}/archive`);
    expect((await api("GET", `/experiments?q=${tag}`)).json.total).toBe(3);
    const archived = await api("GET", `/experiments?q=${tag}&state=archived`);
    expect(archived.json.rows.map((r: { id: number }) => r.id)).toEqual([ids[0]]);
    expect((await api("GET", `/experiments?q=${tag}&state=draft`)).json.total).toBe(3);
  });

  it("treats % and _ in the search text literally, caps per_page, and refuses a bad query", async () => {
    expect((await api("GET", "/experiments?q=%25%25%25")).json.total).toBe(0);
    expect((await api("GET", "/experiments?per_page=1000")).status).toBe(400);
    expect((await api("GET", "/experiments?sort=evil;DROP")).status).toBe(400);
    expect((await api("GET", "/experiments?state=gone")).status).toBe(400);
  });
});

describe("the audit log", () => {
  it("records operator, role, experiment, transition, changes, shipped variant and override reason", async () => {
    const { id, input } = await created();
    await api("PUT", `/experiments/${id}`, { ...input, name: "Renamed" }, "demo-editor");
    await api("POST", `/experiments/${id}/start`, {}, "demo-editor");
    await api("POST", `/experiments/${id}/override`, { shipped_variant_slug: "b", reason: "deadline" });
    const log = await api("GET", `/activity?experiment_id=${id}`, undefined, "demo-viewer");
    expect(log.status).toBe(200);
    const [override, start, edit, create] = log.json.entries;
    expect(override).toMatchObject({
      operator: "demo-admin",
      role: "administrator",
      experiment_id: id,
      experiment_slug: input.slug,
      action: "override",
      transition: { from: "live", to: "done" },
      reason: "deadline",
      shipped_variant_slug: "b",
    });
    expect(start).toMatchObject({ operator: "demo-editor", action: "start", transition: { from: "draft", to: "live" } });
    expect(edit).toMatchObject({ operator: "demo-editor", action: "edit", changes: { name: { from: input.name, to: "Renamed" } } });
    expect(create).toMatchObject({ operator: "demo-admin", action: "create", transition: { from: null, to: "draft" } });
    expect(new Date(override.at).getTime()).toBeGreaterThanOrEqual(new Date(create.at).getTime());
  });

  it("lists newest first across experiments, and refuses a bad experiment_id", async () => {
    const a = await created();
    const b = await created();
    const entries = (await api("GET", "/activity?limit=2")).json.entries;
    expect(entries.map((e: { experiment_id: number }) => e.experiment_id)).toEqual([b.id, a.id]);
    expect((await api("GET", "/activity?experiment_id=abc")).status).toBe(400);
  });
});
