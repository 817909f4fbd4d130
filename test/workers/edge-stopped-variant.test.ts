// A stopped variant at the edge (kv-schema/README.md): its visitors, by bucket or by cookie, get the
// control's page with nothing written and nothing counted; every other visitor keeps its variant and
// its counts, so the epoch's sample stays the one the split made for the running arms.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readRunData } from "../../src/run-data/client.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { configOf, edgeWith, experiment, setCookies, TITLES, titleOf } from "./helpers.ts";

const SHARES = [34, 33, 33];
const SLUGS = ["a", "b", "c"] as const;
const threeWay = (stopped: boolean) =>
  experiment({
    variants: [
      { slug: "a", page: "/pricing", traffic_share: 34 },
      { slug: "b", page: "/pricing-b", traffic_share: 33 },
      { slug: "c", page: "/signup", traffic_share: 33, ...(stopped ? { stopped: true } : {}) },
    ],
  });
const TITLE = { a: TITLES.a, b: TITLES.b, c: "Acme: sign up" } as const;

describe("a stopped variant at the edge", () => {
  it("serves its visitors the control's page, assigns and counts nobody there, and keeps the others as they were", async () => {
    const e = threeWay(true);
    const t = await edgeWith([e]);
    const bucketOf = (vid: string) => SLUGS[referenceAssignment(e.slug, vid, SHARES).index] as (typeof SLUGS)[number];
    const expected = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 150; i++) {
      const vid = `stop-${i}`;
      const variant = bucketOf(vid);
      const res = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${vid}` } });
      const assignment = setCookies(res).get(`sgen-ab-${e.slug}`);
      if (variant === "c") {
        expect(await titleOf(res)).toBe(TITLE.a);
        expect(assignment, "a stopped variant's visitor is assigned nowhere").toBeUndefined();
        expect(res.headers.get("cache-control")).toMatch(/private/);
      } else {
        expect(await titleOf(res)).toBe(TITLE[variant]);
        expect(assignment?.value).toBe(variant);
        // Each running visitor converts once.
        await t.fetch("/thanks", { headers: { cookie: `sgen-vid=${vid}; sgen-ab-${e.slug}=${variant}` } });
      }
      expected[variant]++;
    }
    expect(expected.c).toBeGreaterThan(30);
    const run = await readRunData(env.SGEN_RUN_DATA, e.id, 0, 1);
    expect(run.samples).toEqual({ a: expected.a, b: expected.b });
    expect(run.conversions["page_view:/thanks"]).toEqual({ a: expected.a, b: expected.b });
  });

  it("a visitor counted in the variant before it stopped gets the control's page after; the cookie stays and its conversions count nowhere", async () => {
    const running = threeWay(false);
    const t = await edgeWith([running]);
    const vids = Array.from({ length: 40 }, (_, i) => `before-${i}`).filter(
      (v) => referenceAssignment(running.slug, v, SHARES).index === 2,
    );
    const vid = vids[0] as string;
    const first = await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${vid}` } });
    expect(await titleOf(first)).toBe(TITLE.c);
    expect(setCookies(first).get(`sgen-ab-${running.slug}`)?.value).toBe("c");
    expect((await readRunData(env.SGEN_RUN_DATA, running.id, 0, 1)).samples).toEqual({ c: 1 });

    await t.store.put(configOf([{ ...running, variants: threeWay(true).variants }], 2));
    t.edge.invalidateConfig();
    const cookie = { headers: { cookie: `sgen-vid=${vid}; sgen-ab-${running.slug}=c` } };
    const res = await t.fetch("/pricing", cookie);
    expect(await titleOf(res)).toBe(TITLE.a);
    expect(res.headers.getSetCookie()).toEqual([]);
    await t.fetch("/thanks", cookie);
    const custom = await t.fetch("/__sgen/events", {
      method: "POST",
      headers: { ...cookie.headers, "content-type": "application/json" },
      body: JSON.stringify({ events: [{ name: "signup" }] }),
    });
    expect(custom.status).toBe(202);
    const run = await readRunData(env.SGEN_RUN_DATA, running.id, 0, 1);
    expect(run.samples).toEqual({ c: 1 });
    expect(run.conversions).toEqual({});
  });

  it("without the stop, the same visitor's conversion is counted (the check above can fail)", async () => {
    const running = threeWay(false);
    const t = await edgeWith([running]);
    const vid = Array.from({ length: 40 }, (_, i) => `before-${i}`).find(
      (v) => referenceAssignment(running.slug, v, SHARES).index === 2,
    ) as string;
    await t.fetch("/pricing", { headers: { cookie: `sgen-vid=${vid}` } });
    await t.fetch("/thanks", { headers: { cookie: `sgen-vid=${vid}; sgen-ab-${running.slug}=c` } });
    const run = await readRunData(env.SGEN_RUN_DATA, running.id, 0, 1);
    expect(run.conversions["page_view:/thanks"]).toEqual({ c: 1 });
  });
});
