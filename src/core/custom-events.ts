// The body of `POST /__sgen/events` (docs/conversions.md#custom-events): `{"events":[{"name":"signup"}]}`, one to
// `maxEvents` events, each a name of the custom-event pattern and, for value goals, a `value` (a finite
// number from 0 to MAX_EVENT_VALUE currency units) and an optional `id` (the event's own identity, an
// order number say: a repeat of the same id counts once). Checked by hand, for the edge's path (no zod);
// test/workers/edge-parsers.test.ts holds it to the zod schema of the same body.
import { guarded, list, num, optional, type Parsed, type Shape, text } from "./checks.ts";
import { CUSTOM_EVENT_MESSAGE, CUSTOM_EVENT_NAME, EVENT_ID_MESSAGE, EVENT_ID_PATTERN, MAX_EVENT_VALUE } from "./field-rules.ts";

export type { Parsed, Problem } from "./checks.ts";

export interface CustomEvent {
  readonly name: string;
  /** Currency units; a value goal counts it in whole cents (rounded). */
  readonly value?: number;
  readonly id?: string;
}

export interface CustomEventsBody {
  readonly events: readonly CustomEvent[];
}

const EVENT: Shape<CustomEvent> = {
  name: text({ pattern: CUSTOM_EVENT_NAME, message: CUSTOM_EVENT_MESSAGE }),
  value: optional(num({ min: 0, max: MAX_EVENT_VALUE })),
  id: optional(text({ pattern: EVENT_ID_PATTERN, message: EVENT_ID_MESSAGE })),
};

export function parseCustomEvents(input: unknown, maxEvents: number): Parsed<CustomEventsBody> {
  const body: Shape<CustomEventsBody> = { events: list(1, maxEvents, (c, v, path) => c.fields(v, path, EVENT)) };
  return guarded("(body)", (c) => c.fields(input, [], body));
}
