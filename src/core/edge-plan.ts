// What the edge does with a request for a target page, decided without IO. The adapter in src/edge/
// reads cookies and config, calls `planRequest`, and carries out the plan.
import { shareBoundaries, variantIndexForBucket } from "./assignment.ts";
import { compileEdgeHoldouts, type EdgeHoldouts, NO_EDGE_HOLDOUTS } from "./edge-holdouts.ts";
import { capCents, goalKey, isValueGoal } from "./goals.ts";
import { BUCKETS, bucketOf } from "./hash.ts";
import { unsafeOverride } from "./markup-policy.ts";
import { normalizePath } from "./paths.ts";
import { inRolloutBuckets, rolloutBuckets } from "./rollout.ts";
import type { ConversionEvent, EdgeConfig, EdgeExperiment, Override } from "./schema.ts";
import { type CompiledTargeting, compileTargeting } from "./targeting/entry.ts";
import { routedPaths } from "./targeting/routing.ts";
import { type VariantPages, variantPagesOf } from "./targeting/seo.ts";

export interface CompiledVariant {
  readonly slug: string;
  readonly index: number;
  /** The path fetched from the origin: the variant's page, or the target page itself. */
  readonly page: string;
  /** `page` in the form requests are matched in (normalizePath), computed once per config. */
  readonly pagePath: string;
  readonly overrides: readonly Override[] | undefined;
  /** Stopped: its visitors get the control's page and are counted nowhere. */
  readonly stopped: boolean;
}

export interface CompiledExperiment {
  readonly id: number;
  readonly slug: string;
  readonly state: EdgeExperiment["state"];
  readonly targetPage: string;
  readonly epoch: number;
  readonly cookieName: string;
  readonly variants: readonly CompiledVariant[];
  readonly bySlug: ReadonlyMap<string, CompiledVariant>;
  readonly bounds: Int32Array;
  readonly control: CompiledVariant;
  /** What `done` serves: the shipped variant, or the control where none was shipped. */
  readonly shipped: CompiledVariant;
  readonly conversionEvent: ConversionEvent;
  readonly secondaryGoals: readonly ConversionEvent[];
  readonly shards: number;
  /** Once done: visitors whose bucket is below this get the shipped variant, the rest the control. */
  readonly rolloutBuckets: number;
  /** Overrides beyond the allow-list were allowed by an Administrator: the edge applies them unguarded. */
  readonly allowScriptOverrides: boolean;
  /** Who enters while live (docs/audiences.md); `targeting.open` when nobody is left out. */
  readonly targeting: CompiledTargeting;
  /** What a visitor outside the experiment gets: the target page as the site serves it (no overrides). */
  readonly untouched: CompiledVariant;
}

/** An experiment that also acts on the pages its audience's path patterns match. */
export interface SpanningRoute {
  readonly experiment: CompiledExperiment;
  readonly matches: (path: string) => boolean;
}

/** A goal of a live experiment that a request may complete. */
export interface GoalTarget {
  readonly experiment: CompiledExperiment;
  readonly goal: string;
  /** A value goal (aggregate "sum"): its events' values are sent on, with the per-visitor cap in cents. */
  readonly value: { readonly capCents: number | null } | null;
}

export interface CompiledConfig {
  readonly revision: number;
  readonly experiments: readonly CompiledExperiment[];
  /** Normalized target path → the experiment that acts on it. */
  readonly byTarget: ReadonlyMap<string, CompiledExperiment>;
  /**
   * Experiments that span pages (their audience confines them to path patterns), by precedence: a page
   * that is no target page is routed to the first whose patterns match it.
   */
  readonly spanning: readonly SpanningRoute[];
  /** Goals of live experiments, by what completes them: a GET of a path, a POST to a path, an event name. */
  readonly pageViewGoals: ReadonlyMap<string, readonly GoalTarget[]>;
  readonly formGoals: ReadonlyMap<string, readonly GoalTarget[]>;
  readonly customGoals: ReadonlyMap<string, readonly GoalTarget[]>;
  /** Overrides left out because they are outside the allow-list and their experiment does not allow that. */
  readonly skippedOverrides: readonly string[];
  /** Variant pages by their own path, for the headers that keep them out of search indexes. */
  readonly variantPages: VariantPages;
  /** The holdouts, their goals and the experiments they cover. */
  readonly holdouts: EdgeHoldouts;
}

export const EMPTY_CONFIG: CompiledConfig = {
  revision: -1,
  experiments: [],
  byTarget: new Map(),
  spanning: [],
  pageViewGoals: new Map(),
  formGoals: new Map(),
  customGoals: new Map(),
  skippedOverrides: [],
  variantPages: { targetOf: new Map() },
  holdouts: NO_EDGE_HOLDOUTS,
};

// A target page has at most one live or paused experiment (the catalog enforces it); a concluded one may
// share the page with a newer experiment, which then takes precedence.
const PRECEDENCE: Record<EdgeExperiment["state"], number> = { live: 3, paused: 2, done: 1 };

