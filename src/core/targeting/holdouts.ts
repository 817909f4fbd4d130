// Holdouts: a share of visitors kept out of every experiment a holdout covers, so that the combined
// effect of what was shipped can be measured against them.
//
//   key:    the UTF-8 bytes of "holdout:" + <holdout slug> + ":" + <visitor id>
//   hash:   MurmurHash3 x86 32-bit of the key, seed 0, unsigned (the assignment hash of docs/hash.md)
//   bucket: hash mod 10000
//   held:   bucket < 100 × percent
//
// Where it lives: the published config's top-level
// `holdouts: [{ id, slug, percent, layer, goals, epoch, shards }]`.
// A holdout with `layer: null` covers every experiment; one with a layer slug covers the experiments
// of that layer. A held-out visitor gets every covered target page as the site serves it (no
// assignment, no assignment cookie); their page views and conversions on `goals` are what the
// holdout's dashboard compares: the edge sends them to the holdout's own run-data objects
// (`holdout:<id>:shard:<k>`, `shards` of them), counted per `epoch`.
import { assignmentHash, BUCKETS } from "../hash.ts";
import { appendTo } from "../multimap.ts";
import { percentBuckets } from "./rules.ts";

export const HOLDOUT_KEY_PREFIX = "holdout:";

export interface Holdout {
  readonly id: number;
  readonly slug: string;
  readonly percent: number;
  /** The layer it covers, or null for every experiment. */
  readonly layer: string | null;
  /** Goal keys (`page_view:/thanks`, `custom:signup`) its visitors are counted on. */
  readonly goals: readonly string[];
  /** Bumped when a change of slug, percent or layer restarts its counts (0 when absent). */
  readonly epoch?: number | undefined;
  /** Run-data objects its visitors are spread over (1 when absent). */
  readonly shards?: number | undefined;
}

export interface CompiledHoldout {
  readonly id: number;
  readonly slug: string;
  /** `holdout:<slug>`: the hash continues from it over `:<visitor id>`. */
  readonly prefix: string;
  readonly buckets: number;
  readonly layer: string | null;
  readonly goals: ReadonlySet<string>;
  readonly epoch: number;
  readonly shards: number;
}

/** The config's holdouts, prepared once: the global ones, and those of each layer. */
export interface CompiledHoldouts {
  readonly all: readonly CompiledHoldout[];
  readonly global: readonly CompiledHoldout[];
  readonly byLayer: ReadonlyMap<string, readonly CompiledHoldout[]>;
}

export const NO_HOLDOUTS: CompiledHoldouts = { all: [], global: [], byLayer: new Map() };

export function compileHoldouts(holdouts: readonly Holdout[]): CompiledHoldouts {
  if (holdouts.length === 0) return NO_HOLDOUTS;
  const all: CompiledHoldout[] = [];
  const global: CompiledHoldout[] = [];
  const byLayer = new Map<string, CompiledHoldout[]>();
  for (const h of holdouts) {
    const c: CompiledHoldout = {
      id: h.id,
      slug: h.slug,
      prefix: HOLDOUT_KEY_PREFIX + h.slug,
      buckets: percentBuckets(h.percent),
      layer: h.layer,
      goals: new Set(h.goals),
      epoch: h.epoch ?? 0,
      shards: h.shards ?? 1,
    };
    if (c.buckets <= 0) continue; // holds nobody: nothing to evaluate
    all.push(c);
    if (h.layer === null) global.push(c);
    else appendTo(byLayer, h.layer, c);
  }
  return { all, global, byLayer };
}

/** The holdouts that cover an experiment in `layer` (null: not in a layer): the global ones and its layer's. */
export function holdoutsCovering(holdouts: CompiledHoldouts, layer: string | null): readonly CompiledHoldout[] {
  const ofLayer = layer === null ? undefined : holdouts.byLayer.get(layer);
  return ofLayer === undefined ? holdouts.global : [...holdouts.global, ...ofLayer];
}

/** The holdout bucket (0..9999) of a visitor. */
export function holdoutBucket(holdoutSlug: string, visitorId: string): number {
  return assignmentHash(HOLDOUT_KEY_PREFIX + holdoutSlug, visitorId) % BUCKETS;
}

export function inHoldout(holdout: CompiledHoldout, visitorId: string): boolean {
  if (holdout.buckets >= BUCKETS) return true;
  return assignmentHash(holdout.prefix, visitorId) % BUCKETS < holdout.buckets;
}

/** The first of `holdouts` that holds the visitor out, or null. */
export function heldOutBy(holdouts: readonly CompiledHoldout[], visitorId: string): CompiledHoldout | null {
  for (const h of holdouts) if (inHoldout(h, visitorId)) return h;
  return null;
}
