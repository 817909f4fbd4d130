// The assignment hash of docs/hash.md: MurmurHash3 x86 32-bit, seed 0, over the UTF-8 bytes of
// `<experiment slug>:<visitor id>`. Any other implementation must reproduce it from docs/hash.md alone.
//
// Why not murmurhash3js-revisited on the hot path: measured here (bench/run.ts) it takes ~150 ns for a
// 57-byte key on its own (its multiply helper predates Math.imul and it re-validates every byte), which
// is the whole budget of the edge's hash. This file is the same algorithm with Math.imul, reading an
// ASCII key's char codes directly (they are its UTF-8 bytes) and encoding any other key with the
// TextEncoder into one reused buffer; the library stays as the oracle the tests check
// this against (every tail length, random bytes, the published vectors, kv-schema's vectors).

const encoder = new TextEncoder();
const SCRATCH = new Uint8Array(4096);
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86 32-bit of `bytes[0..length)`, as an unsigned integer. */
export function murmur3(bytes: Uint8Array, length: number = bytes.length, seed = 0): number {
  const blocks = length & ~3;
  return finish(mixBlocks(seed | 0, bytes, blocks), tailOf(bytes, blocks, length), length);
}

/** The 4-byte blocks of `bytes[0..end)` into the running hash (`end` a multiple of 4). */
function mixBlocks(h: number, bytes: Uint8Array, end: number): number {
  for (let i = 0; i < end; i += 4) {
    h = mixBlock(
      h,
      (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24),
    );
  }
  return h;
}

/** The 0–3 bytes of `bytes[from..end)` as one little-endian word. */
function tailOf(bytes: Uint8Array, from: number, end: number): number {
  let k = 0;
  for (let j = from; j < end; j++) k |= (bytes[j] as number) << (8 * (j - from));
  return k;
}

/** One 4-byte block into the running hash. */
function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The tail word (0 when there is none: a zero word mixes to nothing) and the final avalanche. */
function finish(h: number, tail: number, length: number): number {
  let k = Math.imul(tail, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash state after a key's first bytes: the mixed full blocks, and the 0–3 bytes left over. */
interface Prefix {
  readonly h: number;
  readonly carry: number;
  readonly carried: number;
  readonly length: number;
}

/**
 * Continues MurmurHash3 from `p` over the characters of `s`, when they are all ASCII (then they are
 * their own UTF-8 bytes); returns -1 otherwise, for the caller to encode. Reading char codes directly
 * is the path nearly every key takes (slugs are ASCII, visitor ids UUIDs): in workerd it is about
 * three times faster than a call into the platform's TextEncoder, and it allocates nothing.
 */
function continueAscii(p: Prefix, s: string): number {
  const n = s.length;
  let h = p.h;
  let i = 0;
  let bad = 0;
  if (p.carried > 0) {
    let k = p.carry;
    let shift = p.carried * 8;
    while (shift < 32 && i < n) {
      const c = s.charCodeAt(i++);
      bad |= c;
      k |= c << shift;
      shift += 8;
    }
    if (shift < 32) return bad >= 0x80 ? -1 : finish(h, k, p.length + n);
    h = mixBlock(h, k);
  }
  const blocksEnd = i + ((n - i) & ~3);
  for (; i < blocksEnd; i += 4) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    const d = s.charCodeAt(i + 3);
    bad |= a | b | c | d;
    h = mixBlock(h, a | (b << 8) | (c << 16) | (d << 24));
  }
  let tail = 0;
  const rest = n - i;
  for (let j = 0; j < rest; j++) {
    const c = s.charCodeAt(i + j);
    bad |= c;
    tail |= c << (8 * j);
  }
  return bad >= 0x80 ? -1 : finish(h, tail, p.length + n);
}

const EMPTY_PREFIX: Prefix = { h: 0, carry: 0, carried: 0, length: 0 };

// The state after `<slug>:` for each slug seen, so that only the visitor id is hashed per request.
// Slugs are few; the cache is emptied if a misuse ever makes it large.
const prefixes = new Map<string, Prefix>();
function slugPrefix(slug: string): Prefix {
  let p = prefixes.get(slug);
  if (p === undefined) {
    if (prefixes.size > 1000) prefixes.clear();
    const bytes = encoder.encode(`${slug}:`);
    const blocks = bytes.length & ~3;
    p = {
      h: mixBlocks(0, bytes, blocks),
      carry: tailOf(bytes, blocks, bytes.length),
      carried: bytes.length - blocks,
      length: bytes.length,
    };
    prefixes.set(slug, p);
  }
  return p;
}

/** MurmurHash3 x86 32-bit (seed 0) of the UTF-8 bytes of `key`. */
export function hashString(key: string): number {
  const ascii = continueAscii(EMPTY_PREFIX, key);
  if (ascii !== -1) return ascii;
  const r = encoder.encodeInto(key, SCRATCH);
  return r.read === key.length ? murmur3(SCRATCH, r.written) : murmur3(encoder.encode(key));
}

/** The hash of the assignment key `<slug>:<visitorId>`, without building the key string. */
export function assignmentHash(experimentSlug: string, visitorId: string): number {
  const ascii = continueAscii(slugPrefix(experimentSlug), visitorId);
  return ascii !== -1 ? ascii : hashString(`${experimentSlug}:${visitorId}`);
}

export const BUCKETS = 10_000;

/** The bucket (0..9999) of a visitor in an experiment. */
export function bucketOf(experimentSlug: string, visitorId: string): number {
  return assignmentHash(experimentSlug, visitorId) % BUCKETS;
}
