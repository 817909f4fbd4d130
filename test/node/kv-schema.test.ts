// kv-schema/ is generated from the zod schemas and the core's hash: fail when the committed copy is
// stale, and check the committed vectors against the independent MurmurHash3.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildKvSchemaFiles } from "../../scripts/kv-schema.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";
import { referenceBucket, referenceInCoverage, referenceInHoldout, referenceInLayer } from "../support/targeting-reference.ts";

const dir = join(import.meta.dirname, "..", "..", "kv-schema");

describe("kv-schema/", () => {
  it("matches what `npm run kv-schema` generates now", () => {
    for (const [name, contents] of Object.entries(buildKvSchemaFiles())) {
      expect(readFileSync(join(dir, name), "utf8"), `kv-schema/${name} is stale: run npm run kv-schema`).toBe(contents);
    }
  });

  it("holds at least 50 assignment vectors, non-ASCII ids among them, each confirmed independently", () => {
    const { vectors } = JSON.parse(readFileSync(join(dir, "assignment-vectors.json"), "utf8")) as {
      vectors: Array<{
        slug: string;
        visitor_id: string;
        key: string;
        key_utf8_hex: string;
        hash: number;
        bucket: number;
        variants: Array<{ slug: string; traffic_share: number }>;
        variant: string;
      }>;
    };
    expect(vectors.length).toBeGreaterThanOrEqual(50);
    expect(vectors.filter((v) => Buffer.byteLength(v.visitor_id) !== v.visitor_id.length).length).toBeGreaterThanOrEqual(10);
    for (const v of vectors) {
      expect(Buffer.from(v.key, "utf8").toString("hex")).toBe(v.key_utf8_hex);
      const ref = referenceAssignment(
        v.slug,
        v.visitor_id,
        v.variants.map((x) => x.traffic_share),
      );
      expect(ref.hash, v.key).toBe(v.hash);
      expect(ref.bucket).toBe(v.bucket);
      expect(v.variants[ref.index]?.slug).toBe(v.variant);
    }
  });

  it("holds coverage, layer and holdout vectors, both answers and non-ASCII ids among them, each confirmed independently", () => {
    const read = <T>(name: string): T[] => (JSON.parse(readFileSync(join(dir, name), "utf8")) as { vectors: T[] }).vectors;
    type Keyed = { visitor_id: string; key: string; key_utf8_hex: string; hash: number; bucket: number };
    const checkKey = (v: Keyed, key: string) => {
      expect(v.key).toBe(key);
      expect(Buffer.from(v.key, "utf8").toString("hex")).toBe(v.key_utf8_hex);
      expect(referenceBucket(v.key), v.key).toBe(v.bucket);
      expect(v.hash % 10000).toBe(v.bucket);
    };
    const nonAscii = (vs: Keyed[]) => vs.filter((v) => Buffer.byteLength(v.visitor_id) !== v.visitor_id.length).length;

    const coverage = read<Keyed & { slug: string; coverage_percent: number; in: boolean }>("coverage-vectors.json");
    expect(coverage.length).toBeGreaterThanOrEqual(50);
    expect(nonAscii(coverage)).toBeGreaterThanOrEqual(10);
    expect(coverage.filter((v) => v.in).length).toBeGreaterThanOrEqual(10);
    expect(coverage.filter((v) => !v.in).length).toBeGreaterThanOrEqual(10);
    for (const v of coverage) {
      checkKey(v, `coverage:${v.slug}:${v.visitor_id}`);
      expect(referenceInCoverage(v.slug, v.visitor_id, v.coverage_percent), v.key).toBe(v.in);
    }

    const layers = read<
      Keyed & { layer: string; slices: Array<{ experiment: string; from: number; to: number }>; experiment: string | null }
    >("layer-vectors.json");
    expect(layers.length).toBeGreaterThanOrEqual(30);
    expect(nonAscii(layers)).toBeGreaterThanOrEqual(10);
    expect(layers.filter((v) => v.experiment === null).length).toBeGreaterThanOrEqual(3);
    for (const v of layers) {
      checkKey(v, `layer:${v.layer}:${v.visitor_id}`);
      const owners = v.slices.filter((s) => referenceInLayer(v.layer, v.visitor_id, s.from, s.to));
      expect(owners.length).toBeLessThanOrEqual(1);
      expect(owners[0]?.experiment ?? null, v.key).toBe(v.experiment);
    }

    const holdouts = read<Keyed & { slug: string; percent: number; held: boolean }>("holdout-vectors.json");
    expect(holdouts.length).toBeGreaterThanOrEqual(30);
    expect(holdouts.filter((v) => v.held).length).toBeGreaterThanOrEqual(5);
    for (const v of holdouts) {
      checkKey(v, `holdout:${v.slug}:${v.visitor_id}`);
      expect(referenceInHoldout(v.slug, v.visitor_id, v.percent), v.key).toBe(v.held);
    }
  });
});
