// The assignment hash of contract section 1: MurmurHash3 x86 32-bit, seed 0, over the UTF-8 bytes of
// `<experiment slug>:<visitor id>`. Any other implementation must reproduce it from the contract alone.
//
// Why not murmurhash3js-revisited on the hot path: measured here (bench/run.ts) it takes ~150 ns for a
// 57-byte key on its own (its multiply helper predates Math.imul and it re-validates every byte), which
// is the whole budget of the edge's hash. This file is the same algorithm with Math.imul over bytes the
// platform's TextEncoder writes into one reused buffer; the library stays as the oracle the tests check
// this against (every tail length, random bytes, the published vectors, kv-schema's vectors).

const encoder = new TextEncoder();
const SCRATCH = new Uint8Array(4096);
// Views of SCRATCH from each offset, made once: encoding the visitor id after the slug needs a view that
// starts past the slug, and making one per call would allocate on every request.
const views: Uint8Array[] = [];
const viewFrom = (offset: number): Uint8Array => {
  let v = views[offset];
  if (v === undefined) {
    v = SCRATCH.subarray(offset);
    views[offset] = v;
  }
  return v;
};

// Encoded slugs, so that the common part of every key is copied, not re-encoded. Slugs are few; the
// cache is emptied if a misuse ever makes it large.
const slugBytes = new Map<string, Uint8Array>();
function encodedSlug(slug: string): Uint8Array {
  let bytes = slugBytes.get(slug);
  if (bytes === undefined) {
    if (slugBytes.size > 1000) slugBytes.clear();
    bytes = encoder.encode(slug);
    slugBytes.set(slug, bytes);
  }
  return bytes;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86 32-bit of `bytes[0..length)`, as an unsigned integer. */
export function murmur3(bytes: Uint8Array, length: number = bytes.length, seed = 0): number {
  let h = seed | 0;
  const tail = length & ~3;
  let i = 0;
  for (; i < tail; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let k = bytes[i] as number;
    if (rest > 1) k |= (bytes[i + 1] as number) << 8;
    if (rest > 2) k |= (bytes[i + 2] as number) << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 x86 32-bit (seed 0) of the UTF-8 bytes of `key`. */
export function hashString(key: string): number {
  const r = encoder.encodeInto(key, SCRATCH);
  return r.read === key.length ? murmur3(SCRATCH, r.written) : murmur3(encoder.encode(key));
}

/** The hash of the assignment key `<slug>:<visitorId>`, without building the key string. */
export function assignmentHash(experimentSlug: string, visitorId: string): number {
  const slug = encodedSlug(experimentSlug);
  if (slug.length + 1 < SCRATCH.length) {
    SCRATCH.set(slug, 0);
    SCRATCH[slug.length] = 0x3a; // ":"
    const r = encoder.encodeInto(visitorId, viewFrom(slug.length + 1));
    if (r.read === visitorId.length) return murmur3(SCRATCH, slug.length + 1 + r.written);
  }
  return hashString(`${experimentSlug}:${visitorId}`); // a key longer than the scratch buffer
}

export const BUCKETS = 10_000;

/** The bucket (0..9999) of a visitor in an experiment. */
export function bucketOf(experimentSlug: string, visitorId: string): number {
  return assignmentHash(experimentSlug, visitorId) % BUCKETS;
}
