// The coverage, layer and holdout hashes against the independent MurmurHash3, their shares within
// statistical bounds over thousands of ids, their independence from the assignment, and the
// exclusivity of a layer's experiments.
import { describe, expect, it } from "vitest";
import { bucketOf } from "../../src/core/hash.ts";
import { compileCoverage, coverageBucket, inCoverage } from "../../src/core/targeting/coverage.ts";
import { compileTargeting, decideEntry, type Entry, type TargetedExperiment } from "../../src/core/targeting/entry.ts";
import { compileHoldouts, holdoutBucket, inHoldout } from "../../src/core/targeting/holdouts.ts";
import { compileLayerSlice, findLayerConflict, inLayerSlice, layerBucket, layerConflicts } from "../../src/core/targeting/layers.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { referenceBucket, referenceInCoverage, referenceInHoldout, referenceInLayer } from "../support/targeting-reference.ts";

// mulberry32: deterministic, and unlike a plain LCG its low bits do not cycle within a few thousand draws.
let seed = 2026;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
};
const uuid = () =>
  "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => ((c === "x" ? rnd() : (rnd() & 3) | 8) % 16).toString(16));
const IDS = Array.from({ length: 20_000 }, uuid);
if (new Set(IDS).size !== IDS.length) throw new Error("the generated ids repeat");
const ALPHABET = ["a", "Z", "0", "-", "é", "ß", "Ω", "я", "日", "😀", "\u0301", " ", ":"];
const mixed = () => Array.from({ length: rnd() % 30 }, () => ALPHABET[rnd() % ALPHABET.length]).join("");

/** |observed − n·p| within `z` standard deviations of a binomial. */
function expectBinomial(observed: number, n: number, p: number, z = 4.5) {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p), `${observed} of ${n} at p=${p}`).toBeLessThan(z * sd + 1e-9);
}

describe("the targeting hashes against the independent MurmurHash3", () => {
  it("coverage, layer and holdout buckets, for UUIDs and ids of mixed scripts", () => {
    for (let i = 0; i < 3000; i++) {
      const id = i % 2 === 0 ? (IDS[i] as string) : mixed();
      expect(coverageBucket("pricing-page-layout", id)).toBe(referenceBucket(`coverage:pricing-page-layout:${id}`));
      expect(layerBucket("homepage", id)).toBe(referenceBucket(`layer:homepage:${id}`));
      expect(holdoutBucket("global-q1", id)).toBe(referenceBucket(`holdout:global-q1:${id}`));
      const p = (rnd() % 10_001) / 100;
      expect(inCoverage(compileCoverage("exp-1", p), id)).toBe(referenceInCoverage("exp-1", id, p));
      const from = (rnd() % 5000) / 100;
      const to = from + ((rnd() % 5000) + 1) / 100;
      expect(inLayerSlice(compileLayerSlice({ slug: "l", from, to }), id)).toBe(referenceInLayer("l", id, from, to));
      const [h] = compileHoldouts([{ id: 1, slug: "h", percent: p, layer: null, goals: [] }]).all;
      expect(h !== undefined && inHoldout(h, id)).toBe(referenceInHoldout("h", id, p));
    }
  });
});

