// An independent MurmurHash3 x86_32, written from the algorithm's published description with Math.imul
// and the platform's TextEncoder, sharing no code with src/core/hash.ts or murmurhash3js-revisited.
// Tests compare the library against it; it is itself checked against published test values.
export function murmur3Reference(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length >>> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < blocks; i++) {
    let k = view.getUint32(i * 4, true);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= (bytes[tail + 2] as number) << 16;
    if (rest >= 2) k ^= (bytes[tail + 1] as number) << 8;
    k ^= bytes[tail] as number;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();

/** The assignment of docs/hash.md, computed independently: bucket and variant index for given shares. */
export function referenceAssignment(
  slug: string,
  visitorId: string,
  shares: readonly number[],
): { hash: number; bucket: number; index: number } {
  const hash = murmur3Reference(encoder.encode(`${slug}:${visitorId}`));
  const bucket = hash % 10000;
  let upper = 0;
  for (let i = 0; i < shares.length; i++) {
    upper += Math.round((shares[i] as number) * 100);
    if (bucket < upper) return { hash, bucket, index: i };
  }
  return { hash, bucket, index: shares.length - 1 };
}

/** Published MurmurHash3 x86_32 values (seed 0 unless given), used to check the reference itself. */
export const PUBLISHED_VECTORS: ReadonlyArray<{ input: string; seed: number; hash: number }> = [
  { input: "", seed: 0, hash: 0 },
  { input: "", seed: 1, hash: 0x514e28b7 },
  { input: "hello", seed: 0, hash: 0x248bfa47 },
  { input: "Hello, world!", seed: 0, hash: 0xc0363e43 },
  { input: "The quick brown fox jumps over the lazy dog", seed: 0, hash: 0x2e4ff723 },
];
