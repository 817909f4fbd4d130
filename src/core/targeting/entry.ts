// Who enters a live experiment: every targeting rule in one place and one order.
//
// For a GET or HEAD of a live experiment's target page, `decideEntry` answers, in this order:
//   1. QA link      a valid QA link's variant is shown; nothing written, nothing counted
//   2. consent      the site requires consent and has none: the control, nothing written or counted
//   3. crawler      a known crawler under `bots: "control"`: the control, nothing written or counted
//   4. schedule     at or after `scheduled_end_at`: as paused (the control for everyone, nothing counted)
//   5. sticky       a valid assignment cookie (naming a current variant): that variant, as before
//   6. audience     outside the audience: the target page as the site serves it
//   7. holdout      in a holdout covering the experiment: the same
//   8. layer        holding a valid cookie of another live or paused experiment of the layer, or
//                   outside this experiment's slice of it: the same
//   9. coverage     outside `coverage_percent`: the same
//  10. assign       the assignment hash picks the variant; counted unless the request is a crawler's
// "The target page as the site serves it" means: not assigned, no assignment cookie, not counted.
//
// Stickiness beats a changed attribute: a visitor once assigned keeps the variant although the
// audience, the coverage, a holdout or the layer slices would now leave them out (5 comes before
// 6–9). Leaving them out would switch a counted visitor to another page mid-test and bias the
// comparison. What that means for exclusivity: a layer keeps a visitor in at most one of its
// experiments as long as the visitor keeps their cookies, even when slices are moved, because a
// visitor holding one experiment's cookie never enters another of the layer (8); a holdout created
// or widened after a visitor was assigned does not take them out of that experiment, so a holdout is
// clean for the visitors it holds from the start (the holdout dashboard must not count a held visitor
// who holds a covered experiment's cookie as held out).
//
// The audience comes before the hash steps because it needs no visitor id: a visitor outside it is
// left with no cookie at all. Holdout, layer and coverage need a stable id (a visitor whose id
// changed with every request would be re-drawn each time and end up inside), so the edge issues the
// `sgen-vid` cookie when one of them is evaluated for a visitor without one. The steps are a
// conjunction: their order changes only which reason is reported and whether an id is needed.

import { appendTo } from "../multimap.ts";
import type { RequestFacts } from "./attributes.ts";
import type { Audience, CompiledAudience } from "./audience.ts";
import { compileAudience, inAudience } from "./audience.ts";
import { type CompiledCoverage, compileCoverage, inCoverage } from "./coverage.ts";
import { type CompiledHoldout, type CompiledHoldouts, compileHoldouts, type Holdout, heldOutBy, holdoutsCovering } from "./holdouts.ts";
import { type CompiledLayerSlice, compileLayerSlice, inLayerSlice, type LayerSlice } from "./layers.ts";
import type { BotsRule } from "./rules.ts";

/** An experiment of the published config, as targeting reads it (the targeting fields optional). */
export interface TargetedExperiment {
  readonly slug: string;
  readonly state: "live" | "paused" | "done";
  readonly variants: ReadonlyArray<{ readonly slug: string }>;
  readonly audience?: Audience | null | undefined;
  readonly coverage_percent?: number | undefined;
  readonly layer?: LayerSlice | null | undefined;
  readonly scheduled_end_at?: string | null | undefined;
  readonly bots?: BotsRule | undefined;
}

interface CookieCheck {
  readonly cookieName: string;
  readonly variantSlugs: ReadonlySet<string>;
}

/** One experiment's targeting, prepared once per published config. */
export interface CompiledTargeting {
  readonly slug: string;
  readonly cookieName: string;
  readonly variantSlugs: ReadonlySet<string>;
  readonly audience: CompiledAudience | null;
  readonly coverage: CompiledCoverage;
  readonly layer: CompiledLayerSlice | null;
  /** The layer's other live and paused experiments: a visitor holding one of their cookies stays out. */
  readonly layerSiblings: readonly CookieCheck[];
  readonly holdouts: readonly CompiledHoldout[];
  /** `scheduled_end_at` in ms; +Infinity when none. */
  readonly endsAt: number;
  readonly bots: BotsRule;
  /** No audience, full coverage, no layer, no holdout, no end: only steps 1–3, 5 and 10 apply. */
  readonly open: boolean;
}

export interface CompiledTargetingConfig {
  readonly bySlug: ReadonlyMap<string, CompiledTargeting>;
  readonly holdouts: CompiledHoldouts;
}

/**
 * Prepares every experiment's targeting once per published config: audiences compiled, hash prefixes
 * built, each layer's siblings and each experiment's holdouts found.
 *
 * @example
 * const targeting = compileTargeting(config.experiments, config.holdouts ?? [], "sgen-ab-");
 * const t = targeting.bySlug.get(experiment.slug);
 */