describe("coverage", () => {
  it("admits its share of 20,000 visitors, within 4.5 standard deviations", () => {
    for (const p of [1, 10, 25, 50, 90, 99.5]) {
      const c = compileCoverage("pricing-page-layout", p);
      expectBinomial(IDS.filter((id) => inCoverage(c, id)).length, IDS.length, p / 100);
    }
    expect(IDS.every((id) => inCoverage(compileCoverage("x", 100), id))).toBe(true);
    expect(IDS.some((id) => inCoverage(compileCoverage("x", 0), id))).toBe(false);
  });

  it("only adds visitors as it is raised", () => {
    const steps = [0, 0.01, 5, 12.5, 33.33, 50, 77.77, 99.99, 100].map((p) => compileCoverage("checkout", p));
    for (const id of IDS.slice(0, 5000)) {
      let was = false;
      for (const c of steps) {
        const now = inCoverage(c, id);
        expect(was && !now).toBe(false);
        was = now;
      }
    }
  });

  it("is independent of the variant: 50 % coverage of a 50/50 test admits both variants equally", () => {
    // Had coverage used the assignment bucket, every admitted visitor would be in variant a.
    const c = compileCoverage("pricing-page-layout", 50);
    const table = [
      [0, 0],
      [0, 0],
    ] as [[number, number], [number, number]];
    for (const id of IDS) {
      const inside = inCoverage(c, id) ? 1 : 0;
      const variant = bucketOf("pricing-page-layout", id) < 5000 ? 0 : 1;
      table[inside][variant]++;
    }
    const admitted = table[1][0] + table[1][1];
    expectBinomial(table[1][0], admitted, 0.5);
    // Pearson's chi-square of the 2×2 table; 1 degree of freedom, 19.5 is p ≈ 1e-5.
    const n = IDS.length;
    let chi = 0;
    for (const r of [0, 1] as const) {
      for (const v of [0, 1] as const) {
        const expected = ((table[r][0] + table[r][1]) * (table[0][v] + table[1][v])) / n;
        chi += (table[r][v] - expected) ** 2 / expected;
      }
    }
    expect(chi).toBeLessThan(19.5);
  });
});

const variants = [{ slug: "a" }, { slug: "b" }];
const live = (slug: string, extra: Partial<TargetedExperiment> = {}): TargetedExperiment => ({ slug, state: "live", variants, ...extra });
const noCookies = { url: "https://shop.example/", header: () => null, cookie: () => undefined };
const entryOf = (config: ReturnType<typeof compileTargeting>, slug: string, id: string): Entry =>
  decideEntry(config.bySlug.get(slug) as NonNullable<ReturnType<typeof config.bySlug.get>>, noCookies, {
    now: 0,
    qaVariant: null,
    consented: true,
    crawler: false,
    visitorId: () => id,
  });

