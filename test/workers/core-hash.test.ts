import { describe, expect, it } from "vitest";
import vectorsFile from "../../kv-schema/assignment-vectors.json";
import { assignmentHash, bucketOf, hashString, utf8Length } from "../../src/core/hash.ts";
import { murmur3Reference, PUBLISHED_VECTORS } from "../support/murmur3-reference.ts";

const encoder = new TextEncoder();

describe("assignment hash (contract section 1)", () => {
  it("the independent reference reproduces published MurmurHash3 x86_32 values", () => {
    for (const v of PUBLISHED_VECTORS) expect(murmur3Reference(encoder.encode(v.input), v.seed)).toBe(v.hash);
  });

  it("matches the published values where the seed is 0", () => {
    for (const v of PUBLISHED_VECTORS.filter((p) => p.seed === 0)) expect(hashString(v.input)).toBe(v.hash);
  });

  it("hashes UTF-8 bytes, not char codes", () => {
    // "é" is one char code (0xe9) but two UTF-8 bytes (c3 a9): the two readings give different hashes.
    const utf8 = murmur3Reference(encoder.encode("exp:é"));
    const charCodes = murmur3Reference(Uint8Array.from("exp:é", (c) => c.charCodeAt(0) & 0xff));
    expect(utf8).not.toBe(charCodes);
    expect(assignmentHash("exp", "é")).toBe(utf8);
  });

  it("agrees with the reference on every committed vector and on awkward strings", () => {
    for (const v of vectorsFile.vectors) {
      expect(assignmentHash(v.slug, v.visitor_id)).toBe(murmur3Reference(encoder.encode(v.key)));
      expect(bucketOf(v.slug, v.visitor_id)).toBe(v.bucket);
    }
    const awkward = ["", ":", "\ud800", "a\udc00b", "\ud83d\ude00\ud83d", "x".repeat(600), "ß".repeat(300), "\u0000"];
    for (const id of awkward) {
      expect(assignmentHash("s", id)).toBe(murmur3Reference(encoder.encode(`s:${id}`)));
      expect(utf8Length(id)).toBe(encoder.encode(id).length);
    }
  });

  it("agrees with the reference on many random ids of mixed scripts", () => {
    const alphabet = ["a", "Z", "0", "-", "é", "ß", "Ω", "я", "日", "本", "😀", "🚀", "\u0301", " "];
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      let id = "";
      const len = rnd() % 40;
      for (let j = 0; j < len; j++) id += alphabet[rnd() % alphabet.length];
      expect(assignmentHash("exp-1", id)).toBe(murmur3Reference(encoder.encode(`exp-1:${id}`)));
    }
  });

  it("buckets are integers in 0..9999", () => {
    for (let i = 0; i < 1000; i++) {
      const b = bucketOf("exp", `visitor-${i}`);
      expect(Number.isInteger(b) && b >= 0 && b < 10_000).toBe(true);
    }
  });
});
