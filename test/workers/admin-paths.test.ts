// Pages compared in canonical form wherever the catalog and the edge compare them: a variant that
// points back at its own target page, a chain of running experiments, a busy target page, and the
// edge's matching of a request to a target page or a goal. Each attack spells the same page another way.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import { canonicalPath } from "../../src/core/paths.ts";
import { readRunData } from "../../src/run-data/client.ts";
import { api, created, newExperiment } from "./admin-helpers.ts";
import { edgeWith, experiment, sampleOf, setCookies, TITLES, titleOf } from "./helpers.ts";

/** `/t-123` spelled with an escaped letter and digit: the same page to the edge. */
const respell = (page: string) => page.replace("/t-", "/%74-").replace(/(\d)$/, (d) => `%3${d}`);

describe("the catalog compares pages in canonical form", () => {
  it("refuses the issue's variant page /a/.%2e/pricing-b, which the URL parser turns into /pricing-b", async () => {
    const c = await api("POST", "/experiments", {
      ...newExperiment(),
      variants: [
        { slug: "a", label: "A", traffic_share: 50 },
        { slug: "b", label: "B", page: "/a/.%2e/pricing-b", traffic_share: 50 },
      ],
    });
    expect(c.status).toBe(422);
    expect(JSON.stringify(c.json.error.issues)).toMatch(/variants\.1\.page/);
  });

  it("a variant page that is the target page in another spelling is a self-reference", async () => {
    const input = newExperiment();
    for (const page of [`${input.target_page}/`, `${input.target_page}//`, respell(input.target_page)]) {
      const r = await api("POST", "/experiments", {
        ...input,
        variants: [input.variants[0], { slug: "b", label: "B", page, traffic_share: 50 }],
      });
      expect(r.status, page).toBe(422);
      expect(JSON.stringify(r.json.error.issues), page).toMatch(/points back at the experiment's own target page/);
    }
  });

  it("a second experiment on the same target page in another spelling finds it busy", async () => {
    const first = await created();
    expect((await api("POST", `/experiments/${first.id}/start`)).status).toBe(200);
    for (const spelling of [`${first.input.target_page}/`, respell(first.input.target_page)]) {
      const second = await created({ target_page: spelling });
      const r = await api("POST", `/experiments/${second.id}/start`);
      expect(r.status, spelling).toBe(409);
      expect(r.json.error.code, spelling).toBe("target_page_busy");
    }
  });

  it("a variant page that is a running experiment's target page in another spelling is a chain", async () => {
    const first = await created();
    expect((await api("POST", `/experiments/${first.id}/start`)).status).toBe(200);
    const second = await created();
    const chained = await api("PUT", `/experiments/${second.id}`, {
      ...second.input,
      variants: [second.input.variants[0], { slug: "b", label: "B", page: respell(first.input.target_page), traffic_share: 50 }],
    });
    expect(chained.status).toBe(200);
    const start = await api("POST", `/experiments/${second.id}/start`);
    expect(start.status).toBe(409);
    expect(start.json.error.code).toBe("experiment_chain");
    // And the reverse: a target page that is a running experiment's variant page, spelled otherwise.
    const third = await created({ target_page: `${first.input.variants[1]?.page}/` });
    const reverse = await api("POST", `/experiments/${third.id}/start`);
    expect(reverse.status).toBe(409);
    expect(reverse.json.error.code).toBe("experiment_chain");
  });
});

describe("the edge matches requests in canonical form", () => {
  // A site that serves a page under every spelling of its path, as most servers do for these.
  const lenientSite = (r: Request) => {
    const url = new URL(r.url);
    url.pathname = canonicalPath(url.pathname);
    return demoSite(new Request(url, r));
  };

  it("serves and counts the experiment on every spelling of its target page, and counts a goal in any spelling", async () => {
    const e = experiment();
    const t = await edgeWith([e], {}, async (r) => lenientSite(r));
    let cookie = "";
    for (const spelling of ["/pricing/", "//pricing", "/%70ricing", "/pric%69ng//"]) {
      const res = await t.fetch(spelling);
      const set = setCookies(res);
      expect(set.has(`sgen-ab-${e.slug}`), spelling).toBe(true);
      expect([TITLES.a, TITLES.b], spelling).toContain(await titleOf(res));
      cookie = `sgen-vid=${set.get("sgen-vid")?.value}; sgen-ab-${e.slug}=${set.get(`sgen-ab-${e.slug}`)?.value}`;
    }
    expect(Object.values(await sampleOf(e.id)).reduce((a, b) => a + b, 0)).toBe(4);
    await t.fetch("/%74hanks/", { headers: { cookie } });
    const run = await readRunData(env.SGEN_RUN_DATA, e.id, 0, 1);
    expect(Object.values(run.conversions["page_view:/thanks"] ?? {}).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
