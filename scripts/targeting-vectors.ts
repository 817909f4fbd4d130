// The coverage, layer and holdout vectors of kv-schema/ (docs/audiences.md): each key, its UTF-8 bytes,
// its MurmurHash3, its bucket and the answer, computed with the core. `npm run kv-schema` writes them
// (through kv-schema.ts); a test fails when the committed files are stale and checks every vector
// against the independent MurmurHash3 of test/support.
import { BUCKETS, hashString } from "../src/core/hash.ts";
import { compileCoverage, inCoverage } from "../src/core/targeting/coverage.ts";
import { compileHoldouts, inHoldout } from "../src/core/targeting/holdouts.ts";
import { compileLayerSlice, inLayerSlice } from "../src/core/targeting/layers.ts";

const encoder = new TextEncoder();
const hex = (s: string) => Array.from(encoder.encode(s), (b) => b.toString(16).padStart(2, "0")).join("");

// ASCII ids (UUIDs, a signed-in user's id) and ids whose UTF-8 bytes differ from their char codes.
const VISITOR_IDS: readonly string[] = [
  "3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b",
  "c0ffee00-1234-4abc-9def-000000000001",
  "00000000-0000-4000-8000-000000000000",
  "ffffffff-ffff-4fff-bfff-ffffffffffff",
  "9b1d3c5e-7f80-4a2b-9c4d-6e8f0a1b2c3d",
  "user-42",
  "u",
  "abcd",
  "alice@example.com",
  "Zoë",
  "straße",
  "Привет",
  "日本語のユーザー",
  "😀",
  "emoji-🚀-rocket",
  "e\u0301",
];

/** One vector's key, bytes, hash and bucket. */
function keyed(key: string) {
  const hash = hashString(key);
  return { key, key_utf8_hex: hex(key), hash, bucket: hash % BUCKETS };
}

function coverageVectors(): unknown[] {
  const slugs = ["pricing-page-layout", "checkout-cta-color", "exp-1"];
  const out: unknown[] = [];
  VISITOR_IDS.forEach((visitorId, i) => {
    const slug = slugs[i % slugs.length] as string;
    const k = keyed(`coverage:${slug}:${visitorId}`);
    // The bucket's own boundary (just out, just in) and two common shares.
    const shares = [k.bucket / 100, (k.bucket + 1) / 100, 10, 50];
    for (const coverage_percent of shares) {
      out.push({ slug, visitor_id: visitorId, ...k, coverage_percent, in: inCoverage(compileCoverage(slug, coverage_percent), visitorId) });
    }
  });
  return out;
}

const SLICE_SETS: ReadonlyArray<ReadonlyArray<readonly [string, number, number]>> = [
  [
    ["hero-copy", 0, 30],
    ["hero-image", 30, 70],
    ["hero-video", 70, 100],
  ],
  [
    ["one", 0, 33.33],
    ["two", 33.33, 66.66],
    ["three", 66.66, 100],
  ],
  [
    ["left", 10, 20],
    ["right", 50, 60.5],
  ],
  [["half", 0, 50]],
];

function layerVectors(): unknown[] {
  const layers = ["homepage", "checkout", "l"];
  const out: unknown[] = [];
  VISITOR_IDS.forEach((visitorId, i) => {
    for (let j = 0; j < 2; j++) {
      const layer = layers[(i + j) % layers.length] as string;
      const slices = SLICE_SETS[(i * 2 + j) % SLICE_SETS.length] as ReadonlyArray<readonly [string, number, number]>;
      const k = keyed(`layer:${layer}:${visitorId}`);
      const owner = slices.find(([, from, to]) => inLayerSlice(compileLayerSlice({ slug: layer, from, to }), visitorId));
      out.push({
        layer,
        visitor_id: visitorId,
        ...k,
        slices: slices.map(([experiment, from, to]) => ({ experiment, from, to })),
        experiment: owner === undefined ? null : owner[0],
      });
    }
  });
  return out;
}

function holdoutVectors(): unknown[] {
  const slugs = ["global-2026-q1", "checkout-holdout"];
  const out: unknown[] = [];
  VISITOR_IDS.forEach((visitorId, i) => {
    const slug = slugs[i % slugs.length] as string;
    const k = keyed(`holdout:${slug}:${visitorId}`);
    for (const percent of [k.bucket / 100, (k.bucket + 1) / 100, 5]) {
      const [compiled] = compileHoldouts([{ id: 1, slug, percent, layer: null, goals: [] }]).all;
      out.push({ slug, visitor_id: visitorId, ...k, percent, held: compiled !== undefined && inHoldout(compiled, visitorId) });
    }
  });
  return out;
}

const jsonFile = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** kv-schema/ file name → contents, for the targeting hashes. */
export function targetingVectorFiles(): Record<string, string> {
  return {
    "coverage-vectors.json": jsonFile({
      description:
        "docs/audiences.md, coverage: key = UTF-8 bytes of `coverage:<experiment slug>:<visitor id>`; hash = MurmurHash3 x86_32 seed 0 (unsigned); bucket = hash mod 10000; in = bucket < 100 * coverage_percent.",
      vectors: coverageVectors(),
    }),
    "layer-vectors.json": jsonFile({
      description:
        "docs/audiences.md, exclusive layers: key = UTF-8 bytes of `layer:<layer slug>:<visitor id>`; hash = MurmurHash3 x86_32 seed 0 (unsigned); bucket = hash mod 10000; the experiment whose slice [from, to) holds it is the one with 100 * from <= bucket < 100 * to (null: none).",
      vectors: layerVectors(),
    }),
    "holdout-vectors.json": jsonFile({
      description:
        "docs/audiences.md, holdouts: key = UTF-8 bytes of `holdout:<holdout slug>:<visitor id>`; hash = MurmurHash3 x86_32 seed 0 (unsigned); bucket = hash mod 10000; held = bucket < 100 * percent.",
      vectors: holdoutVectors(),
    }),
  };
}
