// The assignment hash of contract section 1: MurmurHash3 x86 32-bit, seed 0, over the UTF-8 bytes of
// `<experiment slug>:<visitor id>`. Any other implementation must reproduce it from the contract alone,
// so this file is deliberately small and free of cleverness beyond avoiding allocations.
import MurmurHash3 from "murmurhash3js-revisited";

// The library re-validates every byte of its input on each call (`Number.isInteger` per byte). Our input
// is always a Uint8Array that we filled ourselves, so that check can only cost time. The flag is the
// library's documented switch; it is module-global, which is fine because nothing else here calls it.
(MurmurHash3 as unknown as { inputValidation: boolean }).inputValidation = false;

const hash32 = MurmurHash3.x86.hash32;

/** Number of UTF-8 bytes `s` encodes to (lone surrogates count as U+FFFD, as TextEncoder does). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Writes `s` as UTF-8 into `buf` at `at`; returns the offset after the last byte written. */
function writeUtf8(s: string, buf: Uint8Array, at: number): number {
  let o = at;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[o++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[o++] = 0xc0 | (c >> 6);
      buf[o++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[o++] = 0xf0 | (cp >> 18);
        buf[o++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[o++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[o++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd; // a lone surrogate has no UTF-8 form; TextEncoder writes the replacement character
    }
    buf[o++] = 0xe0 | (c >> 12);
    buf[o++] = 0x80 | ((c >> 6) & 0x3f);
    buf[o++] = 0x80 | (c & 0x3f);
  }
  return o;
}

// One reusable buffer per key length: the hash reads `bytes.length`, so the buffer must be exactly as
// long as the key. Keys are short (a slug and a UUID), so the pool stays small; longer keys allocate.
const MAX_POOLED_LENGTH = 512;
const buffers: Array<Uint8Array | undefined> = [];

function bufferOfLength(len: number): Uint8Array {
  if (len > MAX_POOLED_LENGTH) return new Uint8Array(len);
  let buf = buffers[len];
  if (buf === undefined) {
    buf = new Uint8Array(len);
    buffers[len] = buf;
  }
  return buf;
}

/** MurmurHash3 x86 32-bit (seed 0) of the UTF-8 bytes of `key`, as an unsigned integer. */
export function hashString(key: string): number {
  const buf = bufferOfLength(utf8Length(key));
  writeUtf8(key, buf, 0);
  return hash32(buf, 0);
}

/** The hash of the assignment key `<slug>:<visitorId>`, without building the key string. */
export function assignmentHash(experimentSlug: string, visitorId: string): number {
  const slugLen = utf8Length(experimentSlug);
  const buf = bufferOfLength(slugLen + 1 + utf8Length(visitorId));
  writeUtf8(experimentSlug, buf, 0);
  buf[slugLen] = 0x3a; // ":"
  writeUtf8(visitorId, buf, slugLen + 1);
  return hash32(buf, 0);
}

export const BUCKETS = 10_000;

/** The bucket (0..9999) of a visitor in an experiment. */
export function bucketOf(experimentSlug: string, visitorId: string): number {
  return assignmentHash(experimentSlug, visitorId) % BUCKETS;
}
