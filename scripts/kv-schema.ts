// Builds the files of kv-schema/: JSON Schemas generated from the zod schemas, and the assignment
// vectors of docs/hash.md. `npm run kv-schema` writes them; a test fails when they are stale.
import { z } from "zod";
import { shareBoundaries, variantIndexForBucket } from "../src/core/assignment.ts";
import { assignmentHash, BUCKETS } from "../src/core/hash.ts";
import { EdgeConfig, ExperimentInput, ExperimentRecord } from "../src/core/schema.ts";
import { targetingVectorFiles } from "./targeting-vectors.ts";

const jsonFile = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function schemaFile(title: string, schema: z.ZodType, io: "input" | "output"): string {
  return jsonFile({ title, ...z.toJSONSchema(schema, { io, unrepresentable: "any" }) });
}

const SHARE_SETS: ReadonlyArray<readonly number[]> = [
  [50, 50],
  [33.33, 33.33, 33.34],
  [10, 90],
  [25, 25, 25, 25],
  [0.01, 99.99],
  [12.5, 37.5, 50],
];
const VARIANT_NAMES = ["a", "b", "c", "d"];

// Visitor ids chosen to exercise the UTF-8 rule: ASCII, 2-, 3- and 4-byte characters, combining marks,
// a surrogate pair, ids whose char codes and UTF-8 bytes differ, and lengths around the 4-byte block.
const VISITOR_IDS: readonly string[] = [
  "3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b",
  "c0ffee00-1234-4abc-9def-000000000001",
  "00000000-0000-4000-8000-000000000000",
  "ffffffff-ffff-4fff-bfff-ffffffffffff",
  "user-42",
  "u",
  "ab",
  "abc",
  "abcd",
  "abcde",
  "alice@example.com",
  "Bob Smith",
  "visitor/with/slashes",
  "id with spaces and = sign",
  "ünïcödé",
  "Zoë",
  "straße",
  "Ωμέγα",
  "Привет",
  "שלום",
  "مرحبا",
  "नमस्ते",
  "日本語のユーザー",
  "사용자",
  "用户-八",
  "😀",
  "emoji-🚀-rocket",
  "👩‍💻",
  "e\u0301",
  "é",
  "€100",
  "\u00a0nbsp",
  "tab\tinside",
  "x".repeat(57),
];

const SLUGS = ["pricing-page-layout", "homepage-hero-headline", "checkout-cta-color", "exp-1"];

function vectors(): unknown[] {
  const out: unknown[] = [];
  const encoder = new TextEncoder();
  VISITOR_IDS.forEach((visitorId, i) => {
    for (let j = 0; j < 2; j++) {
      const slug = SLUGS[(i + j) % SLUGS.length] as string;
      const shares = SHARE_SETS[(i * 2 + j) % SHARE_SETS.length] as readonly number[];
      const bounds = shareBoundaries(shares);
      if (bounds === null) throw new Error(`bad share set ${shares}`);
      const key = `${slug}:${visitorId}`;
      const hash = assignmentHash(slug, visitorId);
      const bucket = hash % BUCKETS;
      const index = variantIndexForBucket(bounds, bucket);
      out.push({
        slug,
        visitor_id: visitorId,
        key,
        key_utf8_hex: Array.from(encoder.encode(key), (b) => b.toString(16).padStart(2, "0")).join(""),
        hash,
        bucket,
        variants: shares.map((s, k) => ({ slug: VARIANT_NAMES[k], traffic_share: s })),
        variant: VARIANT_NAMES[index],
      });
    }
  });
  return out;
}

/** kv-schema/ file name → contents. */
export function buildKvSchemaFiles(): Record<string, string> {
  return {
    "edge-config.schema.json": schemaFile("sgen-ab edge config (KV key sgen-ab:edge-config:v1)", EdgeConfig, "output"),
    "experiment-input.schema.json": schemaFile("sgen-ab experiment input (admin API create/replace body)", ExperimentInput, "input"),
    "experiment-record.schema.json": schemaFile("sgen-ab experiment record", ExperimentRecord, "output"),
    "assignment-vectors.json": jsonFile({
      description:
        "docs/hash.md: key = UTF-8 bytes of `<slug>:<visitor id>`; hash = MurmurHash3 x86_32 seed 0 (unsigned); bucket = hash mod 10000; variant i owns buckets [100*(s_0+…+s_{i-1}), 100*(s_0+…+s_i)).",
      vectors: vectors(),
    }),
    ...targetingVectorFiles(),
  };
}
