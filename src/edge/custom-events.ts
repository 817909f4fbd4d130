// `POST /__sgen/events` (docs/conversions.md#custom-events): custom conversion events from the site's own script,
// the visitor known by its cookies. Answered 202 whatever is counted; bad bodies get the error shape;
// a client past its limit gets 429 with Retry-After before its body is read.
import { type CustomEvent, parseCustomEvents } from "../core/custom-events.ts";
import type { HoldoutGoalTarget } from "../core/edge-holdouts.ts";
import type { CompiledConfig, GoalTarget } from "../core/edge-plan.ts";
import type { Issue } from "../core/errors.ts";
import { readBodyText } from "../http/read-body.ts";
import type { ResolvedEdgeOptions } from "./options.ts";
import type { SignatureCheck } from "./signed-events.ts";

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", "x-content-type-options": "nosniff" },
  });

/** An error answer of the event endpoint, in the error shape (docs/admin-api.md), never cached. */
export const eventsError = (status: number, code: string, message: string, issues: readonly Issue[] = []): Response =>
  json(status, { error: { code, message, issues } });

export interface EventsRequest {
  /** Seconds the client must wait before it may post again, or 0 (the per-client limit; signed posts skip it). */
  readonly retryAfter: () => number | Promise<number>;
  /** Whether the post carries a signature (signed-events.ts). */
  readonly signed: boolean;
  /** Checks the signature against the raw body. */
  readonly verify: (body: string) => Promise<SignatureCheck>;
  /** Whether events of this name count only when signed. */
  readonly mustBeSigned: (name: string) => boolean;
  /** Counts a custom goal for the request's visitor; returns how many experiments it was sent on for. */
  readonly count: (goals: readonly GoalTarget[], event: CustomEvent) => number;
  /** Counts a goal of the holdouts that cover it for the request's visitor, when it is held out. */
  readonly countHeld?: (targets: readonly HoldoutGoalTarget[]) => void;
  /** Tells the ledger of what was not counted about goals left out, and why. */
  readonly notCounted: (reason: "unsigned", goals: readonly GoalTarget[]) => void;
  /**
   * Makes the counted events as durable as the deployment offers, before the answer: `buffered` (in this
   * isolate, sent on within the batcher's flush delay), `stored` (run-data has them) or `queued` (a
   * queue holds them). Rejects when they could not be kept.
   */
  readonly commit: () => Promise<Ack>;
}

/** What a 202 from the event endpoint says about the events it counted. */
export type Ack = "buffered" | "stored" | "queued";

export async function handleCustomEvents<Env>(
  request: Request,
  config: CompiledConfig,
  o: ResolvedEdgeOptions<Env>,
  r: EventsRequest,
): Promise<Response> {
  if (request.method !== "POST") {
    const res = eventsError(405, "method_not_allowed", "use POST");
    res.headers.set("allow", "POST");
    return res;
  }
  const wait = r.signed ? 0 : await r.retryAfter();
  if (wait > 0) {
    const res = eventsError(429, "too_many_requests", `too many events from this client; try again in ${wait} s`);
    res.headers.set("retry-after", String(wait));
    return res;
  }
  const read = await readBodyText(request, o.maxEventBodyBytes);
  if (!read.ok && read.reason === "too_large") {
    return eventsError(413, "body_too_large", `the body is larger than ${o.maxEventBodyBytes} bytes`);
  }
  if (!read.ok) return eventsError(400, "invalid_json", "the body is not JSON");
  const signature = r.signed ? await r.verify(read.text) : "unsigned";
  if (signature === "invalid") {
    return eventsError(401, "invalid_signature", "the X-Sgen-Signature does not match this body, visitor and time");
  }
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch {
    return eventsError(400, "invalid_json", "the body is not JSON");
  }
  const parsed = parseCustomEvents(body, o.maxEventsPerRequest);
  if (!parsed.ok) {
    return eventsError(422, "validation_failed", "not a valid events body", parsed.problems);
  }
  let counted = 0;
  for (const e of parsed.value.events) {
    const goals = config.customGoals.get(e.name); // unknown names are ignored
    const held = config.holdouts.customGoals.get(e.name);
    if (goals === undefined && held === undefined) continue;
    if (signature !== "valid" && r.mustBeSigned(e.name)) {
      if (goals !== undefined) r.notCounted("unsigned", goals); // a holdout's count is left out alike
      continue;
    }
    if (goals !== undefined) counted += r.count(goals, e);
    if (held !== undefined) r.countHeld?.(held); // a holdout's count, not an experiment's: not in `counted`
  }
  let ack: Ack;
  try {
    ack = await r.commit();
  } catch (err) {
    o.log("sgen-ab: custom events could not be stored; the client was told to send them again", err);
    return eventsError(503, "not_stored", "the events could not be stored; sending them again loses nothing and counts nothing twice");
  }
  return json(202, { accepted: parsed.value.events.length, counted, ack });
}
