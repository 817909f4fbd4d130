// `POST /__sgen/events` (docs/conversions.md#custom-events): custom conversion events from the site's own script,
// the visitor known by its cookies. Answered 202 whatever is counted; bad bodies get the error shape.
import { type CustomEvent, parseCustomEvents } from "../core/custom-events.ts";
import type { CompiledConfig, GoalTarget } from "../core/edge-plan.ts";
import { errorBody } from "../core/errors.ts";
import { readBodyText } from "../http/read-body.ts";
import type { ResolvedEdgeOptions } from "./options.ts";

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", "x-content-type-options": "nosniff" },
  });

export async function handleCustomEvents<Env>(
  request: Request,
  config: CompiledConfig,
  o: ResolvedEdgeOptions<Env>,
  count: (goals: readonly GoalTarget[], event: CustomEvent) => number,
): Promise<Response> {
  if (request.method !== "POST") {
    return new Response(JSON.stringify(errorBody({ status: 400, code: "method_not_allowed", message: "use POST" })), {
      status: 405,
      headers: { allow: "POST", "content-type": "application/json", "x-content-type-options": "nosniff" },
    });
  }
  const read = await readBodyText(request, o.maxEventBodyBytes);
  if (!read.ok && read.reason === "too_large") {
    return json(413, errorBody({ status: 413, code: "body_too_large", message: `the body is larger than ${o.maxEventBodyBytes} bytes` }));
  }
  let body: unknown;
  try {
    if (!read.ok) throw new Error("not UTF-8");
    body = JSON.parse(read.text);
  } catch {
    return json(400, errorBody({ status: 400, code: "invalid_json", message: "the body is not JSON" }));
  }
  const parsed = parseCustomEvents(body, o.maxEventsPerRequest);
  if (!parsed.ok) {
    return json(422, errorBody({ status: 422, code: "validation_failed", message: "not a valid events body", issues: parsed.problems }));
  }
  let counted = 0;
  for (const e of parsed.value.events) {
    const goals = config.customGoals.get(e.name); // unknown names are ignored
    if (goals !== undefined) counted += count(goals, e);
  }
  return json(202, { accepted: parsed.value.events.length, counted });
}
