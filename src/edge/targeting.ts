// Who enters a live experiment, at the edge: the targeting rules of src/core/targeting/ (audience,
// holdouts, exclusive layers, coverage, the scheduled end, crawlers) carried out for one request, and
// the two other things they ask of the request path: recording a holdout's visitors, and the headers
// that keep variant pages out of search indexes. Everything comes from the compiled config: no
// Durable Object or KV is asked on the way. An experiment without targeting (`targeting.open`) takes
// the same few steps as before the rules existed: no facts object, no clock, no extra header.
import { type EdgeHoldouts, holdsCoveredCookie } from "../core/edge-holdouts.ts";
import type { CompiledExperiment, Plan } from "../core/edge-plan.ts";
import { fixedPlan, planRequest } from "../core/edge-plan.ts";
import { requestFacts } from "../core/targeting/attributes.ts";
import { decideEntry, type Entry } from "../core/targeting/entry.ts";
import { type CompiledHoldout, inHoldout } from "../core/targeting/holdouts.ts";
import { type VariantPages, variantPageHeaders } from "../core/targeting/seo.ts";
import { cookieValue } from "./cookies.ts";
import type { HoldoutExposureEvent, NotCountedReason } from "./ports.ts";

/** What the targeting step reads of a request (each read once by the handler). */
export interface TargetedRequest {
  readonly request: Request;
  readonly url: string;
  /** `request.headers`, read once (each read is a call into the runtime). */
  readonly headers: Headers;
  readonly cookieHeader: string | null;
  /** The clock when the handler read the request (ms): it does not move until I/O. */
  readonly now: number;
}

/**
 * How a visitor's arm of a holdout is recorded: the event to its run-data, and a cookie saying so
 * (`<visitor cookie>-h<holdout id>=<epoch>`), so that a held visitor, who gets no assignment cookie
 * and so reaches the holdout step on every visit, is sent once per epoch and not on every page view.
 */
export interface HoldoutRecorder {
  cookieName(holdoutId: number): string;
  /** Sends the event and writes the cookie. */
  record(event: HoldoutExposureEvent, shards: number): void;
}

/** Why a visitor left outside a live experiment was not counted, for the ledger (docs/metrics.md). */
export type OutsideNote = (reason: Extract<NotCountedReason, "audience_miss" | "holdout" | "layer" | "coverage">) => void;

const LEDGER_REASON = { audience: "audience_miss", holdout: "holdout", layer: "layer", coverage: "coverage" } as const;

/** The same plan, not counted: a crawler is served and cookied like a visitor but never counted. */
const uncounted = (plan: Plan): Plan => (plan.countExposure ? { ...plan, countExposure: false } : plan);

/**
 * The plan for a GET or HEAD of a live experiment's target page by a visitor who has consented (or
 * need not) and carries no valid QA link: docs/audiences.md's steps 3 to 10.
 *
 * @example
 * const assigned = cookieValue(seen.cookieHeader, experiment.cookieName);
 * const plan = planLive(seen, experiment, assigned, isBot(ua, pattern), visitorId, config.holdouts, recorder, (why) => ledger.note(experiment, null, why, env, ctx));
 */
