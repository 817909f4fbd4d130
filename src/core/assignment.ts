// Turning a bucket into a variant (docs/hash.md). Shares carry at most two decimals, so in
// hundredths of a percent they are whole numbers and the boundaries are exact integers: no float
// comparison ever decides which variant a visitor sees.
import { BUCKETS, bucketOf } from "./hash.ts";

/** A share (percent, up to two decimals) in buckets of 10,000, or NaN if it has more decimals. */
export function shareInBuckets(share: number): number {
  const scaled = Math.round(share * 100);
  return Math.abs(scaled - share * 100) < 1e-6 ? scaled : Number.NaN;
}

/**
 * Upper bucket boundaries, one per variant: variant i owns [bounds[i-1], bounds[i]).
 * Returns null when the shares do not cover exactly 10,000 buckets.
 */
export function shareBoundaries(shares: readonly number[]): Int32Array | null {
  const bounds = new Int32Array(shares.length);
  let total = 0;
  for (let i = 0; i < shares.length; i++) {
    const s = shareInBuckets(shares[i] as number);
    if (!(s >= 0)) return null;
    total += s;
    bounds[i] = total;
  }
  return total === BUCKETS ? bounds : null;
}

/** Index of the variant that owns `bucket`. */
export function variantIndexForBucket(bounds: Int32Array, bucket: number): number {
  for (let i = 0; i < bounds.length; i++) {
    if (bucket < (bounds[i] as number)) return i;
  }
  return bounds.length - 1; // unreachable when bounds end at 10,000; keeps the function total
}

/** The variant index a visitor is assigned to, given the experiment's precomputed boundaries. */
export function assignIndex(experimentSlug: string, visitorId: string, bounds: Int32Array): number {
  return variantIndexForBucket(bounds, bucketOf(experimentSlug, visitorId));
}

/**
 * The variant a visitor gets in an experiment (docs/hash.md), for a backend or an app that must
 * agree with the edge: the same slug, visitor id and shares give the same variant everywhere.
 * Undefined when the shares do not cover exactly 100 with at most two decimals each.
 */
export function variantFor<V extends { readonly traffic_share: number }>(
  experimentSlug: string,
  visitorId: string,
  variants: readonly V[],
): V | undefined {
  const bounds = shareBoundaries(variants.map((v) => v.traffic_share));
  return bounds === null ? undefined : variants[assignIndex(experimentSlug, visitorId, bounds)];
}
