// Seeded random numbers for the statistics simulations: sfc32 seeded by splitmix32, 53-bit doubles,
// and exact geometric and binomial samplers. Deterministic for a given seed, so runs repeat exactly.
import { logGamma } from "../../src/core/stats/distributions.ts";

let a = 0;
let b = 0;
let c = 0;
let d = 0;
function nextU32(): number {
  const t = (((a + b) | 0) + d) | 0;
  d = (d + 1) | 0;
  a = b ^ (b >>> 9);
  b = (c + (c << 3)) | 0;
  c = (c << 21) | (c >>> 11);
  c = (c + t) | 0;
  return t >>> 0;
}
export function random(): number {
  return ((nextU32() >>> 5) * 67108864 + (nextU32() >>> 6)) / 9007199254740992;
}
export function reseed(value: number): void {
  let x = value >>> 0;
  const splitmix = () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  a = splitmix();
  b = splitmix();
  c = splitmix();
  d = splitmix();
  for (let i = 0; i < 15; i++) nextU32();
}
reseed(0x5eed);

/** Visitors up to and including the next converter, Geometric(π) on {1, 2, …}. */
export function geometric(p: number): number {
  return 1 + Math.floor(Math.log(1 - random()) / Math.log1p(-p));
}

/** Binomial(n, p), exact: inversion from 0 when np is small, otherwise outwards from the mode. */
export function binomial(n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p);
  if (n * p < 30) {
    // waiting times between successes
    let k = 0;
    let at = 0;
    for (;;) {
      at += geometric(p);
      if (at > n) return k;
      k++;
    }
  }
  const m = Math.floor((n + 1) * p);
  const logPm = logGamma(n + 1) - logGamma(m + 1) - logGamma(n - m + 1) + m * Math.log(p) + (n - m) * Math.log1p(-p);
  let u = random();
  const pm = Math.exp(logPm);
  if (u < pm) return m;
  u -= pm;
  let lo = m;
  let hi = m;
  let plo = pm;
  let phi = pm;
  const odds = p / (1 - p);
  for (;;) {
    if (hi < n) {
      phi *= ((n - hi) / (hi + 1)) * odds;
      hi++;
      if (u < phi) return hi;
      u -= phi;
    }
    if (lo > 0) {
      plo *= lo / (n - lo + 1) / odds;
      lo--;
      if (u < plo) return lo;
      u -= plo;
    }
    if ((hi >= n || phi < 1e-300) && (lo <= 0 || plo < 1e-300)) return m;
  }
}