describe("exclusive layers", () => {
  it("no visitor of 20,000 enters two experiments of one layer, and each gets its slice's share", () => {
    const slices: Array<[string, number, number]> = [
      ["hero-copy", 0, 30],
      ["hero-image", 30, 70],
      ["hero-video", 70, 95.5],
    ];
    const config = compileTargeting(
      [...slices.map(([slug, from, to]) => live(slug, { layer: { slug: "homepage", from, to } })), live("elsewhere")],
      [],
      "sgen-ab-",
    );
    const entered = new Map<string, number>(slices.map(([s]) => [s, 0]));
    let none = 0;
    for (const id of IDS) {
      const ins = slices.filter(([slug]) => entryOf(config, slug, id).kind === "assign").map(([s]) => s);
      expect(ins.length, id).toBeLessThanOrEqual(1);
      if (ins[0] === undefined) none++;
      else entered.set(ins[0], (entered.get(ins[0]) as number) + 1);
      // The experiment outside the layer is not affected by it.
      expect(entryOf(config, "elsewhere", id).kind).toBe("assign");
      // And agrees with the reference of the layer hash.
      expect(ins[0] ?? null).toBe(slices.find(([, from, to]) => referenceInLayer("homepage", id, from, to))?.[0] ?? null);
    }
    for (const [slug, from, to] of slices) expectBinomial(entered.get(slug) as number, IDS.length, (to - from) / 100);
    expectBinomial(none, IDS.length, 0.045);
  });

  it("the layer bucket is independent of the variant inside a slice", () => {
    const slice = compileLayerSlice({ slug: "homepage", from: 0, to: 50 });
    const inside = IDS.filter((id) => inLayerSlice(slice, id));
    expectBinomial(inside.filter((id) => referenceAssignment("hero-copy", id, [50, 50]).index === 0).length, inside.length, 0.5);
  });

  it("finds overlapping slices and names both experiments and the overlap", () => {
    const a = { id: 1, slug: "hero-copy", layer: { slug: "homepage", from: 0, to: 30 } };
    const b = { id: 2, slug: "hero-image", layer: { slug: "homepage", from: 30, to: 70 } };
    const c = { id: 3, slug: "hero-video", layer: { slug: "homepage", from: 65.5, to: 100 } };
    const d = { id: 4, slug: "checkout", layer: { slug: "checkout", from: 0, to: 100 } };
    const e = { id: 5, slug: "plain", layer: null };
    expect(findLayerConflict(a, [b, d, e])).toBeNull(); // [0,30) and [30,70) touch but do not overlap
    expect(findLayerConflict(a, [a])).toBeNull(); // itself, by id
    const conflict = findLayerConflict(c, [a, b, d]);
    expect(conflict).toEqual({
      layer: "homepage",
      experiment: { id: 3, slug: "hero-video", from: 65.5, to: 100 },
      other: { id: 2, slug: "hero-image", from: 30, to: 70 },
      overlap: { from: 65.5, to: 70 },
      message: 'layer "homepage": slice [65.5, 100) of "hero-video" overlaps slice [30, 70) of "hero-image" (id 2) on [65.5, 70)',
    });
    expect(layerConflicts([a, b, c, d, e]).map((x) => [x.experiment.slug, x.other.slug])).toEqual([["hero-image", "hero-video"]]);
    // Two-decimal bounds compare exactly: 33.33 | 33.33 touches, 33.33 | 33.32 overlaps by one bucket.
    const x = { id: 6, slug: "x", layer: { slug: "l", from: 0, to: 33.33 } };
    expect(findLayerConflict(x, [{ id: 7, slug: "y", layer: { slug: "l", from: 33.33, to: 66.66 } }])).toBeNull();
    expect(findLayerConflict(x, [{ id: 7, slug: "y", layer: { slug: "l", from: 33.32, to: 66.66 } }])?.overlap).toEqual({
      from: 33.32,
      to: 33.33,
    });
  });
});

describe("holdouts", () => {
  it("keep their share of visitors out of every experiment they cover, and only those", () => {
    const holdouts = [
      { id: 1, slug: "global-q1", percent: 5, layer: null, goals: ["page_view:/thanks"] },
      { id: 2, slug: "homepage-holdout", percent: 10, layer: "homepage", goals: [] },
    ];
    const config = compileTargeting(
      [live("plain"), live("in-layer", { layer: { slug: "homepage", from: 0, to: 100 } })],
      holdouts,
      "sgen-ab-",
    );
    let globalHeld = 0;
    let layerHeld = 0;
    for (const id of IDS) {
      const inGlobal = referenceInHoldout("global-q1", id, 5);
      const inLayer = referenceInHoldout("homepage-holdout", id, 10);
      const plain = entryOf(config, "plain", id);
      const layered = entryOf(config, "in-layer", id);
      expect(plain).toEqual(inGlobal ? { kind: "outside", reason: "holdout", holdout: "global-q1" } : { kind: "assign", count: true });
      if (inGlobal) expect(layered).toEqual({ kind: "outside", reason: "holdout", holdout: "global-q1" });
      else if (inLayer) expect(layered).toEqual({ kind: "outside", reason: "holdout", holdout: "homepage-holdout" });
      else expect(layered.kind).toBe("assign");
      if (inGlobal) globalHeld++;
      if (inLayer) layerHeld++;
    }
    expectBinomial(globalHeld, IDS.length, 0.05);
    expectBinomial(layerHeld, IDS.length, 0.1);
  });

  it("a holdout of 0 % holds nobody and is not even evaluated", () => {
    expect(compileHoldouts([{ id: 1, slug: "off", percent: 0, layer: null, goals: [] }]).all).toEqual([]);
  });
});
