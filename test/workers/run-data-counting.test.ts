// The run-data object's rules: one count per visitor, conversions only from the sample, frozen when done.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/edge/ports.ts";
import type { RunDataObject } from "../../src/run-data/run-data-object.ts";
import { uniqueId } from "./helpers.ts";

const fresh = () => {
  const id = uniqueId();
  return { id, stub: env.SGEN_RUN_DATA.get(env.SGEN_RUN_DATA.idFromName(`test:${id}`)) };
};
const exposure = (experimentId: number, visitorId: string, variant: string, epoch = 0): RunEvent => ({
  kind: "exposure",
  experimentId,
  epoch,
  visitorId,
  variant,
  at: Date.now(),
});
const conversion = (experimentId: number, visitorId: string, goal = "page_view:/thanks", epoch = 0): RunEvent => ({
  kind: "conversion",
  experimentId,
  epoch,
  visitorId,
  goal,
  at: Date.now(),
});

describe("run-data counting", () => {
  it("counts a repeated exposure or conversion once", async () => {
    const { id, stub } = fresh();
    await stub.ingest(0, [exposure(id, "v1", "a"), exposure(id, "v1", "a"), exposure(id, "v2", "b")]);
    await stub.ingest(0, [exposure(id, "v1", "b"), conversion(id, "v1"), conversion(id, "v1")]);
    const snap = await stub.snapshot(0);
    expect(snap.samples).toEqual({ a: 1, b: 1 });
    expect(snap.conversions).toEqual({ "page_view:/thanks": { a: 1 } });
  });

  it("counts a conversion under the variant of the exposure, once per goal", async () => {
    const { id, stub } = fresh();
    await stub.ingest(0, [exposure(id, "v1", "b"), conversion(id, "v1", "custom:signup"), conversion(id, "v1", "page_view:/thanks")]);
    const snap = await stub.snapshot(0);
    expect(snap.conversions).toEqual({ "custom:signup": { b: 1 }, "page_view:/thanks": { b: 1 } });
    expect(snap.lastConversionAt.b).toBeGreaterThan(0);
  });

  it("never counts a conversion without an exposure; one that arrived first counts when the exposure does", async () => {
    const { id, stub } = fresh();
    const r = await stub.ingest(0, [conversion(id, "early"), conversion(id, "never-exposed")]);
    expect(r).toMatchObject({ conversions: 0, pending: 2 });
    expect((await stub.snapshot(0)).conversions).toEqual({});
    await stub.ingest(0, [exposure(id, "early", "b")]);
    const snap = await stub.snapshot(0);
    expect(snap.samples).toEqual({ b: 1 });
    expect(snap.conversions).toEqual({ "page_view:/thanks": { b: 1 } });
  });

  it("forgets a pending conversion after 15 minutes", async () => {
    const { id, stub } = fresh();
    await stub.ingest(0, [{ ...conversion(id, "late"), at: Date.now() - 16 * 60_000 }]);
    await stub.ingest(0, [exposure(id, "someone", "a")]); // each batch sweeps expired pending rows
    await stub.ingest(0, [exposure(id, "late", "a")]);
    expect((await stub.snapshot(0)).conversions).toEqual({});
  });

  it("keeps epochs apart: a reset starts from zero", async () => {
    const { id, stub } = fresh();
    await stub.ingest(0, [exposure(id, "v1", "a"), conversion(id, "v1")]);
    await stub.ingest(0, [exposure(id, "v1", "b", 1), conversion(id, "v1", "page_view:/thanks", 1), exposure(id, "v2", "a", 1)]);
    expect((await stub.snapshot(0)).samples).toEqual({ a: 1 });
    const e1 = await stub.snapshot(1);
    expect(e1.samples).toEqual({ a: 1, b: 1 });
    expect(e1.conversions).toEqual({ "page_view:/thanks": { b: 1 } });
  });

  it("refuses writes once frozen", async () => {
    const { id, stub } = fresh();
    await stub.ingest(0, [exposure(id, "v1", "a")]);
    await stub.freeze();
    const r = await stub.ingest(0, [exposure(id, "v2", "a"), conversion(id, "v1")]);
    expect(r.frozen).toBe(true);
    expect((await stub.snapshot(0)).samples).toEqual({ a: 1 });
  });

  it("keeps daily counts for the time series", async () => {
    const { id, stub } = fresh();
    const day1 = Date.UTC(2026, 10, 20, 12);
    const day2 = Date.UTC(2026, 10, 21, 12);
    await stub.ingest(0, [
      { ...exposure(id, "v1", "a"), at: day1 },
      { ...exposure(id, "v2", "b"), at: day2 },
      { ...conversion(id, "v2"), at: day2 },
    ]);
    expect((await stub.snapshot(0)).daily).toEqual({
      "2026-11-20": { "": { a: 1 } },
      "2026-11-21": { "": { b: 1 }, "page_view:/thanks": { b: 1 } },
    });
  });

  it("sums a batch's counters per key and day, across midnight and across batches", async () => {
    const { id, stub } = fresh();
    const beforeMidnight = Date.UTC(2026, 10, 20, 23, 59, 59, 999);
    const afterMidnight = beforeMidnight + 1;
    // Days alternate inside one batch, so a counter that remembered only the first day would be caught.
    const first: RunEvent[] = [];
    for (let i = 0; i < 10; i++) {
      const at = i % 2 === 0 ? beforeMidnight : afterMidnight;
      first.push({ ...exposure(id, `v${i}`, i < 6 ? "a" : "b"), at });
      first.push({ ...conversion(id, `v${i}`), at });
    }
    await stub.ingest(0, first);
    await stub.ingest(0, [
      { ...exposure(id, "late", "a"), at: afterMidnight },
      { ...conversion(id, "late"), at: afterMidnight + 500 },
    ]);
    const snap = await stub.snapshot(0);
    expect(snap.samples).toEqual({ a: 7, b: 4 });
    expect(snap.conversions).toEqual({ "page_view:/thanks": { a: 7, b: 4 } });
    expect(snap.lastConversionAt).toEqual({ a: afterMidnight + 500, b: afterMidnight });
    expect(snap.daily).toEqual({
      "2026-11-20": { "": { a: 3, b: 2 }, "page_view:/thanks": { a: 3, b: 2 } },
      "2026-11-21": { "": { a: 4, b: 2 }, "page_view:/thanks": { a: 4, b: 2 } },
    });
  });

  it("thousands of concurrent exposures and conversions with duplicates end exact, conversions ≤ sample throughout", async () => {
    const { id, stub } = fresh();
    const visitors = Array.from({ length: 1500 }, (_, i) => `c${i}`);
    const events: RunEvent[] = [];
    for (const [i, v] of visitors.entries()) {
      const variant = i % 3 === 0 ? "b" : "a";
      events.push(exposure(id, v, variant), exposure(id, v, variant)); // every exposure twice
      if (i % 2 === 0) events.push(conversion(id, v), conversion(id, v)); // half convert, each twice
    }
    for (let i = 0; i < 300; i++) events.push(conversion(id, `outsider-${i}`)); // never exposed
    // Shuffle deterministically, so conversions often arrive before their exposure.
    let seed = 42;
    for (let i = events.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [events[i], events[j]] = [events[j] as RunEvent, events[i] as RunEvent];
    }
    const batches: RunEvent[][] = [];
    for (let i = 0; i < events.length; i += 50) batches.push(events.slice(i, i + 50));
    const violations: string[] = [];
    const watch = (async () => {
      for (let k = 0; k < 20; k++) {
        const s = await stub.snapshot(0);
        for (const [variant, n] of Object.entries(s.conversions["page_view:/thanks"] ?? {})) {
          if (n > (s.samples[variant] ?? 0)) violations.push(`${variant}: ${n} > ${s.samples[variant]}`);
        }
      }
    })();
    await Promise.all([...batches.map((b) => stub.ingest(0, b)), watch]);
    const final = await stub.snapshot(0);
    expect(final.samples).toEqual({ a: 1000, b: 500 });
    expect(final.conversions["page_view:/thanks"]).toEqual({ a: 500, b: 250 });
    expect(violations).toEqual([]);
    const pending = await runInDurableObject(
      stub,
      (_: RunDataObject, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pending").one().n,
    );
    expect(pending).toBe(300); // the outsiders wait, uncounted, until they expire
  });

  it("packs the edge's UUIDs into 16 bytes, and never lets two different ids share a key", async () => {
    const { id, stub } = fresh();
    const uuid = "3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b";
    // All different visitors: packing anything but the one lower-case spelling would merge some of them.
    const ids = [uuid, uuid.toUpperCase(), uuid.replaceAll("-", ""), "ab", "a\u0000b", "a\u0000c", "visitör"];
    await stub.ingest(0, [...ids.map((v) => exposure(id, v, "a")), ...ids.map((v) => conversion(id, v))]);
    const r = await stub.ingest(0, [...ids.map((v) => exposure(id, v, "b")), ...ids.map((v) => conversion(id, v))]);
    expect(r).toMatchObject({ exposures: 0, conversions: 0, duplicates: 2 * ids.length });
    const snap = await stub.snapshot(0);
    expect(snap.samples).toEqual({ a: ids.length });
    expect(snap.conversions).toEqual({ "page_view:/thanks": { a: ids.length } });
    const stored = await runInDurableObject(stub, (_: RunDataObject, state) =>
      state.storage.sql
        .exec<{ t: string; n: number }>("SELECT typeof(visitor) AS t, length(visitor) AS n FROM sample ORDER BY t")
        .toArray(),
    );
    expect(stored.filter((s) => s.t === "blob")).toEqual([{ t: "blob", n: 16 }]);
  });
});
