// kv-schema/ is generated from the zod schemas and the core's hash: fail when the committed copy is
// stale, and check the committed vectors against the independent MurmurHash3.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildKvSchemaFiles } from "../../scripts/kv-schema.ts";
import { referenceAssignment } from "../support/murmur3-reference.ts";

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
});