export function compileTargeting(
  experiments: readonly TargetedExperiment[],
  holdouts: readonly Holdout[],
  cookiePrefix: string,
): CompiledTargetingConfig {
  const compiledHoldouts = compileHoldouts(holdouts);
  const checks = new Map<string, CookieCheck>();
  const layerMembers = new Map<string, string[]>();
  for (const e of experiments) {
    checks.set(e.slug, { cookieName: cookiePrefix + e.slug, variantSlugs: new Set(e.variants.map((v) => v.slug)) });
    if (e.layer && (e.state === "live" || e.state === "paused")) appendTo(layerMembers, e.layer.slug, e.slug);
  }
  const bySlug = new Map<string, CompiledTargeting>();
  for (const e of experiments) {
    const own = checks.get(e.slug) as CookieCheck;
    const layer = e.layer ? compileLayerSlice(e.layer) : null;
    const siblings =
      layer === null ? [] : (layerMembers.get(layer.slug) ?? []).filter((s) => s !== e.slug).map((s) => checks.get(s) as CookieCheck);
    const audience = e.audience ? compileAudience(e.audience) : null;
    const coverage = compileCoverage(e.slug, e.coverage_percent ?? 100);
    const covering = holdoutsCovering(compiledHoldouts, layer?.slug ?? null);
    const end = e.scheduled_end_at ? Date.parse(e.scheduled_end_at) : Number.NaN;
    const endsAt = Number.isNaN(end) ? Number.POSITIVE_INFINITY : end;
    bySlug.set(e.slug, {
      slug: e.slug,
      cookieName: own.cookieName,
      variantSlugs: own.variantSlugs,
      audience,
      coverage,
      layer,
      layerSiblings: siblings,
      holdouts: covering,
      endsAt,
      bots: e.bots ?? "like_visitors",
      open:
        audience === null && coverage.buckets >= 10_000 && layer === null && covering.length === 0 && endsAt === Number.POSITIVE_INFINITY,
    });
  }
  return { bySlug, holdouts: compiledHoldouts };
}

export interface EntryContext {
  /** Milliseconds since the epoch (the edge passes Date.now()). */
  readonly now: number;
  /** The variant slug a valid, unexpired QA link names for this experiment, or null. */
  readonly qaVariant: string | null;
  /** False while the site requires consent and the visitor has not given it. */
  readonly consented: boolean;
  /** The user agent is a known crawler or tool (bots.ts). */
  readonly crawler: boolean;
  /** The visitor id, asked for only by the hash steps; the edge issues one (and its cookie) when absent. */
  readonly visitorId: () => string;
}

export type OutsideReason = "audience" | "holdout" | "layer" | "coverage";

export type Entry =
  /** Show this variant (a QA link): nothing written, nothing counted. */
  | { readonly kind: "qa"; readonly variant: string }
  /** Show the control: nothing written, nothing counted (no consent, or a crawler under `bots: "control"`). */
  | { readonly kind: "control"; readonly reason: "consent" | "crawler" }
  /** Past the scheduled end: act as paused (the control, no cookie written or deleted, nothing counted). */
  | { readonly kind: "ended" }
  /** A valid assignment cookie: show that variant; it was counted when it was assigned. */
  | { readonly kind: "sticky"; readonly variant: string }
  /** Not in the experiment: the target page as the site serves it, no assignment cookie, not counted. */
  | { readonly kind: "outside"; readonly reason: OutsideReason; readonly holdout?: string }
  /** Assign by the hash and write the cookie; count the exposure when `count`. */
  | { readonly kind: "assign"; readonly count: boolean };

const CONSENT: Entry = { kind: "control", reason: "consent" };
const CRAWLER_CONTROL: Entry = { kind: "control", reason: "crawler" };
const ENDED: Entry = { kind: "ended" };
const OUTSIDE_AUDIENCE: Entry = { kind: "outside", reason: "audience" };
const OUTSIDE_LAYER: Entry = { kind: "outside", reason: "layer" };
const OUTSIDE_COVERAGE: Entry = { kind: "outside", reason: "coverage" };
const ASSIGN_COUNTED: Entry = { kind: "assign", count: true };
const ASSIGN_UNCOUNTED: Entry = { kind: "assign", count: false };

/**
 * Whether and how the visitor of a target-page request enters a live experiment (the order is in this
 * file's header and in docs/audiences.md). Pure: reads the request only through `request`, and the
 * visitor id only when a hash step needs it.
 *
 * @example
 * const entry = decideEntry(t, facts, { now: Date.now(), qaVariant, consented, crawler: isBot(ua, pattern), visitorId });
 * if (entry.kind === "assign") plan = planRequest(experiment, undefined, visitorId);
 */
export function decideEntry(t: CompiledTargeting, request: RequestFacts, context: EntryContext): Entry {
  if (context.qaVariant !== null && t.variantSlugs.has(context.qaVariant)) return { kind: "qa", variant: context.qaVariant };
  if (!context.consented) return CONSENT;
  if (context.crawler && t.bots === "control") return CRAWLER_CONTROL;
  if (context.now >= t.endsAt) return ENDED;
  const assigned = request.cookie(t.cookieName);
  if (assigned !== undefined && t.variantSlugs.has(assigned)) return { kind: "sticky", variant: assigned };
  const assign = context.crawler ? ASSIGN_UNCOUNTED : ASSIGN_COUNTED;
  if (t.open) return assign;
  if (t.audience !== null && !inAudience(t.audience, request)) return OUTSIDE_AUDIENCE;
  if (t.holdouts.length > 0) {
    const held = heldOutBy(t.holdouts, context.visitorId());
    if (held !== null) return { kind: "outside", reason: "holdout", holdout: held.slug };
  }
  if (t.layer !== null) {
    for (const s of t.layerSiblings) {
      const v = request.cookie(s.cookieName);
      if (v !== undefined && s.variantSlugs.has(v)) return OUTSIDE_LAYER;
    }
    if (!inLayerSlice(t.layer, context.visitorId())) return OUTSIDE_LAYER;
  }
  if (!inCoverage(t.coverage, context.visitorId())) return OUTSIDE_COVERAGE;
  return assign;
}
