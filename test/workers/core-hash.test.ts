import MurmurHash3 from "murmurhash3js-revisited";
import { describe, expect, it } from "vitest";
import vectorsFile from "../../kv-schema/assignment-vectors.json";
import { assignmentHash, bucketOf, hashString, murmur3 } from "../../src/core/hash.ts";
import { murmur3Reference, PUBLISHED_VECTORS } from "../support/murmur3-reference.ts";

const encoder = new TextEncoder();

describe("assignment hash (docs/hash.md)", () => {
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
    const awkward = ["", ":", "\ud800", "a\udc00b", "\ud83d\ude00\ud83d", "x".repeat(600), "ß".repeat(3000), "😀".repeat(1500), "\u0000"];
    for (const id of awkward) {
      expect(assignmentHash("s", id)).toBe(murmur3Reference(encoder.encode(`s:${id}`)));
      expect(hashString(id)).toBe(murmur3Reference(encoder.encode(id)));
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

  it("the ASCII fast path agrees with the reference for every slug length and id length", () => {
    // The slug's `<slug>:` leaves 0–3 bytes over a block boundary, and the id's own tail is 0–3 bytes:
    // every combination of the two, with ASCII ids and with ids that turn non-ASCII at the end.
    let seed = 11;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const ascii = (len: number) => Array.from({ length: len }, () => String.fromCharCode(32 + (rnd() % 95))).join("");
    for (let slugLen = 1; slugLen <= 12; slugLen++) {
      const slug = "abcdefghijkl".slice(0, slugLen);
      for (let idLen = 0; idLen <= 60; idLen++) {
        const id = ascii(idLen);
        expect(assignmentHash(slug, id)).toBe(murmur3Reference(encoder.encode(`${slug}:${id}`)));
        expect(assignmentHash(slug, `${id}é`)).toBe(murmur3Reference(encoder.encode(`${slug}:${id}é`)));
        expect(hashString(id)).toBe(murmur3Reference(encoder.encode(id)));
        expect(hashString(`${id}\u007f`)).toBe(murmur3Reference(encoder.encode(`${id}\u007f`)));
      }
    }
  });

  it("equals murmurhash3js-revisited on random bytes of every tail length", () => {
    let seed = 99;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    for (let len = 0; len < 300; len++) {
      for (let rep = 0; rep < 20; rep++) {
        const bytes = Uint8Array.from({ length: len }, () => next() & 0xff);
        expect(murmur3(bytes)).toBe(MurmurHash3.x86.hash32(bytes, 0));
      }
    }
  });

  it("buckets are integers in 0..9999", () => {
    for (let i = 0; i < 1000; i++) {
      const b = bucketOf("exp", `visitor-${i}`);
      expect(Number.isInteger(b) && b >= 0 && b < 10_000).toBe(true);
    }
  });
});
