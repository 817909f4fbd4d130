// Coverage: the share of an experiment's audience that enters it.
//
//   key:    the UTF-8 bytes of "coverage:" + <experiment slug> + ":" + <visitor id>
//   hash:   MurmurHash3 x86 32-bit of the key, seed 0, unsigned (the assignment hash of docs/hash.md)
//   bucket: hash mod 10000
//   in:     bucket < 100 × coverage_percent   (coverage_percent: 0–100, two decimals)
//
// Raising the percent only adds visitors (the bucket of a visitor never changes). The key differs from
// the assignment key `<slug>:<visitor id>`, so coverage is independent of the variant: had coverage
// used the assignment bucket, 50 % coverage of a 50/50 test would admit only variant a's visitors.
import { assignmentHash, BUCKETS } from "../hash.ts";
import { percentBuckets } from "./rules.ts";

export const COVERAGE_KEY_PREFIX = "coverage:";

/** An experiment's coverage, prepared once per config. */
export interface CompiledCoverage {
  /** `coverage:<slug>`: the hash continues from it over `:<visitor id>`. */
  readonly prefix: string;
  /** Visitors whose bucket is below this enter: 0 (none) … 10,000 (all). */
  readonly buckets: number;
}

export function compileCoverage(experimentSlug: string, coveragePercent: number): CompiledCoverage {
  return { prefix: COVERAGE_KEY_PREFIX + experimentSlug, buckets: percentBuckets(coveragePercent) };
}

/** The coverage bucket (0..9999) of a visitor in an experiment. */
export function coverageBucket(experimentSlug: string, visitorId: string): number {
  return assignmentHash(COVERAGE_KEY_PREFIX + experimentSlug, visitorId) % BUCKETS;
}

/** Whether the visitor is inside the coverage. Hashes only when the coverage is neither 0 nor 100 %. */
export function inCoverage(coverage: CompiledCoverage, visitorId: string): boolean {
  if (coverage.buckets >= BUCKETS) return true;
  if (coverage.buckets <= 0) return false;
  return assignmentHash(coverage.prefix, visitorId) % BUCKETS < coverage.buckets;
}