/**
 * The overrides the edge applies: all of them where an Administrator allowed script overrides, else
 * those inside the allow-list (the admin refuses the rest on save; a hand-written document may not).
 */
function servedOverrides(e: EdgeExperiment, v: EdgeExperiment["variants"][number], skipped: string[]): readonly Override[] | undefined {
  let overrides = v.overrides;
  if (overrides !== undefined && !e.allow_script_overrides) {
    overrides = overrides.filter((o, k) => {
      const problem = unsafeOverride(o);
      if (problem !== null) skipped.push(`${e.slug}/${v.slug} override ${k} (${o.action} ${o.selector}): ${problem}`);
      return problem === null;
    });
  }
  return overrides && overrides.length > 0 ? overrides : undefined;
}

function compileExperiment(
  e: EdgeExperiment,
  cookiePrefix: string,
  skipped: string[],
  targeting: CompiledTargeting,
): CompiledExperiment | null {
  const bounds = shareBoundaries(e.variants.map((v) => v.traffic_share));
  if (bounds === null) return null;
  const variants = e.variants.map((v, index) => ({
    slug: v.slug,
    index,
    page: v.page ?? e.target_page,
    pagePath: normalizePath(v.page ?? e.target_page),
    overrides: servedOverrides(e, v, skipped),
    stopped: index > 0 && v.stopped === true, // the control is where a stopped variant's visitors go
  }));
  const bySlug = new Map(variants.map((v) => [v.slug, v]));
  const control = variants[0] as CompiledVariant;
  const shipped = (e.shipped_variant_slug !== null && bySlug.get(e.shipped_variant_slug)) || control;
  return {
    id: e.id,
    slug: e.slug,
    state: e.state,
    targetPage: normalizePath(e.target_page),
    epoch: e.epoch,
    cookieName: cookiePrefix + e.slug,
    variants,
    bySlug,
    bounds,
    control,
    shipped,
    conversionEvent: e.conversion_event,
    secondaryGoals: e.secondary_goals,
    shards: e.shards,
    rolloutBuckets: rolloutBuckets(e.rollout_percent),
    allowScriptOverrides: e.allow_script_overrides,
    targeting,
    untouched: {
      slug: control.slug,
      index: 0,
      page: e.target_page,
      pagePath: normalizePath(e.target_page),
      overrides: undefined,
      stopped: false,
    },
  };
}

function indexGoals(experiments: readonly CompiledExperiment[]) {
  const pageViewGoals = new Map<string, GoalTarget[]>();
  const formGoals = new Map<string, GoalTarget[]>();
  const customGoals = new Map<string, GoalTarget[]>();
  const add = (map: Map<string, GoalTarget[]>, key: string, target: GoalTarget) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [target]);
    else if (!list.some((t) => t.experiment === target.experiment && t.goal === target.goal)) list.push(target);
  };
  for (const experiment of experiments) {
    if (experiment.state !== "live") continue; // paused and concluded experiments count nothing
    for (const event of [experiment.conversionEvent, ...experiment.secondaryGoals]) {
      const target = { experiment, goal: goalKey(event), value: isValueGoal(event) ? { capCents: capCents(event) } : null };
      if (event.type === "page_view") add(pageViewGoals, normalizePath(event.path), target);
      else if (event.type === "form_submission") add(formGoals, normalizePath(event.path), target);
      else add(customGoals, event.name, target);
    }
  }
  return { pageViewGoals, formGoals, customGoals };
}

/** Precomputes everything the hot path needs, once per published revision. */
export function compileConfig(config: EdgeConfig, cookiePrefix: string): CompiledConfig {
  const experiments: CompiledExperiment[] = [];
  const byTarget = new Map<string, CompiledExperiment>();
  const skippedOverrides: string[] = [];
  const spanning: SpanningRoute[] = [];
  const targeting = compileTargeting(config.experiments, config.holdouts, cookiePrefix);
  for (const e of config.experiments) {
    const t = targeting.bySlug.get(e.slug);
    const c = t === undefined ? null : compileExperiment(e, cookiePrefix, skippedOverrides, t);
    if (c === null) continue;
    experiments.push(c);
    const matches = routedPaths(e.audience);
    if (matches !== null) spanning.push({ experiment: c, matches });
    const held = byTarget.get(c.targetPage);
    if (held === undefined || PRECEDENCE[c.state] > PRECEDENCE[held.state] || (held.state === c.state && c.id > held.id)) {
      byTarget.set(c.targetPage, c);
    }
  }
  spanning.sort((a, b) => PRECEDENCE[b.experiment.state] - PRECEDENCE[a.experiment.state] || b.experiment.id - a.experiment.id);
  const holdouts = compileEdgeHoldouts(
    targeting.holdouts,
    experiments.map((c) => ({ state: c.state, layer: c.targeting.layer, cookie: c.targeting })),
  );
  return {
    revision: config.revision,
    experiments,
    byTarget,
    spanning,
    ...indexGoals(experiments),
    skippedOverrides,
    variantPages: variantPagesOf(config.experiments),
    holdouts,
  };
}

