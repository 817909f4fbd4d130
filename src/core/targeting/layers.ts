// Exclusive layers: experiments that must never share a visitor split one layer's traffic.
//
//   key:    the UTF-8 bytes of "layer:" + <layer slug> + ":" + <visitor id>
//   hash:   MurmurHash3 x86 32-bit of the key, seed 0, unsigned (the assignment hash of docs/hash.md)
//   bucket: hash mod 10000
//   in:     100 × from <= bucket < 100 × to   (the experiment's slice [from, to) of the layer, percents)
//
// The bucket depends on the layer and the visitor only, so experiments whose slices do not overlap
// can never both admit a visitor. Slices are checked for overlap when an experiment is saved or
// started (`layerConflicts`); the edge checks each visitor against its experiment's slice.
import { assignmentHash, BUCKETS } from "../hash.ts";
import { percentBuckets } from "./rules.ts";

export const LAYER_KEY_PREFIX = "layer:";

export interface LayerSlice {
  readonly slug: string;
  readonly from: number;
  readonly to: number;
}

/** A slice prepared once per config: bucket bounds and the hash prefix. */
export interface CompiledLayerSlice {
  readonly slug: string;
  /** `layer:<layer slug>`: the hash continues from it over `:<visitor id>`. */
  readonly prefix: string;
  readonly fromBucket: number;
  readonly toBucket: number;
}

export function compileLayerSlice(slice: LayerSlice): CompiledLayerSlice {
  return {
    slug: slice.slug,
    prefix: LAYER_KEY_PREFIX + slice.slug,
    fromBucket: percentBuckets(slice.from),
    toBucket: percentBuckets(slice.to),
  };
}

/** The layer bucket (0..9999) of a visitor. */
export function layerBucket(layerSlug: string, visitorId: string): number {
  return assignmentHash(LAYER_KEY_PREFIX + layerSlug, visitorId) % BUCKETS;
}

/** Whether the visitor falls in the slice. */
export function inLayerSlice(slice: CompiledLayerSlice, visitorId: string): boolean {
  if (slice.fromBucket <= 0 && slice.toBucket >= BUCKETS) return true;
  const bucket = assignmentHash(slice.prefix, visitorId) % BUCKETS;
  return bucket >= slice.fromBucket && bucket < slice.toBucket;
}

/** An experiment as the overlap check sees it. */
export interface LayerMember {
  readonly id: number;
  readonly slug: string;
  readonly layer: LayerSlice | null;
}

/** Two experiments whose slices of one layer overlap, and where. */
export interface LayerConflict {
  readonly layer: string;
  readonly experiment: { readonly id: number; readonly slug: string; readonly from: number; readonly to: number };
  readonly other: { readonly id: number; readonly slug: string; readonly from: number; readonly to: number };
  /** The overlap, `[from, to)` in percent. */
  readonly overlap: { readonly from: number; readonly to: number };
  /** For the API's 409: names both experiments, both slices and the overlap. */
  readonly message: string;
}

const range = (from: number, to: number) => `[${from}, ${to})`;

/** The conflict between two experiments' slices, or null when they are in different layers or apart. */
function conflictOf(a: LayerMember, b: LayerMember): LayerConflict | null {
  const mine = a.layer;
  const theirs = b.layer;
  if (mine === null || theirs === null || a.id === b.id || mine.slug !== theirs.slug) return null;
  const lo = Math.max(percentBuckets(mine.from), percentBuckets(theirs.from));
  const hi = Math.min(percentBuckets(mine.to), percentBuckets(theirs.to));
  if (lo >= hi) return null;
  const overlap = { from: lo / 100, to: hi / 100 };
  return {
    layer: mine.slug,
    experiment: { id: a.id, slug: a.slug, from: mine.from, to: mine.to },
    other: { id: b.id, slug: b.slug, from: theirs.from, to: theirs.to },
    overlap,
    message:
      `layer "${mine.slug}": slice ${range(mine.from, mine.to)} of "${a.slug}" overlaps ` +
      `slice ${range(theirs.from, theirs.to)} of "${b.slug}" (id ${b.id}) on ${range(overlap.from, overlap.to)}`,
  };
}

/**
 * The first experiment among `others` whose slice of `candidate`'s layer overlaps `candidate`'s, or
 * null. `others` are the experiments that can run beside it (the catalog passes the live and paused
 * ones on a start, and on a save those plus any drafts it wants kept apart); the candidate itself is
 * skipped by id. Bounds are compared in buckets, so 33.33 and 33.34 are exact.
 *
 * @example
 * const conflict = findLayerConflict(candidate, liveAndPaused);
 * if (conflict) return fail(409, "layer_conflict", conflict.message);
 */
export function findLayerConflict(candidate: LayerMember, others: Iterable<LayerMember>): LayerConflict | null {
  for (const o of others) {
    const c = conflictOf(candidate, o);
    if (c !== null) return c;
  }
  return null;
}

/** Every overlapping pair in a set of experiments (each pair once), for a config-wide check. */
export function layerConflicts(members: readonly LayerMember[]): LayerConflict[] {
  const out: LayerConflict[] = [];
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const c = conflictOf(members[i] as LayerMember, members[j] as LayerMember);
      if (c !== null) out.push(c);
    }
  }
  return out;
}