export function planLive(
  seen: TargetedRequest,
  experiment: CompiledExperiment,
  /** The experiment's assignment cookie as the handler read it (undefined: none). */
  assigned: string | undefined,
  crawler: boolean,
  visitorId: () => string,
  holdouts: EdgeHoldouts,
  recorder: HoldoutRecorder,
  noteOutside: OutsideNote = () => {},
): Plan {
  const t = experiment.targeting;
  if (t.open) {
    // Steps 3, 5 and 10 only: what the edge did before targeting, crawlers aside.
    if (crawler && t.bots === "control") return fixedPlan(experiment.control);
    const plan = planRequest(experiment, assigned, visitorId);
    return crawler ? uncounted(plan) : plan;
  }
  const cookie = (name: string): string | undefined => (name === experiment.cookieName ? assigned : cookieValue(seen.cookieHeader, name));
  const now = seen.now;
  const entry = decideEntry(t, requestFacts(seen.request, cookie, seen.url, seen.headers), {
    now,
    qaVariant: null,
    consented: true,
    crawler,
    visitorId,
  });
  if (!crawler && t.holdouts.length > 0 && reachedHoldouts(entry)) recordHoldouts(t.holdouts, visitorId(), cookie, holdouts, recorder, now);
  switch (entry.kind) {
    case "qa": // never asked for here: the handler serves QA links before who-enters
    case "control":
    case "ended": // as paused: the control, nothing written, nothing counted
      return fixedPlan(experiment.control);
    case "sticky":
      return planRequest(experiment, entry.variant, visitorId);
    case "outside":
      // A crawler is in the ledger as a crawler already.
      if (!crawler) noteOutside(LEDGER_REASON[entry.reason]);
      return fixedPlan(experiment.untouched);
    case "assign": {
      const plan = planRequest(experiment, undefined, visitorId);
      return entry.count ? plan : uncounted(plan);
    }
  }
}

/**
 * The plan for a GET or HEAD of a concluded experiment's target page that a holdout covers while its
 * shipped variant is served (to everyone or by a gradual rollout). A holdout measures what was
 * shipped, so its held visitors keep getting the site as is, and the page depends on the visitor.
 */
export function planShippedHeldBack(
  seen: TargetedRequest,
  experiment: CompiledExperiment,
  crawler: boolean,
  visitorId: () => string,
  holdouts: EdgeHoldouts,
  recorder: HoldoutRecorder,
): Plan {
  const t = experiment.targeting;
  const id = visitorId();
  const cookie = (name: string): string | undefined => cookieValue(seen.cookieHeader, name);
  if (!crawler) recordHoldouts(t.holdouts, id, cookie, holdouts, recorder, seen.now);
  for (const h of t.holdouts) if (inHoldout(h, id)) return fixedPlan(experiment.untouched);
  const plan = planRequest(experiment, undefined, visitorId);
  return { ...plan, isPrivate: true, needsVisitor: true };
}

/** Each covering holdout's arm for the visitor, sent once per epoch (the recorder's cookie says so). */
function recordHoldouts(
  covering: readonly CompiledHoldout[],
  id: string,
  cookie: (name: string) => string | undefined,
  holdouts: EdgeHoldouts,
  recorder: HoldoutRecorder,
  now: number,
): void {
  for (const h of covering) {
    if (cookie(recorder.cookieName(h.id)) === String(h.epoch)) continue;
    const held = inHoldout(h, id);
    // A held visitor who already saw a covered experiment (assigned before the holdout held them) is
    // no held visitor: leave them out of the holdout's counts.
    if (held && holdsCoveredCookie(holdouts, h, cookie)) continue;
    recorder.record(
      { kind: "holdout_exposure", holdoutId: h.id, epoch: h.epoch, visitorId: id, arm: held ? "held" : "exposed", at: now },
      h.shards,
    );
  }
}

/** Whether the visitor got past the audience without a cookie: the holdout step was taken for them. */
function reachedHoldouts(entry: Entry): boolean {
  return entry.kind === "assign" || (entry.kind === "outside" && entry.reason !== "audience");
}

/**
 * A direct request of a variant page's own path: the origin's answer with `X-Robots-Tag: noindex` and
 * the target page as its canonical URL, so variant URLs are not indexed as pages of their own.
 */
export function withVariantPageHeaders(pages: VariantPages, path: string, url: string, response: Response): Response {
  if (response.status >= 300) return response;
  const headers = variantPageHeaders(pages, path, url);
  if (headers === null) return response;
  const res = new Response(response.body, response);
  const h = res.headers;
  h.set("x-robots-tag", headers["x-robots-tag"]);
  h.append("link", headers.link);
  return res;
}