/**
 * The experiment that acts on a GET or HEAD of `path`: the one whose target page it is, else the first
 * spanning experiment whose patterns match it.
 */
export function experimentForPage(config: CompiledConfig, path: string): CompiledExperiment | undefined {
  const exact = config.byTarget.get(path);
  if (exact !== undefined || config.spanning.length === 0) return exact;
  for (const r of config.spanning) if (r.matches(path)) return r.experiment;
  return undefined;
}

export interface Plan {
  readonly variant: CompiledVariant;
  /** The response depends on who asks: never store it in a shared cache. */
  readonly isPrivate: boolean;
  /** A variant slug to write to the assignment cookie, or null to leave the cookie alone. */
  readonly writeAssignment: string | null;
  /** The visitor joins the sample now (first assignment in this experiment). */
  readonly countExposure: boolean;
  /** The plan needs the visitor id (and its cookie, when absent). */
  readonly needsVisitor: boolean;
  /**
   * The visitor is in the live experiment's sample, under `variant` (assigned now or by its cookie): the
   * origin's answer is measured for the guardrails. False for crawlers, QA links, paused and done.
   */
  readonly inSample: boolean;
  /**
   * The variant the visitor is assigned to (by cookie or hash) when it is stopped: the plan serves the
   * control instead and counts nothing. Absent otherwise.
   */
  readonly stoppedVariant?: string;
}

const PAUSED_PLAN = (e: CompiledExperiment): Plan => ({
  variant: e.control,
  isPrivate: true, // the same URL will serve variants again on resume
  writeAssignment: null,
  countExposure: false,
  needsVisitor: false,
  inSample: false,
});

/**
 * A visitor of a stopped variant (by bucket or cookie): the control's page, and nothing else. Not
 * assigned to the control either, which would add visitors to the control that the split did not send
 * there; the cookie, if any, is left as it is.
 */
const stoppedPlan = (e: CompiledExperiment, stopped: CompiledVariant): Plan => ({
  variant: e.control,
  isPrivate: true,
  writeAssignment: null,
  countExposure: false,
  needsVisitor: true,
  inSample: false,
  stoppedVariant: stopped.slug,
});

/**
 * A plan that shows `variant` and leaves no trace: no cookie, no count. For crawlers, for visitors who
 * have not consented, and for an operator's QA link.
 */
export function fixedPlan(variant: CompiledVariant): Plan {
  return { variant, isPrivate: true, writeAssignment: null, countExposure: false, needsVisitor: false, inSample: false };
}

/** Whether serving `experiment` would identify the visitor (cookies, counting). */
export function identifiesVisitor(experiment: CompiledExperiment): boolean {
  return experiment.state === "live" || (experiment.state === "done" && partialRollout(experiment));
}

/**
 * A concluded experiment whose shipped variant reaches some visitors and not others. At 0% (a rollback)
 * everyone gets the control, as if the control had been shipped: nothing depends on the visitor, so no
 * visitor id is issued and the page is not made private.
 */
function partialRollout(experiment: CompiledExperiment): boolean {
  return experiment.rolloutBuckets > 0 && experiment.rolloutBuckets < BUCKETS && experiment.shipped !== experiment.control;
}

/**
 * The plan for a GET/HEAD of `experiment`'s target page.
 * `assignedSlug` is the assignment cookie's value; `visitorId` is needed only for a live experiment and
 * is asked for lazily, so paused and concluded experiments never touch the visitor cookie.
 */
export function planRequest(experiment: CompiledExperiment, assignedSlug: string | undefined, visitorId: () => string): Plan {
  switch (experiment.state) {
    case "paused":
      return PAUSED_PLAN(experiment);
    case "done": {
      if (!partialRollout(experiment)) {
        return {
          variant: experiment.rolloutBuckets === 0 ? experiment.control : experiment.shipped,
          isPrivate: false,
          writeAssignment: null,
          countExposure: false,
          needsVisitor: false,
          inSample: false,
        };
      }
      // A gradual rollout: the same bucket as assignment, so raising the share only adds visitors.
      const rolledOut = inRolloutBuckets(experiment.slug, visitorId(), experiment.rolloutBuckets);
      return {
        variant: rolledOut ? experiment.shipped : experiment.control,
        isPrivate: true,
        writeAssignment: null,
        countExposure: false,
        needsVisitor: true,
        inSample: false,
      };
    }
    case "live": {
      const honoured = assignedSlug === undefined ? undefined : experiment.bySlug.get(assignedSlug);
      if (honoured !== undefined) {
        return honoured.stopped
          ? stoppedPlan(experiment, honoured)
          : { variant: honoured, isPrivate: true, writeAssignment: null, countExposure: false, needsVisitor: true, inSample: true };
      }
      const index = variantIndexForBucket(experiment.bounds, bucketOf(experiment.slug, visitorId()));
      const variant = experiment.variants[index] as CompiledVariant;
      if (variant.stopped) return stoppedPlan(experiment, variant);
      return { variant, isPrivate: true, writeAssignment: variant.slug, countExposure: true, needsVisitor: true, inSample: true };
    }
  }
}
