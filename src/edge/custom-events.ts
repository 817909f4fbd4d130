// `POST /__sgen/events` (contract section 3): custom conversion events from the site's own script,
// the visitor known by its cookies. Answered 202 whatever is counted; bad bodies get the error shape.
import { customEventsBody } from "../core/custom-events.ts";
import type { CompiledConfig, GoalTarget } from "../core/edge-plan.ts";
import { errorBody, issuesOf } from "../core/errors.ts";
import type { ResolvedEdgeOptions } from "./options.ts";

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });

async function readLimited(request: Request, max: number): Promise<string | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > max || request.body === null) return declared > max ? null : "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

export async function handleCustomEvents<Env>(
  request: Request,
  config: CompiledConfig,
  o: ResolvedEdgeOptions<Env>,
  count: (goals: readonly GoalTarget[]) => number,
): Promise<Response> {
  if (request.method !== "POST") {
    return new Response(JSON.stringify(errorBody({ status: 400, code: "method_not_allowed", message: "use POST" })), {
      status: 405,
      headers: { allow: "POST", "content-type": "application/json" },
    });
  }
  const text = await readLimited(request, o.maxEventBodyBytes);
  if (text === null)
    return json(413, errorBody({ status: 413, code: "body_too_large", message: `the body is larger than ${o.maxEventBodyBytes} bytes` }));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return json(400, errorBody({ status: 400, code: "invalid_json", message: "the body is not JSON" }));
  }
  const parsed = customEventsBody(o.maxEventsPerRequest).safeParse(body);
  if (!parsed.success) {
    return json(
      422,
      errorBody({ status: 422, code: "validation_failed", message: "not a valid events body", issues: issuesOf(parsed.error) }),
    );
  }
  let counted = 0;
  for (const e of parsed.data.events) {
    const goals = config.customGoals.get(e.name); // unknown names are ignored
    if (goals !== undefined) counted += count(goals);
  }
  return json(202, { accepted: parsed.data.events.length, counted });
}
